"""What the classifier and the regressor share: their settings, the network they build, and
the training loop with scikit-learn's stopping rules.

``NetEstimator`` translates scikit-learn's conventions onto the core's (mean-reduced losses,
weight decay added to the gradient): ``alpha`` is weight decay on the weight matrices only
(``decay_bias=False``) divided by the batch's size (``decay_per_example=True``); Adam adds
epsilon scikit-learn's way (``epsilon_hat=True``). The subclasses say how targets become
network outputs and which loss they learn. After each epoch ``_StoppingRule`` keeps
scikit-learn's books (``n_iter_``, ``loss_curve_``, the validation scores, the best weights)
and decides when to stop.
"""

from __future__ import annotations

import copy
import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted, validate_data

from ..callbacks import Callback
from ..layers import Dense
from ..network import Network
from ..optimizers import LBFGS, SGD, Adam, Optimizer
from ..schedules import InverseScaling, ReduceOnPlateau
from .validation import NON_FINITE, check_sample_weight, check_settings, refuse_non_finite

__all__ = ["NetEstimator", "is_stochastic"]

#: scikit-learn's names of the output activations.
OUT_ACTIVATIONS = {"sigmoid": "logistic", "softmax": "softmax", "identity": "identity",
                   "exp": "exp"}


class NetEstimator(BaseEstimator):
    """What NetClassifier and NetRegressor share: scikit-learn's MLP settings, the network
    they build, and the training loop with scikit-learn's stopping rules.

    Not meant to be fitted itself: a subclass says how targets become network outputs
    (``_prepare_targets``), which loss it learns (``_loss_object``), how the loss is reported
    (``_loss_divisor``) and how early stopping scores (``_validation_score``).

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default (100,)
        Units in each hidden layer.
    activation : str, default "relu"
        The hidden layers' activation, one of ``validation.ACTIVATIONS``.
    solver : str or neuronet.optimizers.Optimizer, default "adam"
        "adam", "sgd", "lbfgs" or an optimizer object (copied at each fit).
    alpha : float, default 0.0001
        L2 penalty on the weight matrices.
    batch_size : int or "auto", default "auto"
        Examples per step; "auto" is min(200, n_samples).
    learning_rate : str, default "constant"
        sgd's schedule: "constant", "invscaling" or "adaptive".
    learning_rate_init : float, default 0.001
        The first learning rate (sgd and adam).
    power_t : float, default 0.5
        The exponent of "invscaling".
    max_iter : int, default 200
        Epochs at most (sgd, adam), iterations at most (lbfgs).
    shuffle : bool, default True
        Draw a new order of examples each epoch.
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator, default None
        What draws the starting weights, the orders and the validation split.
    tol : float, default 1e-4
        The improvement that counts.
    verbose : bool, default False
        Print the loss after every epoch.
    warm_start : bool, default False
        A new ``fit`` continues from the current weights.
    momentum : float, default 0.9
        sgd's momentum.
    nesterovs_momentum : bool, default True
        Nesterov's form of momentum.
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the data and keep the best-scoring weights.
    validation_fraction : float, default 0.1
        The share held out for early stopping.
    beta_1 : float, default 0.9
        Adam's decay of the first moment.
    beta_2 : float, default 0.999
        Adam's decay of the second moment.
    epsilon : float, default 1e-8
        Adam's epsilon.
    n_iter_no_change : int or numpy.inf, default 10
        Epochs without improvement before stopping.
    max_fun : int, default 15000
        Evaluations of the loss at most (lbfgs).
    dtype : None, "float32" or "float64", default None
        The arithmetic of training (None: that of X).
    """

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
        self._sizes = self._check_settings()
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first = not hasattr(self, "network_") or not (incremental or self.warm_start)
        X, y = validate_data(self, X, y, reset=first, accept_sparse=["csr", "csc"],
                             dtype=(np.float64, np.float32), multi_output=True,
                             y_numeric=not isinstance(self, ClassifierMixin))
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X.shape[0])
        targets, sample_weight = self._prepare_targets(y, first, incremental, classes,
                                                       sample_weight)
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
        """Check the settings (``validation.check_settings``); return the hidden sizes."""
        return check_settings(self)

    # What a subclass defines: how targets become network outputs, the loss, its report and
    # the validation score of early stopping.
    def _prepare_targets(self, y, first, incremental, classes, sample_weight):
        """(the network's targets, the examples' weights) for y."""
        raise NotImplementedError

    def _loss_object(self):
        raise NotImplementedError

    @property
    def _loss_divisor(self):
        raise NotImplementedError

    def _validation_score(self, X, y, sample_weight):
        raise NotImplementedError

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
        # The layers' own weights, not ``coefs_``: its fitted check, once an epoch, would cost
        # a few per cent of a small network's fit.
        weights = (layer.weights for layer in self.network_.layers)
        return 0.5 * self.alpha * sum(float(np.vdot(w, w)) for w in weights) / n

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
        refuse_non_finite(z)
        return z, network.layers[-1].activation

    def _outputs(self, X):
        z, activation = self._logits(X)
        outputs = activation.forward(z, out=z)
        refuse_non_finite(outputs)
        return outputs

    @property
    def coefs_(self):
        """The weight matrices, one per layer, shape (n_in, n_out) (as in MLPClassifier).

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        """
        check_is_fitted(self)
        return [layer.weights for layer in self.network_.layers]

    @property
    def intercepts_(self):
        """The bias vectors, one per layer.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        """
        check_is_fitted(self)
        return [layer.bias for layer in self.network_.layers]

    def to_onnx(self, path=None, *, dtype=None):
        """Write the fitted estimator as an ONNX model to ``path`` (if given) and return it.

        See ``neuronet.onnx.estimator_to_onnx``. Needs the ``onnx`` extra.

        Parameters
        ----------
        path : str or os.PathLike, optional
            Where to write the model (written atomically); None writes nothing.
        dtype : None, "float32" or "float64", default None
            The model's arithmetic (None: that of the network).

        Returns
        -------
        onnx.ModelProto
            The model.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        """
        from ..onnx import estimator_to_onnx

        return estimator_to_onnx(self, path, dtype=dtype)


class _ShuffledAsScikitLearn:
    """The orders of examples that MLPClassifier draws from a RandomState: every epoch, the
    previous order shuffled again."""

    def __init__(self, state, n):
        self.state, self.index = state, np.arange(n)

    def __call__(self, rows):
        self.index = self.index[self.state.permutation(len(self.index))]
        return rows[self.index]


def is_stochastic(estimator) -> bool:
    """Whether the estimator trains by batches (sgd, adam), so that ``partial_fit`` applies.

    Parameters
    ----------
    estimator : NetEstimator
        A NetClassifier or NetRegressor.

    Returns
    -------
    bool
        True for a stochastic solver, False for a full-batch one (lbfgs).
    """
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


