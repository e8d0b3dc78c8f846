"""The inputs a preparation reads (a number, a date, a category) and how the model file holds
them: named arrays of numbers and UTF-8 text, every one checked when read back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._text import printable
from ..embedding import MAX_DIM, MAX_ROWS
from . import columns as conv
from .statistics import CYCLES

KINDS = ("numeric", "date", "category", "boolean")
DATE_FORMATS = conv.DATE_FORMATS
MISSING_SLOT = "(missing)"
POOLED_SLOT = "(other)"


@dataclass
class NumberInput:
    """A numeric column, or a date column read as days (``date_format`` set).

    Parameters
    ----------
    column : str
        The column's name.
    fill : float
        What a gap becomes: the training rows' median.
    center, scale : float
        Scaling gives (value - center) / scale.
    indicator : bool
        Whether a was-missing input (0 or 1) follows.
    date_format : str, optional
        For a date, how its text is read (one of ``DATE_FORMATS``); None for a
        number.
    cycles : tuple of str, default ()
        For a date, the calendar cycles (names of ``statistics.CYCLES``) that get a sine and
        a cosine input each.
    clip : bool, default False
        Whether the smooth clip follows the scaling.
    log : bool, default False
        Whether the signed log, sign(x) log(1 + ``|x|``), follows the scaling (never with the
        clip).
    edges : tuple of float, default ()
        The bins' edges, increasing: one piecewise-linear input per bin; () for none.
    """

    column: str
    fill: float
    center: float
    scale: float
    indicator: bool
    date_format: str | None = None
    cycles: tuple = ()
    clip: bool = False  # the smooth clip after scaling
    log: bool = False  # the signed log, sign(x) log(1 + |x|), after scaling (no clip)
    edges: tuple = ()  # the bins' edges, increasing: one input per bin (piecewise linear)

    @property
    def kind(self) -> str:
        """The kind of input: "numeric", or "date" where the column is read as days."""
        return "numeric" if self.date_format is None else "date"

    def width(self) -> int:
        """How many network inputs the column gives.

        Returns
        -------
        int
            1, plus the was-missing input, two per cycle and one per bin after the first.
        """
        return 1 + self.indicator + 2 * len(self.cycles) + max(len(self.edges) - 1, 0)

    def names(self) -> list:
        """The names of the column's network inputs, in their order.

        Returns
        -------
        list of str
            "column" (or "column (days)"), "column (missing)", "column (year sin)"...,
            "column (bin 1)"...
        """
        value = self.column if self.date_format is None else f"{self.column} (days)"
        names = [value] + [f"{self.column} (missing)"] * self.indicator
        for cycle in self.cycles:
            names += [f"{self.column} ({cycle} sin)", f"{self.column} ({cycle} cos)"]
        return names + [f"{self.column} (bin {t})" for t in range(1, len(self.edges))]


@dataclass
class CategoryInput:
    """A category (or boolean) column: one input per value kept, one-hot; or, with an
    ``embedding``, one input holding the value's code, which the network's first layer (a
    ``neuronet.embedding.Embedding``) turns into a learned vector.

    Parameters
    ----------
    column : str
        The column's name.
    values : list of str
        The values kept, as text; each has an input.
    missing_slot : bool
        Whether a gap has an input of its own (``MISSING_SLOT``).
    pooled_slot : bool
        Whether the rare values, and those never seen in training, share one
        (``POOLED_SLOT``).
    boolean : bool, default False
        Whether the column is true and false, matched whatever their case.
    embedding : int, default 0
        The numbers of the learned vector of each value; 0 for one-hot inputs. With an
        embedding the column is one input, a code: 0 for the rare values and those never seen
        in training (and for a gap without a slot of its own), 1 to ``len(values)`` for the
        values kept, ``len(values) + 1`` for a gap where it has a slot.
    """
    column: str
    values: list  # the kept values, as text
    missing_slot: bool
    pooled_slot: bool
    boolean: bool = False
    embedding: int = 0  # the numbers of each value's learned vector; 0: one-hot

    def n_codes(self) -> int:
        """How many codes the column's embedding looks up: "other", the values, a gap's.

        Returns
        -------
        int
            1 + ``len(values)`` + ``missing_slot``.
        """
        return 1 + len(self.values) + self.missing_slot

    @property
    def kind(self) -> str:
        """The kind of input: "boolean" or "category"."""
        return "boolean" if self.boolean else "category"

    def width(self) -> int:
        """How many network inputs the column gives.

        Returns
        -------
        int
            One per value kept, plus the slots for a gap and for the pooled values; 1 for
            the code of an embedded column.
        """
        if self.embedding:
            return 1
        return len(self.values) + self.missing_slot + self.pooled_slot

    def texts(self, series) -> np.ndarray:
        """The column's cells as the text its values are kept as, to match them.

        A boolean's true and false match whatever their case: "TRUE", "true", "True".

        Parameters
        ----------
        series : pandas.Series
            The column's cells.

        Returns
        -------
        numpy.ndarray
            One str (None where missing) per cell, of dtype object.
        """
        text = conv.as_text(series)
        if self.boolean:
            spelling = {value.lower(): value for value in self.values}
            text = np.array([None if t is None else spelling.get(t.lower(), t) for t in text],
                            dtype=object)
        return text

    def names(self) -> list:
        """The names of the column's network inputs, in their order.

        Returns
        -------
        list of str
            "column=value" for each value, then the slots: "column=(missing)",
            "column=(other)"; "column (code)" for an embedded column.
        """
        if self.embedding:
            return [f"{self.column} (code)"]
        names = [f"{self.column}={value}" for value in self.values]
        names += [f"{self.column}={MISSING_SLOT}"] * self.missing_slot
        return names + [f"{self.column}={POOLED_SLOT}"] * self.pooled_slot


def inputs_to_arrays(inputs, left_out) -> dict:
    """A preparation's inputs as the model file holds them: named arrays of numbers and text.

    Parameters
    ----------
    inputs : list of NumberInput and CategoryInput
        The columns read, in the table's order.
    left_out : list of tuple of (str, str)
        The other columns, each with the reason.

    Returns
    -------
    dict of str to numpy.ndarray
        The arrays, by name ("inputs.kind", "numbers.center", "categories.value.utf8"...).

    Raises
    ------
    ValueError
        For a text that a file cannot hold (a lone surrogate).
    """
    numbers = [item for item in inputs if isinstance(item, NumberInput)]
    categories = [item for item in inputs if isinstance(item, CategoryInput)]
    arrays = {
        "inputs.kind": np.array([KINDS.index(item.kind) for item in inputs], np.uint8),
        "numbers.fill": np.array([item.fill for item in numbers], np.float64),
        "numbers.center": np.array([item.center for item in numbers], np.float64),
        "numbers.scale": np.array([item.scale for item in numbers], np.float64),
        "numbers.indicator": np.array([item.indicator for item in numbers], np.uint8),
        "numbers.format": np.array([0 if item.date_format is None else
                                    1 + DATE_FORMATS.index(item.date_format)
                                    for item in numbers], np.uint8),
        "numbers.cycles": np.array([sum(1 << list(CYCLES).index(c) for c in item.cycles)
                                    for item in numbers], np.uint8),
        "numbers.clip": np.array([item.clip for item in numbers], np.uint8),
        "numbers.log": np.array([item.log for item in numbers], np.uint8),
        "numbers.bins": np.array([len(item.edges) for item in numbers], np.int64),
        "numbers.edges": np.array([e for item in numbers for e in item.edges], np.float64),
        "categories.count": np.array([len(item.values) for item in categories], np.int64),
        "categories.missing": np.array([item.missing_slot for item in categories],
                                       np.uint8),
        "categories.pooled": np.array([item.pooled_slot for item in categories], np.uint8),
        "categories.embedding": np.array([item.embedding for item in categories], np.int64),
    }
    arrays.update(encode_text("inputs.column", [item.column for item in inputs]))
    arrays.update(encode_text("categories.value",
                              [v for item in categories for v in item.values]))
    arrays.update(encode_text("left_out.column", [c for c, _ in left_out]))
    arrays.update(encode_text("left_out.reason", [r for _, r in left_out]))
    return arrays


def inputs_from_arrays(arrays) -> tuple:
    """A preparation's inputs again from the arrays ``inputs_to_arrays`` gave, each checked.

    Parameters
    ----------
    arrays : dict of str to numpy.ndarray
        The arrays, by name.

    Returns
    -------
    tuple of (list, list)
        The inputs (NumberInput and CategoryInput), and the left-out (column, reason) pairs.

    Raises
    ------
    ValueError
        For an array missing, of the wrong type, shape or length, or holding a value that
        does not make an input (a scale that is not positive, edges that do not increase, a
        category value twice...); or for no input at all.
    """
    kinds = _array(arrays, "inputs.kind", np.uint8, 1)
    columns = decode_text(arrays, "inputs.column")
    if len(columns) != len(kinds):
        raise ValueError(f"inputs.column names {len(columns)} columns but inputs.kind has "
                         f"{len(kinds)}")
    if len(set(columns)) != len(columns):
        raise ValueError("inputs.column names a column twice")
    if "" in columns:
        raise ValueError(f"inputs.column holds an empty name (input {columns.index('') + 1}); "
                         "every column the model reads has a name")
    if len(kinds) and kinds.max() >= len(KINDS):
        raise ValueError(f"inputs.kind holds {kinds.max()}, not a kind of input")
    n_numbers = int(np.sum(kinds <= 1))
    n_categories = len(kinds) - n_numbers
    number = {key: _array(arrays, f"numbers.{key}", dtype, 1, n_numbers)
              for key, dtype in (("fill", np.float64), ("center", np.float64),
                                 ("scale", np.float64), ("indicator", np.uint8),
                                 ("format", np.uint8), ("cycles", np.uint8))}
    if np.any(number["scale"] <= 0):
        raise ValueError("numbers.scale holds a scale that is not positive")
    if np.any(number["indicator"] > 1):
        raise ValueError("numbers.indicator holds a value other than 0 and 1")
    if np.any(number["format"] > len(DATE_FORMATS)) or np.any(number["cycles"] >= 8):
        raise ValueError("numbers.format or numbers.cycles holds an unknown value")
    # Absent from files of version 1, which never clipped.
    number["clip"] = _array(arrays, "numbers.clip", np.uint8, 1, n_numbers) \
        if "numbers.clip" in arrays else np.zeros(n_numbers, np.uint8)
    if np.any(number["clip"] > 1) or np.any(number["clip"].astype(bool) &
                                            (number["format"] > 0)):
        raise ValueError("numbers.clip holds a value other than 0 and 1, or clips a date")
    number["log"] = _array(arrays, "numbers.log", np.uint8, 1, n_numbers) \
        if "numbers.log" in arrays else np.zeros(n_numbers, np.uint8)
    if np.any(number["log"] > 1) or np.any(number["log"].astype(bool) &
                                           ((number["format"] > 0) | (number["clip"] > 0))):
        raise ValueError("numbers.log holds a value other than 0 and 1, or logs a date or "
                         "a clipped number")
    if "numbers.bins" in arrays or "numbers.edges" in arrays:
        counts = _array(arrays, "numbers.bins", np.int64, 1, n_numbers).tolist()
        flat = _array(arrays, "numbers.edges", np.float64, 1)
    else:  # files without bins
        counts, flat = [0] * n_numbers, np.zeros(0)
    if any(c < 0 or c == 1 for c in counts) or sum(counts) != len(flat):
        raise ValueError("numbers.bins does not cut numbers.edges into edges of bins (none, "
                         "or at least two for each number)")
    ends = np.cumsum([0, *counts]).tolist()
    number["edges"] = [tuple(flat[a:b].tolist()) for a, b in zip(ends[:-1], ends[1:])]
    for edges, date in zip(number["edges"], number["format"]):
        if edges and (date or np.any(np.diff(edges) <= 0)):
            raise ValueError("numbers.edges holds edges that do not increase, or bins of a "
                             "date")
    category = {key: _array(arrays, f"categories.{key}", dtype, 1, n_categories)
                for key, dtype in (("count", np.int64), ("missing", np.uint8),
                                   ("pooled", np.uint8))}
    if np.any(category["count"] < 0) or np.any(category["missing"] > 1) or \
            np.any(category["pooled"] > 1):
        raise ValueError("categories.count, .missing or .pooled holds a wrong value")
    # Absent from files of version 2 and before, whose categories are all one-hot.
    category["embedding"] = _array(arrays, "categories.embedding", np.int64, 1, n_categories) \
        if "categories.embedding" in arrays else np.zeros(n_categories, np.int64)
    embedded = category["embedding"][category["embedding"] != 0]
    if np.any(embedded < 0) or np.any(embedded > MAX_DIM) or len(set(embedded.tolist())) > 1:
        raise ValueError(f"categories.embedding holds a wrong size (each from 0 to {MAX_DIM:,}, "
                         "the same for every embedded column)")
    values = decode_text(arrays, "categories.value")
    counts = category["count"].tolist()  # Python's integers: an int64 sum may wrap around
    for count in counts:
        if count > len(values):
            raise ValueError(f"categories.count holds {count:,}, more than the "
                             f"{len(values):,} values categories.value holds")
    if sum(counts) != len(values):
        raise ValueError(f"categories.count adds up to {sum(counts):,}, but "
                         f"categories.value holds {len(values):,} values")
    inputs, n, c, taken = [], 0, 0, 0
    for kind, column in zip(kinds.tolist(), columns):
        if kind <= 1:
            date_format = None if number["format"][n] == 0 else \
                DATE_FORMATS[number["format"][n] - 1]
            if (kind == 1) != (date_format is not None):
                raise ValueError(f"input {printable(column)!r} is a "
                                 f"{KINDS[kind]} with the wrong date format")
            cycles = tuple(name for bit, name in enumerate(CYCLES)
                           if number["cycles"][n] >> bit & 1)
            if cycles and date_format is None:
                raise ValueError(f"numeric input {printable(column)!r} has date cycles")
            inputs.append(NumberInput(column, float(number["fill"][n]),
                                      float(number["center"][n]),
                                      float(number["scale"][n]),
                                      bool(number["indicator"][n]), date_format, cycles,
                                      bool(number["clip"][n]), bool(number["log"][n]),
                                      number["edges"][n]))
            n += 1
        else:
            count = int(category["count"][c])
            kept = values[taken:taken + count]
            if len(set(kept)) != len(kept):
                raise ValueError(f"category input {printable(column)!r} lists a value twice")
            embedding = int(category["embedding"][c])
            if embedding and (kind == 3 or len(kept) + 2 > MAX_ROWS):
                raise ValueError(f"input {printable(column)!r} is a boolean or has too many "
                                 "values for an embedding")
            inputs.append(CategoryInput(column, kept, bool(category["missing"][c]),
                                        bool(category["pooled"][c]), kind == 3, embedding))
            c, taken = c + 1, taken + count
    left = decode_text(arrays, "left_out.column")
    reasons = decode_text(arrays, "left_out.reason")
    if len(left) != len(reasons):
        raise ValueError("left_out.column and left_out.reason differ in length")
    if not inputs:
        raise ValueError("the preparation has no input column")
    return inputs, list(zip(left, reasons))


def _array(arrays, name, dtype, ndim, length=None):
    if name not in arrays:
        raise ValueError(f"the array {name} is missing")
    array = arrays[name]
    if array.dtype != dtype or array.ndim != ndim:
        raise ValueError(f"the array {name} has dtype {array.dtype} and {array.ndim} "
                         f"dimensions, expected {np.dtype(dtype)} in {ndim}")
    if length is not None and len(array) != length:
        raise ValueError(f"the array {name} has {len(array)} items, expected {length}")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ValueError(f"the array {name} holds NaN or infinity")
    return array


def check_text(text, what) -> None:
    """Refuse a text that no UTF-8 file can hold, before anything is written.

    Parameters
    ----------
    text : object
        The text (or what ``str`` makes one of).
    what : str
        What it is, to begin the message ("the column name").

    Raises
    ------
    ValueError
        For a text that holds a lone surrogate (half of a character, which pandas and Python
        can hold but no UTF-8 file can).
    """
    try:
        str(text).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{what} '{printable(text)}' holds a lone surrogate "
                         f"({printable(str(text)[exc.start])}: half of a character, not "
                         "text), which a model file, a CSV file or ONNX cannot hold") from None


def encode_text(name, texts) -> dict:
    """Texts as two arrays, in memory in proportion to the text, however long one is.

    Parameters
    ----------
    name : str
        The arrays' name, before ".utf8" and ".ends".
    texts : iterable
        The texts (each made one by ``str``).

    Returns
    -------
    dict of str to numpy.ndarray
        ``name.utf8``: their UTF-8 bytes, one after the other (uint8); ``name.ends``: where
        each ends (int64).

    Raises
    ------
    ValueError
        For a text that is not one (a lone surrogate).
    """
    encoded = []
    for text in texts:
        check_text(text, f"cannot save: the {name} text")
        encoded.append(str(text).encode("utf-8"))
    ends = np.cumsum([len(b) for b in encoded], dtype=np.int64) if encoded else \
        np.zeros(0, np.int64)
    return {f"{name}.utf8": np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(),
            f"{name}.ends": ends}


def decode_text(arrays, name) -> list:
    """The texts ``encode_text`` made arrays of, read back and checked.

    Parameters
    ----------
    arrays : dict of str to numpy.ndarray
        The arrays, by name.
    name : str
        The arrays' name, before ".utf8" and ".ends".

    Returns
    -------
    list of str
        The texts.

    Raises
    ------
    ValueError
        For arrays missing or malformed, ends that do not cut the bytes into texts, or bytes
        that are not UTF-8 text.
    """
    data = _array(arrays, f"{name}.utf8", np.uint8, 1)
    ends = _array(arrays, f"{name}.ends", np.int64, 1)
    if len(ends) and (ends[0] < 0 or np.any(np.diff(ends) < 0) or ends[-1] != len(data)) or \
            (not len(ends) and len(data)):
        raise ValueError(f"the array {name}.ends does not cut {name}.utf8 into texts")
    raw = data.tobytes()
    try:
        return [raw[start:end].decode("utf-8") for start, end in
                zip([0, *ends[:-1].tolist()], ends.tolist())]
    except UnicodeDecodeError:
        pass
    try:  # half of a character, encoded on its own: text that a later write would refuse
        raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        raise ValueError(f"the array {name}.utf8 is not UTF-8 text") from None
    raise ValueError(f"the array {name}.utf8 holds a lone surrogate (half of a character), "
                     "not text") from None
