"""The statistics a preparation is learned from, gathered from the training rows in one place.

Everything the preparation needs from the data is here and nowhere else: for numbers (and
dates, as days) the count, the gaps, the median, the mean and the spread; for categories the
count of each value and of the gaps; for dates which calendar cycles vary. ``Preparation.fit``
turns these into the fitted preparation without looking at the data again, so another engine
that computes the same statistics (over the partitions of a distributed table, say) learns
the same preparation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._text import printable
from . import columns as conv
from .reading import DataError, pandas, where

#: Calendar cycles a date may carry, by name and period in days.
CYCLES = {"year": 365.2425, "week": 7.0, "day": 1.0}
#: The quantiles of a number that the preparation reads: its octiles, from the smallest value
#: to the largest (robust scaling reads the quartiles among them, the bins every edge).
QUANTILES = tuple(k / 8 for k in range(9))


def quantile_ranks(count: int, q: float):
    """Where a quantile falls among sorted values: between two ranks, at a fraction.

    Linear interpolation between the ranks, NumPy's default method: the quantile is
    ``quantile_value`` of the values at the two ranks (counted from 0).

    Parameters
    ----------
    count : int
        How many sorted values there are; at least 1.
    q : float
        The quantile, from 0 (the smallest value) to 1 (the largest).

    Returns
    -------
    tuple of (int, int, float)
        The lower rank, the upper rank, and the fraction of the way from the first to the
        second.
    """
    position = (count - 1) * q
    lower = int(math.floor(position))
    return lower, min(lower + 1, count - 1), position - lower


def quantile_value(low: float, high: float, fraction: float) -> float:
    """The quantile between two values: one formula wherever the ranks were found, so every
    engine gets the same bits.

    Parameters
    ----------
    low, high : float
        The values at the lower and the upper rank that ``quantile_ranks`` gives.
    fraction : float
        The fraction ``quantile_ranks`` gives, from 0 (``low``) to 1 (``high``).

    Returns
    -------
    float
        ``low + (high - low) * fraction``; where that overflows, the same point weighed as
        ``low * (1 - fraction) + high * fraction``.
    """
    low, high = float(low), float(high)  # Python's floats: an overflow is inf, no warning
    if fraction == 0 or low == high:
        return low
    value = low + (high - low) * fraction
    return value if math.isfinite(value) else low * (1 - fraction) + high * fraction


@dataclass
class NumberStatistics:
    """A numeric column (or a date column as days): enough to impute and standardize it.

    Parameters
    ----------
    rows : int
        How many training rows there were.
    missing : int
        How many of them had no value (or, for numbers, text that is not a number).
    median : float
        The median of the values present: what imputation fills a gap with.
    mean, std : float
        The mean and the standard deviation of the values present: what standardization
        subtracts and divides by.
    cycles : tuple of str, default ()
        For dates, the calendar cycles (names of ``CYCLES``) that vary in the training rows;
        empty for numbers.
    quantiles : tuple of float, default ()
        For numbers, the values at ``QUANTILES`` (robust scaling reads the quartiles among
        them, the bins every one); empty where they are not known.
    """

    rows: int
    missing: int
    median: float
    mean: float
    std: float
    cycles: tuple = ()  # for dates: the calendar cycles that vary in the training rows
    quantiles: tuple = ()  # for numbers: the QUANTILES, if known

    @property
    def quartiles(self) -> tuple:
        """(first quartile, third quartile), or () where the quantiles are not known."""
        return (self.quantiles[2], self.quantiles[6]) if self.quantiles else ()


@dataclass
class CategoryStatistics:
    """A category (or boolean) column: how often each value occurs, enough to one-hot it.

    Parameters
    ----------
    rows : int
        How many training rows there were.
    missing : int
        How many of them had no value.
    counts : dict of str to int, default {}
        Each value present, as text, and the number of rows that hold it.
    """

    rows: int
    missing: int
    counts: dict = field(default_factory=dict)  # text -> rows with that value


def numeric_column(frame, name):
    """One column as float64, NaN where missing: a view of pandas' own array where that is
    already float64, so that reading it costs no copy; text that is not a number counts as
    missing.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    name : str
        The column.

    Returns
    -------
    ndarray of shape (len(frame),)
        Its values as float64 (not to be written to: it may be the frame's own memory).

    Raises
    ------
    DataError
        When a cell holds several values (a list, a dict).
    """
    column = frame[name]
    if column.dtype.kind not in "iufb":
        return conv.as_numbers(column)[0]
    if isinstance(column.dtype, np.dtype):  # NumPy's own types: NaN is already the gap
        return column.to_numpy(dtype=np.float64)
    return column.to_numpy(dtype=np.float64, na_value=np.nan)  # pandas' nullable ones


def numeric_columns(frame, names) -> list:
    """``numeric_column`` of each of ``names``, each checked to hold no infinity.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    names : list of str
        The columns to read, in this order.

    Returns
    -------
    list of ndarray
        Each column's values as float64, NaN where missing.

    Raises
    ------
    DataError
        Naming the row of the first infinite value (in the first column that holds one), or
        of a cell of several values.
    """
    columns = [numeric_column(frame, name) for name in names]
    for values, name in zip(columns, names):
        conv.check_finite(values, frame, name)
    return columns


class ColumnRows:
    """Columns read whole, handed out a few rows at a time as one array (rows, columns):
    ``ColumnRows(columns)[first:last]``. The rows are copied, the columns never are.

    Parameters
    ----------
    columns : list of ndarray
        The columns, each of the same length.
    """

    def __init__(self, columns):
        self.columns = columns

    def __getitem__(self, rows):
        return np.stack([values[rows] for values in self.columns], axis=1)


def order_statistics(column, count):
    """The ``QUANTILES`` and the median of one column's values, from one sort of it.

    The median is ``numpy.median``'s, bit for bit: the middle value, or the mean of the two
    middle ones.

    Parameters
    ----------
    column : ndarray of shape (rows,)
        Float values, NaN where missing (it is not changed).
    count : int
        How many of them are not NaN; at least 1.

    Returns
    -------
    quantiles : tuple of float
        The values at ``QUANTILES``, as ``quantile_ranks`` and ``quantile_value`` give them.
    median : float
        The median of the values present.
    """
    ordered = np.sort(column)  # a copy, NaN last: a sort of one column is quickest in NumPy
    found = []
    for q in QUANTILES:
        lower, upper, fraction = quantile_ranks(count, q)
        found.append(quantile_value(ordered[lower], ordered[upper], fraction))
    # The mean of the one or two middle values, as numpy.median takes it (overflow alike).
    middle = (count - 1) // 2
    return tuple(found), float(np.mean(ordered[middle:count // 2 + 1]))


def spread(block, gaps=True):
    """(mean, standard deviation) of each column of ``block``, ignoring NaN, computed on the
    columns divided by their largest magnitude, so that values near the float limit do not
    overflow when squared.

    Parameters
    ----------
    block : ndarray of shape (rows, columns)
        Float values, NaN where missing.

    gaps : bool, default True
        Whether ``block`` may hold NaN; False (none does) takes NumPy's plain mean and
        standard deviation, which add up the same numbers in the same order as the NaN-aware
        ones, without their copies of the block.

    Returns
    -------
    mean, std : ndarray of shape (columns,)
        The mean and the (population) standard deviation of each column's values present.
    """
    with np.errstate(all="ignore"):  # from the extremes, without a copy of the magnitudes
        largest = np.fmax(np.abs(np.fmin.reduce(block, axis=0)),
                          np.abs(np.fmax.reduce(block, axis=0)))
    largest = np.where(np.isfinite(largest) & (largest > 0), largest, 1.0)
    scaled = block / largest
    if not gaps:
        mean = scaled.mean(axis=0)
        np.subtract(scaled, mean, out=scaled)
        np.multiply(scaled, scaled, out=scaled)
        std = np.sqrt(scaled.sum(axis=0) / len(block))
        return mean * largest, std * largest
    mean = np.nanmean(scaled, axis=0) * largest
    std = np.nanstd(scaled, axis=0) * largest
    return mean, std


def gather(frame, roles) -> dict:
    """{column: NumberStatistics or CategoryStatistics} for the learned columns of ``roles``.

    Numeric and date columns get ``NumberStatistics`` (dates as days since 1970-01-01),
    category and boolean columns ``CategoryStatistics``; columns of other roles (ignored, the
    target) get nothing.

    Parameters
    ----------
    frame : pandas.DataFrame
        The training rows.
    roles : list of Role
        The role of each column, as ``infer_roles`` gives them.

    Returns
    -------
    dict of str to NumberStatistics or CategoryStatistics
        The statistics of each learned column, by name.

    Raises
    ------
    DataError
        When a numeric or date column has no value in any training row, or holds an
        infinite number or a cell of several values.
    """
    stats = {}
    numeric = [r.column for r in roles if r.role == "numeric"]
    # Column by column, each a view of the frame's own memory where it can be: a block of
    # them all would be a copy of the table, and new memory costs more than the arithmetic.
    columns = numeric_columns(frame, numeric)
    missing = [int(np.count_nonzero(np.isnan(values))) for values in columns]
    for name, gaps in zip(numeric, missing):
        if gaps == len(frame):
            raise DataError(f"{where(frame)}column {printable(name)!r} has no value in any "
                            "training row")
    for name, values, gaps in zip(numeric, columns, missing):
        mean, std = spread(values[:, None], gaps > 0)
        found, median = order_statistics(values, len(frame) - gaps)
        stats[name] = NumberStatistics(len(frame), gaps, median, float(mean[0]), float(std[0]),
                                       quantiles=found)
    for role in roles:
        if role.role == "date":
            stats[role.column] = _date_statistics(frame, role)
        elif role.role in ("category", "boolean"):
            text = conv.as_text(frame[role.column])
            present = text[text != None]  # noqa: E711 - elementwise
            counts = pandas().Series(present, dtype=object).value_counts(sort=False)
            stats[role.column] = CategoryStatistics(len(frame), len(text) - len(present),
                                                    {str(k): int(v) for k, v in counts.items()})
    return stats


def _date_statistics(frame, role) -> NumberStatistics:
    days = conv.as_days(frame[role.column], role.date_format)
    present = days[~np.isnan(days)]
    if not len(present):
        raise DataError(f"{where(frame)}column {printable(role.column)!r} has no date in any "
                        "training row")
    mean, std = spread(present[:, None])
    # A cycle is worth an input when the dates are close enough together to show it (their
    # usual spacing at most half its period, as in sampling) and it varies among them: yearly
    # dates carry no weekday, and dates without a time no time of day.
    distinct = np.unique(present)
    spacing = np.median(np.diff(distinct)) if len(distinct) > 1 else np.inf
    cycles = []
    for name, period in CYCLES.items():
        angle = 2 * np.pi * present / period
        varies = max(np.std(np.sin(angle)), np.std(np.cos(angle))) > 1e-3
        if varies and spacing <= period / 2:
            cycles.append(name)
    return NumberStatistics(len(days), len(days) - len(present), float(np.median(present)),
                            float(mean[0]), float(std[0]), tuple(cycles))
