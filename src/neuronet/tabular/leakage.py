"""Possible leakage: a column that alone predicts the target almost perfectly.

Such a column is most often written after the target was known (an injury's severity beside
whether the person died, a refund beside whether the order was cancelled) and will not be
there, or not be the same, when the model is used. A model that learns from it scores well in
validation and fails in use. It may also be a real and strong feature: only the user knows,
so the column is kept, and the report says so.

The test is deliberately plain and hard to fool: each column on its own, its values (numbers
and dates in up to ``BINS`` bins of equal counts, each category its own value, a gap its own)
mapped to the target's most frequent class or its mean on half of the rows (for numbers
and a numeric target, also a straight line), scored on the other half, and the other way
round. A key that is different in every row learns nothing
that carries over to the other half, so it is never flagged.
"""

from __future__ import annotations

import numpy as np

from .._text import printable
from . import columns as conv
from .reading import pandas

__all__ = ["notes", "suspects"]

#: Bins of equal counts for a numeric column.
BINS = 32
#: Flagged: classes predicted with at least this accuracy, closing at least GAP_CLOSED of the
#: distance from always saying the most frequent class to perfect; numbers with this R².
ACCURACY = 0.98
GAP_CLOSED = 0.85
R2 = 0.98
#: Tables with fewer rows are not judged: their halves are too small to say.
MIN_ROWS = 50
#: A larger table is judged on a seeded sample of this many rows: halves of 50,000 rows say
#: as much as the whole, and the test stays a small part of the training's time.
MAX_ROWS = 100_000


def _values(series, role) -> np.ndarray:
    """A number's or a date's cells as floats, NaN where missing."""
    return conv.as_days(series, role.date_format) if role.role == "date" else \
        conv.as_numbers(series)[0]


def _codes(series, role, values=None) -> np.ndarray:
    """The cells of one column as small integers: a bin, a value, or the gap's own code;
    ``values`` are a number's or a date's cells as ``_values`` gives them, if known."""
    if role.role in ("numeric", "date"):
        if values is None:
            values = _values(series, role)
        # One sort serves the distinct values and the quantiles (the same as of the unsorted).
        present = np.sort(values[~np.isnan(values)])
        if not len(present):
            return np.zeros(len(values), np.int64)
        distinct = present[np.concatenate(([True], present[1:] != present[:-1]))]
        # Few values: each its own bin (edges between them); many: bins of equal counts.
        edges = distinct[1:] if len(distinct) <= BINS else \
            np.unique(np.quantile(present, np.linspace(0, 1, BINS + 1)[1:-1]))
        codes = np.searchsorted(edges, values, side="right")
        return np.where(np.isnan(values), len(edges) + 1, codes).astype(np.int64)
    return _factorized(conv.as_text(series))


def _factorized(text) -> np.ndarray:
    """Texts (None where missing) as codes from 0, a gap its own code; no fixed-width copy,
    which one long text would make huge."""
    codes = pandas().factorize(np.asarray(text, dtype=object))[0].astype(np.int64)
    return np.where(codes < 0, codes.max() + 1, codes)


def _half_scores(codes, classes, half) -> tuple:
    """(predictions for the rows of ``half``'s second part, learned from its first):
    ``half`` is (the learning rows, their targets, the scored rows, their targets), the rows
    as positions, kept from column to column."""
    learn, truth_learn, score, truth_score = half
    learned = codes[learn]
    size = int(codes.max()) + 1
    if classes:
        table = np.bincount(learned * classes + truth_learn,
                            minlength=size * classes).reshape(size, classes)
        default = int(np.argmax(np.bincount(truth_learn, minlength=classes)))
        guess = np.where(table.sum(axis=1) > 0, table.argmax(axis=1), default)
        return guess[codes[score]], truth_score
    sums = np.bincount(learned, truth_learn, minlength=size)
    counts = np.bincount(learned, minlength=size)
    means = np.where(counts > 0, sums / np.maximum(counts, 1), truth_learn.mean())
    return means[codes[score]], truth_score


