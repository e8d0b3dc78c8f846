"""The preparation: what turns the columns of a table into the numbers a network learns from,
learned from the training rows and kept in the model.

- numbers: a gap becomes the column's median, and a was-missing input (0 or 1) is added when
  the training rows had gaps; then robust scaling (the default, ``scaling="robust"``):
  (value - median) / (interquartile range / 1.349), the standard deviation of a normal
  distribution of that spread (where the quartiles are equal, the standard deviation), and a
  smooth clip of outliers, x / sqrt(1 + (x / 3)²), which leaves the middle of the values
  nearly as it is and brings the far ones to at most 3. A number with heavy tails (a standard
  deviation at least ``HEAVY`` times the one its quartiles give) takes the signed log of its
  scaled value instead, sign(x) log(1 + ``|x|``): its far values keep their order and distances
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
  With ``embeddings`` N (0 by default: none; ``EMBED_ABOVE`` to try), a category with more
  than N such values is one input instead, the value's code (0 for the rare and unseen
  values, "other"; at most ``MAX_EMBEDDED`` values get a code of their own), which the
  network's first layer turns into a learned vector of ``embedding_size`` numbers
  (``neuronet.embedding.Embedding``).

``Preparation.fit(roles, statistics)`` learns it from ``statistics.gather``'s numbers; the
fitted preparation is plain arrays, saved in the model file and checked when loaded.
"""

from __future__ import annotations

import math

import numpy as np

from .._text import printable
from . import columns as conv
from .inputs import (  # noqa: F401 - offered here as before inputs.py had them
    DATE_FORMATS,
    KINDS,
    MISSING_SLOT,
    POOLED_SLOT,
    CategoryInput,
    NumberInput,
    check_text,
    decode_text,
    encode_text,
    inputs_from_arrays,
    inputs_to_arrays,
)
from .reading import DataError, pandas, row_name, where
from .statistics import CYCLES, ColumnRows, numeric_columns

VERSION = 2
MIN_FREQUENCY = 3
MAX_CATEGORIES = 100
#: The threshold to try for ``embeddings`` (off by default: on the benchmark's tables it did
#: not beat one-hot inputs): a category with more values than this gets a learned embedding.
EMBED_ABOVE = 16
#: The most values of one category that get a code (and a learned vector) of their own.
MAX_EMBEDDED = 10_000
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
#: Rows that ``transform`` prepares at a time, so that their inputs are written while in the
#: processor's cache.
BLOCK_ROWS = 2**10


