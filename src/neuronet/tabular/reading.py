"""Reading tables: CSV files through pandas' C parser, with the separator (detected by
``sniffing`` when none is given), the missing-value spellings and the problems of real files
taken care of; DataFrames and dicts of columns as they are.

A table read from a file remembers its name (``frame.attrs["source"]``), so that every later
message can name the file and the row (counted as a spreadsheet counts them: the header is
row 1, the first data row is row 2).
"""

from __future__ import annotations

import bz2
import codecs
import contextlib
import csv
import glob
import gzip
import io
import lzma
import os
import re
import sys
import warnings
import zipfile
from collections.abc import Mapping

import numpy as np

from .._text import printable
from .sniffing import SAMPLE_BYTES, detect_decimal, detect_separator

#: Cells that mean "no value", as spreadsheets and statistics programs write them.
MISSING = ("", "NA", "N/A", "n/a", "NaN", "nan", "NAN", "null", "NULL", "Null", "None", "none",
           "?", "#N/A")
COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zip": "zip"}


class DataError(ValueError):
    """Something wrong in a table; the message names the file and, where known, the row and
    the column."""


def pandas():
    """The pandas module, imported when a table is first read (neuronet's networks do not
    need it).

    Returns
    -------
    module
        ``pandas``.

    Raises
    ------
    ImportError
        When pandas is not installed, saying how to install it.
    """
    try:
        import pandas
    except ImportError:  # pragma: no cover - a dependency of neuronet
        raise ImportError("tables need pandas: pip install pandas") from None
    return pandas


def source_name(frame) -> str | None:
    """The file a table was read from, or None for data given in memory.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table, as ``read_csv`` or ``as_frame`` gave it.

    Returns
    -------
    str or None
        ``frame.attrs["source"]``, or None.
    """
    return frame.attrs.get("source")


def where(frame) -> str:
    """The start of a message about ``frame``: "FILE: " for a file, "" otherwise.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table.

    Returns
    -------
    str
        The file's name (made printable) and ": ", or "".
    """
    name = source_name(frame)
    return f"{printable(name)}: " if name else ""


def row_name(frame, position: int) -> str:
    """The row at ``position`` (from 0) as a person finds it: its line in the file (the header
    is row 1) or its index label in a DataFrame.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table.
    position : int
        The row's position in ``frame``, from 0.

    Returns
    -------
    str
        "row N", N its line in the file (the header is row 1) or its index label.
    """
    label = frame.index[position]
    if source_name(frame):  # the index of a file's rows counts them from 0
        return f"row {frame.attrs.get('first_row', 2) + int(label)}"
    return f"row {printable(label)!s}" if not isinstance(label, (int, np.integer)) or \
        label != position else f"row {position}"


def as_frame(data, *, sep=None, encoding=None, text_columns=(), columns=None):
    """``data`` as a pandas DataFrame: a DataFrame (used as it is), a dict of columns, or a
    CSV file (a path, or "-" for standard input) read with ``read_csv``.

    Column names become text.

    Parameters
    ----------
    data : DataFrame, dict, str or os.PathLike
        The table.
    sep, encoding, text_columns, columns
        For a CSV file, as for ``read_csv``; ignored otherwise.

    Returns
    -------
    pandas.DataFrame
        The table.

    Raises
    ------
    DataError
        When ``data`` is none of these, a dict does not make a table, the table has no
        columns or no rows, a column name appears twice, or the file cannot be read.
    """
    pd = pandas()
    if isinstance(data, pd.DataFrame):
        frame = data
    elif isinstance(data, Mapping):
        try:
            frame = pd.DataFrame(dict(data))
        except (ValueError, TypeError) as exc:
            raise DataError(f"the dict of columns does not make a table: {exc}") from None
    elif isinstance(data, (str, os.PathLike)):
        return read_csv(data, sep=sep, encoding=encoding, text_columns=text_columns,
                        columns=columns)
    else:
        raise DataError(f"expected a pandas DataFrame, a dict of columns or the path of a CSV "
                        f"file, got {type(data).__name__}")
    if frame.shape[1] == 0:
        raise DataError("the table has no columns")
    if len(frame) == 0:
        raise DataError("the table has no rows")
    names = checked_names(frame.columns)
    if names != list(frame.columns):
        frame = frame.set_axis(names, axis=1)
    return frame


