"""A table in parts: what one partition reports of its rows, and how two reports combine into
the report of both — exactly, in whatever groups the parts meet. ``cluster_table.Table`` sends
the ``*_part`` functions to the partitions and adds their reports up with the ``merge_*``
ones, in a tree of tasks on a Dask cluster's workers; a ``finish_*`` function makes the last
report small before it travels to the client.

- the survey of each column, which ``roles.decide`` reads (as it reads a column in memory);
- the target: what the task rule needs, the classes, the mean and spread of numbers;
- numbers and dates: counts, means and sums of squared deviations, combined by the pairwise
  update of Chan, Golub and LeVeque on values divided by their largest magnitude (as
  ``statistics.spread`` divides them); a date's distinct days and calendar cycles;
- the count of each value of a category.

The medians are found by the passes of ``ranks``, over the blocks of ``numbers_part``.

A report that a task receives may be the very object a worker keeps as another task's result:
the functions here never change what they are given.
"""

from __future__ import annotations

import math
from functools import reduce

import numpy as np

from . import columns as conv
from .reading import DataError, pandas
from .roles import date_format_of_distinct
from .statistics import CYCLES, numeric_columns
from .target import MAX_CLASSES, distinct_targets, regression_numbers

# --- the survey, for the roles -------------------------------------------------------------------


def survey_part(frame, columns) -> dict:
    """{column: what this partition knows of it} for the ``columns`` whose role is inferred.

    Parameters
    ----------
    frame : pandas.DataFrame
        The partition's rows.
    columns : list of str
        The columns to survey.

    Returns
    -------
    dict of str to dict
        Each column's ``column_survey``.

    Raises
    ------
    DataError
        When a cell holds several values (a list, a dict) instead of one.
    """
    return {name: column_survey(frame[name]) for name in columns}


def column_survey(series) -> dict:
    """What one partition knows of one column, for ``roles.decide``.

    Parameters
    ----------
    series : pandas.Series
        The column's cells in this partition.

    Returns
    -------
    dict
        "rows", "kind", "missing", "first"; "truths" for a true/false column; "numbers"
        (count, least, greatest, whether all whole), "unparsed" and "example" of the cells
        read as numbers; for text, "text_missing" and "distinct" (the texts, in the order of
        their first appearance, as the keys of a dict).

    Raises
    ------
    DataError
        When a cell holds several values (a list, a dict) instead of one.
    """
    n, kind = len(series), series.dtype.kind
    part = {"rows": n, "kind": kind, "missing": int(series.isna().sum()),
            "first": series.iloc[0] if n else None}
    if kind == "b":
        part["truths"] = set(series.dropna().tolist())
    values, unparsed = conv.as_numbers(series)
    present = values[~np.isnan(values)]
    part["numbers"] = (len(present), present.min() if len(present) else np.nan,
                       present.max() if len(present) else np.nan,
                       bool(np.array_equal(present, np.round(present))))
    part["unparsed"] = len(unparsed)
    part["example"] = series.iloc[int(unparsed[0])] if len(unparsed) else None
    if kind not in "iufbM":
        text = conv.as_text(series)
        present = text[text != None]  # noqa: E711 - elementwise
        part["text_missing"] = n - len(present)
        part["distinct"] = dict.fromkeys(pandas().unique(present).tolist())
    return part


def merge_surveys(*parts) -> dict:
    """The survey of several partitions' rows together, from theirs.

    Parameters
    ----------
    *parts
        Reports of ``survey_part`` (or merged ones), in partition order.

    Returns
    -------
    dict of str to dict
        Each column's survey of all their rows: counts added up, the first cell and example
        of the earliest partition that has one, distinct texts in order of first appearance.
    """
    return {name: reduce(_merge_column_survey, [part[name] for part in parts])
            for name in parts[0]}


def _merge_column_survey(a, b) -> dict:
    merged = dict(a)
    merged["rows"] = a["rows"] + b["rows"]
    merged["missing"] = a["missing"] + b["missing"]
    merged["first"] = a["first"] if a["rows"] else b["first"]
    if "truths" in a:
        merged["truths"] = a["truths"] | b["truths"]
    (pa, la, ha, wa), (pb, lb, hb, wb) = a["numbers"], b["numbers"]
    merged["numbers"] = (pa + pb, np.fmin(la, lb), np.fmax(ha, hb), wa and wb)
    merged["unparsed"] = a["unparsed"] + b["unparsed"]
    merged["example"] = a["example"] if a["unparsed"] else b["example"]
    if "distinct" in a:
        merged["text_missing"] = a["text_missing"] + b["text_missing"]
        merged["distinct"] = dict(a["distinct"])
        merged["distinct"].update(b["distinct"])  # new values after, in order of appearance
    return merged