class Preparation:
    """Fitted preparation: ``transform(frame)`` gives the network's inputs for a table.

    Parameters
    ----------
    inputs : iterable of NumberInput and CategoryInput
        The columns it reads, in the table's order.
    left_out : iterable of tuple of (str, str), default ()
        The other columns, each with the reason.

    Raises
    ------
    ValueError
        For no input, a column without a name, or a text that no file can hold.
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
            max_categories=MAX_CATEGORIES, scaling="robust", numbers="bins",
            embeddings=0):
        """The preparation for a table's columns, learned from their statistics alone.

        Dates are standardized whatever the scaling.

        Parameters
        ----------
        roles : list of Role
            The columns and their roles, from ``roles.infer_roles``.
        statistics : dict
            Each column's statistics, from ``statistics.gather``.
        min_frequency : int, default MIN_FREQUENCY
            How many training rows a category's value needs for an input of its own.
        max_categories : int, default MAX_CATEGORIES
            The most values of one category that get inputs; the rest are pooled.
        scaling : str, default "robust"
            Of numbers: "robust" (median, quartiles, smooth clip) or "standard" (mean and
            standard deviation).
        numbers : str, default "bins"
            "bins" for a piecewise-linear encoding between each number's octiles beside its
            value, or "plain".
        embeddings : int, default 0
            A category with more values than this, each seen in at least ``min_frequency``
            rows, becomes a code and a learned embedding (of its ``MAX_EMBEDDED`` most
            frequent values at most, whatever ``max_categories``); 0 keeps every category
            one-hot. ``EMBED_ABOVE`` is a value to try.

        Returns
        -------
        Preparation
            The fitted preparation.

        Raises
        ------
        ValueError
            For a scaling or numbers that is neither.
        """
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
                frequent = [value for value, count in ranked if count >= least]
                embedded = bool(embeddings) and not boolean and len(frequent) > embeddings
                kept = frequent[:MAX_EMBEDDED if embedded else max_categories]
                inputs.append(CategoryInput(role.column, sorted(kept), stats.missing > 0,
                                            len(kept) < len(ranked), boolean, int(embedded)))
        # One size for every embedded column, that of the one with the most values.
        embedded = [item for item in inputs if getattr(item, "embedding", 0)]
        size = embedding_size(max([len(item.values) for item in embedded], default=1))
        for item in embedded:
            item.embedding = size
        return cls(inputs, left_out)

    # --- applying it ----------------------------------------------------------------------------

    @property
    def columns(self) -> list:
        """The names of the columns the preparation reads."""
        return [item.column for item in self.inputs]

    def embedding(self):
        """What the network's first layer, an Embedding, looks up: None without one.

        Returns
        -------
        tuple of (list of int, list of int, int) or None
            The positions of the code inputs, the codes of each, and the size of the
            vectors: the arguments of ``neuronet.embedding.Embedding`` after its inputs.
        """
        columns, counts, size, start = [], [], 0, 0
        for item in self.inputs:
            if getattr(item, "embedding", 0):
                columns.append(start)
                counts.append(item.n_codes())
                size = item.embedding
            start += item.width()
        return (columns, counts, size) if columns else None

    def feature_names(self) -> list:
        """One name per network input, to say what each input is.

        Returns
        -------
        list of str
            "column", "column (missing)", "column=value"..., in the inputs' order.
        """
        return [name for item in self.inputs for name in item.names()]

    def check_columns(self, frame) -> None:
        """Refuse a table that lacks a column the preparation reads, naming it.

        Parameters
        ----------
        frame : pandas.DataFrame
            The table.

        Raises
        ------
        DataError
            For a column lacking (the first, and how many more), or for none of the columns.
        """
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
        """The network's inputs for the rows of a table: the preparation applied.

        Parameters
        ----------
        frame : pandas.DataFrame
            The rows, with every column the preparation reads.

        Returns
        -------
        numpy.ndarray
            float64, shape (rows, ``n_features``).

        Raises
        ------
        DataError
            For a column lacking, or values too large to scale (they overflow).
        """
        self.check_columns(frame)
        n = len(frame)
        X = np.zeros((n, self.n_features), dtype=np.float64)
        starts = np.cumsum([0] + [item.width() for item in self.inputs])
        # Each column read and checked whole (its errors name their rows as ever), then its
        # inputs made BLOCK_ROWS rows at a time, while those rows of X are in the cache.
        steps = []
        numbers = [i for i, item in enumerate(self.inputs)
                   if isinstance(item, NumberInput) and item.date_format is None]
        if numbers:
            items = [self.inputs[i] for i in numbers]
            columns = numeric_columns(frame, [item.column for item in items])
            _check_scaling(frame, items, columns)
            steps.append((_numbers(items, starts[numbers]), ColumnRows(columns)))
        for i, item in enumerate(self.inputs):
            if isinstance(item, NumberInput) and item.date_format is not None:
                days = conv.as_days(frame[item.column], item.date_format)
                conv.check_finite(days, frame, item.column)
                steps.append((_dates(item, starts[i]), days))
            elif isinstance(item, CategoryInput):
                steps.append(_categories(item, frame[item.column], starts[i]))
        for first in range(0, n, BLOCK_ROWS):
            rows = slice(first, first + BLOCK_ROWS)
            for step, values in steps:
                step(values[rows], X[rows])
        return X

    # --- describing it --------------------------------------------------------------------------

    def describe(self, limit: int = 12) -> list:
        """Lines that say what becomes of each column, for a report.

        Parameters
        ----------
        limit : int, default 12
            How many input columns get a line of their own; the rest are counted.

        Returns
        -------
        list of str
            One line per input column (the first ``limit``), then the columns left out.
        """
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
                if item.embedding:
                    gap = ", gaps their own" if item.missing_slot else ""
                    lines.append(f"{name}: {what}, {len(item.values):,} values -> a learned "
                                 f"embedding of {item.embedding} (rare and unseen values: "
                                 f"{POOLED_SLOT}{gap})")
                    continue
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
        it; ``from_arrays`` reads them back.

        Returns
        -------
        dict of str to numpy.ndarray
            The arrays, as ``inputs.inputs_to_arrays`` gives them.
        """
        return inputs_to_arrays(self.inputs, self.left_out)

    @classmethod
    def from_arrays(cls, arrays):
        """The preparation again from the arrays ``to_arrays`` gave.

        Parameters
        ----------
        arrays : dict of str to numpy.ndarray
            The arrays, by name.

        Returns
        -------
        Preparation
            The preparation.

        Raises
        ------
        ValueError
            If the arrays do not make one.
        """
        return cls(*inputs_from_arrays(arrays))