def checked_names(columns) -> list:
    """The column names as text; DataError if one appears twice.

    Parameters
    ----------
    columns : iterable
        The names (``frame.columns``).

    Returns
    -------
    list of str
        Each name as ``str`` gives it.

    Raises
    ------
    DataError
        When two names have the same text.
    """
    names = [str(c) for c in columns]
    if len(set(names)) != len(names):
        seen = set()
        twice = next(n for n in names if n in seen or seen.add(n))
        raise DataError(f"column {printable(twice)!r} appears twice")
    return names


def read_csv(path, *, sep=None, encoding=None, text_columns=(), columns=None,
             allow_empty=False, byte_range=None, decimal=None, ragged=False):
    """Read the CSV file ``path`` ("-": standard input) into a DataFrame.

    Compressed files are read by their extension (.gz, .bz2, .xz, .zip). Cells spelled as in
    ``MISSING`` are missing values.

    Parameters
    ----------
    path : str or os.PathLike
        The file, or "-" for standard input.
    sep : str, optional
        The separator; by default the one of ``,`` ``;`` tab ``|`` that splits the first
        lines into equal numbers of fields. ``"\\t"`` and ``"tab"`` mean tab.
    encoding : str, optional
        The file's text encoding; by default UTF-8 (a byte order mark is skipped).
    text_columns : iterable of str, default ()
        Columns read as text as they are written (no number parsing: "007" stays).
    columns : iterable of str, optional
        Read only these columns when given (any that the file lacks are left out; the
        caller says which it needs; a file that has none of them gives a table of no column).
    allow_empty : bool, default False
        A header without data rows gives a table of no rows (one part of a table in
        several files may be empty) instead of an error.
    byte_range : tuple of (int, int), optional
        (start, stop): only the rows whose lines begin in these bytes of the file, under the
        file's header, for the parts of one large file read by several workers (an
        uncompressed file in an encoding where a line ends with the byte ``\\n``). The rows are
        named by the file's own row numbers from ``frame.attrs["first_row"]`` plus the rows of
        the parts before (which the caller adds, knowing them).
    decimal : {".", ","}, optional
        The decimal mark of numbers; by default "," in a file whose separator is not a comma
        and whose first lines write numbers as ``3,5`` and never as ``3.5`` (as spreadsheets
        export them where the comma is the decimal mark), else ".".
    ragged : bool, default False
        A row with fewer fields than the header is an error naming it (a field left out
        shifts the others into the wrong columns); True reads its missing fields as gaps.

    Returns
    -------
    pandas.DataFrame
        The table, with ``attrs["source"]`` (the file's name) and ``attrs["first_row"]``
        (the row number of its first data row) set.

    Raises
    ------
    DataError
        Naming the file (and row) of a problem: no such file, an unknown encoding or text
        not in it, binary data, an empty file, a wrong separator or decimal mark, a row with
        more or fewer fields than the header, a quote never closed.
    """
    name = "<stdin>" if path == "-" else os.fspath(path)
    shown = printable(name)
    if path == "-":
        source = io.BytesIO(sys.stdin.buffer.read())
        compression = None
    else:
        source = name
        compression = COMPRESSION.get(os.path.splitext(name)[1].lower())
        if os.path.isdir(name):
            raise DataError(f"{shown}: is a directory, not a CSV file")
        if not os.path.exists(name):
            hint = (" (a pattern of several files is read on a Dask cluster: neuronet train "
                    "--dask local, or client= in Python)") if glob.has_magic(name) else ""
            raise DataError(f"{shown}: no such file{hint}")
    return _read(source, name, compression, sep=sep, encoding=encoding,
                 text_columns=text_columns, columns=columns, allow_empty=allow_empty,
                 byte_range=byte_range, decimal=decimal, ragged=ragged)


