"""The playground's data: seeded point sets on the plane [-6, 6]², the input features a network
can be given (x1, x2, x1², x2², x1·x2, sin x1, sin x2), and two columns of a CSV file brought
onto the same plane. NumPy only, so that a script exported from the playground needs nothing
more than neuronet to rebuild the same data::

    from neuronet.playground import data

    X, y = data.generate("spiral", noise=10, seed=7)
    X_train, y_train, X_test, y_test = data.split(X, y, train_percent=50, seed=7)
    inputs = data.features(X_train, ["x1", "x2", "sinx1"])

Classification sets have labels 0 and 1, the multi-class sets ("spirals", "blobs") labels
0 to ``classes - 1``; regression sets have targets in [-1, 1]::

    X, y = data.generate("spirals", classes=3, seed=7)  # three spiral arms, labels 0, 1, 2
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field

import numpy as np

from .._text import printable

RADIUS = 6.0  # the plane drawn on the page: [-RADIUS, RADIUS] on both axes
BINARY = ("circle", "xor", "gauss", "spiral")
MULTICLASS = ("spirals", "blobs")  # three classes or more: a softmax output
CLASSIFICATION = BINARY + MULTICLASS
REGRESSION = ("plane", "multigauss")
DATASETS = CLASSIFICATION + REGRESSION
N_POINTS = 500
MIN_CLASSES, MAX_CLASSES = 3, 5  # of the multi-class sets

# Each feature: its name in the page's state, the label drawn beside it, and how it is computed.
FEATURES = {
    "x1": ("x1", lambda a, b: a),
    "x2": ("x2", lambda a, b: b),
    "x1sq": ("x1²", lambda a, b: a * a),
    "x2sq": ("x2²", lambda a, b: b * b),
    "x1x2": ("x1·x2", lambda a, b: a * b),
    "sinx1": ("sin x1", lambda a, b: np.sin(a)),
    "sinx2": ("sin x2", lambda a, b: np.sin(b)),
}


def generate(name: str, *, noise: float = 0, seed: int = 0, n_points: int = N_POINTS,
             classes: int = MIN_CLASSES):
    """Points of one of the playground's data sets, drawn with a seed.

    Parameters
    ----------
    name : str
        One of ``DATASETS``: "circle", "xor", "gauss", "spiral" (two classes), "spirals",
        "blobs" (``classes`` classes) or "plane", "multigauss" (a target to regress).
    noise : float
        A percentage, 0 to 50, as TensorFlow Playground has it: how far points stray from
        the shape (classification) or how much the target is blurred (regression).
    seed : int
        The random generator's seed: the same seed gives the same points.
    n_points : int
        How many points.
    classes : int
        How many classes the multi-class sets have, ``MIN_CLASSES`` to ``MAX_CLASSES`` (the
        other sets do not use it); the points are shared out evenly, class ``i % classes``
        for point ``i``.

    Returns
    -------
    X : numpy.ndarray
        Shape (n_points, 2): the coordinates x1, x2.
    y : numpy.ndarray
        The label (0 to the number of classes - 1) or the target (in [-1, 1]) of each point.

    Raises
    ------
    ValueError
        For an unknown ``name``, a ``noise`` outside 0 to 50 or ``classes`` outside 3 to 5.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; expected one of {', '.join(DATASETS)}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise <= 50:
        raise ValueError(f"noise must be a percentage from 0 to 50, got {noise!r}")
    if isinstance(classes, bool) or not isinstance(classes, (int, np.integer)) or \
            not MIN_CLASSES <= classes <= MAX_CLASSES:
        raise ValueError(f"classes must be a whole number from {MIN_CLASSES} to {MAX_CLASSES}, "
                         f"got {classes!r}")
    rng = np.random.default_rng(seed)
    if name in MULTICLASS:
        return _MAKERS[name](rng, int(n_points), noise / 100, int(classes))
    return _MAKERS[name](rng, int(n_points), noise / 100)


