"""Column roles: what each column of a table is to the model. Inferred from the data, and
overridden by name:

- numeric: numbers (text that is mostly numbers too; the rest counts as missing);
- boolean: two values that spell true and false (True/False, yes/no, y/n, t/f);
- category: text, one input per value;
- date: dates and date-times (ISO 8601 and other common forms);
- left out, with the reason: the target, an ID (unique per row: text, or whole numbers that
  count the rows), a constant column, an empty column, or one excluded by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .._text import printable
from . import columns as conv
from .reading import DataError, where

_ID_NAME = re.compile(r"(^|[^a-z])(id|key|index|idx)$", re.IGNORECASE)
LEARNED = ("numeric", "boolean", "category", "date")
#: Share of a text column's cells that must read as numbers (or dates) for it to be taken so.
MOSTLY = 0.95
_DATE_SAMPLE = 1000


@dataclass
class Role:
    """What the preparation does with one column; ``note`` says more where needed."""

    column: str
    role: str
    note: str = ""
    date_format: str | None = None

    @property
    def learned(self) -> bool:
        return self.role in LEARNED


def _names(option, value, frame) -> list:
    if value is None:
        return []
    names = [value] if isinstance(value, str) else list(value)
    for name in names:
        if not isinstance(name, str):
            raise DataError(f"{option} takes column names, got {name!r}")
        if name not in frame.columns:
            raise DataError(f"{where(frame)}no column {printable(name)!r} (named by {option}); "
                            f"the columns are: {_listing(frame.columns)}")
    return names


def _listing(names, limit=12) -> str:
    names = [printable(n) for n in names]
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown}, ... ({len(names) - limit} more)"


def infer_roles(frame, target, *, categorical=None, numeric=None, exclude=None, id=None,
                features=None) -> list:
    """The role of every column of ``frame`` (a list of Role, in the frame's order).

    ``categorical``, ``numeric``, ``exclude``: column names that take that role whatever
    their values; ``id``: a column left out of learning and kept to name each prediction;
    ``features``: when given, the only columns to learn from (the others are excluded).
    """
    if target not in frame.columns:
        raise DataError(f"{where(frame)}no target column {printable(target)!r}; the columns "
                        f"are: {_listing(frame.columns)}")
    given = {}
    options = (("--categorical", categorical, "category"), ("--numeric", numeric, "numeric"),
               ("--exclude", exclude, "excluded"), ("--id", id, "id"),
               ("--features", features, "feature"))
    for option, value, role in options:
        for name in _names(option, value, frame):
            if name == target:
                raise DataError(f"column {printable(name)!r} is the target; it cannot also be "
                                f"given to {option}")
            if name in given and given[name][1] != "feature":
                if role != "feature":
                    raise DataError(f"column {printable(name)!r} is given to both "
                                    f"{given[name][0]} and {option}")
                continue
            given[name] = (option, role)
    chosen = None if features is None else {n for n, (_, r) in given.items() if r == "feature"}
    roles = []
    for name in frame.columns:
        if name == target:
            roles.append(Role(name, "target"))
            continue
        option, role = given.get(name, (None, None))
        if role == "excluded" or (chosen is not None and name not in chosen and
                                  role in (None, "feature")):
            roles.append(Role(name, "excluded", "left out as asked"))
        elif role == "id":
            roles.append(Role(name, "id", "left out as asked; written beside predictions"))
        elif role == "category":
            roles.append(Role(name, "category", "as asked"))
        elif role == "numeric":
            roles.append(_forced_numeric(frame, name))
        else:
            roles.append(_infer(frame, name))
    if not any(role.learned for role in roles):
        left = ", ".join(f"{printable(r.column)} ({r.role})" for r in roles
                         if r.role != "target")
        raise DataError(f"{where(frame)}no column is left to learn from besides the target "
                        f"{printable(target)!r}" + (f" (left out: {left})" if left else ""))
    return roles


def _forced_numeric(frame, name) -> Role:
    values, unparsed = conv.as_numbers(frame[name])
    if np.isnan(values).all():
        raise DataError(f"{where(frame)}column {printable(name)!r} (given to --numeric) holds "
                        "no numbers")
    return Role(name, "numeric", _unparsed_note(frame[name], unparsed) or "as asked")


def _unparsed_note(series, unparsed) -> str:
    if not len(unparsed):
        return ""
    example = printable(series.iloc[int(unparsed[0])])
    return (f"{len(unparsed):,} cell{'s' * (len(unparsed) > 1)} that "
            f"{'are' if len(unparsed) > 1 else 'is'} not a number (such as {example!r}) "
            "taken as missing")


def _infer(frame, name) -> Role:
    series = frame[name]
    n = len(series)
    kind = series.dtype.kind
    missing = int(series.isna().sum())
    if missing == n:
        return Role(name, "empty", "every cell is missing")
    if kind == "M":
        return Role(name, "date", date_format="ISO8601")
    if kind == "b":
        return Role(name, "boolean") if series.nunique() > 1 else \
            Role(name, "constant", f"always {series.iloc[0]}")
    if kind in "iuf":
        return _infer_numbers(series, name, n, missing)
    text = conv.as_text(series)
    present = text[text != None]  # noqa: E711 - elementwise comparison with None
    missing = n - len(present)
    distinct = _distinct(present)
    if len(distinct) == 1 and missing == 0:
        return Role(name, "constant", f"always {printable(distinct[0])!r}")
    if conv.is_boolean_text(distinct):
        return Role(name, "boolean")
    numbers, unparsed = conv.as_numbers(series)
    parsed = len(present) - len(unparsed)
    if parsed >= MOSTLY * len(present) and parsed > 0:
        role = _infer_numbers_values(numbers, name, n, int(np.isnan(numbers).sum()))
        if role.role == "numeric":
            role.note = _unparsed_note(series, unparsed)
        return role
    sample = distinct if len(distinct) <= _DATE_SAMPLE else \
        np.random.default_rng(0).choice(distinct, _DATE_SAMPLE, replace=False)
    date_format = conv.date_format_of(sample)
    if date_format is not None:
        return Role(name, "date", date_format=date_format)
    if len(distinct) == n and n >= 3:
        return Role(name, "id", "a different text in every row")
    return Role(name, "category")


def _distinct(present) -> np.ndarray:
    from .reading import pandas

    return pandas().unique(present)


def _infer_numbers(series, name, n, missing) -> Role:
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    return _infer_numbers_values(values, name, n, missing)


def _infer_numbers_values(values, name, n, missing) -> Role:
    present = values[~np.isnan(values)]
    if not len(present):
        return Role(name, "empty", "every cell is missing")
    low, high = present.min(), present.max()
    if low == high and missing == 0:
        return Role(name, "constant", f"always {conv._number_text(float(low))}")
    # Row numbers (0 or 1 to n), or distinct whole numbers in a column named like an ID. Years
    # or other distinct whole numbers are features: a trend is worth learning.
    if missing == 0 and n >= 3 and np.array_equal(present, np.round(present)) and \
            len(np.unique(present)) == n:
        if low in (0, 1) and high - low == n - 1:
            return Role(name, "id", f"whole numbers {low:.0f} to {high:.0f} that count the rows")
        if _ID_NAME.search(name):
            return Role(name, "id", "a different whole number in every row, named as an ID")
    return Role(name, "numeric")