def embedding_size(values: int) -> int:
    """The numbers of each learned vector of a category with ``values`` values.

    min(16, round(1.6 ``values`` ** 0.56)), the rule of thumb of fastai's tabular learner,
    and at least 2.

    Parameters
    ----------
    values : int
        The values that get a code of their own.

    Returns
    -------
    int
        From 2 to 16.
    """
    return int(max(2, min(16, round(1.6 * values ** 0.56))))


def piecewise(x, edges):
    """Where each value falls among bins: 0 below a bin, 1 above it, its position within.

    Parameters
    ----------
    x : numpy.ndarray
        The values, shape (rows,).
    edges : sequence of float
        The bins' edges, increasing; at least two.

    Returns
    -------
    numpy.ndarray
        For each bin, (x - its lower edge) / its width, cut to [0, 1]: shape (rows, bins).
    """
    edges = np.asarray(edges)
    with np.errstate(over="ignore", invalid="ignore"):
        return _within(x[:, None] - edges[:-1], np.diff(edges))


def _within(above, width):
    """``above`` its bin's lower edge (changed in place) as a share of its ``width``, in [0, 1]."""
    above /= width
    return np.clip(above, 0.0, 1.0, out=above)


def signed_log(x):
    """The signed log, sign(x) log(1 + ``|x|``): the order of the values kept, their tail
    drawn in.

    Parameters
    ----------
    x : numpy.ndarray
        The values.

    Returns
    -------
    numpy.ndarray
        The signed log of each, of the same shape.
    """
    return np.sign(x) * np.log1p(np.abs(x))


def smooth_clip(x):
    """The smooth clip, x / sqrt(1 + (x / CLIP)²): nearly x near 0, at most CLIP in magnitude.

    Parameters
    ----------
    x : numpy.ndarray
        The values; first cut to ``CLIP_INPUT`` in magnitude, as the ONNX graph does.

    Returns
    -------
    numpy.ndarray
        The clipped values, of the same shape.
    """
    x = np.clip(x, -CLIP_INPUT, CLIP_INPUT)
    return x / np.sqrt(1.0 + (x / CLIP) ** 2)


def _check_scaling(frame, items, columns) -> None:
    """Refuse a value of the numbers ``items`` that scaling makes infinite, naming its row (as
    scaling keeps the values' order, each column's extremes and fill tell if one does)."""
    fill, center, scale = (np.array([getattr(item, name) for item in items])
                           for name in ("fill", "center", "scale"))
    ends = np.array([[np.fmin.reduce(c, initial=np.nan) for c in columns],
                     [np.fmax.reduce(c, initial=np.nan) for c in columns], fill])
    np.copyto(ends, fill, where=np.isnan(ends))  # a column of gaps only (or no row): its fill
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite((ends - center) / scale).all():
            return
        block = np.stack(columns, axis=1)
        scaled = np.where(np.isnan(block), fill, block)
        scaled -= center
        scaled /= scale
    bad = ~np.isfinite(scaled)
    if bad.any():
        row, column = (int(i) for i in np.argwhere(bad)[0])
        item, value = items[column], float(block[row, column])
        raise DataError(f"{where(frame)}column {printable(item.column)!r} holds values too "
                        f"large to standardize ({row_name(frame, row)}: {value!r}, and "
                        f"({_shifted(item.center)}) / {_g(item.scale)} overflows a float)")


