"""scikit-learn estimators: a neuronet Network behind the ``fit``/``predict`` contract that
scikit-learn's tools (Pipeline, GridSearchCV, cross_val_score) rely on. The settings are
named as in ``sklearn.neural_network.MLPClassifier`` where they mean the same thing.

``NetClassifier`` learns class labels of any kind (ints, strings...) and yes/no label
indicator matrices (multilabel); ``NetRegressor`` learns one or several real targets.
Needs the ``sklearn`` extra: ``pip install 'neuronet[sklearn]'``.
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
    from sklearn.utils.multiclass import check_classification_targets, type_of_target
    from sklearn.utils.validation import (
        FLOAT_DTYPES,
        check_is_fitted,
        column_or_1d,
        validate_data,
    )
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "neuronet.sklearn needs scikit-learn (1.6 or later): pip install 'neuronet[sklearn]'"
    ) from exc

from .layers import Dense
from .network import Network
from .optimizers import SGD, Adam, Optimizer

ACTIVATIONS = ("relu", "tanh", "sigmoid", "logistic", "leaky_relu", "identity")


class _NetEstimator(BaseEstimator):
    """What the classifier and the regressor share: settings, the network, the training loop
    with its stopping rules. Subclasses say how targets become network outputs and back."""

    _loss = None  # set by _prepare_targets for the classifier, fixed for the regressor

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        optimizer="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate_init=0.001,
        epochs=200,
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
        dtype="float64",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.epochs = epochs
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
        self.dtype = dtype

    # --- fitting ----------------------------------------------------------------------------

    def _fit(self, X, y, sample_weight, *, incremental, classes=None):
        self._check_settings()
        first = not hasattr(self, "network_") or not (incremental or self.warm_start)
        X, y = validate_data(self, X, y, reset=first, dtype=FLOAT_DTYPES, multi_output=True,
                             y_numeric=not isinstance(self, ClassifierMixin))
        n = len(X)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, n)
        targets = self._prepare_targets(y, first, classes, sample_weight)
        if first:
            self.network_ = self._build_network(X.shape[1], targets.shape[1])
            self.n_iter_, self.t_, self.loss_curve_ = 0, 0, []
            self.n_layers_ = len(self.network_.layers) + 1
            self.n_outputs_ = self.network_.n_outputs
            self.out_activation_ = self.network_.output_activation
        if first or not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = self._make_optimizer()

        X_val = y_val = sw_val = None
        early = self.early_stopping and not incremental
        if early:
            X, targets, sample_weight, X_val, y_val, sw_val = self._split(
                X, targets, y, sample_weight)
        n_train = len(X)
        batch_size = self._batch_size(n_train)
        if not incremental or first:
            self.best_loss_ = None if early else np.inf
            self.validation_scores_ = [] if early else None
            self.best_validation_score_ = -np.inf if early else None
        best_weights, waited = None, 0

        def after_epoch(epoch, logs):
            nonlocal best_weights, waited
            self.n_iter_ += 1
            self.t_ += n_train
            loss = logs["loss"]
            self.loss_curve_.append(loss)
            self.loss_ = loss
            if incremental:
                return False
            if early:
                score = self._score_outputs(X_val, y_val, sw_val)
                self.validation_scores_.append(score)
                waited = waited + 1 if score < self.best_validation_score_ + self.tol else 0
                if score > self.best_validation_score_:
                    self.best_validation_score_ = score
                    best_weights = self.network_.get_weights()
            else:
                waited = waited + 1 if loss > self.best_loss_ - self.tol else 0
                self.best_loss_ = min(self.best_loss_, loss)
            return waited > self.n_iter_no_change

        epochs = 1 if incremental else self.epochs
        history = self.network_.fit(
            X, targets, loss=self._loss, optimizer=self._optimizer, epochs=epochs,
            batch_size=batch_size, shuffle=bool(self.shuffle) and batch_size < n_train,
            metrics=[], progress=bool(self.verbose), callbacks=[after_epoch],
            sample_weight=sample_weight,
        )
        if best_weights is not None:
            self.network_.set_weights(best_weights)
        if not incremental and history.epochs == self.epochs and waited <= self.n_iter_no_change:
            warnings.warn(
                f"{type(self).__name__} ran all {self.epochs} epochs without the "
                f"{'validation score' if early else 'loss'} settling (tol={self.tol}); "
                "raise epochs, or scale the inputs", ConvergenceWarning, stacklevel=3)
        return self

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
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(map(repr, ACTIVATIONS))}; "
                             f"got {self.activation!r}")
        for name in ("epochs", "n_iter_no_change"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
        if not (self.batch_size == "auto" or (
                isinstance(self.batch_size, numbers.Integral)
                and not isinstance(self.batch_size, bool) and self.batch_size >= 1)):
            raise ValueError(f"batch_size must be 'auto' or a whole number of at least 1, "
                             f"got {self.batch_size!r}")
        if not (isinstance(self.tol, numbers.Real) and self.tol >= 0):
            raise ValueError(f"tol must be a number of zero or more, got {self.tol!r}")
        if not (isinstance(self.validation_fraction, numbers.Real)
                and 0 < self.validation_fraction < 1):
            raise ValueError("validation_fraction must be a fraction between 0 and 1, "
                             f"got {self.validation_fraction!r}")
        if str(np.dtype(self.dtype)) not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}")
        self._sizes = sizes

    def _build_network(self, n_inputs, n_outputs):
        hidden = "sigmoid" if self.activation == "logistic" else self.activation
        sizes = [n_inputs, *self._sizes]
        layers = [Dense(a, b, hidden, init=_init_for(hidden)) for a, b in zip(sizes, sizes[1:])]
        layers.append(Dense(sizes[-1], n_outputs, self._output_activation))
        return Network(layers, seed=self._seed(), dtype=np.dtype(self.dtype))

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
        if isinstance(self.optimizer, Optimizer):
            return copy.deepcopy(self.optimizer)  # its state must not leak between fits
        name = self.optimizer.lower() if isinstance(self.optimizer, str) else None
        if name == "adam":
            return Adam(self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon,
                        weight_decay=self.alpha)
        if name == "sgd":
            return SGD(self.learning_rate_init, momentum=self.momentum,
                       nesterov=bool(self.nesterovs_momentum) and self.momentum > 0,
                       weight_decay=self.alpha)
        raise ValueError(f"optimizer must be 'adam', 'sgd' or a neuronet Optimizer, "
                         f"got {self.optimizer!r}")

    def _batch_size(self, n):
        return min(200 if self.batch_size == "auto" else self.batch_size, n)

    def _split(self, X, targets, y, sample_weight):
        stratify = y if self._stratify else None
        seed = int(self.network_.rng.integers(np.iinfo(np.int32).max))
        parts = [X, targets, y] + ([] if sample_weight is None else [sample_weight])
        try:
            parts = train_test_split(*parts, test_size=self.validation_fraction,
                                     random_state=seed, stratify=stratify)
        except ValueError as exc:
            raise ValueError(f"early_stopping could not set aside a validation set of "
                             f"validation_fraction={self.validation_fraction}: {exc}") from None
        X, X_val, targets, _, _, y_val = parts[:6]
        sw, sw_val = (None, None) if sample_weight is None else parts[6:]
        return X, targets, sw, X_val, y_val, sw_val

    # --- the fitted network -----------------------------------------------------------------

    def _outputs(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=FLOAT_DTYPES)
        return self.network_.predict(X)

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


class NetClassifier(ClassifierMixin, _NetEstimator):
    """A neural-network classifier: hidden layers of ``activation`` units, then a sigmoid
    output for two classes (or for each label of a multilabel problem) or a softmax over
    several classes, trained on cross-entropy.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
        Units in each hidden layer.
    activation : "relu", "tanh", "sigmoid" (or "logistic"), "leaky_relu" or "identity"
        The hidden layers' activation.
    optimizer : "adam", "sgd" or a neuronet Optimizer (used as it is; copied at each fit)
    alpha : L2 penalty: each gradient gains ``alpha * w`` (weight decay), for named optimizers.
    batch_size : int or "auto" (min(200, n_samples)); examples per step.
    learning_rate_init, beta_1, beta_2, epsilon : Adam's settings.
    momentum, nesterovs_momentum : SGD's settings.
    epochs : passes over the data at most (MLPClassifier's ``max_iter``).
    shuffle : draw a new order of examples each epoch (when there is more than one batch).
    random_state : None, int, RandomState or Generator; an int makes training repeatable.
    tol, n_iter_no_change : stop when the loss (or, with ``early_stopping``, the validation
        accuracy) has not improved by ``tol`` for more than ``n_iter_no_change`` epochs.
    early_stopping : hold out ``validation_fraction`` of the data (stratified) and keep the
        weights of the epoch that scored best on it.
    verbose : show a progress bar.
    warm_start : a new ``fit`` continues from the current weights.
    dtype : "float64" or "float32" (faster).

    Attributes
    ----------
    classes_, n_features_in_, feature_names_in_ (for DataFrames), n_iter_ (epochs run),
    loss_, loss_curve_, best_loss_, validation_scores_, best_validation_score_, t_ (examples
    seen), coefs_, intercepts_, n_layers_, n_outputs_, out_activation_, network_ (the
    neuronet Network).
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y, sample_weight=None):
        """Learn from inputs X (n_samples, n_features) and labels y (n_samples,), or a 0/1
        label indicator matrix (n_samples, n_labels); ``sample_weight`` weights the examples."""
        return self._fit(X, y, sample_weight, incremental=False)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over (X, y) from the current weights. The first call needs ``classes``,
        every label that any call may see (not needed for a label indicator matrix).
        ``early_stopping`` and the stopping rule do not apply: the caller decides when to stop."""
        if not hasattr(self, "network_") and classes is None and (
                np.ndim(y) != 2 or type_of_target(y) != "multilabel-indicator"):
            raise ValueError("the first call to partial_fit needs classes=, all the labels "
                             "that y may hold in any call")
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _prepare_targets(self, y, first, classes, sample_weight):
        kind = type_of_target(y)
        if first:
            check_classification_targets(y)
            self._multilabel = kind == "multilabel-indicator"
            if self._multilabel:
                self.classes_ = np.arange(y.shape[1])
                self._label_dtype = y.dtype
            else:
                y = column_or_1d(y, warn=True)
                found = np.unique(y)
                self.classes_ = found if classes is None else np.unique(np.asarray(classes))
            if len(self.classes_) < 2 and not self._multilabel:
                raise ValueError(f"{type(self).__name__} needs examples of at least 2 classes, "
                                 f"but y holds only one class: {self.classes_[0]!r}")
            self._output_activation = "softmax" if len(self.classes_) > 2 else "sigmoid"
            if self._multilabel:
                self._output_activation = "sigmoid"
            self._loss = ("categorical_crossentropy" if self._output_activation == "softmax"
                          else "binary_crossentropy")
        elif self._multilabel != (kind == "multilabel-indicator") or (
                self._multilabel and y.shape[1] != len(self.classes_)):
            raise ValueError(f"y is {kind}, but {type(self).__name__} was fitted on "
                             f"{'a label indicator matrix' if self._multilabel else 'labels'} "
                             f"with {len(self.classes_)} classes")
        if self._multilabel:
            check_classification_targets(y)
            return np.asarray(y, dtype=np.float64)
        y = column_or_1d(y, warn=True)
        index = np.searchsorted(self.classes_, y)
        index[index == len(self.classes_)] = 0
        unknown = self.classes_[index] != y
        if unknown.any():
            raise ValueError(f"y holds the label {y[unknown][0]!r}, which is not among the "
                             f"classes {list(self.classes_)} that the classifier knows")
        if first and sample_weight is not None:
            weighted = np.unique(index[sample_weight > 0])
            if len(weighted) < 2:
                raise ValueError("sample_weight is zero for every example of all classes but "
                                 f"one ({self.classes_[weighted[0]]!r}); a classifier needs "
                                 "weighted examples of at least 2 classes")
        if self._output_activation == "sigmoid":
            return (index == 1).astype(np.float64)[:, None]
        onehot = np.zeros((len(y), len(self.classes_)))
        onehot[np.arange(len(y)), index] = 1
        return onehot

    @property
    def _stratify(self):
        return not self._multilabel

    def _score_outputs(self, X, y, sample_weight):
        return accuracy_score(y, self._labels(self.network_.predict(X)),
                              sample_weight=sample_weight)

    def _probabilities(self, outputs):
        if self._multilabel or outputs.shape[1] > 1:
            return outputs
        p = outputs[:, 0]
        return np.column_stack([1 - p, p])

    def _labels(self, outputs):
        if self._multilabel:
            return (outputs > 0.5).astype(self._label_dtype)
        return self.classes_[np.argmax(self._probabilities(outputs), axis=1)]

    def predict(self, X):
        """The most probable class of each row of X (for multilabel: each label whose
        probability is above one half)."""
        return self._labels(self._outputs(X))

    def predict_proba(self, X):
        """Each class's probability, shape (n_samples, n_classes), columns in ``classes_``."""
        return self._probabilities(self._outputs(X))

    def decision_function(self, X):
        """The output layer's sums z before the sigmoid or softmax ("logits"): shape
        (n_samples,) for two classes (positive means the second class), else one column per
        class or label."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=FLOAT_DTYPES)
        inputs = self.network_.check_inputs(X)
        *body, last = self.network_.layers
        for layer in body:
            inputs = layer.forward(inputs)
        z = last.sums(inputs)
        return z[:, 0] if z.shape[1] == 1 and not self._multilabel else z

    def predict_log_proba(self, X):
        """The log of ``predict_proba``."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))


