"""What the playground shows besides the output: the data as the first hidden layer sees it,
and the picture of a many-class output. NumPy only.

The first hidden layer turns each point of the plane into as many numbers as it has neurons:
the outputs of its neurons. With two neurons those two numbers are a new plane, and the page
draws the points there, at (output of neuron 1, output of neuron 2), with the lines of the
input plane's grid carried along, so that a learner sees the layer bend, stretch and fold the
plane until the classes come apart. With more neurons the outputs are projected onto their
first two principal directions (the two directions in which the points' outputs spread the
most); with one neuron the points lie on a line.
"""

from __future__ import annotations

import base64

import numpy as np

from ..layers import Dense
from . import data

GRID_LINES = 7  # lines of the input plane's grid carried into the hidden view, each way
LINE_POINTS = 25  # points along each line


def first_hidden_outputs(network, X):
    """The first hidden layer's outputs for inputs ``X``: its neurons' outputs, one column each.

    Parameters
    ----------
    network : Network
        A network whose first Dense layer is a hidden layer (another Dense layer follows).
    X : numpy.ndarray
        The network's inputs (the features), shape (n, inputs).

    Returns
    -------
    numpy.ndarray or None
        Shape (n, neurons of the first hidden layer), float64 with NaN as 0; None for a
        network without a hidden layer.
    """
    dense = [i for i, layer in enumerate(network.layers) if isinstance(layer, Dense)]
    if len(dense) < 2:
        return None
    x = X
    with np.errstate(all="ignore"):
        for layer in network.layers[:dense[0] + 1]:
            x = layer.forward(x)
    return np.nan_to_num(np.asarray(x, dtype=np.float64), nan=0.0, posinf=1e300, neginf=-1e300)


def project(H, previous=None):
    """Two numbers per point for the hidden view: the outputs themselves with two neurons (or
    one, then 0 across), else the projection onto the first two principal directions.

    The principal directions are those of the singular value decomposition of the outputs
    minus their mean: the first is the direction of the largest spread, the second the
    largest spread across it. A direction's sign is arbitrary, so it is fixed: it points the
    same way as the same direction of ``previous`` (the frame before), or, without one, so
    that its entry of largest size is positive. The picture does not flip from frame to frame.

    Parameters
    ----------
    H : numpy.ndarray
        The first hidden layer's outputs, shape (n, neurons).
    previous : numpy.ndarray or None
        The directions of the frame before, shape (2, neurons).

    Returns
    -------
    coords : numpy.ndarray
        Shape (n, 2).
    directions : numpy.ndarray or None
        The two principal directions, shape (2, neurons), one per row (None with two
        neurons or fewer).
    centre : numpy.ndarray or None
        The mean output subtracted before projecting (None with two neurons or fewer).
    shares : list of float
        The share of the outputs' spread (variance) that each axis shows: 1 in all with two
        neurons or fewer.
    """
    H = np.asarray(H, dtype=np.float64)
    width = H.shape[1]
    if width == 2:
        return H.copy(), None, None, [0.5, 0.5]
    if width == 1:
        return np.column_stack([H[:, 0], np.zeros(len(H))]), None, None, [1.0, 0.0]
    centre = H.mean(axis=0)
    _, spread, vt = np.linalg.svd(H - centre, full_matrices=False)
    directions = vt[:2].copy()
    for k in range(2):
        d = directions[k]
        if previous is not None and np.shape(previous) == directions.shape:
            sign = np.sign(d @ previous[k])
        else:
            sign = np.sign(d[np.argmax(np.abs(d))])
        directions[k] = d * (sign if sign != 0 else 1.0)
    total = float((spread ** 2).sum())
    shares = [float(s ** 2 / total) if total > 0 else 0.0 for s in spread[:2]]
    return (H - centre) @ directions.T, directions, centre, shares


def grid_lines(size: int = GRID_LINES, points: int = LINE_POINTS) -> np.ndarray:
    """Lines of the input plane's grid: ``size`` across (x2 fixed) then ``size`` up (x1 fixed),
    evenly spaced from -6 to 6, ``points`` points along each.

    Parameters
    ----------
    size : int
        Lines each way.
    points : int
        Points per line.

    Returns
    -------
    numpy.ndarray
        Shape (2 * size * points, 2): the points on the plane, line after line.
    """
    ticks = np.linspace(-data.RADIUS, data.RADIUS, size)
    along = np.linspace(-data.RADIUS, data.RADIUS, points)
    across = [np.column_stack([along, np.full(points, t)]) for t in ticks]
    up = [np.column_stack([np.full(points, t), along]) for t in ticks]
    return np.vstack(across + up)


def hidden_view(network, X, lines, previous=None) -> tuple[dict | None, object]:
    """The data as the first hidden layer sees it, as the page draws it.

    Parameters
    ----------
    network : Network
        The network.
    X : numpy.ndarray
        The points' inputs (features), in the order of the data the page has.
    lines : numpy.ndarray
        The network's inputs for the points of ``grid_lines()`` (the features of the plane's
        grid lines, computed once for a run).
    previous : numpy.ndarray or None
        The principal directions of the frame before (see ``project``).

    Returns
    -------
    view : dict or None
        ``neurons`` (how many the layer has), ``axes`` ("outputs", "line" or "principal"),
        ``shares`` (the spread each axis shows), ``points`` ([a, b] per point, to four
        decimals) and ``lines`` (the grid lines, ``LINE_POINTS`` points each); None without a
        hidden layer.
    directions : numpy.ndarray or None
        The directions used, to pass as ``previous`` next time.
    """
    H = first_hidden_outputs(network, X)
    if H is None:
        return None, None
    coords, directions, centre, shares = project(H, previous)
    carried = first_hidden_outputs(network, lines)
    carried = carried if centre is None else (carried - centre) @ directions.T
    if carried.shape[1] == 1:
        carried = np.column_stack([carried[:, 0], np.zeros(len(carried))])
    width = H.shape[1]
    view = {"neurons": width,
            "axes": "outputs" if width == 2 else "line" if width == 1 else "principal",
            "shares": [round(s, 4) for s in shares],
            "points": _rounded(coords),
            "lines": _rounded(carried[:, :2].reshape(-1, LINE_POINTS, 2))}
    return view, directions


def _rounded(values) -> list:
    values = np.clip(np.nan_to_num(values), -1e6, 1e6)
    return np.round(values, 4).tolist()


def probability_bytes(probabilities) -> str:
    """A softmax output's probabilities over the plane as bytes 0..255, base64: what the page
    colours each spot of the plane by (its most probable class, paler the less sure).

    Parameters
    ----------
    probabilities : numpy.ndarray
        Shape (points, classes), each row summing to 1.

    Returns
    -------
    str
        ``points * classes`` bytes, point by point, ``round(255 * p)`` each, in base64.
    """
    p = np.clip(np.nan_to_num(np.asarray(probabilities, dtype=np.float64)), 0, 1)
    raw = np.round(p * 255).astype(np.uint8)
    return base64.b64encode(np.ascontiguousarray(raw).tobytes()).decode("ascii")
