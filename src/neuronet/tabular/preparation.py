"""The preparation: what turns the columns of a table into the numbers a network learns from,
learned from the training rows and kept in the model.

- numbers: a gap becomes the column's median, and a was-missing input (0 or 1) is added when
  the training rows had gaps; then robust scaling (the default, ``scaling="robust"``):
  (value - median) / (interquartile range / 1.349), the standard deviation of a normal
  distribution of that spread (where the quartiles are equal, the standard deviation), and a
  smooth clip of outliers, x / sqrt(1 + (x / 3)²), which leaves the middle of the values
  nearly as it is and brings the far ones to at most 3. A number with heavy tails (a standard
  deviation at least ``HEAVY`` times the one its quartiles give) takes the signed log of its
  scaled value instead, sign(x) log(1 + |x|): its far values keep their order and distances
  in proportion, rather than all meeting at the clip. With ``numbers="bins"`` (the default),
  a number also gets a piecewise-linear encoding (Gorishniy et al. 2022): one input per bin
  between its octiles, 0 below the bin, 1 above it, and the position within it in between, so
  that the network can take a threshold on it as a gradient boosting does (in a table of at
  most ``MAX_BINNED`` numbers). Or, with
  ``scaling="standard"``,
  (value - mean) / standard deviation without a clip;
- dates: days since 1970-01-01, treated as a number, plus the sine and cosine of the calendar
  cycles (year, week, day) that vary in the training rows;
- categories (and booleans): one input per value seen at least ``min_frequency`` times (at
  most ``max_categories`` of them), one for a gap when the training rows had gaps, and one
  for the rare values pooled together; a value never seen in training counts as pooled.

``Preparation.fit(roles, statistics)`` learns it from ``statistics.gather``'s numbers; the
fitted preparation is plain arrays, saved in the model file and checked when loaded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._text import printable
from . import columns as conv
from .reading import DataError, pandas, row_name, where
from .statistics import CYCLES, numeric_block

VERSION = 2
MIN_FREQUENCY = 3
MAX_CATEGORIES = 100
KINDS = ("numeric", "date", "category", "boolean")
DATE_FORMATS = conv.DATE_FORMATS
MISSING_SLOT = "(missing)"
POOLED_SLOT = "(other)"
SCALINGS = ("robust", "standard")
ENCODINGS = ("plain", "bins")
#: A table with more numbers than this gets no bins: nine inputs a number would make a wide
#: table's inputs nine times as large in memory.
MAX_BINNED = 64
#: The smooth clip brings scaled values to at most this magnitude.
CLIP = 3.0
#: Scaled values are cut to this magnitude before the clip (whose result is then 3 to 1e-12),
#: so that no square overflows, in NumPy as in ONNX.
CLIP_INPUT = 1e6
#: A number's standard deviation over the one its quartiles give (1 for a normal distribution),
#: from which robust scaling takes the signed log of its scaled values instead of the clip.
HEAVY = 2.0
#: A normal distribution's interquartile range, in standard deviations.
IQR_OF_NORMAL = 1.3489795003921634


@dataclass
class NumberInput:
    """A numeric column, or a date column read as days (``date_format`` set)."""

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
        return "numeric" if self.date_format is None else "date"

    def width(self) -> int:
        return 1 + self.indicator + 2 * len(self.cycles) + max(len(self.edges) - 1, 0)

    def names(self) -> list:
        value = self.column if self.date_format is None else f"{self.column} (days)"
        names = [value] + [f"{self.column} (missing)"] * self.indicator
        for cycle in self.cycles:
            names += [f"{self.column} ({cycle} sin)", f"{self.column} ({cycle} cos)"]
        return names + [f"{self.column} (bin {t})" for t in range(1, len(self.edges))]


@dataclass
class CategoryInput:
    column: str
    values: list  # the kept values, as text
    missing_slot: bool
    pooled_slot: bool
    boolean: bool = False

    @property
    def kind(self) -> str:
        return "boolean" if self.boolean else "category"

    def width(self) -> int:
        return len(self.values) + self.missing_slot + self.pooled_slot

    def texts(self, series) -> np.ndarray:
        """The column's cells as the text its values are kept as (None where missing). A
        boolean's true and false match whatever their case: "TRUE", "true", "True"."""
        text = conv.as_text(series)
        if self.boolean:
            spelling = {value.lower(): value for value in self.values}
            text = np.array([None if t is None else spelling.get(t.lower(), t) for t in text],
                            dtype=object)
        return text

    def names(self) -> list:
        names = [f"{self.column}={value}" for value in self.values]
        names += [f"{self.column}={MISSING_SLOT}"] * self.missing_slot
        return names + [f"{self.column}={POOLED_SLOT}"] * self.pooled_slot


