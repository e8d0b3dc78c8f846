"""Small data sets to learn on: the tutorial's table, XOR, and scikit-learn's handwritten digits."""

from __future__ import annotations

import numpy as np


def tutorial():
    """The tutorial's four training rows, their outputs (a column), and its test input.

    The output is the first input; the third input is always 1 and plays the part of a bias.
    """
    inputs = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]])
    outputs = np.array([[0, 1, 1, 0]]).T
    test_input = np.array([1, 0, 0])
    return inputs, outputs, test_input


def xor():
    """Exclusive or: 1 when exactly one of two inputs is 1. No single neuron can learn it,
    because no straight line separates its ones from its zeros."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([0, 1, 1, 0])
    return X, y


def digits():
    """scikit-learn's 1,797 handwritten digits: 8x8 images as 64 inputs scaled to [0, 1],
    and their labels 0-9. Needs scikit-learn (``pip install neuronet[sklearn]``)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError(
            "digits() needs scikit-learn: pip install 'neuronet[sklearn]'"
        ) from None
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def split(X, y, test_size=0.25, seed=0):
    """Shuffle rows with ``seed`` and split them into (X_train, X_test, y_train, y_test)."""
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be a fraction between 0 and 1, got {test_size!r}")
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = max(1, int(round(len(X) * test_size)))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]
