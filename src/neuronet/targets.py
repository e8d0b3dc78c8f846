"""Targets: what ``y`` becomes before the loss sees it.

The tutorial's targets are a column of 0s and 1s, one per row, the same shape as the neuron's
output. A network with several outputs needs one target per output and row: the numbers to
regress, or, for classes, a one-hot row (1 for the true class, 0 for the others). Class labels
need not be stored as one-hot rows: a label ``c`` stands for row ``c`` of a small table, the
identity matrix, so targets take no more memory than the labels however many rows there are.

Sample weights say how much each row counts. They are divided by their mean, so that a batch
keeps its usual scale and a learning rate means the same with weights as without.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import losses
from ._checks import as_float_array


class Targets(NamedTuple):
    """Targets as training reads them: the targets of rows ``i`` are ``table[codes[i]]``, or
    ``table[i]`` when ``codes`` is None.

    ``table`` is a 2-D array of the network's dtype; ``codes`` holds one small integer per row
    (the class) when the targets were class labels.

    Parameters
    ----------
    table : ndarray
        The distinct target rows, or one row per example.
    codes : ndarray or None
        The row of ``table`` of each example.
    """

    table: np.ndarray
    codes: np.ndarray | None

    def rows(self, index):
        """The targets of the rows ``index``, as a 2-D array.

        Parameters
        ----------
        index : slice or ndarray
            Rows.

        Returns
        -------
        ndarray
        """
        return self.table[index] if self.codes is None else self.table[self.codes[index]]

    def subset(self, rows) -> Targets:
        """The targets of the rows ``rows`` only.

        Parameters
        ----------
        rows : ndarray or slice
            Rows.

        Returns
        -------
        Targets
        """
        if self.codes is None:
            return Targets(self.table[rows], None)
        return Targets(self.table, self.codes[rows])

    def dense(self) -> Targets:
        """The same targets as one row each (class codes gathered from the table once).

        Returns
        -------
        Targets
        """
        return self if self.codes is None else Targets(self.table[self.codes], None)


def check_loss_fits_output(network, loss) -> None:
    """Raise ValueError unless ``loss`` (a Loss) can score the network's last activation:
    cross-entropies need probabilities (sigmoid, softmax), Poisson positive outputs (exp).

    Parameters
    ----------
    network : Network
    loss : Loss

    Raises
    ------
    ValueError
        Naming the activation that fits.
    """
    wanted = loss.fused_activation
    if wanted and network.output_activation != wanted and not (
            wanted in ("sigmoid", "softmax")
            and network.output_activation in ("sigmoid", "softmax")):
        kind = "probabilities" if wanted in ("sigmoid", "softmax") else "positive outputs"
        raise ValueError(
            f"{loss.name} needs {kind} from the last layer, but its activation is "
            f"{network.output_activation!r}; use activation={wanted!r}"
        )


def dense_targets(network, loss, y, n_rows: int, name: str = "y") -> np.ndarray:
    """y as a 2-D array of the network's dtype shaped like its outputs, one row per example.

    Parameters
    ----------
    network : Network
        The network trained.
    loss : Loss
        Its loss.
    y : array_like
        The targets given.
    n_rows : int
        The rows of X.
    name : str
        How messages name y.

    Returns
    -------
    ndarray

    Raises
    ------
    ValueError
        When y has the wrong length or shape for the network's outputs, or holds values the
        loss cannot take (cross-entropy targets outside [0, 1], negative Poisson counts).
    """
    k = network.n_outputs
    y = as_float_array(y, name, dtype=np.float64)
    if len(y) != n_rows:
        raise ValueError(
            f"X has {n_rows} rows but {name} has {len(y)}; expected one target per row"
        )
    if y.ndim == 1 and k == 1:
        y = y[:, None]
    if y.ndim != 2 or y.shape[1] != k:
        shape = f"({n_rows},) or ({n_rows}, 1)" if k == 1 else f"({n_rows}, {k})"
        if isinstance(loss, losses.CategoricalCrossentropy):
            shape = f"({n_rows},) class labels or {shape} one-hot rows"
        raise ValueError(
            f"{name} has shape {y.shape}, but the network has {k} output{'s' * (k > 1)}; "
            f"expected shape {shape}"
        )
    if loss.fused_activation in ("sigmoid", "softmax") and (y.min() < 0 or y.max() > 1):
        raise ValueError(f"{loss.name} needs targets between 0 and 1, but {name} holds "
                         f"values from {y.min():g} to {y.max():g}")
    if isinstance(loss, losses.Poisson) and y.min() < 0:
        raise ValueError(f"poisson needs targets of zero or more (counts, rates), but {name} "
                         f"holds {y.min():g}")
    if isinstance(loss, losses.CategoricalCrossentropy) and not np.allclose(y.sum(axis=1), 1):
        raise ValueError(f"categorical_crossentropy needs each row of {name} to sum to 1 "
                         "(one-hot or class probabilities); use binary_crossentropy for "
                         "independent yes/no outputs")
    return np.ascontiguousarray(y, dtype=network.dtype)


def class_labels(y, k: int, name: str = "y") -> np.ndarray:
    """Labels y (floats) as integers from 0 to k - 1.

    Parameters
    ----------
    y : ndarray
        Floats that must be whole numbers.
    k : int
        The classes.
    name : str
        How messages name y.

    Returns
    -------
    ndarray
        Integers.

    Raises
    ------
    ValueError
        For a label that is not one of them.
    """
    labels = y.astype(np.int64)
    if not np.array_equal(labels, y) or labels.min() < 0 or labels.max() >= k:
        raise ValueError(
            f"{name} holds class labels that are not whole numbers from 0 to {k - 1}; the "
            f"network has {k} outputs, one per class (or pass one-hot rows, shape (n, {k}))"
        )
    return labels


def prepare(network, loss, y, n_rows: int, name: str = "y") -> Targets:
    """The targets of ``y`` for training ``network`` with ``loss`` (a Loss), checked.

    Class labels for categorical cross-entropy, shape (n_rows,), stay labels: the table is the
    identity matrix and ``codes`` the labels. Anything else becomes one dense row per example.

    Parameters
    ----------
    network : Network
        The network trained.
    loss : Loss
        Its loss.
    y : array_like
        The targets given.
    n_rows : int
        The rows of X.
    name : str
        How messages name y.

    Returns
    -------
    Targets

    Raises
    ------
    ValueError
        As ``dense_targets`` and ``class_labels`` do.
    """
    if isinstance(loss, losses.CategoricalCrossentropy) and np.ndim(y) == 1:
        y = as_float_array(y, name, dtype=np.float64)
        if len(y) == n_rows:
            k = network.n_outputs
            labels = class_labels(y, k, name)
            return Targets(np.eye(k, dtype=network.dtype),
                           labels.astype(np.min_scalar_type(k - 1)))
    return Targets(dense_targets(network, loss, y, n_rows, name), None)


def check_sample_weight(sample_weight, n_rows: int) -> np.ndarray:
    """The weights as a float array of shape (n_rows,).

    Parameters
    ----------
    sample_weight : array_like
        One weight per row.
    n_rows : int
        The rows of X.

    Returns
    -------
    ndarray

    Raises
    ------
    ValueError
        Saying what is wrong.
    """
    weights = as_float_array(sample_weight, "sample_weight")
    if weights.shape != (n_rows,):
        raise ValueError(f"sample_weight has shape {weights.shape}; expected one number per "
                         f"row of X, shape ({n_rows},)")
    if weights.min() < 0:
        raise ValueError(f"sample_weight holds a negative weight ({weights.min():g}); expected "
                         "weights of zero or more")
    return weights


def normalized_weights(weights, rows, dtype):
    """The weights as a column of ``dtype`` divided by their mean over the training rows
    (``rows``, or all when None), and that mean: how many examples a row of normalized weight
    1 stands for.

    The weights are first divided by the largest, so that neither the mean of huge weights
    (1e300) overflows nor that of tiny ones (1e-300) underflows.

    Parameters
    ----------
    weights : ndarray
        One weight per row.
    rows : ndarray or None
        The training rows.
    dtype : numpy dtype
        The network's.

    Returns
    -------
    column : ndarray
        Shape (n, 1).
    mean : float
        The examples a row of weight 1 stands for.

    Raises
    ------
    ValueError
        When every training row's weight is zero.
    """
    part = weights if rows is None else weights[rows]
    largest = part.max()
    if largest == 0:
        raise ValueError("sample_weight is zero for every training row; at least one weight "
                         "must be greater than zero")
    scaled = weights / largest
    mean = scaled.mean() if rows is None else scaled[rows].mean()
    return np.ascontiguousarray((scaled / mean)[:, None], dtype=dtype), float(largest * mean)


def class_weights(class_weight, classes, codes, texts=None) -> np.ndarray:
    """The weight of each class for ``class_weight``, one per class in the order of
    ``classes``: the weight a row of that class gets as its sample weight.

    Parameters
    ----------
    class_weight : "balanced", dict or None
        "balanced": ``rows / (classes * rows of the class)``, so that every class counts as
        much in total (scikit-learn's rule); a dict: {class: weight}, a class it does not
        name weighing 1; None: every class 1.
    classes : list
        The classes, in the order of the network's outputs.
    codes : array of int
        The class of each training row, as an index into ``classes``.
    texts : list of str, optional
        The classes as text (a command line names a class by its text, ``"3"`` for 3); a key
        of ``class_weight`` may be a class or its text.

    Returns
    -------
    numpy.ndarray
        float64, one weight per class.

    Raises
    ------
    ValueError
        For a key that is no class, or a weight that is negative, not finite, or zero for
        every class.
    """
    k = len(classes)
    codes = np.asarray(codes, dtype=np.int64)
    if class_weight is None:
        return np.ones(k)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(f"class_weight must be 'balanced' or a dict of weights, got "
                             f"{class_weight!r}")
        counts = np.bincount(codes, minlength=k).astype(np.float64)
        # A class without training rows weighs nothing in the sum; its weight is never used.
        with np.errstate(divide="ignore"):
            return np.where(counts > 0, len(codes) / (k * np.maximum(counts, 1)), 1.0)
    if not isinstance(class_weight, dict):
        raise ValueError(f"class_weight must be 'balanced' or a dict of weights, got "
                         f"{type(class_weight).__name__}")
    texts = [str(c) for c in classes] if texts is None else list(texts)
    weights = np.ones(k)
    for key, value in class_weight.items():
        found = [i for i, (c, t) in enumerate(zip(classes, texts))
                 if str(key) == t or (not isinstance(key, str) and key == c and
                                      isinstance(key, bool) == isinstance(c, bool))]
        if not found:
            shown = ", ".join(repr(t) for t in texts[:10]) + (", ..." if k > 10 else "")
            raise ValueError(f"class_weight names the class {key!r}, which is not one of the "
                             f"classes ({shown})")
        try:
            weight = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"class_weight's weight of {key!r} must be a number, got "
                             f"{value!r}") from None
        if not np.isfinite(weight) or weight < 0:
            raise ValueError(f"class_weight's weight of {key!r} must be a finite number of "
                             f"zero or more, got {value!r}")
        weights[found[0]] = weight
    if not (weights[np.unique(codes)] > 0).any():
        raise ValueError("class_weight gives every class of the training rows a weight of 0; "
                         "at least one must weigh more")
    return weights