class Preparation:
    """Fitted preparation: ``transform(frame)`` gives the network's inputs for a table.

    ``inputs`` are the columns it reads (NumberInput and CategoryInput, in the table's order);
    ``left_out`` the other columns with the reason, as (column, reason) pairs.
    """

    def __init__(self, inputs, left_out=()):
        self.inputs = list(inputs)
        self.left_out = [tuple(pair) for pair in left_out]
        if not self.inputs:
            raise ValueError("a preparation needs at least one input column")
        # Refused now, before any training: a model file, a CSV and ONNX cannot hold them.
        for item in self.inputs:
            if item.column == "":
                raise ValueError("a column the model reads has an empty name; give it one "
                                 "(an ONNX graph names each input by its column)")
            check_text(item.column, "the column name")
            for value in getattr(item, "values", ()):
                check_text(value, f"column {printable(item.column)!r}'s value")
        for column, reason in self.left_out:
            check_text(column, "the column name")
            check_text(reason, "the reason")
        self.n_features = sum(item.width() for item in self.inputs)

    # --- learning it ----------------------------------------------------------------------------

    @classmethod
    def fit(cls, roles, statistics, *, min_frequency=MIN_FREQUENCY,
            max_categories=MAX_CATEGORIES, scaling="robust", numbers="bins"):
        """The preparation for the columns ``roles`` (from ``roles.infer_roles``), learned
        from ``statistics`` (from ``statistics.gather``) alone; ``scaling`` of numbers:
        "robust" (median, quartiles, smooth clip) or "standard" (mean and standard
        deviation). Dates are standardized either way. ``numbers``: "bins" for a
        piecewise-linear encoding between each number's octiles beside its value, or "plain"."""
        if scaling not in SCALINGS:
            raise ValueError(f"scaling must be 'robust' or 'standard', got {scaling!r}")
        if numbers not in ENCODINGS:
            raise ValueError(f"numbers must be 'plain' or 'bins', got {numbers!r}")
        if sum(role.learned and role.role == "numeric" for role in roles) > MAX_BINNED:
            numbers = "plain"
        inputs, left_out = [], []
        for role in roles:
            if not role.learned:
                if role.role != "target":
                    left_out.append((role.column, role.role))
                continue
            stats = statistics[role.column]
            if role.role in ("numeric", "date"):
                scale = stats.std if stats.std > 0 and math.isfinite(stats.std) else 1.0
                center, clip = stats.mean, False
                log = False
                if role.role == "numeric" and scaling == "robust" and stats.quartiles and \
                        math.isfinite(stats.median):
                    center, clip = stats.median, True
                    low, high = stats.quartiles
                    with np.errstate(over="ignore"):
                        spread = (high - low) / IQR_OF_NORMAL
                    if spread > 0 and math.isfinite(spread):
                        scale = spread
                        log = stats.std >= HEAVY * spread
                        clip = not log
                edges = ()
                if role.role == "numeric" and numbers == "bins" and stats.quantiles:
                    edges = tuple(float(e) for e in np.unique(stats.quantiles))
                    edges = edges if len(edges) > 1 else ()
                inputs.append(NumberInput(role.column, stats.median, center, scale,
                                          stats.missing > 0, role.date_format, stats.cycles,
                                          clip, log, edges))
            else:
                boolean = role.role == "boolean"
                least = 1 if boolean else min_frequency
                ranked = sorted(stats.counts.items(), key=lambda item: (-item[1], item[0]))
                kept = [value for value, count in ranked if count >= least][:max_categories]
                inputs.append(CategoryInput(role.column, sorted(kept), stats.missing > 0,
                                            len(kept) < len(ranked), boolean))
        return cls(inputs, left_out)

    # --- applying it ----------------------------------------------------------------------------

    @property
    def columns(self) -> list:
        """The names of the columns the preparation reads."""
        return [item.column for item in self.inputs]

    def feature_names(self) -> list:
        """One name per network input: "column", "column (missing)", "column=value"..."""
        return [name for item in self.inputs for name in item.names()]

    def check_columns(self, frame) -> None:
        """A DataError naming the columns the preparation reads that ``frame`` lacks."""
        lacking = [c for c in self.columns if c not in frame.columns]
        if lacking and len(lacking) == len(self.columns):
            shown = ", ".join(printable(c) for c in lacking[:10])
            more = f", ... ({len(lacking) - 10:,} more)" if len(lacking) > 10 else ""
            table = "the file" if where(frame) else "the table"
            raise DataError(f"{where(frame)}{table} has none of the model's columns "
                            f"{shown}{more}")
        if lacking:
            more = f" (and {len(lacking) - 1} more)" if len(lacking) > 1 else ""
            raise DataError(f"{where(frame)}no column {printable(lacking[0])!r}{more}, which "
                            "the model needs as an input")

    def transform(self, frame) -> np.ndarray:
        """The network's inputs for the rows of ``frame``: float64, (rows, n_features)."""
        self.check_columns(frame)
        n = len(frame)
        X = np.zeros((n, self.n_features), dtype=np.float64)
        starts = np.cumsum([0] + [item.width() for item in self.inputs])
        numbers = [i for i, item in enumerate(self.inputs)
                   if isinstance(item, NumberInput) and item.date_format is None]
        if numbers:
            self._numbers(frame, [self.inputs[i] for i in numbers], starts[numbers], X)
        for i, item in enumerate(self.inputs):
            if isinstance(item, NumberInput) and item.date_format is not None:
                days = conv.as_days(frame[item.column], item.date_format)
                conv.check_finite(days, frame, item.column)
                self._dates(item, days, starts[i], X)
            elif isinstance(item, CategoryInput):
                self._categories(item, frame[item.column], starts[i], X)
        return X

    @staticmethod
    def _numbers(frame, items, starts, X) -> None:
        block = numeric_block(frame, [item.column for item in items])
        gaps = np.isnan(block)
        fill = np.array([item.fill for item in items])
        center = np.array([item.center for item in items])
        scale = np.array([item.scale for item in items])
        np.copyto(block, fill, where=gaps)
        raw = block.copy() if any(item.edges for item in items) else None
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused below
            block -= center
            block /= scale
        if not np.isfinite(block).all():
            row, column = (int(i) for i in np.argwhere(~np.isfinite(block))[0])
            _overflow(frame, items[column], row)
        clipped = np.array([item.clip for item in items])
        if clipped.any():
            block[:, clipped] = smooth_clip(block[:, clipped])
        logged = np.array([item.log for item in items])
        if logged.any():
            block[:, logged] = signed_log(block[:, logged])
        X[:, starts] = block
        flagged = np.array([item.indicator for item in items])
        if flagged.any():
            X[:, starts[flagged] + 1] = gaps[:, flagged]
        for j, item in enumerate(items):
            if item.edges:
                first = starts[j] + 1 + item.indicator
                X[:, first:first + len(item.edges) - 1] = piecewise(raw[:, j], item.edges)

    @staticmethod
    def _dates(item, days, start, X) -> None:
        gaps = np.isnan(days)
        days = np.where(gaps, item.fill, days)
        with np.errstate(over="ignore", invalid="ignore"):
            X[:, start] = (days - item.center) / item.scale
        column = start + 1
        if item.indicator:
            X[:, column] = gaps
            column += 1
        for cycle in item.cycles:
            angle = days * (2 * np.pi / CYCLES[cycle])
            X[:, column] = np.sin(angle)
            X[:, column + 1] = np.cos(angle)
            column += 2

    @staticmethod
    def _categories(item, series, start, X) -> None:
        text = item.texts(series)
        codes = pandas().Index(item.values, dtype=object).get_indexer(text)
        gaps = text == None  # noqa: E711 - elementwise
        unseen = (codes < 0) & ~gaps
        slot = len(item.values)
        if item.missing_slot:
            codes[gaps] = slot
            slot += 1
        elif item.pooled_slot:
            codes[gaps] = slot
        if item.pooled_slot:
            codes[unseen] = slot
        rows = np.flatnonzero(codes >= 0)
        X[rows, start + codes[rows]] = 1.0

    # --- describing it --------------------------------------------------------------------------

    def describe(self, limit: int = 12) -> list:
        """One line per input column (the first ``limit``), then the columns left out."""
        lines = []
        for item in self.inputs[:limit]:
            name = printable(item.column)
            if isinstance(item, NumberInput):
                gap = f"gaps -> {_g(item.fill)} + was-missing input, " if item.indicator else ""
                what = "number" if item.date_format is None else "date as days since 1970"
                cycles = f" + {'/'.join(item.cycles)} cycles" if item.cycles else ""
                then = ", signed log" if item.log else ", smooth clip to 3" if item.clip else ""
                bins = f" + {len(item.edges) - 1} bins from {_g(item.edges[0])} to " \
                    f"{_g(item.edges[-1])}" if item.edges else ""
                lines.append(f"{name}: {what}{cycles}, {gap}({_shifted(item.center)}) / "
                             f"{_g(item.scale)}{then}{bins}")
            else:
                shown = ", ".join(printable(v) for v in item.values[:6])
                if len(item.values) > 6:
                    shown += f", ... ({len(item.values) - 6} more)"
                extra = [MISSING_SLOT] * item.missing_slot + [POOLED_SLOT] * item.pooled_slot
                what = "boolean" if item.boolean else "category"
                lines.append(f"{name}: {what}, {len(item.values)} value"
                             f"{'s' * (len(item.values) != 1)} ({shown})"
                             + (f" + {' + '.join(extra)}" if extra else ""))
        if len(self.inputs) > limit:
            lines.append(f"... and {len(self.inputs) - limit:,} more input columns")
        if self.left_out:
            shown = ", ".join(f"{printable(c)} ({r})" for c, r in self.left_out[:limit])
            more = f", ... ({len(self.left_out) - limit} more)" if len(self.left_out) > limit \
                else ""
            lines.append(f"left out: {shown}{more}")
        return lines

    def __repr__(self) -> str:
        return (f"<Preparation: {len(self.inputs)} columns -> {self.n_features} inputs, "
                f"{len(self.left_out)} left out>")

    # --- as arrays, for the model file ----------------------------------------------------------

    def to_arrays(self) -> dict:
        """The preparation as named arrays (numbers and UTF-8 text), as the model file holds
        it; ``from_arrays`` reads them back."""
        numbers = [item for item in self.inputs if isinstance(item, NumberInput)]
        categories = [item for item in self.inputs if isinstance(item, CategoryInput)]
        arrays = {
            "inputs.kind": np.array([KINDS.index(item.kind) for item in self.inputs], np.uint8),
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
        }
        arrays.update(encode_text("inputs.column", self.columns))
        arrays.update(encode_text("categories.value",
                                  [v for item in categories for v in item.values]))
        arrays.update(encode_text("left_out.column", [c for c, _ in self.left_out]))
        arrays.update(encode_text("left_out.reason", [r for _, r in self.left_out]))
        return arrays

    @classmethod
    def from_arrays(cls, arrays):
        """The preparation ``to_arrays`` gave; ValueError if the arrays do not make one."""
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
                inputs.append(CategoryInput(column, kept, bool(category["missing"][c]),
                                            bool(category["pooled"][c]), kind == 3))
                c, taken = c + 1, taken + count
        left = decode_text(arrays, "left_out.column")
        reasons = decode_text(arrays, "left_out.reason")
        if len(left) != len(reasons):
            raise ValueError("left_out.column and left_out.reason differ in length")
        if not inputs:
            raise ValueError("the preparation has no input column")
        return cls(inputs, zip(left, reasons))


