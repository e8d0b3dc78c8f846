"""The target column: which task it asks for, and what the network learns of it.

A target of text or true/false values is classes; a numeric one is classes only when it looks
like labels (``TASK_RULE``), else regression. Classes become their indices among the sorted
classes; numbers are standardized, so that the network learns (y - center) / scale and the
model gives predictions back in the target's units. The rows in memory and the partitions of
a cluster both go through these functions (``partials`` reads the same values, partition by
partition), so the two give the same classes and the same errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._text import printable
from . import columns as conv
from .reading import DataError, pandas, where
from .statistics import spread

#: A numeric target is taken for classes when it holds whole numbers, at most this many
#: distinct values, and on average at least ROWS_PER_CLASS rows for each.
MAX_CLASSES = 20
ROWS_PER_CLASS = 5
TASK_RULE = ("text or true/false targets are classes; a numeric target is classes only when "
             f"it holds whole numbers with at most {MAX_CLASSES} distinct values and at least "
             f"{ROWS_PER_CLASS} rows per value on average (or just two values), and regression "
             "otherwise")
TASKS = ("classification", "regression")
#: How a regression target may be transformed before it is standardized: "auto" takes
#: log(1 + y) of a target without negative values whose skewness is at least SKEWED.
TRANSFORMS = ("auto", "log", "none")
SKEWED = 1.0


@dataclass(frozen=True)
class TargetCoding:
    """What the network learns of the target column: the ``task``; for classification the
    ``classes`` (labels as in the data, sorted; the network's outputs in their order) and
    ``texts``, the text of each as ``columns.as_text`` writes a cell; for regression the
    ``center`` and ``scale``: the network learns (y - center) / scale, where y is the
    target, or log(1 + target) when ``transform`` is "log".

    Parameters
    ----------
    task : {"classification", "regression"}
        What the network learns.
    classes : list, optional
        For classification, the labels as in the data (bools, ints, floats or str), sorted.
    texts : list of str, optional
        For classification, the text of each class, in the order of ``classes``.
    center : float, default 0.0
        For regression, what is subtracted from the target (its mean in the training rows).
    scale : float, default 1.0
        For regression, what the centred target is divided by (its standard deviation).
    transform : str, optional
        For regression, "log" when the network learns log(1 + target) instead of the target
        (None: the target itself).
    """

    task: str
    classes: list | None = None
    texts: list | None = None
    center: float = 0.0
    scale: float = 1.0
    transform: str | None = None


def infer_task(target) -> str:
    """"classification" or "regression" for a target column (a pandas Series without
    missing values), by ``TASK_RULE``.

    Parameters
    ----------
    target : pandas.Series
        The target column, without missing values.

    Returns
    -------
    str
        "classification" or "regression".
    """
    kind = target.dtype.kind
    unparsed = 0
    if kind == "b":
        return "classification"
    if kind in "iuf":
        values = target.to_numpy(dtype=np.float64)
    else:
        values, bad = conv.as_numbers(target)
        unparsed = len(bad)
    distinct = np.unique(values) if not unparsed else values[:0]
    whole = bool(np.array_equal(distinct, np.round(distinct)))
    return task_rule(kind, unparsed, len(distinct), whole, len(values))


def task_rule(kind, unparsed, distinct, whole, rows) -> str:
    """``TASK_RULE`` from what it reads of a target: the dtype's ``kind``, its text cells that
    are not numbers (``unparsed``), its distinct numbers (a count that may stop at
    ``MAX_CLASSES + 1``), whether they are ``whole`` and how many ``rows`` it has.

    Parameters
    ----------
    kind : str
        The target's dtype kind (``dtype.kind``: "b", "i", "u", "f", "O", ...).
    unparsed : int
        How many of its text cells are not numbers.
    distinct : int
        How many distinct numbers it holds.
    whole : bool
        Whether those numbers are all whole.
    rows : int
        How many rows it has.

    Returns
    -------
    str
        "classification" or "regression".
    """
    if kind == "b" or (kind not in "iuf" and unparsed):
        return "classification"
    if whole and distinct <= MAX_CLASSES and distinct * ROWS_PER_CLASS <= rows:
        return "classification"
    if whole and distinct == 2:
        return "classification"
    return "regression"


def has_target(frame, target) -> np.ndarray:
    """Which rows of ``frame`` have a value in the target column.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    target : str
        The target column's name.

    Returns
    -------
    ndarray of bool, shape (len(frame),)
        True where the row has a value (a missing-value spelling such as "NA" counts as
        none).
    """
    values = frame[target]
    present = ~values.isna().to_numpy()
    if values.dtype.kind not in "iufbM":
        present &= conv.as_text(values) != None  # noqa: E711 - elementwise
    return present


def targets(frame, target, task, transform="none"):
    """(y for the network, its TargetCoding) from the target column of ``frame`` (no gaps):
    class indices, or the standardized numbers (of log(1 + y) where ``transform`` says so).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table, named in the messages.
    target : str
        The target column's name.
    task : {"classification", "regression"}
        What the network learns.
    transform : {"none", "log", "auto"}, default "none"
        For regression: "log" learns log(1 + y); "auto" does so for a skewed target without
        negative values (see ``TRANSFORMS`` and ``skewed``).

    Returns
    -------
    y : ndarray of shape (len(frame),)
        For classification each row's class index (int64); for regression the standardized
        numbers (float64).
    coding : TargetCoding
        The classes, or the center, scale and transform.

    Raises
    ------
    DataError
        For classification, when the target holds an infinite number or only one class; for
        regression, when a cell is not a finite number, the target never changes, or its
        values are too large to standardize.
    """
    column = frame[target]
    if task == "classification":
        if column.dtype.kind == "f":  # infinity is no class: refused as regression refuses it
            conv.check_finite(column.to_numpy(dtype=np.float64), frame, target)
        classes, texts = class_list(column.dtype.kind, distinct_targets(column))
        check_classes(classes, texts, where(frame), target)
        return class_codes(column, texts), TargetCoding(task, classes, texts)
    values = regression_numbers(frame, target)
    if np.ptp(values) == 0:
        raise one_value(where(frame), target, values[0])
    logged = None
    if transform == "log" or (transform == "auto" and skewed(values)):
        if values.min() < 0:
            raise DataError(f"{where(frame)}the target {printable(target)!r} has negative "
                            f"values ({values.min():g}); log(1 + y) needs values of at least 0 "
                            "(choose target_transform 'none' or 'auto')")
        logged, values = "log", np.log1p(values)
    mean, std = spread(values[:, None])
    coding = TargetCoding(task, center=float(mean[0]), scale=float(std[0]), transform=logged)
    return standardized(values, coding.center, coding.scale, frame, target), coding


def skewed(values) -> bool:
    """Whether a regression target is worth learning as log(1 + y).

    It is when it has no negative value, a skewness of at least SKEWED (a long tail of large
    values, as prices and incomes have), and log(1 + y) is nearly symmetric (a skewness
    within SKEWED of 0: a target with many zeros among large values would only turn its zeros
    into a long tail of small ones).

    Parameters
    ----------
    values : numpy.ndarray
        The target's numbers, one per training row, none missing.

    Returns
    -------
    bool
        True where log(1 + y) should be learned.
    """
    if values.min() < 0:
        return False
    return skewness(values) >= SKEWED and abs(skewness(np.log1p(values))) <= SKEWED


def skewness(values) -> float:
    """How lopsided the values are: the mean cubed standardized value.

    Parameters
    ----------
    values : numpy.ndarray
        The numbers, one dimension.

    Returns
    -------
    float
        The skewness: above 0 for a long tail of large values; 0 for values without spread
        or where it is not finite.
    """
    mean, std = spread(values[:, None])
    if not std[0] > 0:
        return 0.0
    with np.errstate(all="ignore"):
        found = float(np.mean(((values - mean[0]) / std[0]) ** 3))
    return found if np.isfinite(found) else 0.0


def coded(column, coding, frame, target) -> np.ndarray:
    """The target column as the network learns it, by ``coding``: class indices, or the
    standardized numbers (``frame``, ``target``: for the messages).

    Parameters
    ----------
    column : pandas.Series
        The target column (for classification; regression reads ``frame[target]``).
    coding : TargetCoding
        The coding learned from the training rows.
    frame : pandas.DataFrame
        The table, named in the messages.
    target : str
        The target column's name.

    Returns
    -------
    ndarray of shape (len(column),)
        Class indices (int64, -1 for a class the coding does not know), or the standardized
        numbers (float64).

    Raises
    ------
    DataError
        For regression, when a cell is not a finite number or standardizing overflows.
    """
    if coding.task == "classification":
        return class_codes(column, coding.texts)
    values = regression_numbers(frame, target)
    if coding.transform == "log":
        values = np.log1p(values)
    return standardized(values, coding.center, coding.scale, frame, target)


def distinct_targets(column):
    """The values of a target column that ``class_list`` makes classes of: true/false values,
    numbers (float64) or texts, each distinct once.

    Parameters
    ----------
    column : pandas.Series
        The target column.

    Returns
    -------
    set or ndarray
        A set of bools or of texts (None among them where a cell is missing), or the sorted
        distinct numbers as a float64 array.
    """
    kind = column.dtype.kind
    if kind == "b":
        return set(column.tolist())
    if kind in "iuf":
        return np.unique(column.to_numpy(dtype=np.float64))
    return set(conv.as_text(column).tolist())


def class_list(kind, distinct):
    """(classes, their texts) from the distinct values of a target column whose dtype is of
    ``kind``: sorted, numbers as int where all are whole.

    Parameters
    ----------
    kind : str
        The target's dtype kind (``dtype.kind``).
    distinct : iterable
        Its distinct values, as ``distinct_targets`` gives them.

    Returns
    -------
    classes : list
        The classes, sorted: bools, ints, floats or texts.
    texts : list of str
        The text of each, as ``columns.as_text`` writes a cell ("3", "True", "2.5").
    """
    if kind == "b":
        classes = sorted(distinct)
        return classes, ["True" if c else "False" for c in classes]
    if kind in "iuf":
        numbers = np.unique(np.asarray(distinct, dtype=np.float64))
        whole = np.array_equal(numbers, np.round(numbers))
        classes = [int(v) for v in numbers] if whole else [float(v) for v in numbers]
        return classes, [conv.number_text(float(v)) for v in numbers]
    classes = sorted(distinct)
    return classes, classes


def check_classes(classes, texts, where, target) -> None:
    """A DataError when the target has fewer than two classes.

    Parameters
    ----------
    classes : list
        The target's classes.
    texts : list of str
        Their texts, for the message.
    where : str
        The start of the message, naming the table (``reading.where(frame)``).
    target : str
        The target column's name.

    Raises
    ------
    DataError
        When ``classes`` holds only one class.
    """
    if len(classes) < 2:
        raise DataError(f"{where}the target {printable(target)!r} has only one value "
                        f"({printable(texts[0])!r}); a classifier needs at least two classes")


def class_codes(column, texts) -> np.ndarray:
    """The class of each cell of a target column, as its index among ``texts``.

    Parameters
    ----------
    column : pandas.Series
        The target column.
    texts : list of str
        The classes' texts, as ``class_list`` gives them.

    Returns
    -------
    ndarray of int64, shape (len(column),)
        Each cell's index among ``texts``; -1 for a text that is none of them.
    """
    index = pandas().Index(texts, dtype=object)
    return np.asarray(index.get_indexer(conv.as_text(column)), dtype=np.int64)


def regression_numbers(frame, target) -> np.ndarray:
    """The target's numbers, or a DataError naming the first cell that is not one.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table, named in the messages.
    target : str
        The target column's name.

    Returns
    -------
    ndarray of shape (len(frame),)
        The target's values as float64, NaN where missing.

    Raises
    ------
    DataError
        When a cell is text that is not a number, or an infinite number.
    """
    return conv.target_numbers(frame, target, ", which regression needs (use --task "
                               "classification for classes)")


def one_value(where, target, value) -> DataError:
    """The DataError of a regression target that never changes.

    Parameters
    ----------
    where : str
        The start of the message, naming the table (``reading.where(frame)``).
    target : str
        The target column's name.
    value : float
        Its one value.

    Returns
    -------
    DataError
        The error, for the caller to raise.
    """
    return DataError(f"{where}the target {printable(target)!r} has only one value "
                     f"({value:g}); there is nothing to learn")


def standardized(values, center, scale, frame, target) -> np.ndarray:
    """(values - center) / scale, or a DataError when that overflows.

    Parameters
    ----------
    values : ndarray
        The target's numbers.
    center, scale : float
        The coding's center and scale.
    frame : pandas.DataFrame
        The table, named in the messages.
    target : str
        The target column's name.

    Returns
    -------
    ndarray
        The standardized numbers.

    Raises
    ------
    DataError
        When a standardized value is not finite.
    """
    y = (values - center) / scale
    if not np.isfinite(y).all():
        raise DataError(f"{where(frame)}the target {printable(target)!r} holds values too large "
                        "to standardize")
    return y