def n_classes(name: str, classes: int = MIN_CLASSES) -> int:
    """How many classes a data set's labels have.

    Parameters
    ----------
    name : str
        A data set of ``DATASETS`` (or "csv", whose classification has two classes).
    classes : int
        The classes asked of a multi-class set.

    Returns
    -------
    int
        ``classes`` for the multi-class sets, 2 for the others that classify, 0 for
        regression.
    """
    if name in MULTICLASS:
        return int(classes)
    return 0 if name in REGRESSION else 2


def _circle(rng, n, noise):
    # Class 1 inside radius 2.5, class 0 on the ring from 3.5 to 5.
    y = np.arange(n) % 2
    radius = np.where(y == 1, rng.uniform(0, 2.5, n), rng.uniform(3.5, 5.0, n))
    angle = rng.uniform(0, 2 * np.pi, n)
    X = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    return X + rng.normal(0, noise * 5, X.shape), y


def _xor(rng, n, noise):
    X = rng.uniform(-5, 5, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)  # a gap along both axes, as the quadrants meet there
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    return X + rng.normal(0, noise * 5, X.shape), y


def _gauss(rng, n, noise):
    y = np.arange(n) % 2
    spread = 0.5 + 3.5 * noise * 2  # the clouds widen from 0.5 to 4 as noise goes to 50 %
    centre = np.where(y[:, None] == 1, 2.0, -2.0)
    return centre + rng.normal(0, math.sqrt(spread), (n, 2)), y


def _spiral(rng, n, noise):
    y = np.arange(n) % 2
    t = (np.arange(n) // 2) / (n / 2)
    radius = 5 * t
    angle = 1.75 * t * 2 * np.pi + np.pi * (1 - y)
    X = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    return X + rng.normal(0, noise * 2, X.shape), y


def _spirals(rng, n, noise, k):
    # k arms wound the same way, each turned by a k-th of a circle from the one before.
    y = np.arange(n) % k
    t = (np.arange(n) // k) / (n / k)
    radius = 0.5 + 4.5 * t
    angle = 1.25 * t * 2 * np.pi + 2 * np.pi * y / k
    X = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    return X + rng.normal(0, noise * 2, X.shape), y


def _blobs(rng, n, noise, k):
    # k round clouds whose centres sit evenly on a circle of radius 3.5.
    y = np.arange(n) % k
    angle = 2 * np.pi * y / k + np.pi / 2
    centre = 3.5 * np.column_stack([np.cos(angle), np.sin(angle)])
    spread = 0.6 + 2.4 * noise * 2  # standard deviation: 0.6, to 3 at 50 % noise
    return centre + rng.normal(0, spread, (n, 2)), y


def _plane(rng, n, noise):
    X = rng.uniform(-RADIUS, RADIUS, (n, 2))
    target = (X[:, 0] + X[:, 1]) / (2 * RADIUS)
    return X, np.clip(target + rng.normal(0, noise, n), -1, 1)


# Bumps of the multi-Gaussian surface: centre and sign.
_BUMPS = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]


def _multigauss(rng, n, noise):
    X = rng.uniform(-RADIUS, RADIUS, (n, 2))
    target = np.zeros(n)
    for cx, cy, sign in _BUMPS:
        target += sign * np.exp(-((X[:, 0] - cx) ** 2 + (X[:, 1] - cy) ** 2) / 2)
    return X, np.clip(target + rng.normal(0, noise, n), -1, 1)


_MAKERS = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral,
           "spirals": _spirals, "blobs": _blobs, "plane": _plane, "multigauss": _multigauss}


def split(X, y, *, train_percent: int = 50, seed: int = 0):
    """Shuffle the points with ``seed`` and split them into training and test points.

    Parameters
    ----------
    X : numpy.ndarray
        The points, shape (n, 2).
    y : numpy.ndarray
        Their labels or targets.
    train_percent : int
        The percentage for training (at least one point goes to each side).
    seed : int
        The shuffle's seed.

    Returns
    -------
    tuple of numpy.ndarray
        (X_train, y_train, X_test, y_test).

    Raises
    ------
    ValueError
        With fewer than two points.
    """
    n = len(X)
    if n < 2:
        raise ValueError(f"splitting needs at least 2 points, got {n}")
    order = np.random.default_rng(seed).permutation(n)
    n_train = min(n - 1, max(1, round(n * train_percent / 100)))
    train, test = order[:n_train], order[n_train:]
    return X[train], y[train], X[test], y[test]