def piecewise(x, edges):
    """The piecewise-linear encoding of the values ``x`` (rows,) by the increasing ``edges``:
    for each bin, (x - its lower edge) / its width, cut to [0, 1]: (rows, bins)."""
    edges = np.asarray(edges)
    with np.errstate(over="ignore", invalid="ignore"):
        position = (x[:, None] - edges[:-1]) / np.diff(edges)
    return np.clip(position, 0.0, 1.0)


def signed_log(x):
    """sign(x) log(1 + |x|): the order of the values kept, their tail drawn in."""
    return np.sign(x) * np.log1p(np.abs(x))


def smooth_clip(x):
    """x / sqrt(1 + (x / CLIP)²): nearly x near 0, and at most CLIP in magnitude (x first cut
    to CLIP_INPUT, as the ONNX graph does)."""
    x = np.clip(x, -CLIP_INPUT, CLIP_INPUT)
    return x / np.sqrt(1.0 + (x / CLIP) ** 2)


def _overflow(frame, item, row) -> None:
    """The DataError for a value of ``item``'s column that the scaling makes infinite."""
    value = float(numeric_block(frame.iloc[[row]], [item.column])[0, 0])
    raise DataError(f"{where(frame)}column {printable(item.column)!r} holds values too large to "
                    f"standardize ({row_name(frame, row)}: {value!r}, and ({_shifted(item.center)})"
                    f" / {_g(item.scale)} overflows a float)")


