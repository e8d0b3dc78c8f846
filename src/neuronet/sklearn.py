"""scikit-learn estimators: a neuronet Network behind the ``fit``/``predict`` contract that
scikit-learn's tools (Pipeline, GridSearchCV, cross_val_score) rely on, and a drop-in for
``sklearn.neural_network.MLPClassifier`` and ``MLPRegressor``: the same parameters with the same
names, defaults and meanings, the same fitted attributes, the same steps.

The core keeps PyTorch's conventions (mean-reduced losses, weight decay added to the gradient);
this module translates scikit-learn's onto them: ``alpha`` is weight decay on the weight
matrices only (``decay_bias=False``) divided by the batch's size (``decay_per_example=True``);
the regressor's loss is half the squared error summed over the targets
(``MeanSquaredError(scale=k / 2)``); multilabel cross-entropy is summed over the labels
(``BinaryCrossentropy(scale=k)``); Adam adds epsilon scikit-learn's way (``epsilon_hat=True``).
One step of each solver then equals scikit-learn's on the same weights and batch.

``NetClassifier`` learns class labels of any kind (ints, strings...) and yes/no label
indicator matrices (multilabel); ``NetRegressor`` learns one or several real targets, with the
squared error or the Poisson loss. X may be a SciPy sparse matrix. Needs the ``sklearn`` extra:
``pip install 'neuronet[sklearn]'``.
"""

from __future__ import annotations

import copy
import numbers
import warnings

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.utils import check_array
    from sklearn.utils.metaestimators import available_if
    from sklearn.utils.multiclass import check_classification_targets, type_of_target
    from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "neuronet.sklearn needs scikit-learn (1.6 or later): pip install 'neuronet[sklearn]'"
    ) from exc

from . import losses
from .callbacks import Callback
from .layers import Dense
from .network import Network
from .optimizers import LBFGS, SGD, Adam, Optimizer
from .schedules import InverseScaling, ReduceOnPlateau

ACTIVATIONS = ("identity", "logistic", "tanh", "relu", "sigmoid", "leaky_relu")
SOLVERS = ("lbfgs", "sgd", "adam")
LEARNING_RATES = ("constant", "invscaling", "adaptive")
#: scikit-learn's names of the output activations.
OUT_ACTIVATIONS = {"sigmoid": "logistic", "softmax": "softmax", "identity": "identity",
                   "exp": "exp"}
NON_FINITE = ("Solver produced non-finite parameter weights. The input data may contain large "
              "values and need to be preprocessed.")