def _line_r2(values, truth, first) -> float:
    """R² of a straight line through the numbers ``values``, fitted by least squares on each
    half and scored on the other (rows with a gap left out): a bin's mean is coarse where
    numbers follow the target closely."""
    present = ~np.isnan(values)
    errors, spread = 0.0, 0.0
    halves = [(values[part], truth[part]) for part in (first & present, ~first & present)]
    for (x, y), (x_score, y_score) in (halves, halves[::-1]):
        if len(x) < 2 or len(x_score) < 2 or np.ptp(x) == 0:
            return -np.inf
        dx = x - x.mean()
        slope = float(dx @ (y - y.mean())) / float(dx @ dx)
        offset = y.mean() - slope * x.mean()
        errors += float(np.sum((slope * x_score + offset - y_score) ** 2))
        spread += float(np.sum((y_score - y_score.mean()) ** 2))
    return 1 - errors / spread if spread > 0 else -np.inf


def suspects(frame, target, roles, task) -> list:
    """The learned columns that alone predict the target almost perfectly.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows, every one with a target value.
    target : str
        The target column.
    roles : list of Role
        The columns' roles (``infer_roles``); only the learned ones are judged.
    task : str
        "classification" or "regression".

    Returns
    -------
    list of (str, float, float)
        (column, its score on held-out halves, the score of always saying the most frequent
        class or the mean), best first; the score is an accuracy or an R².
    """
    n = len(frame)
    if n < MIN_ROWS:
        return []
    if n > MAX_ROWS:
        frame = frame.iloc[np.sort(np.random.default_rng(0).choice(n, MAX_ROWS, replace=False))]
        n = MAX_ROWS
    first = np.zeros(n, bool)
    first[np.random.default_rng(0).permutation(n)[: n // 2]] = True
    if task == "classification":
        truth = _factorized(conv.as_text(frame[target]))
        classes = int(truth.max()) + 1
        base = float(np.bincount(truth).max() / n)
    else:
        truth = conv.target_numbers(frame, target)
        classes = 0
        base = 0.0
        if not np.ptp(truth) > 0:
            return []
    # Positions rather than masks, and the targets of each half taken once for every column.
    parts = (np.flatnonzero(first), np.flatnonzero(~first))
    halves = [(learn, truth[learn], score, truth[score]) for learn, score in (parts, parts[::-1])]
    found = []
    for role in roles:
        if not role.learned:
            continue
        series = frame[role.column]
        values = _values(series, role) if role.role in ("numeric", "date") else None
        codes = _codes(series, role, values)
        guesses, truths = [], []
        for half in halves:
            guess, true = _half_scores(codes, classes, half)
            guesses.append(guess)
            truths.append(true)
        guess, true = np.concatenate(guesses), np.concatenate(truths)
        if classes:
            accuracy = float(np.mean(guess == true))
            if accuracy >= ACCURACY and accuracy - base >= GAP_CLOSED * (1 - base):
                found.append((role.column, accuracy, base))
        else:
            spread = float(np.sum((true - true.mean()) ** 2))
            r2 = 1 - float(np.sum((guess - true) ** 2)) / spread
            if role.role in ("numeric", "date"):
                r2 = max(r2, _line_r2(values, truth, first))
            if r2 >= R2:
                found.append((role.column, r2, 0.0))
    return sorted(found, key=lambda item: -item[1])


def notes(found, target, task) -> list:
    """The report's lines on possible leakage (none when nothing was found).

    Parameters
    ----------
    found : list
        As ``suspects`` gives it.
    target : str
        The target column.
    task : str
        "classification" or "regression".

    Returns
    -------
    list of str
        One line per column.
    """
    lines = []
    for column, value, base in found:
        if task == "classification":
            how = (f"accuracy {value:.3f} on rows it did not see, against {base:.3f} for "
                   "always the most frequent class")
        else:
            how = f"R² {value:.3f} on rows it did not see"
        lines.append(f"leakage?    {printable(column)!r} alone predicts {printable(target)!r} "
                     f"almost perfectly ({how}): if it is known only after the target, "
                     "leave it out (--exclude); the model learns from it as it is")
    return lines