def _g(value: float) -> str:
    return f"{value:.6g}"


def _shifted(center: float) -> str:
    """``x - center`` as a person writes it: ``x + 25.6863``, not ``x - -25.6863``."""
    return f"x + {_g(-center)}" if center < 0 else f"x - {_g(center)}"


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
    """A ValueError for a text that holds a lone surrogate (half of a character, which pandas
    and Python can hold but no UTF-8 file can)."""
    try:
        str(text).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{what} '{printable(text)}' holds a lone surrogate "
                         f"({printable(str(text)[exc.start])}: half of a character, not "
                         "text), which a model file, a CSV file or ONNX cannot hold") from None


def encode_text(name, texts) -> dict:
    """Texts as two arrays: ``name.utf8`` (their UTF-8 bytes, one after the other) and
    ``name.ends`` (where each ends): memory in proportion to the text, however long one is.
    ValueError for a text that is not one (a lone surrogate)."""
    encoded = []
    for text in texts:
        check_text(text, f"cannot save: the {name} text")
        encoded.append(str(text).encode("utf-8"))
    ends = np.cumsum([len(b) for b in encoded], dtype=np.int64) if encoded else \
        np.zeros(0, np.int64)
    return {f"{name}.utf8": np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(),
            f"{name}.ends": ends}


def decode_text(arrays, name) -> list:
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