class _NetEstimator(BaseEstimator):
    """What the classifier and the regressor share: settings, the network, the training loop
    with scikit-learn's stopping rules. Subclasses say how targets become network outputs."""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dtype=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dtype = dtype

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags

    # --- fitting ----------------------------------------------------------------------------

    def _fit(self, X, y, sample_weight, *, incremental, classes=None):
        self._check_settings()
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first = not hasattr(self, "network_") or not (incremental or self.warm_start)
        X, y = validate_data(self, X, y, reset=first, accept_sparse=["csr", "csc"],
                             dtype=(np.float64, np.float32), multi_output=True,
                             y_numeric=not isinstance(self, ClassifierMixin))
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X.shape[0])
        targets = self._prepare_targets(y, first, incremental, classes, sample_weight)
        # As scikit-learn, every fit draws its starting weights, validation split and orders of
        # examples from a RandomState made afresh from an int random_state (or the one given):
        # the same random_state then trains exactly as MLPClassifier does. Without one, the
        # network's own generator serves; NumPy's global state is never used.
        state = self.random_state
        if isinstance(state, numbers.Integral) and not isinstance(state, bool):
            state = np.random.RandomState(state)
        self._state = state if isinstance(state, np.random.RandomState) else None
        if first:
            dtype = np.dtype(self.dtype) if self.dtype is not None else X.dtype
            self.network_ = self._build_network(X.shape[1], targets.shape[1], dtype)
            self.n_iter_, self.t_ = 0, 0
            self.n_layers_ = len(self._sizes) + 2
            self.n_outputs_ = self.network_.n_outputs
            self.out_activation_ = OUT_ACTIVATIONS[self.network_.output_activation]
            self.loss_curve_ = []
            self._no_improvement_count = 0
            self._best_weights = self.network_.get_weights()
            early = self.early_stopping and not self._full_batch
            self.best_loss_ = None if early else np.inf
            self.validation_scores_ = [] if early else None
            self.best_validation_score_ = -np.inf if early else None
        if X.dtype != self.network_.dtype:
            X = X.astype(self.network_.dtype)
        if self._full_batch:
            self._fit_full_batch(X, targets, sample_weight)
        else:
            self._fit_stochastic(X, y, targets, sample_weight, incremental)
        if not all(np.isfinite(p).all() for p in self.network_.parameters()):
            raise ValueError(NON_FINITE)
        return self

    @property
    def _full_batch(self):
        solver = self.solver
        return solver == "lbfgs" or (isinstance(solver, Optimizer) and solver.full_batch)

    def _check_settings(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, numbers.Integral) else sizes
        try:
            sizes = list(sizes)
        except TypeError:
            sizes = None
        if sizes is None or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1 for s in sizes
        ):
            raise ValueError("hidden_layer_sizes must be whole numbers of units, at least 1 "
                             f"each, like (100,) or (64, 32); got {self.hidden_layer_sizes!r}")
        self._sizes = sizes
        _one_of(self.activation, ACTIVATIONS, "activation")
        if not isinstance(self.solver, Optimizer):
            _one_of(self.solver, SOLVERS, "solver", "or a neuronet optimizer object")
        _one_of(self.learning_rate, LEARNING_RATES, "learning_rate")
        for name in ("max_iter", "max_fun"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
        wait = self.n_iter_no_change
        if isinstance(wait, bool) or not (isinstance(wait, numbers.Integral) and wait >= 1
                                          or wait == np.inf):
            raise ValueError(f"n_iter_no_change must be a whole number of at least 1 or np.inf, "
                             f"got {wait!r}")
        if not (self.batch_size == "auto" or (
                isinstance(self.batch_size, numbers.Integral)
                and not isinstance(self.batch_size, bool) and self.batch_size >= 1)):
            raise ValueError(f"batch_size must be 'auto' or a whole number of at least 1, "
                             f"got {self.batch_size!r}")
        for name, low, closed in (("alpha", 0, True), ("tol", 0, True), ("power_t", 0, True),
                                  ("learning_rate_init", 0, False), ("epsilon", 0, False)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
                    value >= low if closed else value > low) or not np.isfinite(value):
                expected = "zero or more" if closed else "greater than zero"
                raise ValueError(f"{name} must be a finite number {expected}, got {value!r}")
        for name, high in (("momentum", 1), ("beta_1", 1), ("beta_2", 1),
                           ("validation_fraction", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
                    0 <= value < high) or (name == "validation_fraction" and value == 0):
                raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
        if self.dtype is not None and str(np.dtype(self.dtype)) not in ("float32", "float64"):
            raise ValueError(f"dtype must be None (that of X), 'float32' or 'float64', "
                             f"got {self.dtype!r}")

    def _build_network(self, n_inputs, n_outputs, dtype):
        hidden = "sigmoid" if self.activation == "logistic" else self.activation
        sizes = [n_inputs, *self._sizes, n_outputs]
        # scikit-learn's starting weights: Glorot's uniform range (narrower for the logistic
        # function), for the biases too, drawn in float64 so that float32 starts from the same
        # values. With an int or a RandomState as random_state they are drawn as scikit-learn
        # draws them (from a RandomState of their own, never NumPy's global one), so that the
        # same random_state starts both from the same weights.
        state = self._state
        factor = 2.0 if hidden == "sigmoid" else 6.0
        start = []
        for fan_in, fan_out in zip(sizes, sizes[1:]):
            bound = np.sqrt(factor / (fan_in + fan_out))
            draw = state.uniform if isinstance(state, np.random.RandomState) else None
            if draw is not None:
                start.append((draw(-bound, bound, (fan_in, fan_out)),
                              draw(-bound, bound, fan_out)))
            else:
                start.append(bound)
        layers = [Dense(a, b, hidden) for a, b in zip(sizes[:-2], sizes[1:-1])]
        layers.append(Dense(sizes[-2], n_outputs, self._output_activation))
        network = Network(layers, seed=self._seed(), dtype=dtype)
        for layer, first in zip(network.layers, start):
            if isinstance(first, tuple):
                layer.weights[...], layer.bias[...] = first
            else:  # no RandomState given: the network's own generator
                layer.weights[...] = network.rng.uniform(-first, first, layer.weights.shape)
                layer.bias[...] = network.rng.uniform(-first, first, layer.bias.shape)
        return network

    def _seed(self):
        # None stays None (fresh entropy): NumPy's global random state is never touched.
        state = self.random_state
        if state is None or isinstance(state, numbers.Integral):
            return state
        if isinstance(state, np.random.RandomState):
            return int(state.randint(np.iinfo(np.int32).max))
        if isinstance(state, np.random.Generator):
            return int(state.integers(np.iinfo(np.int32).max))
        raise ValueError(f"random_state must be None, an int, a RandomState or a Generator, "
                         f"got {state!r}")

    def _make_optimizer(self):
        if isinstance(self.solver, Optimizer):
            return copy.deepcopy(self.solver)  # its state must not leak between fits
        # scikit-learn's alpha: an L2 penalty on the weight matrices, per example of a batch.
        decay = dict(weight_decay=self.alpha, decay_bias=False, decay_per_example=True)
        if self.solver == "lbfgs":
            return LBFGS(tol=self.tol, max_fun=self.max_fun, **decay)
        if self.solver == "adam":
            return Adam(self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon,
                        epsilon_hat=True, **decay)
        schedule = None
        if self.learning_rate == "invscaling":
            schedule = InverseScaling(self.power_t, per="example")
        elif self.learning_rate == "adaptive":
            schedule = ReduceOnPlateau(factor=0.2, patience=None)
        return SGD(self.learning_rate_init, momentum=self.momentum,
                   nesterov=bool(self.nesterovs_momentum) and self.momentum > 0,
                   schedule=schedule, **decay)

    def _batch_size(self, n):
        if self.batch_size == "auto":
            return min(200, n)
        if self.batch_size > n:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going "
                          "to be clipped", stacklevel=4)
        return min(self.batch_size, n)

    def _penalty(self, n):
        """scikit-learn's L2 term of the loss, 0.5 * alpha * sum of squared weights / n."""
        if not self.alpha or isinstance(self.solver, Optimizer):
            return 0.0
        return 0.5 * self.alpha * sum(float(np.vdot(w, w)) for w in self.coefs_) / n

    def _fit_full_batch(self, X, targets, sample_weight):
        optimizer = self._optimizer = self._make_optimizer()
        n = X.shape[0] if sample_weight is None else float(sample_weight.sum())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # overflow while searching
            try:
                history = self.network_.fit(
                    X, targets, loss=self._loss_object(), optimizer=optimizer,
                    epochs=self.max_iter, metrics=[], sample_weight=sample_weight)
            except FloatingPointError:
                raise ValueError(NON_FINITE) from None
        result = optimizer.result
        self.n_iter_ = min(result.n_iter, self.max_iter)
        penalty = self._penalty(n)
        self.loss_ = (result.fun - penalty) / self._loss_divisor + penalty
        self.loss_curve_ = [value / self._loss_divisor + penalty for value in history.loss]
        if not result.converged:
            warnings.warn(f"lbfgs failed to converge after {self.n_iter_} iteration(s): "
                          f"{result.message}. Increase the number of iterations (max_iter, "
                          "max_fun) or scale the data.", ConvergenceWarning, stacklevel=3)

    def _fit_stochastic(self, X, y, targets, sample_weight, incremental):
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = self._make_optimizer()
            # The invscaling rate counts the examples of every fit, as scikit-learn's t_.
            self._optimizer.examples = self.t_
        early = self.early_stopping
        X_val = y_val = sw_val = None
        if early:
            X, targets, sample_weight, X_val, y_val, sw_val = self._split(
                X, y, targets, sample_weight)
        n_train = X.shape[0]
        batch_size = self._batch_size(n_train)
        if not incremental:
            self.n_iter_ = 0
        rule = _StoppingRule(self, X_val, y_val, sw_val, n_train, batch_size, incremental,
                             n_train if sample_weight is None else float(sample_weight.sum()))
        with warnings.catch_warnings():
            if early:
                warnings.simplefilter("ignore", RuntimeWarning)  # a diverging network
            try:
                self.network_.fit(
                    X, targets, loss=self._loss_object(), optimizer=self._optimizer,
                    epochs=1 if incremental else self.max_iter, batch_size=batch_size,
                    shuffle=self._order(n_train, batch_size), metrics=[],
                    callbacks=[rule], sample_weight=sample_weight)
            except FloatingPointError:
                if not early:
                    raise ValueError(NON_FINITE) from None
                # As scikit-learn records a diverged epoch: a NaN score, then the best weights.
                rule.diverged()
        if early:
            self.network_.set_weights(self._best_weights)
        if rule.reached_max_iter:
            warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                          "and the optimization hasn't converged yet.", ConvergenceWarning,
                          stacklevel=3)

    def _order(self, n_train, batch_size):
        """How fit orders the examples of each epoch."""
        if not self.shuffle:
            return False
        if self._state is None:
            return batch_size < n_train  # one batch: its order does not matter
        return _ShuffledAsScikitLearn(self._state, n_train)

    def _split(self, X, y, targets, sample_weight):
        # As scikit-learn: stratified by class for single-output classifiers only.
        stratify = None
        if isinstance(self, ClassifierMixin) and targets.shape[1] == 1:
            stratify = targets > 0.5
        state = self._state
        if state is None:
            state = int(self.network_.rng.integers(np.iinfo(np.int32).max))
        parts = [X, targets, y] + ([] if sample_weight is None else [sample_weight])
        parts = train_test_split(*parts, test_size=self.validation_fraction,
                                 random_state=state, stratify=stratify)
        X, X_val, targets, _, _, y_val = parts[:6]
        sw, sw_val = (None, None) if sample_weight is None else parts[6:]
        if X_val.shape[0] < 2:
            raise ValueError("The validation set is too small. Increase 'validation_fraction' "
                             f"or the size of your dataset (it holds {X_val.shape[0]} row of "
                             f"{X.shape[0] + X_val.shape[0]}; scores need 2 rows or more).")
        return X, targets, sw, X_val, y_val, sw_val

    # --- the fitted network -----------------------------------------------------------------

    def _predictor(self, X):
        """The network that predicts for X: the fitted one, or, for float64 rows given to a
        float32 network, a float64 copy of it. As with scikit-learn's estimators, predictions
        come in the wider of the two precisions, and a row's prediction then does not depend
        on the rows beside it (float32 matrix products round differently by batch shape)."""
        network = self.network_
        if np.promote_types(X.dtype, network.dtype) == network.dtype:
            return network
        return Network(copy.deepcopy(network.layers), dtype=X.dtype)

    def _logits(self, X):
        """The output layer's sums z for the rows of X (see ``_predictor``)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, accept_sparse=["csr", "csc"],
                          dtype=(np.float64, np.float32))
        network = self._predictor(X)
        z = network.predict(X, logits=True)
        _refuse_non_finite(z)
        return z, network.layers[-1].activation

    def _outputs(self, X):
        z, activation = self._logits(X)
        outputs = activation.forward(z, out=z)
        _refuse_non_finite(outputs)
        return outputs

    @property
    def coefs_(self):
        """The weight matrices, one per layer, shape (n_in, n_out) (as in MLPClassifier)."""
        check_is_fitted(self)
        return [layer.weights for layer in self.network_.layers]

    @property
    def intercepts_(self):
        """The bias vectors, one per layer."""
        check_is_fitted(self)
        return [layer.bias for layer in self.network_.layers]

    def to_onnx(self, path=None, *, dtype=None):
        """Write the fitted estimator as an ONNX model to ``path`` (if given) and return it;
        see ``neuronet.onnx.estimator_to_onnx``. Needs the ``onnx`` extra."""
        from .onnx import estimator_to_onnx

        return estimator_to_onnx(self, path, dtype=dtype)


class _ShuffledAsScikitLearn:
    """The orders of examples that MLPClassifier draws from a RandomState: every epoch, the
    previous order shuffled again."""

    def __init__(self, state, n):
        self.state, self.index = state, np.arange(n)

    def __call__(self, rows):
        self.index = self.index[self.state.permutation(len(self.index))]
        return rows[self.index]


def _stochastic(estimator) -> bool:
    return not estimator._full_batch


class _StoppingRule(Callback):
    """scikit-learn's bookkeeping after every epoch: n_iter_, t_, loss_ (with the L2 term),
    loss_curve_, validation scores and the best weights, the count of epochs without
    improvement, the "adaptive" learning rate, and when to stop."""

    def __init__(self, estimator, X_val, y_val, sw_val, n_train, batch_size, incremental,
                 total_weight):
        self.est, self.n_train, self.incremental = estimator, n_train, incremental
        self.total_weight = total_weight
        self.X_val, self.y_val, self.sw_val = X_val, y_val, sw_val
        self.batches = -(-n_train // batch_size)
        self.reached_max_iter = False
        self.penalty = 0.0

    def on_epoch_begin(self, epoch):
        # The L2 term of each batch's loss, with the weights as the epoch starts.
        self.penalty = self.est._penalty(self.total_weight) * self.batches

    def on_epoch_end(self, epoch, logs):
        return self._record(logs["loss"] / self.est._loss_divisor + self.penalty)

    def diverged(self):
        self._record(float("nan"), diverged=True)

    def _record(self, loss, diverged=False):
        est = self.est
        est.n_iter_ += 1
        est.t_ += self.n_train
        est.loss_ = loss
        est.loss_curve_.append(loss)
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {loss:.8f}")
        if est.early_stopping:
            score = np.nan if diverged else est._validation_score(self.X_val, self.y_val,
                                                                   self.sw_val)
            est.validation_scores_.append(float(score))
            if est.verbose:
                print(f"Validation score: {score:f}")
            if not score >= est.best_validation_score_ + est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            if score > est.best_validation_score_:
                est.best_validation_score_ = float(score)
                est._best_weights = est.network_.get_weights()
        else:
            if not loss <= est.best_loss_ - est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            if loss < est.best_loss_:
                est.best_loss_ = loss
        if diverged:
            return True
        if est._no_improvement_count > est.n_iter_no_change:
            what = "Validation score" if est.early_stopping else "Training loss"
            message = (f"{what} did not improve more than tol={est.tol:f} for "
                       f"{est.n_iter_no_change} consecutive epochs.")
            schedule = getattr(est._optimizer, "schedule", None)
            if isinstance(schedule, ReduceOnPlateau) and schedule.patience is None and (
                    est._optimizer.learning_rate > 1e-6):
                schedule.reduce(est._optimizer)
                est._no_improvement_count = 0
                if est.verbose:
                    print(f"{message} Setting learning rate to "
                          f"{est._optimizer.learning_rate:f}")
            else:
                if est.verbose:
                    print(f"{message} Stopping.")
                if not self.incremental:
                    return True
        if not self.incremental and est.n_iter_ == est.max_iter:
            self.reached_max_iter = True
        return None


class NetClassifier(ClassifierMixin, _NetEstimator):
    """A neural-network classifier, a drop-in for scikit-learn's MLPClassifier: hidden layers of
    ``activation`` units, then a sigmoid output for two classes (or for each label of a
    multilabel problem) or a softmax over several classes, trained on cross-entropy. Its
    parameters are MLPClassifier's, with the same names, defaults and meanings.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
        Units in each hidden layer.
    activation : "relu", "tanh", "logistic" (or "sigmoid"), "identity"; also "leaky_relu".
    solver : "adam", "sgd", "lbfgs" (full-batch, best on small data) or a neuronet optimizer
        object (used as it is, copied at each fit; ``alpha`` and the learning-rate settings
        then do not apply).
    alpha : L2 penalty on the weight matrices (not the biases), 0.5 * alpha * ||W||^2 added to
        each batch's summed loss: the gradient gains alpha * W / batch size.
    batch_size : int or "auto" (min(200, n_samples)); examples per step (sgd and adam).
    learning_rate : "constant", "invscaling" (learning_rate_init / (t + 1) ** power_t, t the
        examples seen) or "adaptive" (divided by 5 whenever the loss stalls): for sgd.
    learning_rate_init, power_t, momentum, nesterovs_momentum : sgd's settings (the first also
        adam's); beta_1, beta_2, epsilon : adam's.
    max_iter : epochs at most (sgd, adam), iterations at most (lbfgs).
    max_fun : evaluations of the loss at most (lbfgs).
    shuffle : draw a new order of examples each epoch (when there is more than one batch).
    random_state : None, int, RandomState or Generator; an int makes training repeatable.
    tol, n_iter_no_change : stop when the loss (or, with ``early_stopping``, the validation
        accuracy) has not improved by ``tol`` for more than ``n_iter_no_change`` epochs
        (np.inf: never); for lbfgs, ``tol`` bounds the gradient.
    early_stopping : hold out ``validation_fraction`` of the data (stratified for two classes)
        and keep the weights of the epoch that scored best on it (sgd and adam).
    verbose : print "Iteration N, loss = ..." after every epoch.
    warm_start : a new ``fit`` continues from the current weights.
    dtype : None (that of X: float32 stays float32, anything else is float64), "float32" or
        "float64": the arithmetic of training. Predictions come in the wider of this and the
        dtype of the X they are asked for (float64 rows: float64 predictions), as
        scikit-learn's estimators give them.

    Attributes
    ----------
    classes_, n_features_in_, feature_names_in_ (for DataFrames), n_iter_ (epochs of the last
    fit), loss_ (with the L2 term), loss_curve_, best_loss_, validation_scores_,
    best_validation_score_, t_ (examples seen), coefs_, intercepts_, n_layers_, n_outputs_,
    out_activation_, network_ (the neuronet Network).

    Differences from MLPClassifier: with sample weights and several batches per epoch, the
    weights are normalized over the whole training set rather than within each batch; with
    momentum and a changing learning rate ("invscaling", "adaptive") the momentum buffer holds
    gradients (PyTorch's form) rather than past steps.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    @property
    def _loss_divisor(self):
        return 1.0

    def _loss_object(self):
        if self._output_activation == "softmax":
            return losses.CategoricalCrossentropy()
        # scikit-learn sums the cross-entropy over the labels of a multilabel problem.
        return losses.BinaryCrossentropy(scale=self.n_outputs_)

    def fit(self, X, y, sample_weight=None):
        """Learn from inputs X (n_samples, n_features), dense or sparse, and labels y
        (n_samples,), or a 0/1 label indicator matrix (n_samples, n_labels);
        ``sample_weight`` weights the examples."""
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(_stochastic)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over (X, y) from the current weights (sgd and adam). The first call needs
        ``classes``, every label that any call may see (not needed for a label indicator
        matrix); later calls may repeat it, unchanged. ``early_stopping`` does not apply: the
        caller decides when to stop."""
        if not hasattr(self, "network_") and classes is None and (
                np.ndim(y) != 2 or type_of_target(y) != "multilabel-indicator"):
            raise ValueError("the first call to partial_fit needs classes=, all the labels "
                             "that y may hold in any call")
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _prepare_targets(self, y, first, incremental, classes, sample_weight):
        kind = type_of_target(y)
        multilabel = kind == "multilabel-indicator"
        if not first and incremental and classes is not None and not multilabel:
            given = np.unique(np.asarray(classes))
            if not np.array_equal(given, self.classes_):
                raise ValueError(f"`classes={given}` is not the same as on the first call to "
                                 f"partial_fit, which was {self.classes_}")
        if first:
            check_classification_targets(y)
            self._multilabel = multilabel
            if multilabel:
                self.classes_ = np.arange(y.shape[1])
                self._label_dtype = y.dtype
            else:
                y = column_or_1d(y, warn=True)
                self.classes_ = np.unique(y if classes is None else np.asarray(classes))
            k = len(self.classes_)
            self._output_activation = "softmax" if k > 2 and not multilabel else "sigmoid"
        elif self._multilabel != multilabel or (multilabel and y.shape[1] != len(self.classes_)):
            raise ValueError(f"y is {kind}, but {type(self).__name__} was fitted on "
                             f"{'a label indicator matrix' if self._multilabel else 'labels'} "
                             f"with {len(self.classes_)} classes")
        if self._multilabel:
            check_classification_targets(y)
            return np.asarray(y, dtype=np.float64)
        y = column_or_1d(y, warn=True)
        if not first and not incremental and self.warm_start:
            found = np.unique(y)
            if not np.array_equal(found, self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the "
                    f"previous call to fit. Previously got {self.classes_}, `y` has {found}")
        index = np.searchsorted(self.classes_, y)
        index[index == len(self.classes_)] = 0
        unknown = self.classes_[index] != y
        if unknown.any():
            raise ValueError(f"y holds the label {y[unknown][0]!r}, which is not among the "
                             f"classes {list(self.classes_)} that the classifier knows")
        if self._output_activation == "sigmoid":
            return (index == 1).astype(np.float64)[:, None]
        onehot = np.zeros((len(y), len(self.classes_)))
        onehot[np.arange(len(y)), index] = 1
        return onehot

    def _validation_score(self, X, y, sample_weight):
        outputs = self.network_.predict(X)
        if not np.isfinite(outputs).all():
            return np.nan
        return accuracy_score(y, self._labels(outputs), sample_weight=sample_weight)

    def _probabilities(self, outputs):
        if self._multilabel or outputs.shape[1] > 1:
            return outputs
        p = outputs[:, 0]
        return np.column_stack([1 - p, p])

    def _labels(self, outputs):
        if self._multilabel:
            return (outputs > 0.5).astype(self._label_dtype)
        if len(self.classes_) == 1:
            return np.repeat(self.classes_, len(outputs))
        return self.classes_[np.argmax(self._probabilities(outputs), axis=1)]

    def predict(self, X):
        """The most probable class of each row of X (for multilabel: each label whose
        probability is above one half). Outputs that are not finite (a network whose sums
        overflowed) raise ValueError rather than get a label."""
        return self._labels(self._outputs(X))

    def predict_proba(self, X):
        """Each class's probability, shape (n_samples, n_classes), columns in ``classes_``."""
        return self._probabilities(self._outputs(X))

    def decision_function(self, X):
        """The output layer's sums z before the sigmoid or softmax ("logits"): shape
        (n_samples,) for two classes (positive means the second class), else one column per
        class or label."""
        z, _ = self._logits(X)
        return z[:, 0] if z.shape[1] == 1 and not self._multilabel else z

    def predict_log_proba(self, X):
        """The log of ``predict_proba``."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))


class NetRegressor(RegressorMixin, _NetEstimator):
    """A neural-network regressor, a drop-in for scikit-learn's MLPRegressor: hidden layers of
    ``activation`` units, then one identity output per target trained on half the squared
    error (``loss="squared_error"``), or one exp output per target trained on the Poisson
    deviance (``loss="poisson"``, for counts and rates). y may have several columns.

    Parameters and attributes are those of ``NetClassifier`` (without ``classes_``), with
    ``loss`` first; early stopping scores the validation set with R². The loss is half the
    squared error summed over the targets and averaged over the examples (its gradient is
    scikit-learn's; scikit-learn reports that sum divided by the number of targets as
    ``loss_``, and so does NetRegressor).
    """

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *,
                 solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 dtype=None):
        super().__init__(
            hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init,
            power_t=power_t, max_iter=max_iter, shuffle=shuffle, random_state=random_state,
            tol=tol, verbose=verbose, warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun, dtype=dtype)
        self.loss = loss

    @property
    def _output_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    @property
    def _loss_divisor(self):
        return float(self.n_outputs_) if self.loss == "squared_error" else 1.0

    def _loss_object(self):
        if self.loss == "poisson":
            return losses.Poisson(scale=self.n_outputs_)
        return losses.MeanSquaredError(scale=self.n_outputs_ / 2)

    def _check_settings(self):
        _one_of(self.loss, ("squared_error", "poisson"), "loss")
        super()._check_settings()

    def fit(self, X, y, sample_weight=None):
        """Learn from inputs X (n_samples, n_features), dense or sparse, and targets y
        (n_samples,) or (n_samples, n_targets); ``sample_weight`` weights the examples."""
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(_stochastic)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over (X, y), continuing from the current weights (sgd and adam)."""
        return self._fit(X, y, sample_weight, incremental=True)

    def _prepare_targets(self, y, first, incremental, classes, sample_weight):
        y = np.asarray(y, dtype=np.float64)
        targets = y[:, None] if y.ndim == 1 else y
        if not first and targets.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {targets.shape[1]} targets, but the regressor was fitted "
                             f"on {self.n_outputs_}")
        if self.loss == "poisson" and (targets < 0).any():
            raise ValueError("loss='poisson' needs targets of zero or more (counts, rates); "
                             f"y holds {targets.min():g}")
        if first:
            # As scikit-learn: one target gives predictions of shape (n_samples,).
            self._y_ndim = 1 if targets.shape[1] == 1 else 2
        return targets

    def _validation_score(self, X, y, sample_weight):
        outputs = self.network_.predict(X)
        if not np.isfinite(outputs).all():
            return np.nan
        return r2_score(y, self._shaped(outputs), sample_weight=sample_weight)

    def _shaped(self, outputs):
        return outputs[:, 0] if self._y_ndim == 1 else outputs

    def predict(self, X):
        """The predicted targets for the rows of X: shape (n_samples,) for one target, else
        (n_samples, n_targets). Outputs that are not finite raise ValueError."""
        return self._shaped(self._outputs(X))


