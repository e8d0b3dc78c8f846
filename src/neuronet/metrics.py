"""Metrics: how good the outputs are, in numbers a person reads.

The loss is what training lowers; a metric is what a person asks: how many answers were right
(accuracy), how far off the numbers were (MAE, MSE, R²), how often a class said was the class
meant (precision) and how often the class meant was found (recall).

Two kinds of use, one implementation:

- while training, ``fit`` scores every batch: each metric adds up a few sums over the batch's
  rows (``Metric.sums``) and turns their total into a score at the end of the epoch
  (``Metric.value``). Sums add up over batches, chunks and a cluster's partitions alike, so an
  epoch's accuracy is that of all its rows, not a mean of batch accuracies;
- on predictions already made (labels, numbers), ``classification_report`` and
  ``regression_report`` give every score at once, as ``TabularModel.evaluate`` and
  ``neuronet evaluate`` show them.
"""

from __future__ import annotations

import numpy as np

# The scores of predictions already made live in neuronet.reports; offered here as well, where
# they were first.
from .reports import (  # noqa: F401
    ClassificationReport,
    RegressionReport,
    calibration_error,
    class_indices,
    classification_report,
    confusion_matrix,
    log_loss,
    ratio,
    regression_report,
    roc_auc,
)

# --- metrics while training ---------------------------------------------------------------------


class Metric:
    """A score of a network's outputs against targets, added up batch by batch.

    ``sums(outputs, targets, labels)`` gives a small vector of sums over a batch (``labels``:
    the batch's classes as integers when the targets are class labels, else None);
    ``value(total)`` turns the total of those vectors over many batches into the score."""

    name = ""

    def sums(self, outputs, targets, labels=None) -> np.ndarray:
        """The metric's sums over one batch.

        Parameters
        ----------
        outputs : ndarray
            The network's outputs, one row per example.
        targets : ndarray
            The targets, of their shape.
        labels : ndarray, optional
            The batch's classes as integers, when the targets are class labels.

        Returns
        -------
        ndarray
            A small vector, added up over batches.
        """
        raise NotImplementedError

    def value(self, total) -> float:
        """The score from the total of ``sums`` over many batches.

        Parameters
        ----------
        total : ndarray
            The sum of the batches' ``sums``.

        Returns
        -------
        float
        """
        raise NotImplementedError

    def __call__(self, outputs, targets, labels=None) -> float:
        """The score of one batch on its own."""
        return self.value(self.sums(outputs, targets, labels))

    def __repr__(self) -> str:
        return f"<metric {self.name}>"


def _classes_of(outputs, targets, labels, argmax):
    """(predicted classes, true classes) of a batch with one class per row, or None when the
    outputs are independent yes/no answers."""
    if labels is not None:
        return outputs.argmax(axis=1), labels
    if argmax:
        return outputs.argmax(axis=1), targets.argmax(axis=1)
    return None


def _one_hot_rows(targets) -> bool:
    return targets.shape[1] > 1 and bool(np.allclose(targets.sum(axis=1), 1))


class Accuracy(Metric):
    """Share of right answers: the largest output against the target's class when there are
    several outputs and one class per row; output > 0.5 against target > 0.5 otherwise (one
    output, or independent yes/no outputs, each answer counted).

    Parameters
    ----------
    argmax : bool
        Whether the targets are one class per row (the largest output is the answer).
    """

    name = "accuracy"

    def __init__(self, argmax: bool = False):
        self.argmax = argmax

    def sums(self, outputs, targets, labels=None):
        pair = _classes_of(outputs, targets, labels, self.argmax)
        if pair is not None:
            return np.array([np.count_nonzero(pair[0] == pair[1]), len(pair[1])], float)
        return np.array([np.count_nonzero((outputs > 0.5) == (targets > 0.5)), outputs.size],
                        float)

    def value(self, total):
        return float(total[0] / total[1])


class MeanAbsoluteError(Metric):
    """Mean of ``|output - target|`` over every output of every row."""

    name = "mae"

    def sums(self, outputs, targets, labels=None):
        return np.array([np.abs(outputs - targets).sum(), outputs.size])

    def value(self, total):
        return float(total[0] / total[1])


class MeanSquaredError(Metric):
    """Mean of (output - target)² over every output of every row."""

    name = "mse"

    def sums(self, outputs, targets, labels=None):
        error = outputs - targets
        return np.array([np.vdot(error, error), outputs.size])

    def value(self, total):
        return float(total[0] / total[1])


class R2(Metric):
    """The coefficient of determination, 1 - (squared error) / (squared spread of the targets):
    1 is perfect, 0 no better than always answering the mean. With several outputs, the mean
    of each output's R² (as scikit-learn's default). NaN for a target without spread."""

    name = "r2"

    def sums(self, outputs, targets, labels=None):
        targets = np.asarray(targets, dtype=np.float64)
        error = outputs - targets
        return np.concatenate([targets.sum(axis=0), np.square(targets).sum(axis=0),
                               np.square(error).sum(axis=0), [len(targets)]])

    def value(self, total):
        k = (len(total) - 1) // 3
        y, y2, e2, n = total[:k], total[k:2 * k], total[2 * k:3 * k], total[-1]
        spread = y2 - y * y / n
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = np.where(spread > 0, 1 - e2 / spread, np.nan)
        return float(np.mean(scores))