def features(X, names):
    """The network's inputs for points on the plane.

    Parameters
    ----------
    X : numpy.ndarray
        The points, shape (n, 2).
    names : list of str
        Keys of ``FEATURES``: "x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2".

    Returns
    -------
    numpy.ndarray
        Shape (n, len(names)), float64: one column per feature, in the order of ``names``.

    Raises
    ------
    ValueError
        For a name that is not a feature.
    """
    unknown = [name for name in names if name not in FEATURES]
    if unknown:
        raise ValueError(f"unknown feature {unknown[0]!r}; expected some of "
                         f"{', '.join(FEATURES)}")
    a, b = X[:, 0], X[:, 1]
    return np.column_stack([FEATURES[name][1](a, b) for name in names]).astype(np.float64)


def grid(size: int):
    """The points at which surfaces are drawn.

    Parameters
    ----------
    size : int
        Points along each side.

    Returns
    -------
    numpy.ndarray
        Shape (size * size, 2): row by row from the top of the plane (x2 = 6) down, each row
        from x1 = -6 to 6.
    """
    ticks = np.linspace(-RADIUS, RADIUS, size)
    x1, x2 = np.meshgrid(ticks, ticks[::-1])
    return np.column_stack([x1.ravel(), x2.ravel()])


def point_rows(X, y) -> list:
    """Points as the page draws them: [x1, x2, label or target] each, to four decimals.

    Parameters
    ----------
    X : numpy.ndarray
        The points, shape (n, 2).
    y : numpy.ndarray
        Their labels or targets, shape (n,).

    Returns
    -------
    list
        One [x1, x2, y] list per point.
    """
    return [[round(float(a), 4), round(float(b), 4), round(float(t), 4)]
            for (a, b), t in zip(X, y)]


# --- a CSV file on the plane ------------------------------------------------------------------

MAX_ROWS = 5000  # rows of a file the playground learns from (and draws)
MAX_COLUMNS = 1000  # columns of an uploaded file: what the page's lists can show
SPAN = 5.0  # each chosen column is scaled onto [-SPAN, SPAN]: inside the plane, with a margin


@dataclass
class Columns:
    """A CSV file read by ``neuronet train``'s reader.

    Parameters
    ----------
    name : str
        The file's name.
    header : list of str
        Its column names.
    frame : pandas.DataFrame
        Its table.
    rows : int
        How many data rows it has.
    numeric : list of str
        The columns that hold numbers (at least two of them).
    """

    name: str
    header: list
    frame: object
    rows: int
    numeric: list = field(default_factory=list)


@dataclass
class Table:
    """Two columns of a file scaled onto the plane, and a target.

    Parameters
    ----------
    X : numpy.ndarray
        Shape (n, 2): what the playground learns from; a column's value v sits at
        ``(v - centre) / scale`` on it.
    y : numpy.ndarray
        Labels 0 and 1, or targets scaled to [-1, 1] (value = ``y * target_scale +
        target_centre``).
    columns : list of str
        The two columns, x1 and x2.
    target : str
        The target column.
    problem : str
        "classification" or "regression".
    centre, scale : list of float
        Each column's centre and scale on the plane.
    classes : list or None
        The two values the labels 0 and 1 stand for (classification).
    target_centre, target_scale : float
        How the target was scaled (regression).
    skipped : int
        Rows left out for a missing value.
    dropped : int
        Rows left out beyond ``MAX_ROWS``.
    name : str
        The file's name.
    """

    X: np.ndarray
    y: np.ndarray
    columns: list
    target: str
    problem: str
    centre: list
    scale: list
    classes: list | None = None
    target_centre: float = 0.0
    target_scale: float = 1.0
    skipped: int = 0
    dropped: int = 0
    name: str = "data.csv"  # the file's


