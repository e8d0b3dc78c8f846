"""Column roles: what each column of a table is to the model. Inferred from the data, and
overridden by name:

- numeric: numbers (text that is mostly numbers too; the rest counts as missing);
- boolean: two values that spell true and false (True/False, yes/no, y/n, t/f);
- category: text, one input per value;
- date: dates and date-times (ISO 8601 and other common forms);
- left out, with the reason: the target, an ID, a constant column, an empty column, or one
  excluded by name. An ID is a column a user would not feed a model: text different in every
  row, or nearly every row (a key); whole numbers that count the rows, or that rise from row to
  row (a counter, as a sample number); a column named like an ID ("Individual ID", "caseid",
  "Sample Number") with many values. ``--numeric`` and ``--categorical`` keep one.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .._text import printable
from . import columns as conv
from .reading import DataError, where

_ID_NAME = re.compile(r"(^|[^a-z])(id|key|index|idx|uuid|guid)$|[a-z](Id|ID)$"
                      r"|(^|[^a-z])(case|user|customer|client|patient|person|sample|record|row"
                      r"|item|order|account|subject|transaction|session|employee|student"
                      r"|member|individual|serial)[ _.-]?(id|no|nr|num|number|key)$",
                      re.IGNORECASE)
#: An ID-like column holds keys, not categories: a column named like an ID whose values are
#: at least this share of its rows, or any text column whose values are nearly all different.
NAMED_ID_SHARE = 0.2
NEARLY_UNIQUE = 0.95
#: Whole numbers that rise from row to row (a counter, as a sample number) in at least this
#: share of the steps, with at least ``RISING_DISTINCT`` of the rows holding different values,
#: are left out as IDs; a table of fewer than ``ID_ROWS`` rows keeps its columns.
RISING = 0.9
RISING_DISTINCT = 0.3
ID_ROWS = 20
LEARNED = ("numeric", "boolean", "category", "date")
#: Share of a text column's cells that must read as numbers (or dates) for it to be taken so.
MOSTLY = 0.95
_DATE_SAMPLE = 1000


@dataclass
class Role:
    """What the preparation does with one column; ``note`` says more where needed.

    Parameters
    ----------
    column : str
        The column's name.
    role : str
        One of "numeric", "boolean", "category", "date" (the roles learned from), or
        "target", "id", "excluded", "empty", "constant" (the columns left out).
    note : str, default ""
        Why, where the role needs a word: the reason a column is left out, or how many cells
        of a numeric column were not numbers.
    date_format : str, optional
        For a date column, the format its text is read with ("ISO8601" or "mixed").
    """

    column: str
    role: str
    note: str = ""
    date_format: str | None = None

    @property
    def learned(self) -> bool:
        """Whether the model learns from the column (numeric, boolean, category or date)."""
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
                features=None, survey=None) -> list:
    """The role of every column of ``frame`` (a list of Role, in the frame's order).

    ``categorical``, ``numeric``, ``exclude``: column names that take that role whatever
    their values; ``id``: a column left out of learning and kept to name each prediction;
    ``features``: when given, the only columns to learn from (the others are excluded).
    ``survey``: where the rule reads a column's counts, ``survey(name)`` (default: from the
    frame's own cells, ``ColumnSurvey``); another engine passes its own, made from counts
    over the partitions of a table, with ``frame`` an empty frame of the table's columns.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (or, with ``survey``, an empty frame of its columns).
    target : str
        The column to predict; its role is "target".
    categorical, numeric, exclude : str or list of str, optional
        Columns that are categories, numbers, or left out, whatever their values.
    id : str or list of str, optional
        Columns left out of learning and kept to name each prediction.
    features : str or list of str, optional
        When given, the only columns to learn from.
    survey : callable, optional
        ``survey(name)`` gives what the rule reads of a column (a ``ColumnSurvey`` or its
        equivalent).

    Returns
    -------
    list of Role
        One per column, in the frame's order.

    Raises
    ------
    DataError
        When the target or a named column is not in the table, a column is named twice (or
        is the target), a column given to ``numeric`` holds no numbers, or no column is left
        to learn from.
    """
    survey = survey or (lambda name: ColumnSurvey(frame[name]))
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
            roles.append(_forced_numeric(frame, name, survey(name)))
        else:
            roles.append(decide(name, survey(name)))
    if not any(role.learned for role in roles):
        left = ", ".join(f"{printable(r.column)} ({r.role})" for r in roles
                         if r.role != "target")
        raise DataError(f"{where(frame)}no column is left to learn from besides the target "
                        f"{printable(target)!r}" + (f" (left out: {left})" if left else ""))
    return roles


# --- what the rule reads of a column ----------------------------------------------------------


@dataclass
class NumberSurvey:
    """A column's cells read as numbers: how many are numbers, the least and greatest, whether
    all are whole; ``all_distinct()`` says whether no number appears twice (asked only of
    columns that could be IDs, as it is the costly question).

    Parameters
    ----------
    present : int
        How many cells are numbers.
    low, high : float
        The least and the greatest of them (NaN when there are none).
    whole : bool
        Whether they are all whole numbers.
    all_distinct : callable
        Of no arguments: whether no number appears twice.
    distinct : callable, optional
        Of no arguments: how many different numbers there are; None where the engine cannot
        say.
    rising : callable, optional
        Of no arguments: the share of the steps from one number to the next (in the table's
        order, gaps skipped) that go up; None where the engine cannot say.
    """

    present: int
    low: float
    high: float
    whole: bool
    all_distinct: object  # a function of no arguments
    #: functions of no arguments, or None where the engine cannot say (a cluster's
    #: partitions): how many different numbers, and the share of the steps from one row to
    #: the next (in the table's order, gaps skipped) that go up.
    distinct: object = None
    rising: object = None

    @classmethod
    def of(cls, values):
        """The survey of ``values`` (float64, NaN where missing).

        Parameters
        ----------
        values : ndarray
            A column's cells read as numbers, NaN where missing.

        Returns
        -------
        NumberSurvey
            Its counts, with the costly questions asked only when called.
        """
        present = values[~np.isnan(values)]
        if not len(present):
            return cls(0, np.nan, np.nan, True, lambda: True)
        return cls(len(present), present.min(), present.max(),
                   bool(np.array_equal(present, np.round(present))),
                   lambda: len(np.unique(present)) == len(present),
                   lambda: len(np.unique(present)),
                   lambda: float(np.mean(np.diff(present) > 0)) if len(present) > 1 else 0.0)


class ColumnSurvey:
    """What the role rule reads of one column, computed from its cells when first asked:

    ``rows``, ``kind`` (the dtype's kind), ``missing`` (cells pandas takes as missing);
    for true/false columns ``truths`` (distinct values) and ``first`` (the first cell);
    ``numbers`` (a NumberSurvey of the cells read as numbers), ``unparsed`` (text cells that
    are not numbers) and ``unparsed_example`` (the first of them); for text, ``text_missing``,
    ``distinct_count``, ``first_distinct`` (in the order of first appearance),
    ``boolean_text`` (whether the distinct texts spell true and false) and ``date_format``
    (of a sample of the distinct texts, or None).

    Parameters
    ----------
    series : pandas.Series
        The column.
    """

    def __init__(self, series):
        self.series = series
        self.rows = len(series)
        self.kind = series.dtype.kind

    @cached_property
    def missing(self) -> int:
        return int(self.series.isna().sum())

    @cached_property
    def truths(self) -> int:
        return int(self.series.nunique())

    @property
    def first(self):
        """The column's first cell."""
        return self.series.iloc[0]

    @cached_property
    def _numbers(self):
        return conv.as_numbers(self.series)

    @cached_property
    def numbers(self) -> NumberSurvey:
        return NumberSurvey.of(self._numbers[0])

    @property
    def unparsed(self) -> int:
        """How many text cells are not numbers."""
        return len(self._numbers[1])

    @property
    def unparsed_example(self):
        """The first text cell that is not a number, or None."""
        unparsed = self._numbers[1]
        return self.series.iloc[int(unparsed[0])] if len(unparsed) else None

    @cached_property
    def _text(self):
        text = conv.as_text(self.series)
        present = text[text != None]  # noqa: E711 - elementwise comparison with None
        return len(text) - len(present), _distinct(present)

    @property
    def text_missing(self) -> int:
        """How many cells are missing when read as text (a spelling such as "NA" counts)."""
        return self._text[0]

    @property
    def distinct_count(self) -> int:
        """How many different texts the column holds, missing cells aside."""
        return len(self._text[1])

    @property
    def first_distinct(self):
        """The first text the column holds (raises IndexError when it holds none)."""
        return self._text[1][0]

    @cached_property
    def boolean_text(self) -> bool:
        return conv.is_boolean_text(self._text[1])

    @cached_property
    def date_format(self):
        return date_format_of_distinct(self._text[1])


def date_format_of_distinct(distinct):
    """The date format of a column whose distinct texts are ``distinct`` (in the order of
    first appearance), read from all of them or, when there are more, a sample of
    ``_DATE_SAMPLE`` drawn with a fixed seed; None when they are not dates.

    Parameters
    ----------
    distinct : sequence of str
        The column's distinct texts.

    Returns
    -------
    str or None
        "ISO8601" or "mixed", or None.
    """
    sample = distinct if len(distinct) <= _DATE_SAMPLE else \
        np.random.default_rng(0).choice(np.asarray(distinct, dtype=object), _DATE_SAMPLE,
                                        replace=False)
    return conv.date_format_of(sample)


# --- the rule ---------------------------------------------------------------------------------


def _forced_numeric(frame, name, survey) -> Role:
    if not survey.numbers.present:
        raise DataError(f"{where(frame)}column {printable(name)!r} (given to --numeric) holds "
                        "no numbers")
    return Role(name, "numeric", _unparsed_note(survey) or "as asked")


def _unparsed_note(survey) -> str:
    count = survey.unparsed
    if not count:
        return ""
    example = printable(survey.unparsed_example)
    return (f"{count:,} cell{'s' * (count > 1)} that {'are' if count > 1 else 'is'} not a "
            f"number (such as {example!r}) taken as missing")


def decide(name, survey) -> Role:
    """The role of the column ``name`` from what ``survey`` (a ColumnSurvey, or another
    engine's equivalent) says of it.

    Parameters
    ----------
    name : str
        The column's name (a name such as "caseid" makes an ID likelier).
    survey : ColumnSurvey
        What the rule reads of the column.

    Returns
    -------
    Role
        Its role, with a note where it is left out.
    """
    n = survey.rows
    if survey.missing == n:
        return Role(name, "empty", "every cell is missing")
    if survey.kind == "M":
        return Role(name, "date", date_format="ISO8601")
    if survey.kind == "b":
        return Role(name, "boolean") if survey.truths > 1 else \
            Role(name, "constant", f"always {survey.first}")
    if survey.kind in "iuf":
        return _number_role(name, n, survey.numbers)
    missing = survey.text_missing
    present = n - missing
    if survey.distinct_count == 1 and missing == 0:
        return Role(name, "constant", f"always {printable(survey.first_distinct)!r}")
    if survey.boolean_text:
        return Role(name, "boolean")
    parsed = present - survey.unparsed
    if parsed >= MOSTLY * present and parsed > 0:
        role = _number_role(name, n, survey.numbers)
        if role.role == "numeric":
            role.note = _unparsed_note(survey)
        return role
    date_format = survey.date_format
    if date_format is not None:
        return Role(name, "date", date_format=date_format)
    if survey.distinct_count == n and n >= 3:
        return Role(name, "id", "a different text in every row")
    distinct = survey.distinct_count
    if n >= ID_ROWS and present >= n / 2 and distinct >= NEARLY_UNIQUE * present:
        return Role(name, "id", f"nearly every row a different text ({distinct:,} values in "
                    f"{present:,} rows): a key; --categorical "
                    f"{shlex.quote(printable(name))} to learn from it")
    if n >= ID_ROWS and _ID_NAME.search(name) and distinct >= max(10, NAMED_ID_SHARE * present):
        return Role(name, "id", f"named as an ID, with {distinct:,} values in {present:,} rows; "
                    f"--categorical {shlex.quote(printable(name))} to learn from it")
    return Role(name, "category")


def _distinct(present) -> np.ndarray:
    from .reading import pandas

    return pandas().unique(present)


def _number_role(name, n, numbers) -> Role:
    if not numbers.present:
        return Role(name, "empty", "every cell is missing")
    low, high = numbers.low, numbers.high
    missing = n - numbers.present
    if low == high and missing == 0:
        return Role(name, "constant", f"always {conv.number_text(float(low))}")
    # Row numbers (0 or 1 to n), or distinct whole numbers in a column named like an ID. Years
    # or other distinct whole numbers are features: a trend is worth learning.
    counts_rows = low in (0, 1) and high - low == n - 1
    if missing == 0 and n >= 3 and numbers.whole and (counts_rows or _ID_NAME.search(name)) \
            and numbers.all_distinct():
        if counts_rows:
            return Role(name, "id", f"whole numbers {low:.0f} to {high:.0f} that count the rows")
        return Role(name, "id", "a different whole number in every row, named as an ID")
    if not numbers.whole or n < ID_ROWS or numbers.distinct is None:
        return Role(name, "numeric")
    keep = f"; --numeric {shlex.quote(printable(name))} to learn from it"
    distinct = numbers.distinct()
    if _ID_NAME.search(name) and distinct >= max(10, NAMED_ID_SHARE * numbers.present):
        return Role(name, "id", f"named as an ID, with {distinct:,} whole numbers in "
                    f"{numbers.present:,} rows{keep}")
    if missing == 0 and numbers.rising is not None and distinct >= RISING_DISTINCT * n:
        rising = numbers.rising()
        if rising >= RISING:
            return Role(name, "id", f"whole numbers that rise from row to row ({rising:.0%} of "
                        f"the steps): a counter of the rows, not a quantity{keep}")
    return Role(name, "numeric")
