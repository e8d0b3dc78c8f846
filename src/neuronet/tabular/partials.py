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
- medians: the values' 64-bit keys in the order of the values, counted in buckets of the
  range that holds the middle rank, until the few values left are sent whole;
- the count of each value of a category.

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
from .statistics import CYCLES, numeric_block
from .target import MAX_CLASSES, distinct_targets, regression_numbers

#: The buckets of each histogram of a median's pass: 2 ** BUCKET_BITS.
BUCKET_BITS = 12
#: A median's candidates are sent whole once at most this many remain.
GATHER = 4096
_SIGN = np.uint64(1 << 63)


# --- the survey, for the roles -------------------------------------------------------------------


def survey_part(frame, columns) -> dict:
    """{column: what this partition knows of it} for the ``columns`` whose role is inferred."""
    return {name: column_survey(frame[name]) for name in columns}


def column_survey(series) -> dict:
    """What one partition knows of one column, for ``roles.decide``."""
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
    whether they spell true and false, and their date format."""
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
    if so): for a column of whole numbers that may be an ID."""
    values = conv.as_numbers(frame[name])[0]
    present = values[~np.isnan(values)]
    unique = np.unique(present)
    return (True, unique) if len(unique) == len(present) else (False, None)


def merge_distinct(*parts):
    if not all(ok for ok, _ in parts):
        return False, None
    values = np.sort(np.concatenate([values for _, values in parts]))
    return (False, None) if np.any(values[1:] == values[:-1]) else (True, values)


def finish_distinct(part) -> bool:
    return part[0]


# --- the target ----------------------------------------------------------------------------------


def target_part(frame, target) -> dict:
    """What one partition's rows (all with a target value) say of the target: for the task
    rule, the classes and the regression's scaling."""
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
    """(the target's dtype kind, its distinct values in this partition)."""
    return frame[target].dtype.kind, distinct_targets(frame[target])


def merge_classes(*parts):
    kind = parts[0][0]
    if kind in "iuf":
        return kind, reduce(np.union1d, [values for _, values in parts])
    return kind, set().union(*[values for _, values in parts])


# --- numbers and dates ---------------------------------------------------------------------------


def moments(values):
    """(count, scale, mean, sum of squared deviations) of ``values`` (no NaN) divided by
    ``scale``, their largest magnitude, so that values near the float limit do not overflow
    when squared (as ``statistics.spread`` does)."""
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
    on values divided by the larger of the two scales)."""
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
    """The numeric columns (``statistics.numeric_block``: an infinite value is a DataError
    naming its row) and the dates as days, as one float64 block (NaN where missing)."""
    block = np.empty((len(frame), len(numeric) + len(dates)), dtype=np.float64)
    if numeric:
        block[:, :len(numeric)] = numeric_block(frame, numeric)
    for j, (name, date_format) in enumerate(dates, len(numeric)):
        block[:, j] = conv.as_days(frame[name], date_format)
    return block


def block_part(block, n_numeric) -> list:
    """For each column of a partition's block (its first ``n_numeric`` numbers, then dates):
    the moments of its values, and for a date its distinct days and the moments of the sine
    and cosine of each calendar cycle."""
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
    ``statistics.gather`` decides them."""
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


# --- medians -------------------------------------------------------------------------------------


def order_keys(values):
    """Each float64 as a uint64 in the same order: the sign bit flipped for positive numbers,
    every bit for negative ones."""
    bits = values.view(np.uint64)
    return np.where(bits >> np.uint64(63), ~bits, bits | _SIGN)


def from_order_key(key: int) -> float:
    bits = key ^ (1 << 63) if key >> 63 else ~key & ((1 << 64) - 1)
    return float(np.array([bits], dtype=np.uint64).view(np.float64)[0])


class Search:
    """The search for the value of rank ``rank`` (from 0) in column ``column``: it lies among
    the ``inside`` values whose keys are from ``low`` to ``high``; ``below`` are smaller."""

    def __init__(self, column, rank, count):
        self.column, self.rank = column, rank
        self.low, self.high, self.below, self.inside = 0, (1 << 64) - 1, 0, count
        self.value = None

    def request(self):
        """(column, low, high, shift): the buckets of the next pass, keys >> shift from low;
        shift None: send the values themselves."""
        if self.inside <= GATHER:
            return self.column, self.low, self.high, None
        return self.column, self.low, self.high, \
            max(0, (self.high - self.low).bit_length() - BUCKET_BITS)

    def narrow(self, shift, result) -> None:
        below, found = result
        self.below = below
        if shift is None:  # the candidates themselves, sorted
            self.value = float(found[self.rank - below])
            return
        ends = below + np.cumsum(found)
        bucket = int(np.searchsorted(ends, self.rank, side="right"))
        self.below = int(ends[bucket] - found[bucket])
        self.inside = int(found[bucket])
        self.low += bucket << shift
        self.high = min(self.high, self.low + (1 << shift) - 1)
        if self.low == self.high:
            self.value = from_order_key(self.low)


def narrow_part(block, requests) -> list:
    results = []
    keys_of = {}
    for column, low, high, shift in requests:
        if column not in keys_of:
            values = block[:, column]
            values = values[~np.isnan(values)]
            keys_of[column] = (values, order_keys(values))
        values, keys = keys_of[column]
        low64, high64 = np.uint64(low), np.uint64(high)
        below = int(np.count_nonzero(keys < low64))
        inside = (keys >= low64) & (keys <= high64)
        if shift is None:
            results.append((below, values[inside]))
        else:
            buckets = ((keys[inside] - low64) >> np.uint64(shift)).astype(np.int64)
            results.append((below, np.bincount(buckets,
                                               minlength=((high - low) >> shift) + 1)))
    return results


def merge_narrowed(*parts) -> list:
    merged = []
    for results in zip(*parts):
        below = sum(r[0] for r in results)
        found = results[0][1]
        if found.dtype.kind == "f":
            found = np.concatenate([r[1] for r in results])
        else:
            found = reduce(np.add, [r[1] for r in results])
        merged.append((below, found))
    return merged


def sorted_candidates(results) -> list:
    return [(below, np.sort(found) if found.dtype.kind == "f" else found)
            for below, found in results]


# --- category counts -----------------------------------------------------------------------------


def counts_part(frame, names) -> dict:
    counts = {}
    for name in names:
        text = conv.as_text(frame[name])
        present = text[text != None]  # noqa: E711 - elementwise
        values = pandas().Series(present, dtype=object).value_counts(sort=False)
        counts[name] = (len(text) - len(present), {str(k): int(v) for k, v in values.items()})
    return counts


def merge_counts(*parts) -> dict:
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
    ones, ranked as ``Preparation.fit`` ranks them (count, then value)."""

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
