"""One column of a table as the preparation reads it: numbers, text (categories) or days
(dates), with missing values as NaN or None. The same conversions serve learning the
preparation and applying it, so a value is read the same way at both times."""

from __future__ import annotations

import re
import warnings

import numpy as np

from .._text import printable
from .reading import MISSING, DataError, pandas, row_name, where

#: The Unix epoch: dates become days since it (with a fraction for the time of day).
EPOCH = "1970-01-01"
DATE_FORMATS = ("ISO8601", "mixed")
# Missing-value spellings with spaces around them (" NA") are found after stripping.
_MISSING = frozenset(MISSING)
_TRUE = frozenset({"true", "yes", "y", "t"})
_FALSE = frozenset({"false", "no", "n", "f"})


#: A number as people format one for reading: thousands set apart by commas, a currency sign
#: before or after it, a percent sign, accounting's parentheses for a negative amount:
#: "1,234.5", "$12.50", "-€3", "12 £", "45%", "(1,200)". Its value is the number written.
_FORMATTED = re.compile(r"(\()?([-+])?\s*[$€£¥]?\s*([-+])?"
                        r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
                        r"\s*[$€£¥]?\s*%?(?(1)\))")


def as_numbers(series):
    """(values as float64 with NaN where missing, positions of text cells that are not
    numbers). Text that is not a number, even formatted as ``_FORMATTED`` allows, counts as
    missing.

    Formatted numbers are read as the number written: "1,234.5", "$12.50", "45%" (45),
    "(1,200)" (-1200).

    Parameters
    ----------
    series : pandas.Series
        One column.

    Returns
    -------
    values : ndarray of shape (len(series),)
        The cells as float64, NaN where missing or not a number.
    unparsed : ndarray of int64
        The positions of the cells that held text but not a number.

    Raises
    ------
    DataError
        When a cell holds several values (a list, a dict) instead of one.
    """
    pd = pandas()
    if series.dtype.kind in "iufb":
        return series.to_numpy(dtype=np.float64, na_value=np.nan), np.empty(0, np.int64)
    distinct = _distinct_texts(series)
    if distinct is not None:  # each distinct text read once, then spread to its rows
        codes, texts = distinct
        values, unparsed = _numbers_of(pd.Series(texts, dtype=object))
        wrong = np.zeros(len(texts), dtype=bool)
        wrong[unparsed] = True
        return values[codes], np.flatnonzero(wrong[codes])
    return _numbers_of(series)


def _numbers_of(series):
    """``as_numbers`` of a column of objects, cell by cell."""
    pd = pandas()
    text = series.astype(object)
    stripped = text.map(_stripped)
    try:
        values = np.array(pd.to_numeric(stripped, errors="coerce"), dtype=np.float64)
    except TypeError:  # a cell that is a list or a dict, say
        check_cells(series)
        raise
    unparsed = np.isnan(values) & ~_missing(stripped)
    if unparsed.any():  # each distinct text read once: categories repeat theirs
        cells = stripped[unparsed]
        read = {}
        try:
            distinct = pd.unique(np.asarray(cells, dtype=object)).tolist()
        except TypeError:  # an unhashable cell: a list or a dict
            check_cells(series)
            raise
        for cell in distinct:
            if isinstance(cell, NESTED):  # hashable, such as a tuple
                check_cells(series)
            if isinstance(cell, str) and cell[:1] in _STARTS:
                value = _formatted_number(cell)
                if value == value:
                    read[cell] = value
        if read:
            values[unparsed] = np.asarray(cells.map(read), dtype=np.float64)
            unparsed &= np.isnan(values)
    return values, np.flatnonzero(unparsed)


_STARTS = frozenset("0123456789.-+($€£¥")


def _formatted_number(text) -> float:
    """The number ``text`` writes as ``_FORMATTED`` allows, or NaN."""
    found = _FORMATTED.fullmatch(text) if isinstance(text, str) else None
    if found is None or (found[2] and found[3]) or (found[1] and (found[2] or found[3])):
        return np.nan  # one sign at most: "-$3" or "$-3" or "(3)"
    value = float(found[4].replace(",", ""))
    return -value if found[1] or "-" in (found[2], found[3]) else value


#: Cells that hold several values rather than one: what ``pd.json_normalize`` and
#: ``pd.read_json`` leave in a column of nested records.
NESTED = (dict, list, tuple, set, frozenset, np.ndarray)


