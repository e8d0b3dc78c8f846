"""Small data sets to learn on: the tutorial's table, XOR, seeded 2-D sets to draw (spirals,
moons, circles, blobs), and scikit-learn's handwritten digits.

The 2-D sets return ``(X, y)``: X of shape (n_samples, 2) in float64, y the class of each
row (0, 1, ...), classes as equal in size as ``n_samples`` allows. The same ``seed`` gives the
same points; NumPy's global random state is never used.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_count, as_float_array, as_positive_float


def tutorial():
    """The tutorial's four training rows, their outputs (a column), and its test input.

    The output is the first input; the third input is always 1 and plays the part of a bias.

    Returns
    -------
    inputs : ndarray
        Shape (4, 3).
    outputs : ndarray
        Shape (4, 1).
    test_input : ndarray
        Shape (3,): [1, 0, 0].
    """
    inputs = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]])
    outputs = np.array([[0, 1, 1, 0]]).T
    test_input = np.array([1, 0, 0])
    return inputs, outputs, test_input


def xor():
    """Exclusive or: 1 when exactly one of two inputs is 1. No single neuron can learn it,
    because no straight line separates its ones from its zeros.

    Returns
    -------
    X : ndarray
        Shape (4, 2): the four pairs of 0 and 1.
    y : ndarray
        Shape (4,): their exclusive or.
    """
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([0, 1, 1, 0])
    return X, y


def spirals(n_samples=400, *, noise=0.1, turns=1.5, seed=0):
    """Two spiral arms wound around each other. A straight line or a single bend cannot part
    them: the boundary must follow the arms round, which takes a deeper network.

    Parameters
    ----------
    n_samples : int
        Points in all, at least 2 (half on each arm).
    noise : float
        Standard deviation of the Gaussian noise added to each coordinate (0: exact arms).
    turns : float
        How many times each arm winds around the centre.
    seed : int
        Seed of the generator that draws the points and the noise.

    Returns
    -------
    X : ndarray
        Shape (n_samples, 2): the points.
    y : ndarray
        Shape (n_samples,): the class of each, 0 or 1.
    """
    n, noise, rng = _start(n_samples, noise, seed, classes=2)
    turns = as_positive_float(turns, "turns")
    y = _labels(n, 2)
    # Points spread along each arm so that the density is even along its length.
    t = np.sqrt(rng.uniform(0.05, 1.0, n))
    angle = 2 * np.pi * turns * t + np.pi * y
    radius = 2.0 * t
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return _noisy(X, noise, rng), y


def moons(n_samples=200, *, noise=0.1, seed=0):
    """Two interleaving half circles: class 0 arches up, class 1 arches down beneath it.

    Parameters
    ----------
    n_samples : int
        Points in all, at least 2.
    noise : float
        Standard deviation of the Gaussian noise added to each coordinate.
    seed : int
        Seed of the generator that draws the points and the noise.

    Returns
    -------
    X : ndarray
        Shape (n_samples, 2): the points.
    y : ndarray
        Shape (n_samples,): the class of each, 0 or 1.
    """
    n, noise, rng = _start(n_samples, noise, seed, classes=2)
    y = _labels(n, 2)
    angle = rng.uniform(0, np.pi, n)
    X = np.where(
        (y == 0)[:, None],
        np.column_stack([np.cos(angle), np.sin(angle)]),
        np.column_stack([1 - np.cos(angle), 0.5 - np.sin(angle)]),
    )
    return _noisy(X, noise, rng), y


def circles(n_samples=200, *, noise=0.05, factor=0.5, seed=0):
    """A small circle (class 1) inside a large one (class 0): separable, but not by a line.

    Parameters
    ----------
    n_samples : int
        Points in all, at least 2.
    noise : float
        Standard deviation of the Gaussian noise added to each coordinate.
    factor : float
        Radius of the inner circle, the outer one having radius 1; between 0 and 1.
    seed : int
        Seed of the generator that draws the points and the noise.

    Returns
    -------
    X : ndarray
        Shape (n_samples, 2): the points.
    y : ndarray
        Shape (n_samples,): the class of each, 0 or 1.
    """
    n, noise, rng = _start(n_samples, noise, seed, classes=2)
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 < factor < 1:
        raise ValueError(f"factor must be a number between 0 and 1 (exclusive), got {factor!r}")
    y = _labels(n, 2)
    angle = rng.uniform(0, 2 * np.pi, n)
    radius = np.where(y == 1, float(factor), 1.0)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return _noisy(X, noise, rng), y


def blobs(n_samples=300, *, centers=3, noise=1.0, seed=0):
    """Round clouds of points, one per class, around centres drawn in the square [-8, 8]².

    Parameters
    ----------
    n_samples : int
        Points in all, at least one per centre.
    centers : int or array of shape (k, 2)
        How many clouds (their centres drawn with ``seed``), or the centres themselves.
    noise : float
        Standard deviation of each cloud around its centre.
    seed : int
        Seed of the generator that draws the centres, the points and the noise.

    Returns
    -------
    X : ndarray
        Shape (n_samples, 2): the points.
    y : ndarray
        Shape (n_samples,): the class of each, from 0 to centers - 1.
    """
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        k = as_count(centers, "centers", minimum=1)
        given = None
    else:
        given = as_float_array(centers, "centers")
        if given.ndim != 2 or given.shape[1] != 2 or len(given) == 0:
            raise ValueError(
                f"centers must be a count or an array of shape (k, 2), got shape {given.shape}"
            )
        k = len(given)
    n, noise, rng = _start(n_samples, noise, seed, classes=k)
    middles = rng.uniform(-8, 8, (k, 2)) if given is None else given
    y = _labels(n, k)
    X = middles[y] + 0.0
    return _noisy(X, noise, rng), y


def _start(n_samples, noise, seed, *, classes):
    n = as_count(n_samples, "n_samples", minimum=classes)
    noise = as_positive_float(noise, "noise", allow_zero=True)
    return n, noise, np.random.default_rng(seed)


def _labels(n, k):
    # Classes in turn (0, 1, ..., k-1, 0, 1, ...): as equal in size as n allows.
    return np.arange(n) % k


def _noisy(X, noise, rng):
    if noise:
        X = X + rng.normal(0.0, noise, X.shape)
    return X


def digits():
    """scikit-learn's 1,797 handwritten digits: 8x8 images as 64 inputs scaled to [0, 1],
    and their labels 0-9. Needs scikit-learn (``pip install neuronet[sklearn]``).

    Returns
    -------
    X : ndarray
        Shape (1797, 64).
    y : ndarray
        Shape (1797,).

    Raises
    ------
    ImportError
        Without scikit-learn.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError(
            "digits() needs scikit-learn: pip install 'neuronet[sklearn]'"
        ) from None
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def split(X, y, test_size=0.25, seed=0):
    """Shuffle rows with ``seed`` and split them into (X_train, X_test, y_train, y_test).

    Parameters
    ----------
    X, y : array_like
        Inputs and targets, one row each per example.
    test_size : float
        The share of the rows held out, between 0 and 1.
    seed : int
        Seed of the shuffle.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray

    Raises
    ------
    ValueError
        For a ``test_size`` outside (0, 1).
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be a fraction between 0 and 1, got {test_size!r}")
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = max(1, int(round(len(X) * test_size)))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def penguins_path() -> str:
    """The path of the Palmer penguins CSV file shipped with neuronet (344 rows, 17 columns:
    text, gaps, dates, field notes; licence CC0), the table the guide's examples use.

    Returns
    -------
    str
        An absolute path, wherever neuronet is installed.
    """
    from pathlib import Path

    return str(Path(__file__).resolve().parent / "data" / "penguins.csv")


def penguins():
    """The Palmer penguins as a pandas DataFrame, read as ``neuronet train`` reads the file:
    predict "Species" (three classes) or a measurement such as "Body Mass (g)".

    Returns
    -------
    pandas.DataFrame
        344 rows, 17 columns.
    """
    from .tabular import read_csv

    return read_csv(penguins_path())