def read_columns(content, name: str = "data.csv") -> Columns:
    """Read a CSV file with a header row, as ``neuronet train`` reads one (separator ``,``
    ``;`` tab or ``|`` detected, any line ends, missing-value spellings), into Columns.

    Parameters
    ----------
    content : bytes or str
        The file's bytes (UTF-8) or its text.
    name : str
        The file's name, which messages begin with.

    Returns
    -------
    Columns
        The table and which of its columns hold numbers.

    Raises
    ------
    ValueError
        Naming the file (and the row) of what is wrong: not UTF-8, more than ``MAX_COLUMNS``
        columns, fewer than three columns or four rows, or whatever ``neuronet train`` would
        refuse (a ``neuronet.tabular.reading.DataError``).
    """
    from ..tabular import reading

    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    if not isinstance(content, (bytes, bytearray)):
        raise ValueError(f"{name}: expected the bytes of a CSV file")
    shown = printable(name)
    try:
        text = bytes(content).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{shown}: not UTF-8 text (byte {exc.start}); expected a CSV file "
                         "saved as UTF-8") from None
    width = _header_width(text)
    if width > MAX_COLUMNS:
        raise ValueError(f"{shown}: the header has {width:,} columns; the playground takes "
                         f"files of at most {MAX_COLUMNS:,} columns (keep the ones to learn "
                         "from)")
    frame = reading.read_csv_bytes(content, name)
    header = list(frame.columns)
    if len(header) > MAX_COLUMNS:  # a header whose quoted cells span lines
        raise ValueError(f"{shown}: the header has {len(header):,} columns; the playground "
                         f"takes files of at most {MAX_COLUMNS:,} columns")
    if len(header) < 3:
        raise ValueError(f"{shown}: the header has {len(header)} column"
                         f"{'s' * (len(header) != 1)}; the playground needs at least three "
                         "(two to draw on the plane and one to predict)")
    if len(frame) < 4:
        raise ValueError(f"{shown}: {len(frame)} row{'s' * (len(frame) != 1)} of data; the "
                         "playground needs at least 4 to train and test on")
    numeric = [column for column in header if frame[column].dtype.kind in "iuf"
               and frame[column].notna().sum() >= 2]
    return Columns(name, header, frame, len(frame), numeric)


def _header_width(text: str) -> int:
    """The fields of the first line that is not blank, counted before pandas reads it (whose
    work grows with the square of a header's repeated names)."""
    from ..tabular import reading

    line = re.match(r"[\s]*([^\r\n]*)", text).group(1)
    if not line:
        return 0
    return len(next(csv.reader([line], delimiter=reading.detect_separator(line))))