def check_cells(series) -> None:
    """A DataError naming the column and the first row of ``series`` whose cell holds several
    values (a list, a dict: nested data) instead of a number, a text or a date.

    Returns quietly when every cell holds one value.

    Parameters
    ----------
    series : pandas.Series
        One column.

    Raises
    ------
    DataError
        When a cell of ``series`` holds a dict, a list, a tuple, a set or an array.
    """
    if series.dtype != object:
        return
    for position, cell in enumerate(series.tolist()):
        if isinstance(cell, NESTED):
            label = series.index[position]
            raise DataError(f"column {printable(series.name)!r} holds a {type(cell).__name__} "
                            f"in row {printable(label)} (nested data, as pd.json_normalize or "
                            "read_json leave it); expected one number, text or date per cell: "
                            "flatten the column, or leave it out")


def _stripped(value):
    if isinstance(value, str):
        value = value.strip()
        return None if value in _MISSING else value
    return value


def _missing(series) -> np.ndarray:
    return np.asarray(pandas().isna(series), dtype=bool)


def target_numbers(frame, column, hint="") -> np.ndarray:
    """The numbers of a target column (NaN where missing), or a DataError naming the first
    cell that is not a finite number; ``hint`` ends that message.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    column : str
        The target column's name.
    hint : str, default ""
        Appended to the error's message (what to do instead, say).

    Returns
    -------
    ndarray of shape (len(frame),)
        The target's values as float64, NaN where missing.

    Raises
    ------
    DataError
        When a cell is text that is not a number, or an infinite number.
    """
    series = frame[column]
    values, unparsed = as_numbers(series)
    if len(unparsed):
        i = int(unparsed[0])
        raise DataError(f"{where(frame)}{row_name(frame, i)}, column {printable(column)!r}: "
                        f"{printable(series.iloc[i])!r} is not a number{hint}")
    check_finite(values, frame, column)
    return values


def check_finite(values, frame, column) -> None:
    """DataError naming the first infinite value of ``column``.

    Returns quietly when every value is finite or NaN.

    Parameters
    ----------
    values : ndarray
        The column's values as floats.
    frame : pandas.DataFrame
        The table they come from, named in the message with the row.
    column : str
        The column's name.

    Raises
    ------
    DataError
        When ``values`` holds an infinity.
    """
    bad = np.isinf(values)
    if bad.any():
        first = int(np.argmax(bad))
        raise DataError(f"{where(frame)}{row_name(frame, first)}, column {printable(column)!r}: "
                        f"{values[first]} is not a finite number")


def as_text(series) -> np.ndarray:
    """The cells as text, an object array of str with None where missing: numbers that are
    whole as integers ("3", not "3.0"), booleans as "True"/"False", text stripped.

    Parameters
    ----------
    series : pandas.Series
        One column.

    Returns
    -------
    ndarray of object, shape (len(series),)
        Each cell as str, or None where missing (a missing-value spelling such as "NA"
        included).

    Raises
    ------
    DataError
        When a cell holds several values (a list, a dict) instead of one.
    """
    kind = series.dtype.kind
    gaps = series.hasnans if kind in "biu" else False  # nullable "boolean" and "Int64" columns
    if kind == "b" and not gaps:
        return np.where(series.to_numpy(), "True", "False").astype(object)
    if kind in "iu" and not gaps:
        return series.astype(str).to_numpy(dtype=object)
    if kind == "f":
        values = series.to_numpy(dtype=np.float64)
        return np.array([number_text(v) for v in values.tolist()], dtype=object)
    distinct = _distinct_texts(series)
    if distinct is not None:
        codes, texts = distinct
        return np.array([cell_text(v) for v in texts.tolist()], dtype=object)[codes]
    try:
        return np.array([cell_text(v) for v in series.tolist()], dtype=object)
    except _Nested:
        check_cells(series)
        raise


def _distinct_texts(series):
    """(codes, texts) of a column whose every cell is text or missing: ``texts[codes]`` is the
    column, each distinct text once and a missing cell as the last, None; else None.

    Columns of text repeat their values (categories): what is done to each cell is then done
    once per distinct value. Only for cells that are all text: a hash table of Python objects
    would take 1, 1.0 and True for one value, which ``cell_text`` writes apart."""
    pd = pandas()
    if not isinstance(series.dtype, pd.StringDtype):
        if series.dtype != object or pd.api.types.infer_dtype(series, skipna=True) != "string":
            return None
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    texts = np.empty(len(uniques) + 1, dtype=object)  # code -1, a gap, takes the last
    texts[:-1] = np.asarray(uniques, dtype=object)
    return codes, texts


