"""The checks of the estimators' settings and inputs, with messages that say what was wrong and
what was expected: the settings scikit-learn's MLP estimators accept, sample and class weights,
and outputs that overflowed.

A setting is checked when ``fit`` starts, not when the estimator is made, as scikit-learn's
convention asks (``set_params`` and ``clone`` must be able to store anything).
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.class_weight import compute_class_weight

__all__ = ["check_sample_weight",
           "check_settings", "class_sample_weight", "one_of", "refuse_non_finite"]

#: The hidden layers' activations (scikit-learn's four, "sigmoid" and "leaky_relu").
ACTIVATIONS = ("identity", "logistic", "tanh", "relu", "sigmoid", "leaky_relu")
#: The solvers by name (an optimizer object of neuronet's is accepted too).
SOLVERS = ("lbfgs", "sgd", "adam")
#: sgd's learning-rate schedules.
LEARNING_RATES = ("constant", "invscaling", "adaptive")
#: scikit-learn's message for a fit whose weights stopped being finite.
NON_FINITE = ("Solver produced non-finite parameter weights. The input data may contain large "
              "values and need to be preprocessed.")


def one_of(value, allowed, name, extra=""):
    """Check that a setting is one of the names allowed.

    Parameters
    ----------
    value : object
        The setting as given.
    allowed : tuple of str
        The names it may take.
    name : str
        The setting's name, for the message.
    extra : str, default ""
        What else it may be, appended to the list of names in the message.

    Raises
    ------
    ValueError
        If ``value`` is not one of ``allowed``.
    """
    if not isinstance(value, str) or value not in allowed:
        options = ", ".join(map(repr, allowed))
        raise ValueError(f"{name} must be one of {options}{' ' + extra if extra else ''}; "
                         f"got {value!r}")


def _whole(value, low=1):
    return (isinstance(value, numbers.Integral) and not isinstance(value, bool)
            and value >= low)


def check_settings(estimator):
    """Check the settings an estimator of ``neuronet.sklearn`` holds, as ``fit`` begins.

    Parameters
    ----------
    estimator : NetEstimator
        A NetClassifier or NetRegressor, fitted or not.

    Returns
    -------
    list of int
        The units of each hidden layer (``hidden_layer_sizes`` as a list; one int given
        alone is one layer).

    Raises
    ------
    ValueError
        If a setting is not one that the estimators accept; the message names it, what it
        was and what it may be.
    """
    from ..optimizers import Optimizer

    sizes = estimator.hidden_layer_sizes
    sizes = [sizes] if isinstance(sizes, numbers.Integral) else sizes
    try:
        sizes = list(sizes)
    except TypeError:
        sizes = None
    if sizes is None or not all(_whole(s) for s in sizes):
        raise ValueError("hidden_layer_sizes must be whole numbers of units, at least 1 "
                         f"each, like (100,) or (64, 32); got {estimator.hidden_layer_sizes!r}")
    one_of(estimator.activation, ACTIVATIONS, "activation")
    if not isinstance(estimator.solver, Optimizer):
        one_of(estimator.solver, SOLVERS, "solver", "or a neuronet optimizer object")
    one_of(estimator.learning_rate, LEARNING_RATES, "learning_rate")
    for name in ("max_iter", "max_fun"):
        value = getattr(estimator, name)
        if not _whole(value):
            raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
    wait = estimator.n_iter_no_change
    if isinstance(wait, bool) or not (_whole(wait) or wait == np.inf):
        raise ValueError(f"n_iter_no_change must be a whole number of at least 1 or np.inf, "
                         f"got {wait!r}")
    if not (estimator.batch_size == "auto" or _whole(estimator.batch_size)):
        raise ValueError(f"batch_size must be 'auto' or a whole number of at least 1, "
                         f"got {estimator.batch_size!r}")
    for name, closed in (("alpha", True), ("tol", True), ("power_t", True),
                         ("learning_rate_init", False), ("epsilon", False)):
        value = getattr(estimator, name)
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
                value >= 0 if closed else value > 0) or not np.isfinite(value):
            expected = "zero or more" if closed else "greater than zero"
            raise ValueError(f"{name} must be a finite number {expected}, got {value!r}")
    for name in ("momentum", "beta_1", "beta_2", "validation_fraction"):
        value = getattr(estimator, name)
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
                0 <= value < 1) or (name == "validation_fraction" and value == 0):
            raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
    if estimator.dtype is not None and str(np.dtype(estimator.dtype)) not in ("float32",
                                                                              "float64"):
        raise ValueError(f"dtype must be None (that of X), 'float32' or 'float64', "
                         f"got {estimator.dtype!r}")
    return sizes


def check_sample_weight(sample_weight, n):
    """Check the weights of the examples given to ``fit``.

    Parameters
    ----------
    sample_weight : array-like of shape (n,)
        One weight per example, zero or more, not all zero.
    n : int
        The number of examples.

    Returns
    -------
    numpy.ndarray
        The weights as float64, shape (n,).

    Raises
    ------
    ValueError
        If the weights are not numbers, not one per example, negative, or all zero.
    """
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


def class_sample_weight(class_weight, classes, y, sample_weight=None):
    """The weight of each example under ``class_weight``, as scikit-learn's classifiers
    weigh them: the example's own weight times its class's weight.

    Parameters
    ----------
    class_weight : dict, "balanced" or None
        A weight for each class label (labels not named weigh 1); "balanced" weighs each class
        by the number of examples over the number of classes times the class's count, counts
        that ``sample_weight`` weighs when given (``sklearn.utils.class_weight``); None weighs
        every class 1.
    classes : numpy.ndarray
        Every class the classifier knows, sorted.
    y : numpy.ndarray of shape (n_samples,)
        The label of each example.
    sample_weight : numpy.ndarray of shape (n_samples,) or None, default None
        The examples' own weights (None: all 1).

    Returns
    -------
    numpy.ndarray or None
        The weights, float64, shape (n_samples,); None when there are neither class nor
        sample weights.

    Raises
    ------
    ValueError
        If ``class_weight`` is not a dict, "balanced" or None, if a dict's weights are not
        numbers of zero or more, if it names labels that are not classes while leaving some
        class out (scikit-learn's rule), or if every example then weighs zero.
    """
    if class_weight is None:
        return sample_weight
    if not (isinstance(class_weight, dict) or class_weight == "balanced"):
        raise ValueError(f"class_weight must be a dict {{label: weight}}, 'balanced' or None, "
                         f"got {class_weight!r}")
    if isinstance(class_weight, dict):
        bad = [w for w in class_weight.values()
               if isinstance(w, bool) or not isinstance(w, numbers.Real) or not w >= 0
               or not np.isfinite(w)]
        if bad:
            raise ValueError(f"class_weight's weights must be finite numbers of zero or more, "
                             f"got {bad[0]!r}")
    weights = compute_class_weight(class_weight, classes=classes, y=y,
                                   sample_weight=sample_weight)
    index = np.searchsorted(classes, y)
    result = np.asarray(weights, dtype=np.float64)[index]
    if sample_weight is not None:
        result = result * sample_weight
    if not result.any():
        raise ValueError("every example weighs zero under class_weight (and sample_weight); "
                         "expected at least one class present in y with a weight above zero")
    return result


def refuse_non_finite(outputs):
    """Refuse a network's outputs where a row is not finite.

    Parameters
    ----------
    outputs : numpy.ndarray of shape (n_samples, n_outputs)
        The network's outputs (or its output layer's sums).

    Raises
    ------
    ValueError
        If a row holds NaN or infinity; the message names the first such rows.
    """
    bad = ~np.isfinite(outputs).all(axis=1)
    if bad.any():
        rows = np.flatnonzero(bad)
        shown = ", ".join(str(r) for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
        raise ValueError(f"the network's outputs are not finite (NaN or infinity) for "
                         f"{len(rows)} row(s) of X: {shown}; its sums overflowed, so these rows "
                         "get no prediction (scale the inputs, or train with a smaller "
                         "learning rate)")