def table(columns: Columns, x1: str, x2: str, target: str, problem: str | None = None) -> Table:
    """Columns ``x1`` and ``x2`` of a file, scaled onto the plane, and ``target`` to learn.

    Parameters
    ----------
    columns : Columns
        The file, as ``read_columns`` read it.
    x1, x2 : str
        The numeric columns drawn across and up the plane.
    target : str
        The column to learn: two classes (its two values, numbers that are equal being one
        value) or numbers (regression).
    problem : {"classification", "regression"} or None
        None: classification when the target holds exactly two values, else regression.

    Returns
    -------
    Table
        The first ``MAX_ROWS`` rows that have all three values, on the plane.

    Raises
    ------
    ValueError
        Naming the file and the column: a column that is missing, not numeric, holds
        infinity or spans a range too wide to scale; a target with one value, or with other
        than two values for classification, or text for regression.
    """
    from ..tabular import target as coding

    name, frame = printable(columns.name), columns.frame
    for role, column in (("x1", x1), ("x2", x2), ("target", target)):
        if column not in columns.header:
            raise ValueError(f"{name}: no column {column!r} for {role}; the columns are "
                             f"{', '.join(map(repr, columns.header))}")
    if len({x1, x2, target}) < 3:
        raise ValueError(f"{name}: x1, x2 and the target must be three different columns")
    for role, column in (("x1", x1), ("x2", x2)):
        if column not in columns.numeric:
            raise ValueError(f"{name}: column {column!r} (chosen for {role}) does not hold "
                             "numbers; the plane's axes need numeric columns")
    present = (frame[x1].notna() & frame[x2].notna()).to_numpy() & \
        coding.has_target(frame, target)
    rows = np.flatnonzero(present)
    skipped, dropped = len(frame) - len(rows), max(0, len(rows) - MAX_ROWS)
    rows = rows[:MAX_ROWS]
    if len(rows) < 4:
        raise ValueError(f"{name}: only {len(rows)} rows have x1, x2 and the target all "
                         "present; the playground needs at least 4")
    part = frame.iloc[rows]
    X = np.column_stack([part[x1].to_numpy(dtype=np.float64),
                         part[x2].to_numpy(dtype=np.float64)])
    centre, scale = [], []
    for j, column in enumerate((x1, x2)):
        low, high = _span(X[:, j], part, column, name)
        centre.append(low / 2 + high / 2)  # halves first: a sum of two large values overflows
        scale.append((high - low) / 2 / SPAN if high > low else 1.0)
    X = (X - centre) / scale
    result = dict(columns=[x1, x2], target=target, centre=centre, scale=scale,
                  skipped=skipped, dropped=dropped, name=columns.name)
    column = part[target]
    kind = column.dtype.kind
    if kind == "f":
        _span(column.to_numpy(dtype=np.float64), part, target, name)
    classes, texts = coding.class_list(kind, coding.distinct_targets(column))
    if problem is None:  # one value is refused by the task it would be, with that message
        problem = "classification" if len(classes) == 2 or (
            len(classes) < 2 and kind not in "iuf") else "regression"
    if problem == "classification":
        coding.check_classes(classes, texts, f"{name}: ", target)
        if len(classes) != 2:
            shown = ", ".join(map(repr, texts[:5])) + (", ..." if len(texts) > 5 else "")
            raise ValueError(f"{name}: the target {target!r} holds {len(classes)} different "
                             f"values ({shown}); classification here needs exactly two "
                             "(or choose regression for numbers)")
        y = coding.class_codes(column, texts)
        return Table(X, y, problem=problem, classes=classes, **result)
    if problem != "regression":
        raise ValueError(f"problem must be 'classification' or 'regression', got {problem!r}")
    if kind not in "iuf":
        raise ValueError(f"{name}: the target {target!r} does not hold numbers, which "
                         "regression needs (choose a column with two values to classify)")
    t = column.to_numpy(dtype=np.float64)
    t_low, t_high = _span(t, part, target, name)
    if t_high == t_low:
        raise coding.one_value(f"{name}: ", target, t_low)
    t_centre, t_scale = t_low / 2 + t_high / 2, t_high / 2 - t_low / 2
    return Table(X, (t - t_centre) / t_scale, problem=problem, target_centre=t_centre,
                 target_scale=t_scale, **result)


def _span(values, part, column, name):
    """(lowest, highest) of a column's values, or ValueError naming the column when one is
    infinite or the range is wider than a float holds (it could not be scaled)."""
    from ..tabular import columns as conv

    conv.check_finite(values, part, column)
    low, high = float(values.min()), float(values.max())
    with np.errstate(over="ignore"):
        width = high - low
    if not math.isfinite(width) or (high > low and (width / 2 / SPAN) == 0):
        raise ValueError(f"{name}: column {printable(column)!r} spans {low:g} to {high:g}, a "
                         "range too wide (or too narrow) to scale onto the plane; expected "
                         "values whose range is a finite number")
    return low, high


def read_csv(path, *, x1: str, x2: str, target: str, problem: str | None = None) -> Table:
    """``table`` of the CSV file at ``path`` (UTF-8), read as the playground read its upload.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    x1, x2, target, problem
        As for ``table``.

    Returns
    -------
    Table
        The rows the playground learned from.

    Raises
    ------
    ValueError
        As ``read_columns`` and ``table`` do.
    OSError
        When the file cannot be read.
    """
    with open(path, "rb") as file:
        content = file.read()
    return table(read_columns(content, str(path)), x1, x2, target, problem)