def finish_survey(survey) -> dict:
    """The survey as the client needs it: of the distinct texts, their number, the first,
    whether they spell true and false, and their date format.

    Parameters
    ----------
    survey : dict of str to dict
        The merged survey of every partition.

    Returns
    -------
    dict of str to dict
        Each column's survey, with "distinct" replaced by "distinct_count",
        "first_distinct", "boolean_text" and "date_format" for text columns.
    """
    finished = {}
    for name, part in survey.items():
        part = dict(part)
        distinct = part.pop("distinct", None)
        if distinct is not None:
            distinct = list(distinct)
            part["distinct_count"] = len(distinct)
            part["first_distinct"] = distinct[0] if distinct else None
            part["boolean_text"] = conv.is_boolean_text(distinct)
            part["date_format"] = date_format_of_distinct(distinct) if distinct else None
        finished[name] = part
    return finished


def distinct_part(frame, name):
    """(whether no number of the column appears twice in this partition, its sorted numbers
    if so): for a column of whole numbers that may be an ID.

    Parameters
    ----------
    frame : pandas.DataFrame
        The partition's rows.
    name : str
        The column.

    Returns
    -------
    all_distinct : bool
        Whether no number appears twice.
    values : ndarray or None
        The sorted numbers when they are all distinct, else None.
    """
    values = conv.as_numbers(frame[name])[0]
    present = values[~np.isnan(values)]
    unique = np.unique(present)
    return (True, unique) if len(unique) == len(present) else (False, None)


def merge_distinct(*parts):
    """Whether no number appears twice in several partitions together, from their reports.

    Parameters
    ----------
    *parts
        Reports of ``distinct_part`` (or merged ones), in partition order.

    Returns
    -------
    tuple of (bool, ndarray or None)
        As ``distinct_part`` gives it, for all their rows.
    """
    if not all(ok for ok, _ in parts):
        return False, None
    values = np.sort(np.concatenate([values for _, values in parts]))
    return (False, None) if np.any(values[1:] == values[:-1]) else (True, values)


def finish_distinct(part) -> bool:
    """The answer alone, without the numbers, for the client.

    Parameters
    ----------
    part : tuple of (bool, ndarray or None)
        The merged report of every partition.

    Returns
    -------
    bool
        Whether no number of the column appears twice in the table.
    """
    return part[0]


# --- the target ----------------------------------------------------------------------------------


def target_part(frame, target) -> dict:
    """What one partition's rows (all with a target value) say of the target: for the task
    rule, the classes and the regression's scaling.

    Parameters
    ----------
    frame : pandas.DataFrame
        The partition's rows.
    target : str
        The target column.

    Returns
    -------
    dict
        "kind", "rows", "unparsed"; "distinct" (at most ``MAX_CLASSES + 1`` of the finite
        numbers, sorted), "whole", "moments", "low", "high" of the finite numbers; and
        "problem", the message of the DataError a regression would raise on these rows, or
        None.
    """
    column = frame[target]
    kind = column.dtype.kind
    values, unparsed = conv.as_numbers(column)
    # Without the cells that are not numbers, nor infinity (refused below, as "problem").
    values = values[np.isfinite(values)]
    part = {"kind": kind, "rows": len(column), "unparsed": len(unparsed)}
    part["distinct"] = np.unique(values)[:MAX_CLASSES + 1]  # enough to tell the task
    part["whole"] = bool(np.array_equal(values, np.round(values)))
    part["moments"] = moments(values)
    part["low"] = values.min() if len(values) else np.nan
    part["high"] = values.max() if len(values) else np.nan
    part["problem"] = None
    if len(column):
        try:
            regression_numbers(frame, target)
        except DataError as exc:
            part["problem"] = str(exc)
    return part


def merge_targets(*parts) -> dict:
    """What several partitions' rows say of the target together, from their reports.

    Parameters
    ----------
    *parts
        Reports of ``target_part`` (or merged ones), in partition order.

    Returns
    -------
    dict
        As ``target_part`` gives it, for all their rows; the problem is the first
        partition's that has one.
    """
    merged = dict(parts[0])
    for part in parts[1:]:
        merged["rows"] += part["rows"]
        merged["unparsed"] += part["unparsed"]
        merged["distinct"] = np.union1d(merged["distinct"], part["distinct"])[:MAX_CLASSES + 1]
        merged["whole"] = merged["whole"] and part["whole"]
        merged["moments"] = merged_moments(merged["moments"], part["moments"])
        merged["low"] = np.fmin(merged["low"], part["low"])
        merged["high"] = np.fmax(merged["high"], part["high"])
        merged["problem"] = merged["problem"] or part["problem"]
    return merged


