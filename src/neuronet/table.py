"""Tables of data in CSV files, for the command line: read feature columns into one float
array, keep the target column, and say exactly where a file is wrong (file, row, column).

Rows are streamed with the standard library's csv module and converted a chunk at a time,
so a file of millions of rows becomes one float array without a Python object per cell.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter

import numpy as np

CHUNK_ROWS = 8192
#: A numeric target with at most this many distinct whole-number values is taken for classes.
MAX_INFERRED_CLASSES = 20


class DataError(ValueError):
    """Something wrong in a data file; the message names the file and, where known, the row
    (counted as a spreadsheet would: the header is row 1) and the column."""


@dataclass
class Table:
    path: str
    features: list[str]
    X: np.ndarray  # (n_rows, n_features) float64
    target: str | None = None
    y: np.ndarray | None = None  # the target column as text, one entry per row
    lines: np.ndarray | None = None  # each row's line number in the file, for messages
    rows: int = field(init=False)

    def __post_init__(self):
        self.rows = len(self.X)


def read_csv(path, *, features=None, target=None, require_target=True, allow_extra=True) -> Table:
    """Read ``path``: the columns ``features`` (default: all but ``target``) as floats, and the
    column ``target`` as text. Raises DataError naming the file, row and column of a problem."""
    name = os.fspath(path)
    try:
        handle = open(name, newline="", encoding="utf-8-sig")  # utf-8-sig drops a BOM
    except FileNotFoundError:
        raise DataError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{name}: is a directory, not a CSV file") from None
    except OSError as exc:
        raise DataError(f"{name}: cannot read it ({exc.strerror})") from None
    with handle:
        try:
            return _read(handle, name, features, target, require_target)
        except UnicodeDecodeError as exc:
            raise DataError(f"{name}: not a UTF-8 text file ({exc.reason})") from None
        except csv.Error as exc:
            raise DataError(f"{name}: not a valid CSV file ({exc})") from None


def _read(handle, name, features, target, require_target) -> Table:
    reader = csv.reader(handle)
    header = next(reader, None)
    while header is not None and not any(cell.strip() for cell in header):
        header = next(reader, None)  # blank lines before the header
    if header is None:
        raise DataError(f"{name}: the file is empty; expected a header row and data rows")
    header = [cell.strip() for cell in header]
    for i, column in enumerate(header):
        if not column:
            raise DataError(f"{name}: row 1, column {i + 1} has no name")
        if column in header[:i]:
            raise DataError(f"{name}: column {column!r} appears twice in the header")
    position = {column: i for i, column in enumerate(header)}

    def locate(column, role):
        if column not in position:
            known = ", ".join(header)
            raise DataError(f"{name}: no {role} column {column!r}; the columns are: {known}")
        return position[column]

    target_index = None
    if target is not None and (require_target or target in position):
        target_index = locate(target, "target")
    if features is None:
        features = [c for c in header if c != target]
    feature_index = [locate(column, "feature") for column in features]
    if target is not None and target in features:
        raise DataError(f"{name}: column {target!r} cannot be both the target and a feature")
    if not feature_index:
        raise DataError(f"{name}: no feature columns left besides the target {target!r}")

    width = len(header)
    blocks, labels, all_lines = [], [], []
    chunk, chunk_lines = [], []

    def convert():
        blocks.append(_to_floats(chunk, chunk_lines, feature_index, features, name))
        all_lines.append(np.array(chunk_lines))
        chunk.clear()
        chunk_lines.clear()

    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank line
        line = reader.line_num
        if len(row) != width:
            raise DataError(f"{name}: row {line} has {len(row)} fields, but the header has "
                            f"{width}")
        chunk.append(row)
        chunk_lines.append(line)
        if target_index is not None:
            label = row[target_index].strip()
            if not label:
                raise DataError(f"{name}: row {line}, column {target!r}: missing value")
            labels.append(label)
        if len(chunk) == CHUNK_ROWS:
            convert()
    if chunk:
        convert()
    if not blocks:
        raise DataError(f"{name}: the file has a header but no data rows")
    X = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
    y = np.array(labels) if target_index is not None else None
    return Table(name, list(features), X, target if target_index is not None else None, y,
                 np.concatenate(all_lines))


def _to_floats(rows, lines, index, features, name) -> np.ndarray:
    """The cells ``index`` of ``rows`` as a float array, parsed in one pass over the chunk."""
    pick = itemgetter(*index)
    cells = map(pick, rows) if len(index) == 1 else chain.from_iterable(map(pick, rows))
    try:
        block = np.fromiter(cells, dtype=np.float64, count=len(rows) * len(index))
    except ValueError:
        block = None
    if block is not None and np.isfinite(block).all():
        return block.reshape(len(rows), len(index))
    for row, line in zip(rows, lines):  # find the first bad cell, to name it
        for column, i in zip(features, index):
            text = row[i].strip()
            if not text:
                raise DataError(f"{name}: row {line}, column {column!r}: missing value")
            try:
                number = float(text)
            except ValueError:
                raise DataError(f"{name}: row {line}, column {column!r}: {text!r} is not a "
                                "number") from None
            if not np.isfinite(number):
                raise DataError(f"{name}: row {line}, column {column!r}: {text!r} is not a "
                                "finite number") from None
    raise DataError(f"{name}: could not read the numbers")  # pragma: no cover - found above


def numeric(labels):
    """``labels`` as floats if every one of them is a finite number, else None."""
    try:
        values = labels.astype(np.float64)
    except ValueError:
        return None
    return values if np.isfinite(values).all() else None


def infer_task(labels) -> str:
    """"classification" for text labels or a few distinct whole numbers, else "regression"."""
    values = numeric(labels)
    if values is None:
        return "classification"
    whole = np.array_equal(values, np.round(values))
    return "classification" if whole and len(np.unique(values)) <= MAX_INFERRED_CLASSES else (
        "regression")


def class_labels(labels) -> list:
    """The distinct classes, sorted: numbers as ints (or floats) when they all are numbers,
    else the text as it is."""
    values = numeric(labels)
    if values is None:
        return sorted(set(labels.tolist()))
    distinct = np.unique(values)
    if np.array_equal(distinct, np.round(distinct)):
        return [int(v) for v in distinct]
    return [float(v) for v in distinct]


def encode(table, classes) -> np.ndarray:
    """Class index of each target label, or DataError naming a label not among ``classes``."""
    labels = table.y
    values = numeric(labels)
    if values is not None and classes and not isinstance(classes[0], str):
        keys = values.tolist()
    else:
        keys = labels.tolist()
    index = {c: i for i, c in enumerate(classes)}
    encoded = np.empty(len(keys), dtype=np.int64)
    for row, key in enumerate(keys):
        if key not in index:
            raise DataError(
                f"{table.path}: row {table.lines[row]}, column {table.target!r}: class "
                f"{str(labels[row])!r} is not one of the classes the model was trained on"
            )
        encoded[row] = index[key]
    return encoded