def _one_of(value, allowed, name, extra=""):
    if not isinstance(value, str) or value not in allowed:
        options = ", ".join(map(repr, allowed))
        raise ValueError(f"{name} must be one of {options}{' ' + extra if extra else ''}; "
                         f"got {value!r}")


def _refuse_non_finite(outputs):
    bad = ~np.isfinite(outputs).all(axis=1)
    if bad.any():
        rows = np.flatnonzero(bad)
        shown = ", ".join(str(r) for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
        raise ValueError(f"the network's outputs are not finite (NaN or infinity) for "
                         f"{len(rows)} row(s) of X: {shown}; its sums overflowed, so these rows "
                         "get no prediction (scale the inputs, or train with a smaller "
                         "learning rate)")


def _check_sample_weight(sample_weight, n):
    sample_weight = check_array(sample_weight, ensure_2d=False, dtype=np.float64,
                                input_name="sample_weight")
    if sample_weight.shape != (n,):
        raise ValueError(f"sample_weight has shape {sample_weight.shape}; expected one weight "
                         f"per example, shape ({n},)")
    if (sample_weight < 0).any():
        raise ValueError("sample_weight holds negative weights; expected zero or more")
    if not sample_weight.any():
        raise ValueError("Sample weights must contain at least one non-zero number "
                         "(every sample_weight is zero)")
    return sample_weight


# skl2onnx converts pipelines that end in these estimators once it knows them: told now if it is
# imported already, else when it is (importing it here would cost every user a second).
from .skl2onnx import register_when_imported  # noqa: E402

register_when_imported(NetClassifier, NetRegressor)