class _Nested(Exception):
    """A cell of several values met while reading a column as text."""


def number_text(value):
    """A float as ``as_text`` writes it: a whole number without its ".0" ("3"), others as
    Python writes them ("2.5"), None for NaN.

    Parameters
    ----------
    value : float
        The number.

    Returns
    -------
    str or None
        Its text, or None for NaN.
    """
    if value != value:  # NaN
        return None
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def cell_text(value):
    """One cell as ``as_text`` writes it: text stripped (None for a missing-value spelling),
    booleans as "True"/"False", numbers as ``number_text``, None where missing.

    Parameters
    ----------
    value : object
        The cell.

    Returns
    -------
    str or None
        Its text, or None when it is missing.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return None if value in _MISSING else value
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, (float, np.floating)):
        return number_text(float(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, NESTED):  # str() of a list would make it a category of its own
        raise _Nested()
    pd = pandas()
    if pd.isna(value):
        return None
    return str(value).strip() or None


def is_boolean_text(values) -> bool:
    """Whether the distinct texts ``values`` (no missing) spell true and false.

    One or two texts, in any case, among "true", "yes", "y", "t" and "false", "no", "n",
    "f", and not two spellings of the same side ("yes" and "true").

    Parameters
    ----------
    values : iterable
        The distinct texts of a column.

    Returns
    -------
    bool
        True when the column reads as a boolean.
    """
    lowered = {str(v).lower() for v in values}
    return 0 < len(lowered) <= 2 and lowered <= _TRUE | _FALSE and \
        not (lowered <= _TRUE and len(lowered) == 2) and not (lowered <= _FALSE and
                                                               len(lowered) == 2)


def as_days(series, date_format: str):
    """Days since 1970-01-01 (UTC, with the time of day as a fraction), NaN where missing or
    not a date.

    Parameters
    ----------
    series : pandas.Series
        A column of dates: datetimes (taken as UTC when they carry no time zone) or text.
    date_format : str
        The format to read text with: "ISO8601" or "mixed", as ``date_format_of`` finds it.

    Returns
    -------
    ndarray of shape (len(series),)
        Days as float64, NaN where missing or not a date.

    Raises
    ------
    DataError
        When a cell holds several values (a list, a dict) instead of a date.
    """
    pd = pandas()
    kind = series.dtype.kind
    if kind == "M":
        stamps = series
        if getattr(series.dt, "tz", None) is None:
            stamps = series.dt.tz_localize("UTC")
    else:
        text = series.astype(object).map(_stripped)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                stamps = pd.to_datetime(text, errors="coerce", utc=True, format=date_format)
            except (ValueError, TypeError, OverflowError):
                stamps = pd.to_datetime(text.astype(str), errors="coerce", utc=True,
                                        format="mixed")
        unread = np.asarray(stamps.isna() & text.notna())
        if unread.any():  # a list or a dict is refused, not read as a missing date
            check_cells(series[unread])
    days = (stamps - pd.Timestamp(EPOCH, tz="UTC")) / pd.Timedelta(days=1)
    return np.asarray(days, dtype=np.float64)


def date_format_of(sample) -> str | None:
    """The date format ("ISO8601" or "mixed") that reads nearly every text of ``sample`` as
    a date, or None when they are not dates.

    At least 95 % of the texts must look like dates (digits and a separator, not a plain
    number) and be read as dates by the format.

    Parameters
    ----------
    sample : iterable
        Cells of a column; those that are not text are left out.

    Returns
    -------
    str or None
        "ISO8601" or "mixed", the first that reads them, or None.
    """
    pd = pandas()
    texts = [v for v in sample if isinstance(v, str)]
    if not texts:
        return None
    # Dates have digits and a separator or a month's name; plain numbers are not dates.
    plausible = [t for t in texts if any(c.isdigit() for c in t) and
                 any(c in t for c in "-/:. ") and not _is_number(t)]
    if len(plausible) < 0.95 * len(texts):
        return None
    for date_format in DATE_FORMATS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                parsed = pd.to_datetime(pd.Series(texts, dtype=object), errors="coerce",
                                        utc=True, format=date_format)
            except (ValueError, TypeError, OverflowError):
                continue
        if parsed.notna().mean() >= 0.95:
            return date_format
    return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