class NetRegressor(RegressorMixin, _NetEstimator):
    """A neural-network regressor: hidden layers of ``activation`` units, then one identity
    output per target, trained on the mean squared error. y may have several columns.

    Parameters and attributes are those of ``NetClassifier`` (without ``classes_``); early
    stopping scores the validation set with R².
    """

    _loss = "mse"
    _output_activation = "identity"
    _stratify = False

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y, sample_weight=None):
        """Learn from inputs X (n_samples, n_features) and targets y (n_samples,) or
        (n_samples, n_targets); ``sample_weight`` weights the examples."""
        return self._fit(X, y, sample_weight, incremental=False)

    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over (X, y), continuing from the current weights."""
        return self._fit(X, y, sample_weight, incremental=True)

    def _prepare_targets(self, y, first, classes, sample_weight):
        y = np.asarray(y, dtype=np.float64)
        if first:
            self._y_ndim = y.ndim
        targets = y[:, None] if y.ndim == 1 else y
        if not first and targets.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {targets.shape[1]} targets, but the regressor was fitted "
                             f"on {self.n_outputs_}")
        return targets

    def _score_outputs(self, X, y, sample_weight):
        return r2_score(y, self._shaped(self.network_.predict(X)), sample_weight=sample_weight)

    def _shaped(self, outputs):
        return outputs[:, 0] if self._y_ndim == 1 else outputs

    def predict(self, X):
        """The predicted targets for the rows of X, shaped like the y given to fit."""
        return self._shaped(self._outputs(X))


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


def _init_for(activation):
    # He's initialization keeps relu-like layers alive; Glorot suits the squashing ones.
    return "he_uniform" if activation in ("relu", "leaky_relu") else "glorot_uniform"