class _ClassCounts(Metric):
    """Per-class counts of true positives, false positives and false negatives, for precision,
    recall and F1 (the mean over classes, each class counting the same: the macro average; for
    one yes/no output, the scores of its "yes")."""

    def __init__(self, argmax: bool = False, n_classes: int | None = None):
        self.argmax, self.n_classes = argmax, n_classes

    def sums(self, outputs, targets, labels=None):
        pair = _classes_of(outputs, targets, labels, self.argmax)
        if pair is not None:
            k = self.n_classes or outputs.shape[1]
            matrix = confusion_matrix(pair[1], pair[0], k)
            tp = np.diag(matrix)
            return np.concatenate([tp, matrix.sum(axis=0) - tp, matrix.sum(axis=1) - tp])
        said, meant = outputs > 0.5, targets > 0.5
        return np.concatenate([(said & meant).sum(axis=0), (said & ~meant).sum(axis=0),
                               (~said & meant).sum(axis=0)]).astype(float)

    def _counts(self, total):
        k = len(total) // 3
        return total[:k], total[k:2 * k], total[2 * k:]


class Precision(_ClassCounts):
    """Of the rows given a class, the share that truly are of it (macro average over classes;
    a class never predicted scores 0).

    Parameters
    ----------
    argmax : bool
        Whether the targets are one class per row (the largest output is the answer).
    n_classes : int, optional
        The classes (default: those the outputs have).
    """

    name = "precision"

    def value(self, total):
        tp, fp, _ = self._counts(total)
        return float(np.mean(ratio(tp, tp + fp)))


class Recall(_ClassCounts):
    """Of the rows of a class, the share given that class (macro average over classes).

    Parameters
    ----------
    argmax : bool
        Whether the targets are one class per row (the largest output is the answer).
    n_classes : int, optional
        The classes (default: those the outputs have).
    """

    name = "recall"

    def value(self, total):
        tp, _, fn = self._counts(total)
        return float(np.mean(ratio(tp, tp + fn)))


class F1(_ClassCounts):
    """The harmonic mean of precision and recall, class by class, then their mean.

    Parameters
    ----------
    argmax : bool
        Whether the targets are one class per row (the largest output is the answer).
    n_classes : int, optional
        The classes (default: those the outputs have).
    """

    name = "f1"

    def value(self, total):
        tp, fp, fn = self._counts(total)
        return float(np.mean(ratio(2 * tp, 2 * tp + fp + fn)))


#: The metrics ``fit`` and ``evaluate`` know by name.
METRICS = {cls.name: cls for cls in (Accuracy, MeanAbsoluteError, MeanSquaredError, R2,
                                     Precision, Recall, F1)}


def names_for(metrics, loss) -> list:
    """The metric names of ``metrics`` (a name, a list of names or None: accuracy for a loss
    on probabilities, none otherwise), checked.

    Parameters
    ----------
    metrics : str, list of str or None
        The names asked for.
    loss : Loss
        The training's loss.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        For an unknown name.
    """
    if metrics is None:
        metrics = ["accuracy"] if loss.fused_activation in ("sigmoid", "softmax") else []
    if isinstance(metrics, str):
        metrics = [metrics]
    metrics = list(metrics)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        known = ", ".join(repr(m) for m in METRICS)
        raise ValueError(f"unknown metric {unknown[0]!r}; expected one of {known}")
    return metrics


def build(names, targets) -> dict:
    """The metric objects for ``names`` on the targets ``targets`` (a ``targets.Targets``):
    whether the targets are one class per row is settled here, once, not at every batch.

    Parameters
    ----------
    names : list of str
        From ``names_for``.
    targets : Targets
        The training's targets.

    Returns
    -------
    dict
        {name: Metric}.
    """
    table, codes = targets
    argmax = codes is None and _one_hot_rows(table)
    built = {}
    for name in names:
        cls = METRICS[name]
        if cls in (Accuracy, Precision, Recall, F1):
            built[name] = cls(argmax) if cls is Accuracy else cls(argmax, table.shape[1])
        else:
            built[name] = cls()
    return built


def accuracy(outputs, targets, labels=None) -> float:
    """Share of right answers of ``outputs`` against ``targets`` (see ``Accuracy``).

    Parameters
    ----------
    outputs : array_like
        The network's outputs, one row per example.
    targets : array_like
        The targets, of their shape.
    labels : array_like, optional
        The class of each row as an integer, when the targets are class labels.

    Returns
    -------
    float
    """
    targets = np.asarray(targets)
    return Accuracy(labels is None and _one_hot_rows(targets))(outputs, targets, labels)


def mean_absolute_error(outputs, targets, labels=None) -> float:
    """Mean of ``|outputs - targets|``.

    Parameters
    ----------
    outputs : array_like
        The network's outputs, one row per example.
    targets : array_like
        The targets, of their shape.
    labels : array_like, optional
        The class of each row as an integer, when the targets are class labels.

    Returns
    -------
    float
    """
    return MeanAbsoluteError()(np.asarray(outputs), np.asarray(targets))


def mean_squared_error(outputs, targets, labels=None) -> float:
    """Mean of (outputs - targets)².

    Parameters
    ----------
    outputs : array_like
        The network's outputs, one row per example.
    targets : array_like
        The targets, of their shape.
    labels : array_like, optional
        The class of each row as an integer, when the targets are class labels.

    Returns
    -------
    float
    """
    return MeanSquaredError()(np.asarray(outputs, float), np.asarray(targets, float))


def r2_score(truth, predictions) -> float:
    """R² of ``predictions`` against ``truth`` (1-D or one column per output).

    Parameters
    ----------
    truth : array_like
        The true numbers.
    predictions : array_like
        The predicted ones, of the same shape.

    Returns
    -------
    float
        NaN for a truth without spread.
    """
    truth = np.asarray(truth, dtype=np.float64)
    predictions = np.asarray(predictions, dtype=np.float64)
    if truth.ndim == 1:
        truth, predictions = truth[:, None], predictions.reshape(-1, 1)
    return R2()(predictions, truth)
