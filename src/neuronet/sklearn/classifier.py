"""``NetClassifier``: scikit-learn's MLPClassifier on a neuronet Network, for class labels of
any kind (ints, strings...) and for yes/no label indicator matrices (multilabel).

Two classes, and each label of a multilabel problem, get a sigmoid output; more classes a
softmax. The loss is cross-entropy, summed over the labels of a multilabel problem as
scikit-learn sums it (``BinaryCrossentropy(scale=k)``). ``class_weight`` weighs each example by
its class, through the same path as ``sample_weight``.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from .. import losses
from .base import NetEstimator, is_stochastic
from .validation import class_sample_weight

__all__ = ["NetClassifier"]

class NetClassifier(ClassifierMixin, NetEstimator):
    """A neural-network classifier, a drop-in for scikit-learn's MLPClassifier.

    Hidden layers of ``activation`` units, then a sigmoid output for two classes (or for each
    label of a multilabel problem) or a softmax over several classes, trained on cross-entropy.
    Its parameters are MLPClassifier's, with the same names, defaults and meanings, and
    ``class_weight`` as scikit-learn's linear classifiers have it.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default (100,)
        Units in each hidden layer.
    activation : str, default "relu"
        "relu", "tanh", "logistic" (or "sigmoid"), "identity"; also "leaky_relu".
    solver : str or neuronet.optimizers.Optimizer, default "adam"
        "adam", "sgd", "lbfgs" (full-batch, best on small data) or a neuronet optimizer
        object (used as it is, copied at each fit; ``alpha`` and the learning-rate settings
        then do not apply).
    alpha : float, default 0.0001
        L2 penalty on the weight matrices (not the biases), 0.5 * alpha * ``||W||^2`` added to
        each batch's summed loss: the gradient gains alpha * W / batch size.
    batch_size : int or "auto", default "auto"
        Examples per step (sgd and adam); "auto" is min(200, n_samples).
    learning_rate : str, default "constant"
        For sgd: "constant", "invscaling" (learning_rate_init / (t + 1) ** power_t, t the
        examples seen) or "adaptive" (divided by 5 whenever the loss stalls).
    learning_rate_init : float, default 0.001
        The first learning rate (sgd and adam).
    power_t : float, default 0.5
        The exponent of "invscaling".
    max_iter : int, default 200
        Epochs at most (sgd, adam), iterations at most (lbfgs).
    shuffle : bool, default True
        Draw a new order of examples each epoch (when there is more than one batch).
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator, default None
        An int makes training repeatable (and starts as MLPClassifier does).
    tol : float, default 1e-4
        Stop when the loss (or, with ``early_stopping``, the validation accuracy) has not
        improved by ``tol`` for more than ``n_iter_no_change`` epochs; for lbfgs, ``tol``
        bounds the gradient.
    verbose : bool, default False
        Print "Iteration N, loss = ..." after every epoch.
    warm_start : bool, default False
        A new ``fit`` continues from the current weights.
    momentum : float, default 0.9
        sgd's momentum.
    nesterovs_momentum : bool, default True
        sgd's Nesterov momentum.
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the data (stratified for two classes) and keep
        the weights of the epoch that scored best on it (sgd and adam).
    validation_fraction : float, default 0.1
        The share of the data held out for early stopping.
    beta_1 : float, default 0.9
        Adam's decay of the first moment.
    beta_2 : float, default 0.999
        Adam's decay of the second moment.
    epsilon : float, default 1e-8
        Adam's epsilon.
    n_iter_no_change : int or numpy.inf, default 10
        Epochs without improvement before stopping (numpy.inf: never).
    max_fun : int, default 15000
        Evaluations of the loss at most (lbfgs).
    dtype : None, "float32" or "float64", default None
        The arithmetic of training (None: that of X, float32 stays float32, anything else is
        float64). Predictions come in the wider of this and the dtype of the X they are asked
        for, as scikit-learn's estimators give them.
    class_weight : dict, "balanced" or None, default None
        A weight for each class: ``{label: weight}`` (labels not named weigh 1), or
        "balanced", n_samples / (n_classes * count of the class), the counts weighed by
        ``sample_weight`` when it is given (scikit-learn's ``compute_class_weight``). Each
        example's weight is its ``sample_weight`` times its class's weight; the validation
        accuracy of early stopping is weighed the same way. Not for label indicator
        matrices; with ``partial_fit`` only a dict (the classes' counts are not known).

    Attributes
    ----------
    classes_ : numpy.ndarray
        The class labels (for multilabel: 0 .. n_labels - 1).
    multilabel_ : bool
        Whether the classifier was fitted on a label indicator matrix.
    n_features_in_ : int
        The number of features.
    feature_names_in_ : numpy.ndarray
        The column names, when X was a DataFrame.
    n_iter_ : int
        Epochs of the last fit (lbfgs: iterations).
    loss_ : float
        The last loss, with the L2 term.
    loss_curve_ : list of float
        The loss of each epoch.
    best_loss_ : float or None
        The lowest loss (None with early stopping).
    validation_scores_ : list of float or None
        The validation accuracy of each epoch (with early stopping).
    best_validation_score_ : float or None
        The best of them.
    t_ : int
        Examples seen.
    coefs_ : list of numpy.ndarray
        The weight matrices.
    intercepts_ : list of numpy.ndarray
        The bias vectors.
    n_layers_ : int
        Layers, input and output counted.
    n_outputs_ : int
        Outputs of the network.
    out_activation_ : str
        "logistic" or "softmax".
    network_ : neuronet.Network
        The network.

    Notes
    -----
    Differences from MLPClassifier: with sample weights and several batches per epoch, the
    weights are normalized over the whole training set rather than within each batch; with
    momentum and a changing learning rate ("invscaling", "adaptive") the momentum buffer holds
    gradients (PyTorch's form) rather than past steps.
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 dtype=None, class_weight=None):
        super().__init__(
            hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init,
            power_t=power_t, max_iter=max_iter, shuffle=shuffle, random_state=random_state,
            tol=tol, verbose=verbose, warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun, dtype=dtype)
        self.class_weight = class_weight

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
        """Learn from inputs X and labels y.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 label indicator matrix (multilabel).
        sample_weight : array-like of shape (n_samples,), optional
            The examples' weights (times their class's under ``class_weight``).

        Returns
        -------
        NetClassifier
            The classifier, fitted.

        Raises
        ------
        ValueError
            If a setting, X, y or a weight is not what the classifier accepts, or if the
            weights stop being finite.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(is_stochastic)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over (X, y) from the current weights (sgd and adam).

        ``early_stopping`` does not apply: the caller decides when to stop.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 label indicator matrix.
        classes : array-like, optional
            Every label that any call may see: needed by the first call (not for a label
            indicator matrix); later calls may repeat it, unchanged.
        sample_weight : array-like of shape (n_samples,), optional
            The examples' weights.

        Returns
        -------
        NetClassifier
            The classifier, one epoch further.

        Raises
        ------
        ValueError
            If the first call lacks ``classes``, if ``classes`` changed, if
            ``class_weight`` is "balanced", or if the inputs are not what the classifier
            accepts.
        """
        if not hasattr(self, "network_") and classes is None and (
                np.ndim(y) != 2 or type_of_target(y) != "multilabel-indicator"):
            raise ValueError("the first call to partial_fit needs classes=, all the labels "
                             "that y may hold in any call")
        if isinstance(self.class_weight, str) and self.class_weight == "balanced":
            raise ValueError("class_weight='balanced' needs the counts of every class, which "
                             "partial_fit does not see; give a dict instead, for instance "
                             "dict(zip(classes, sklearn.utils.class_weight.compute_class_weight"
                             "('balanced', classes=classes, y=y_all)))")
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
            self.multilabel_ = multilabel
            if multilabel:
                self.classes_ = np.arange(y.shape[1])
                self._label_dtype = y.dtype
            else:
                y = column_or_1d(y, warn=True)
                self.classes_ = np.unique(y if classes is None else np.asarray(classes))
            k = len(self.classes_)
            self._output_activation = "softmax" if k > 2 and not multilabel else "sigmoid"
        elif self.multilabel_ != multilabel or (multilabel and y.shape[1] != len(self.classes_)):
            raise ValueError(f"y is {kind}, but {type(self).__name__} was fitted on "
                             f"{'a label indicator matrix' if self.multilabel_ else 'labels'} "
                             f"with {len(self.classes_)} classes")
        if self.multilabel_:
            if self.class_weight is not None:
                raise ValueError("class_weight applies to class labels, not to a label "
                                 "indicator matrix (multilabel); weigh the examples with "
                                 "sample_weight instead")
            check_classification_targets(y)
            return np.asarray(y, dtype=np.float64), sample_weight
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
        sample_weight = class_sample_weight(self.class_weight, self.classes_, y, sample_weight)
        if self._output_activation == "sigmoid":
            return (index == 1).astype(np.float64)[:, None], sample_weight
        onehot = np.zeros((len(y), len(self.classes_)))
        onehot[np.arange(len(y)), index] = 1
        return onehot, sample_weight

    def _validation_score(self, X, y, sample_weight):
        outputs = self.network_.predict(X)
        if not np.isfinite(outputs).all():
            return np.nan
        return accuracy_score(y, self._labels(outputs), sample_weight=sample_weight)

    def _probabilities(self, outputs):
        if self.multilabel_ or outputs.shape[1] > 1:
            return outputs
        p = outputs[:, 0]
        return np.column_stack([1 - p, p])

    def _labels(self, outputs):
        if self.multilabel_:
            return (outputs > 0.5).astype(self._label_dtype)
        if len(self.classes_) == 1:
            return np.repeat(self.classes_, len(outputs))
        return self.classes_[np.argmax(self._probabilities(outputs), axis=1)]

    def predict(self, X):
        """The most probable class of each row of X.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The inputs.

        Returns
        -------
        numpy.ndarray
            Shape (n_samples,), labels from ``classes_``; for multilabel, a 0/1 matrix
            (n_samples, n_labels) with each label whose probability is above one half.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the classifier is not fitted.
        ValueError
            If X does not have the features the classifier was fitted on, or if the network's
            outputs for a row are not finite (its sums overflowed).
        """
        return self._labels(self._outputs(X))

    def predict_proba(self, X):
        """Each class's probability for the rows of X.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The inputs.

        Returns
        -------
        numpy.ndarray
            Shape (n_samples, n_classes), columns in the order of ``classes_``.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the classifier is not fitted.
        ValueError
            If X does not have the features the classifier was fitted on, or if the network's
            outputs for a row are not finite (its sums overflowed).
        """
        return self._probabilities(self._outputs(X))

    def decision_function(self, X):
        """The output layer's sums z before the sigmoid or softmax ("logits").

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The inputs.

        Returns
        -------
        numpy.ndarray
            Shape (n_samples,) for two classes (positive means the second class), else one
            column per class or label.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the classifier is not fitted.
        ValueError
            If X does not have the features the classifier was fitted on, or if the network's
            outputs for a row are not finite (its sums overflowed).
        """
        z, _ = self._logits(X)
        return z[:, 0] if z.shape[1] == 1 and not self.multilabel_ else z

    def predict_log_proba(self, X):
        """The log of ``predict_proba``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The inputs.

        Returns
        -------
        numpy.ndarray
            Shape (n_samples, n_classes); a probability of zero gives minus infinity.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the classifier is not fitted.
        ValueError
            If X does not have the features the classifier was fitted on, or if the network's
            outputs for a row are not finite (its sums overflowed).
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