def classes_part(frame, target):
    """(the target's dtype kind, its distinct values in this partition).

    Parameters
    ----------
    frame : pandas.DataFrame
        The partition's rows.
    target : str
        The target column.

    Returns
    -------
    kind : str
        The target's dtype kind.
    distinct : set or ndarray
        Its distinct values, as ``target.distinct_targets`` gives them.
    """
    return frame[target].dtype.kind, distinct_targets(frame[target])


def merge_classes(*parts):
    """The distinct target values of several partitions together, from their reports.

    Parameters
    ----------
    *parts
        Reports of ``classes_part`` (or merged ones), in partition order.

    Returns
    -------
    tuple of (str, set or ndarray)
        The first report's dtype kind, and the union of the distinct values.
    """
    kind = parts[0][0]
    if kind in "iuf":
        return kind, reduce(np.union1d, [values for _, values in parts])
    return kind, set().union(*[values for _, values in parts])


# --- numbers and dates ---------------------------------------------------------------------------


def moments(values):
    """(count, scale, mean, sum of squared deviations) of ``values`` (no NaN) divided by
    ``scale``, their largest magnitude, so that values near the float limit do not overflow
    when squared (as ``statistics.spread`` does).

    Parameters
    ----------
    values : ndarray
        Numbers, without NaN.

    Returns
    -------
    tuple of (int, float, float, float)
        (count, scale, mean, sum of squared deviations); (0, 1.0, 0.0, 0.0) for no values.
    """
    if not len(values):
        return 0, 1.0, 0.0, 0.0
    with np.errstate(all="ignore"):
        largest = float(np.max(np.abs(values)))
    scale = largest if math.isfinite(largest) and largest > 0 else 1.0
    scaled = values / scale
    mean = float(np.mean(scaled))
    return len(values), scale, mean, float(np.sum((scaled - mean) ** 2))


def merged_moments(a, b):
    """The moments of two parts' values together (Chan, Golub and LeVeque's pairwise update,
    on values divided by the larger of the two scales).

    Parameters
    ----------
    a, b : tuple of (int, float, float, float)
        The ``moments`` of each part.

    Returns
    -------
    tuple of (int, float, float, float)
        The moments of both parts' values.
    """
    (na, sa, ma, qa), (nb, sb, mb, qb) = a, b
    if not nb:
        return a
    if not na:
        return b
    scale = max(sa, sb)
    ma, qa = ma * (sa / scale), qa * (sa / scale) ** 2
    mb, qb = mb * (sb / scale), qb * (sb / scale) ** 2
    n = na + nb
    delta = mb - ma
    return n, scale, ma + delta * (nb / n), qa + qb + delta * delta * (na * nb / n)


def numbers_part(frame, numeric, dates):
    """The numeric columns (``statistics.numeric_columns``: an infinite value is a DataError
    naming its row) and the dates as days, as one float64 block (NaN where missing).

    Parameters
    ----------
    frame : pandas.DataFrame
        The partition's rows.
    numeric : list of str
        The numeric columns.
    dates : list of tuple of (str, str)
        The date columns, each with its date format.

    Returns
    -------
    ndarray of shape (len(frame), len(numeric) + len(dates))
        The numbers, then the dates as days since 1970-01-01.

    Raises
    ------
    DataError
        When a numeric column holds an infinite value, or a cell holds several values.
    """
    block = np.empty((len(frame), len(numeric) + len(dates)), dtype=np.float64)
    for j, values in enumerate(numeric_columns(frame, numeric)):
        block[:, j] = values
    for j, (name, date_format) in enumerate(dates, len(numeric)):
        block[:, j] = conv.as_days(frame[name], date_format)
    return block