def read_csv_bytes(content, name, *, sep=None, encoding=None, text_columns=(), columns=None,
                   decimal=None, ragged=False):
    """Read a CSV file held in memory (an upload, say) into a DataFrame, as ``read_csv``
    reads a file.

    Parameters
    ----------
    content : bytes
        The file's bytes (uncompressed).
    name : str
        The name messages give the file, and ``frame.attrs["source"]``.
    sep, encoding, text_columns, columns, decimal, ragged
        As for ``read_csv``.

    Returns
    -------
    pandas.DataFrame
        The table, with ``attrs["source"]`` and ``attrs["first_row"]`` set.

    Raises
    ------
    DataError
        Naming ``name`` (and the row) of a problem, with ``read_csv``'s messages.
    """
    if not isinstance(content, (bytes, bytearray, memoryview)):
        raise DataError(f"{printable(str(name))}: expected the bytes of a CSV file, got "
                        f"{type(content).__name__}")
    return _read(io.BytesIO(bytes(content)), str(name), None, sep=sep, encoding=encoding,
                 text_columns=text_columns, columns=columns, allow_empty=False,
                 byte_range=None, decimal=decimal, ragged=ragged)


def _read(source, name, compression, *, sep, encoding, text_columns, columns, allow_empty,
          byte_range, decimal, ragged):
    """``read_csv`` of ``source`` (a path, or the bytes of a file in a BytesIO)."""
    pd = pandas()
    shown = printable(name)
    encoding = encoding or "utf-8-sig"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DataError(f"unknown encoding {encoding!r}; expected one such as utf-8, latin-1 or "
                        "cp1252") from None
    sample = _sample(source, compression, shown)
    if b"\x00" in sample and not encoding.lower().startswith("utf-16"):
        raise DataError(f"{shown}: not a text table (it holds binary data); expected a CSV file")
    text = _decode(sample, encoding, shown)
    if not text.strip():
        raise DataError(f"{shown}: the file is empty; expected a header row and data rows")
    if sep is None:
        sep = detect_separator(text)
    elif sep in ("\\t", "tab"):
        sep = "\t"
    if len(sep) != 1 or sep in "\"\r\n":
        raise DataError(f"the separator must be one character (not a quote or a line end), "
                        f"got {sep!r}")
    if decimal is None:
        decimal = detect_decimal(text, sep)
    elif decimal not in (".", ","):
        raise DataError(f"the decimal mark must be '.' or ',', got {decimal!r}")
    first_row = 2 + _blank_lines_before_header(text)
    lines_before = None  # of a part of the file, for messages: counted only if one is needed
    if byte_range is not None:
        source, lines_before = _lines_in(name, shown, *byte_range)
    wanted = None if columns is None else set(columns)
    options = dict(
        sep=sep, decimal=decimal, encoding=encoding, compression=compression,
        keep_default_na=False,
        na_values=list(MISSING),
        dtype={c: object for c in text_columns} or None,
    )
    last = None  # the header's last column, read even when not wanted: where short rows show
    try:
        with warnings.catch_warnings():
            # pandas' warnings span lines; problems raise below. (A column whose chunks hold
            # different types comes as Python objects, which the preparation reads cell by cell.)
            warnings.simplefilter("ignore")
            if wanted is not None:
                if not ragged:
                    last = _last_column(pd, source, options)
                options["usecols"] = lambda c: c in wanted or c == last
            if isinstance(source, io.BytesIO):
                source.seek(0)
            frame = pd.read_csv(source, **options)
    except pd.errors.EmptyDataError:
        raise DataError(f"{shown}: the file is empty; expected a header row and data rows"
                        ) from None
    except pd.errors.ParserError as exc:
        offset = lines_before() if lines_before else 0
        raise DataError(f"{shown}: {_parser_problem(str(exc), offset)}") from None
    except UnicodeDecodeError as exc:
        raise DataError(_encoding_problem(shown, encoding, exc)) from None
    except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError) as exc:
        raise DataError(f"{shown}: cannot read it ({_reason(exc)})") from None
    except ValueError as exc:  # e.g. a zip archive with several files
        raise DataError(f"{shown}: cannot read it as a table ({exc})") from None
    if not ragged and frame.shape[1] and frame.iloc[:, -1].isna().any():
        # A short row leaves its last cells missing; a missing last cell may also be written
        # as such: the fields are counted to tell which.
        short = _short_row(source, compression, encoding, sep)
        if short is not None:
            line, fields, width = short
            line += lines_before() if lines_before else 0
            raise DataError(f"{shown}: row {line} has {fields} field{'s' * (fields != 1)}, but "
                            f"the header has {width} (write an empty field for each value "
                            "that is missing, as in 1,,3)")
    if last is not None and last not in wanted:
        frame = frame.iloc[:, :-1]
    if frame.shape[1] == 0 and wanted is not None:
        frame.attrs["source"] = name  # none of the columns asked for: the caller says which
        frame.attrs["first_row"] = first_row
        return frame
    if frame.shape[1] == 0:
        raise DataError(f"{shown}: the file has no columns; expected a header row")
    if len(frame) == 0 and not allow_empty:
        raise DataError(f"{shown}: the file has a header but no data rows")
    names = [str(c).strip() for c in frame.columns]
    keep = []
    for i, column in enumerate(names):
        if not column or column.startswith("Unnamed: "):
            if frame.iloc[:, i].isna().all():
                continue  # a trailing separator on every line: an empty column, dropped
            names[i] = f"column {i + 1}"  # a header cell left empty (a saved index, say)
        keep.append(i)
    if len(keep) != len(names):
        frame = frame.iloc[:, keep]
        names = [names[i] for i in keep]
    if names != list(frame.columns):
        frame = frame.set_axis(names, axis=1)
    frame.attrs["source"] = name
    frame.attrs["first_row"] = first_row
    return frame