def _numbers(items, starts):
    """What writes the inputs of the numbers ``items`` for a block of rows: f(values, X's)."""
    fill, center, scale, clipped, logged, flagged = (
        np.array([getattr(item, name) for item in items])
        for name in ("fill", "center", "scale", "clip", "log", "indicator"))
    # Every bin as one input of a row: its number's column, its lower edge, width, place in X.
    binned = [(j, np.asarray(item.edges)) for j, item in enumerate(items) if item.edges]
    source = np.array([j for j, edges in binned for _ in edges[1:]], dtype=np.intp)
    lower = np.concatenate([edges[:-1] for _, edges in binned] or [np.empty(0)])
    width = np.concatenate([np.diff(edges) for _, edges in binned] or [np.empty(0)])
    target = np.array([starts[j] + 1 + items[j].indicator + k for j, edges in binned
                       for k in range(len(edges) - 1)], dtype=np.intp)

    def step(values, out):
        gaps = np.isnan(values)
        block = np.where(gaps, fill, values)
        with np.errstate(over="ignore", invalid="ignore"):  # _check_scaling refused overflows
            if binned:  # every number's bins at once, as piecewise gives them
                above = np.take(block, source, axis=1)
                above -= lower
                out[:, target] = _within(above, width)
            block -= center
            block /= scale
        if clipped.all():
            block = smooth_clip(block)
        elif clipped.any():
            block[:, clipped] = smooth_clip(block[:, clipped])
        if logged.any():
            block[:, logged] = signed_log(block[:, logged])
        out[:, starts] = block
        if flagged.any():
            out[:, starts[flagged] + 1] = gaps[:, flagged]
    return step


def _dates(item, start):
    """What writes the inputs of the date ``item`` for a block of rows: f(days, X's rows)."""
    def step(days, out):
        gaps = np.isnan(days)
        days = np.where(gaps, item.fill, days)
        with np.errstate(over="ignore", invalid="ignore"):
            out[:, start] = (days - item.center) / item.scale
        column = start + 1
        if item.indicator:
            out[:, column] = gaps
            column += 1
        for cycle in item.cycles:
            angle = days * (2 * np.pi / CYCLES[cycle])
            out[:, column] = np.sin(angle)
            out[:, column + 1] = np.cos(angle)
            column += 2
    return step


def _categories(item, series, start):
    """What writes the inputs of the category ``item`` for a block of rows, f(codes, X's
    rows), and the codes of ``series``: each cell's input from the first (-1 none), or for
    an embedded category its code (0 "other", 1.. the values, then a gap's own)."""
    text = item.texts(series)
    codes = pandas().Index(item.values, dtype=object).get_indexer(text)
    gaps = text == None  # noqa: E711 - elementwise
    if item.embedding:
        codes += 1
        codes[gaps] = len(item.values) + 1 if item.missing_slot else 0
    else:
        unseen = (codes < 0) & ~gaps
        slot = len(item.values)
        if item.missing_slot:
            codes[gaps] = slot
            slot += 1
        elif item.pooled_slot:
            codes[gaps] = slot
        if item.pooled_slot:
            codes[unseen] = slot

    def step(codes, out):
        if item.embedding:
            out[:, start] = codes
        else:
            rows = np.flatnonzero(codes >= 0)
            out[rows, start + codes[rows]] = 1.0
    return step, codes


def _g(value: float) -> str:
    return f"{value:.6g}"


def _shifted(center: float) -> str:
    """``x - center`` as a person writes it: ``x + 25.6863``, not ``x - -25.6863``."""
    return f"x + {_g(-center)}" if center < 0 else f"x - {_g(center)}"