def block_part(block, n_numeric) -> list:
    """For each column of a partition's block (its first ``n_numeric`` numbers, then dates):
    the moments of its values, and for a date its distinct days and the moments of the sine
    and cosine of each calendar cycle.

    Parameters
    ----------
    block : ndarray
        A partition's block, as ``numbers_part`` gives it.
    n_numeric : int
        How many of its first columns are numbers rather than dates.

    Returns
    -------
    list of dict
        Per column, "moments"; for a date also "days" (its distinct days, sorted) and
        "cycles" ({cycle: (moments of the sine, moments of the cosine)}).
    """
    parts = []
    for j in range(block.shape[1]):
        values = block[:, j]
        values = values[~np.isnan(values)]
        part = {"moments": moments(values)}
        if j >= n_numeric:  # a date: its distinct days and calendar cycles
            part["days"] = np.unique(values)
            part["cycles"] = {}
            for name, period in CYCLES.items():
                angle = 2 * np.pi * values / period
                part["cycles"][name] = (moments(np.sin(angle)), moments(np.cos(angle)))
        parts.append(part)
    return parts


def merge_blocks(*parts) -> list:
    """The statistics of several partitions' numbers and dates together, from their reports.

    Parameters
    ----------
    *parts
        Reports of ``block_part`` (or merged ones), in partition order.

    Returns
    -------
    list of dict
        As ``block_part`` gives it, for all their rows.
    """
    merged = []
    for columns in zip(*parts):
        part = {"moments": reduce(merged_moments, [c["moments"] for c in columns])}
        if "days" in columns[0]:
            part["days"] = reduce(np.union1d, [c["days"] for c in columns])
            part["cycles"] = {
                name: tuple(reduce(merged_moments, [c["cycles"][name][i] for c in columns])
                            for i in range(2))
                for name in CYCLES}
        merged.append(part)
    return merged


def finish_blocks(parts) -> list:
    """The statistics as the client needs them: a date's cycles decided here, from its
    distinct days (their usual spacing) and the spread of each cycle's sine and cosine, as
    ``statistics.gather`` decides them.

    Parameters
    ----------
    parts : list of dict
        The merged report of every partition.

    Returns
    -------
    list of dict
        Per column, "moments"; for a date, "cycles" ({cycle: whether it varies}), without
        the distinct days.
    """
    finished = []
    for part in parts:
        part = dict(part)
        finished.append(part)
        days = part.pop("days", None)
        if days is None:
            continue
        spacing = np.median(np.diff(days)) if len(days) > 1 else np.inf
        cycles = {}
        for name, period in CYCLES.items():
            spreads = [math.sqrt(m2 / count) * scale if count else 0.0
                       for count, scale, _, m2 in part["cycles"][name]]
            cycles[name] = bool(max(spreads) > 1e-3 and spacing <= period / 2)
        part["cycles"] = cycles
    return finished


# --- category counts -----------------------------------------------------------------------------


def counts_part(frame, names) -> dict:
    """{column: (missing cells, {text: count})} of the category columns ``names`` in this
    partition.

    Parameters
    ----------
    frame : pandas.DataFrame
        The partition's rows.
    names : list of str
        The category (and boolean) columns.

    Returns
    -------
    dict of str to tuple of (int, dict)
        Each column's missing cells and the count of each value, as text.

    Raises
    ------
    DataError
        When a cell holds several values (a list, a dict) instead of one.
    """
    counts = {}
    for name in names:
        text = conv.as_text(frame[name])
        present = text[text != None]  # noqa: E711 - elementwise
        values = pandas().Series(present, dtype=object).value_counts(sort=False)
        counts[name] = (len(text) - len(present), {str(k): int(v) for k, v in values.items()})
    return counts


def merge_counts(*parts) -> dict:
    """The counts of several partitions together, from their reports.

    Parameters
    ----------
    *parts
        Reports of ``counts_part`` (or merged ones), in partition order.

    Returns
    -------
    dict of str to tuple of (int, dict)
        As ``counts_part`` gives it, counts added up.
    """
    merged = {}
    for name in parts[0]:
        missing, counts = parts[0][name][0], dict(parts[0][name][1])
        for part in parts[1:]:
            missing += part[name][0]
            for value, count in part[name][1].items():
                counts[value] = counts.get(value, 0) + count
        merged[name] = (missing, counts)
    return merged


class KeepCounts:
    """The last task of the category counts: a column of many values keeps its most frequent
    ones, ranked as ``Preparation.fit`` ranks them (count, then value).

    Called with the merged counts, it gives them with at most ``keep`` values a column.

    Parameters
    ----------
    keep : int
        How many values a column keeps.
    """

    def __init__(self, keep):
        self.keep = keep

    def __call__(self, counts) -> dict:
        kept = {}
        for name, (missing, values) in counts.items():
            if len(values) > self.keep:
                ranked = sorted(values.items(), key=lambda item: (-item[1], item[0]))
                values = dict(ranked[:self.keep])
            kept[name] = (missing, values)
        return kept
