"""The playground's data: seeded point sets on the plane [-6, 6]², the input features a network
can be given (x1, x2, x1², x2², x1·x2, sin x1, sin x2), and two columns of a CSV file brought
onto the same plane. NumPy only, so that a script exported from the playground needs nothing
more than neuronet to rebuild the same data::

    from neuronet.playground import data

    X, y = data.generate("spiral", noise=10, seed=7)
    X_train, y_train, X_test, y_test = data.split(X, y, train_percent=50, seed=7)
    inputs = data.features(X_train, ["x1", "x2", "sinx1"])

Classification sets have labels 0 and 1; regression sets have targets in [-1, 1].
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field

import numpy as np

RADIUS = 6.0  # the plane drawn on the page: [-RADIUS, RADIUS] on both axes
CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
REGRESSION = ("plane", "multigauss")
DATASETS = CLASSIFICATION + REGRESSION
N_POINTS = 500

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


def generate(name: str, *, noise: float = 0, seed: int = 0, n_points: int = N_POINTS):
    """``n_points`` points of the data set ``name`` as (X, y): X of shape (n, 2) with the
    coordinates x1, x2, y the label (0 or 1) or the target (in [-1, 1]) of each point.

    ``noise`` is a percentage, 0 to 50, as TensorFlow Playground has it: how far points
    stray from the shape (classification) or how much the target is blurred (regression)."""
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; expected one of {', '.join(DATASETS)}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise <= 50:
        raise ValueError(f"noise must be a percentage from 0 to 50, got {noise!r}")
    rng = np.random.default_rng(seed)
    return _MAKERS[name](rng, int(n_points), noise / 100)


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
           "plane": _plane, "multigauss": _multigauss}


def split(X, y, *, train_percent: int = 50, seed: int = 0):
    """Shuffle the points with ``seed`` and split them: (X_train, y_train, X_test, y_test),
    ``train_percent`` of them (at least one point on each side) for training."""
    n = len(X)
    if n < 2:
        raise ValueError(f"splitting needs at least 2 points, got {n}")
    order = np.random.default_rng(seed).permutation(n)
    n_train = min(n - 1, max(1, round(n * train_percent / 100)))
    train, test = order[:n_train], order[n_train:]
    return X[train], y[train], X[test], y[test]


def features(X, names):
    """The network's inputs for points X (n, 2): one column per feature in ``names``
    (keys of ``FEATURES``: "x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2")."""
    unknown = [name for name in names if name not in FEATURES]
    if unknown:
        raise ValueError(f"unknown feature {unknown[0]!r}; expected some of "
                         f"{', '.join(FEATURES)}")
    a, b = X[:, 0], X[:, 1]
    return np.column_stack([FEATURES[name][1](a, b) for name in names]).astype(np.float64)


def grid(size: int):
    """The points at which surfaces are drawn: ``size`` × ``size`` of them, row by row from
    the top of the plane (x2 = 6) down, each row from x1 = -6 to 6; shape (size², 2)."""
    ticks = np.linspace(-RADIUS, RADIUS, size)
    x1, x2 = np.meshgrid(ticks, ticks[::-1])
    return np.column_stack([x1.ravel(), x2.ravel()])


# --- a CSV file on the plane ------------------------------------------------------------------

MAX_ROWS = 5000  # rows of a file the playground learns from (and draws)
SPAN = 5.0  # each chosen column is scaled onto [-SPAN, SPAN]: inside the plane, with a margin


@dataclass
class Columns:
    """A CSV file read as text: its column names and the cells of each row (all strings)."""

    name: str
    header: list
    rows: list
    numeric: list = field(default_factory=list)  # names of the columns that hold numbers


@dataclass
class Table:
    """Two columns of a file scaled onto the plane, and a target. ``X`` (n, 2) is what the
    playground learns from; a column's value v sits at ``(v - centre) / scale`` on it.
    ``y`` holds labels 0/1 (``classes`` the two values they stand for) or targets scaled to
    [-1, 1] (value = ``y * target_scale + target_centre``)."""

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


def read_columns(text: str, name: str = "data.csv") -> Columns:
    """Parse CSV text with a header row (separator ``,`` ``;`` tab or ``|``, guessed) into Columns,
    or raise ValueError saying which line is wrong."""
    if not isinstance(text, str):
        raise ValueError(f"{name}: expected the text of a CSV file")
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise ValueError(f"{name}: this is not a text file (it holds NUL bytes); expected a CSV "
                         "file with a header row")
    if not text.strip():
        raise ValueError(f"{name}: the file is empty; expected a header row and rows of data")
    sample = text[:65536]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        rows = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise ValueError(f"{name}: line {reader.line_num}: {exc}") from None
    header = [cell.strip() for cell in rows[0]]
    if len(header) < 3:
        raise ValueError(f"{name}: the header has {len(header)} column"
                         f"{'s' * (len(header) != 1)}; the playground needs at least three "
                         "(two to draw on the plane and one to predict)")
    if any(not cell for cell in header):
        position = header.index("") + 1
        raise ValueError(f"{name}: column {position} of the header has no name")
    if len(set(header)) != len(header):
        twice = next(cell for cell in header if header.count(cell) > 1)
        raise ValueError(f"{name}: the header names the column {twice!r} twice")
    body = rows[1:]
    if len(body) < 4:
        raise ValueError(f"{name}: {len(body)} row{'s' * (len(body) != 1)} of data; the "
                         "playground needs at least 4 to train and test on")
    for number, row in enumerate(body, 2):
        if len(row) != len(header):
            raise ValueError(f"{name}: row {number} has {len(row)} fields, but the header has "
                             f"{len(header)}")
    columns = Columns(name, header, body)
    columns.numeric = [column for i, column in enumerate(header)
                       if _numbers([row[i] for row in body]) is not None]
    return columns


_MISSING = {"", "na", "n/a", "nan", "null", "none", "?", "-"}


def _number(cell: str):
    """A cell as a finite float, None when it is empty or marks a missing value, or
    raise ValueError."""
    cell = cell.strip()
    if cell.lower() in _MISSING:
        return None
    value = float(cell)
    if not math.isfinite(value):
        raise ValueError(cell)
    return value


def _numbers(cells):
    """The cells as floats (None where missing), or None if one is not a number or fewer
    than two are numbers."""
    try:
        values = [_number(cell) for cell in cells]
    except ValueError:
        return None
    return values if sum(v is not None for v in values) >= 2 else None


def table(columns: Columns, x1: str, x2: str, target: str, problem: str | None = None) -> Table:
    """Columns ``x1`` and ``x2`` of a file, scaled onto the plane, and ``target`` to learn:
    two classes (its two values) or numbers (regression). ``problem`` ("classification" or
    "regression") defaults to classification when the target holds exactly two values.
    Rows with a missing value are skipped; beyond ``MAX_ROWS`` rows are left out."""
    name = columns.name
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
    i1, i2, it = (columns.header.index(c) for c in (x1, x2, target))
    points, targets, skipped = [], [], 0
    for row in columns.rows:
        a, b, t = _number(row[i1]), _number(row[i2]), row[it].strip()
        if a is None or b is None or t.lower() in _MISSING:
            skipped += 1
            continue
        points.append((a, b))
        targets.append(t)
    dropped = max(0, len(points) - MAX_ROWS)
    points, targets = points[:MAX_ROWS], targets[:MAX_ROWS]
    if len(points) < 4:
        raise ValueError(f"{name}: only {len(points)} rows have x1, x2 and the target all "
                         "present; the playground needs at least 4")
    X = np.array(points, dtype=np.float64)
    low, high = X.min(axis=0), X.max(axis=0)
    centre = (low + high) / 2
    scale = np.where(high > low, (high - low) / 2 / SPAN, 1.0)
    values = sorted(set(targets), key=_sort_key)
    if problem is None:
        problem = "classification" if len(values) == 2 else "regression"
    result = dict(columns=[x1, x2], target=target, problem=problem, centre=centre.tolist(),
                  scale=scale.tolist(), skipped=skipped, dropped=dropped)
    if problem == "classification":
        if len(values) != 2:
            shown = ", ".join(map(repr, values[:5])) + (", ..." if len(values) > 5 else "")
            raise ValueError(f"{name}: the target {target!r} holds {len(values)} different "
                             f"values ({shown}); classification here needs exactly two "
                             "(or choose regression for numbers)")
        classes = [_label(v) for v in values]
        y = np.array([values.index(t) for t in targets], dtype=np.int64)
        return Table((X - centre) / scale, y, classes=classes, **result)
    if problem != "regression":
        raise ValueError(f"problem must be 'classification' or 'regression', got {problem!r}")
    numbers = _numbers(targets)
    if numbers is None:
        raise ValueError(f"{name}: the target {target!r} does not hold numbers, which "
                         "regression needs (choose a column with two values to classify)")
    t = np.array(numbers, dtype=np.float64)
    t_low, t_high = float(t.min()), float(t.max())
    if t_high == t_low:
        raise ValueError(f"{name}: the target {target!r} has one value only ({t_low:g}); "
                         "there is nothing to learn")
    t_centre, t_scale = (t_low + t_high) / 2, (t_high - t_low) / 2
    return Table((X - centre) / scale, (t - t_centre) / t_scale, target_centre=t_centre,
                 target_scale=t_scale, **result)


def read_csv(path, *, x1: str, x2: str, target: str, problem: str | None = None) -> Table:
    """``table`` of the CSV file at ``path`` (UTF-8): what the playground learned from."""
    with open(path, encoding="utf-8-sig", newline="") as file:
        text = file.read()
    return table(read_columns(text, str(path)), x1, x2, target, problem)


def _sort_key(value: str):
    # Numbers in numeric order (0 before 1, 2 before 10), then text.
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)


def _label(value: str):
    """A class value as it will be stored: a whole number as int, other text as it is."""
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() and value.strip().lstrip("+-").isdigit() else value