def _last_column(pd, source, options):
    """The name of the last column of the file's header (as pandas names it)."""
    if isinstance(source, io.BytesIO):
        source.seek(0)
    header = pd.read_csv(source, nrows=0, **options).columns
    return header[-1] if len(header) else None


def _short_row(source, compression, encoding, sep):
    """(its line, its fields, the header's fields) for the first row of the table with fewer
    fields than the header, or None. Counted by Python's csv reader, which splits fields as
    pandas does (quotes, doubled quotes, line breaks in quoted fields)."""
    try:
        with _text(source, compression, encoding) as handle:
            rows = csv.reader(handle, delimiter=sep)
            width = None
            for row in rows:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # a blank line, which pandas skips too
                if width is None:  # a header's trailing empty cells ask for no field
                    width = len(row)
                    while width > 1 and not row[width - 1].strip():
                        width -= 1
                elif len(row) < width:
                    return rows.line_num, len(row), width
    except (csv.Error, OSError, EOFError, UnicodeDecodeError, zipfile.BadZipFile,
            lzma.LZMAError):
        return None  # a field larger than the csv module takes, say: pandas read it whole
    return None


@contextlib.contextmanager
def _text(source, compression, encoding):
    """The table's text, decompressed, opened to be read from its start."""
    if isinstance(source, io.BytesIO):
        yield io.TextIOWrapper(io.BytesIO(source.getvalue()), encoding=encoding, newline="")
    elif compression == "zip":
        with zipfile.ZipFile(source) as archive:
            member = next(n for n in archive.namelist() if not n.endswith("/"))
            with io.TextIOWrapper(archive.open(member), encoding=encoding,
                                  newline="") as handle:
                yield handle
    else:
        openers = {None: open, "gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open}
        with openers[compression](source, "rt", encoding=encoding, newline="") as handle:
            yield handle


def _lines_in(name, shown, start, stop):
    """(the header's lines and the lines that begin in bytes [start, stop) of the file, as one
    file in memory; a function that says how many more lines of the file come before those
    rows than before the header's end, for messages). A line belongs to the part where its
    first byte is: each part skips the line it starts inside and finishes the one it ends in."""
    try:
        with open(name, "rb") as handle:
            header = b""
            while True:  # blank lines (a byte order mark alone is one), then the header line
                line = handle.readline()
                header += line
                if not line or line.strip(b" \t\r\n\xef\xbb\xbf"):
                    break
            begin = max(start, len(header))
            if begin > len(header):
                handle.seek(begin - 1)
                if handle.read(1) != b"\n":
                    handle.readline()  # the rest of a line that began in the part before
                begin = handle.tell()
            rows = handle.read(stop - begin) if begin < stop else b""
            if rows and not rows.endswith(b"\n"):
                rows += handle.readline()  # a line that began here and ends after stop
    except OSError as exc:
        raise DataError(f"{shown}: cannot read it ({_reason(exc)})") from None

    def lines_before() -> int:
        # Only for a message: the file's lines up to this part, counted by reading them again.
        count, left = 0, begin
        with open(name, "rb") as handle:
            while left > 0:
                chunk = handle.read(min(1 << 20, left))
                if not chunk:
                    break
                count += chunk.count(b"\n")
                left -= len(chunk)
        return count - header.count(b"\n")

    return io.BytesIO(header + rows), lines_before


def _sample(source, compression, shown) -> bytes:
    """The first bytes of the table's text (decompressed), to detect its separator."""
    if isinstance(source, io.BytesIO):
        return source.getvalue()[:SAMPLE_BYTES]
    openers = {None: open, "gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open}
    try:
        if compression == "zip":
            with zipfile.ZipFile(source) as archive:
                names = [n for n in archive.namelist() if not n.endswith("/")]
                if len(names) != 1:
                    raise DataError(f"{shown}: a zip archive of {len(names)} files; expected "
                                    "one CSV file in it")
                with archive.open(names[0]) as handle:
                    return handle.read(SAMPLE_BYTES)
        with openers[compression](source, "rb") as handle:
            return handle.read(SAMPLE_BYTES)
    except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError) as exc:
        raise DataError(f"{shown}: cannot read it ({_reason(exc)})") from None


def _reason(exc) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _decode(sample: bytes, encoding: str, shown: str) -> str:
    # The sample may end inside a character: decode incrementally and leave the tail.
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        return decoder.decode(sample, final=False)
    except UnicodeDecodeError as exc:
        raise DataError(_encoding_problem(shown, encoding, exc)) from None


def _encoding_problem(shown, encoding, exc) -> str:
    byte = exc.object[exc.start:exc.start + 1].hex() if isinstance(exc.object, bytes) else "?"
    given = "UTF-8" if encoding == "utf-8-sig" else encoding
    return (f"{shown}: not {given} text (byte 0x{byte} cannot be decoded); pass its encoding, "
            "e.g. --encoding latin-1 (encoding='latin-1' in Python)")


def _blank_lines_before_header(text: str) -> int:
    count = 0
    for line in text.splitlines():
        if line.strip():
            break
        count += 1
    return count


_TOKENIZING = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _parser_problem(message: str, line_offset: int = 0) -> str:
    """One line on pandas' ``message``; its line numbers count from the text it parsed, which
    starts ``line_offset`` lines into the file (the part of a large file)."""
    found = _TOKENIZING.search(message)
    if found:
        expected, line, saw = map(int, found.groups())
        line += line_offset
        return (f"row {line} has {saw} fields, but the header has {expected} (is a field with "
                "the separator in it missing its quotes?)")
    if "EOF inside string" in message:
        return "a quoted field is never closed (a \" without its closing quote)"
    return f"not a valid CSV file ({message.strip().splitlines()[0]})"
