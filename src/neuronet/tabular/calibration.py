"""Calibrated probabilities: temperature scaling (Guo et al., 2017).

A network trained to low loss is often too sure of itself: of the rows it gives a probability
of 0.9, fewer than 9 in 10 are right. Temperature scaling divides the network's sums before
the output's activation (its logits) by one number, the temperature ``T``, chosen to give the
held-out rows the lowest log loss. ``T > 1`` softens the probabilities, ``T < 1`` sharpens
them; the largest output stays the largest, so the labels, and the accuracy, do not change.

The model keeps ``T`` beside its network; ``predict``, ``neuronet predict`` and the ONNX graph
all divide by it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["fit_temperature", "probabilities_at"]

#: The temperatures searched: a wider range only fits noise on a small held-out set.
LOWEST, HIGHEST = 0.05, 20.0
_STEPS = 80  # golden-section steps: the bracket shrinks by 0.618 each, far below 1e-6


def probabilities_at(logits, temperature) -> np.ndarray:
    """Each class's probability from the network's sums at a temperature.

    Parameters
    ----------
    logits : array of shape (rows, outputs)
        The sums before the output's activation: one column for a sigmoid unit (the
        probability of the second class), or one per class for a softmax.
    temperature : float
        The number the sums are divided by.

    Returns
    -------
    numpy.ndarray
        Shape (rows, classes): two columns for a sigmoid unit, each row summing to 1.
    """
    z = np.asarray(logits, dtype=np.float64) / float(temperature)
    if z.shape[1] == 1:
        # sigmoid written with exp of a non-positive number only: no overflow.
        e = np.exp(-np.abs(z[:, 0]))
        second = np.where(z[:, 0] >= 0, 1 / (1 + e), e / (1 + e))
        return np.column_stack([1 - second, second])
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _log_loss(logits, codes, temperature) -> float:
    z = np.asarray(logits, dtype=np.float64) / temperature
    if z.shape[1] == 1:
        z = np.column_stack([np.zeros(len(z)), z[:, 0]])  # a sigmoid is a softmax of (0, z)
    top = z.max(axis=1)
    log_total = top + np.log(np.exp(z - top[:, None]).sum(axis=1))
    return float(np.mean(log_total - z[np.arange(len(z)), codes]))


def fit_temperature(logits, codes) -> float:
    """The temperature that gives rows ``codes`` the lowest log loss from ``logits``.

    The log loss is convex in 1 / T, so a golden-section search over log T between
    ``LOWEST`` and ``HIGHEST`` finds its minimum; the search is deterministic.

    Parameters
    ----------
    logits : array of shape (rows, outputs)
        The network's sums before the output's activation on held-out rows.
    codes : array of int, shape (rows,)
        The true class of each row, as an index into the classes.

    Returns
    -------
    float
        The temperature, 1.0 when there are no rows or the sums are all zero (nothing to
        scale).

    Raises
    ------
    ValueError
        For logits that are not a finite 2-D array with one row per code, or codes that are
        not classes of the outputs.
    """
    logits = np.asarray(logits, dtype=np.float64)
    codes = np.asarray(codes)
    if logits.ndim != 2 or len(logits) != len(codes):
        raise ValueError(f"expected logits of shape (rows, outputs) and one code per row, got "
                         f"shapes {logits.shape} and {codes.shape}")
    if not np.isfinite(logits).all():
        raise ValueError("the logits hold NaN or infinity; no temperature fits them")
    classes = max(logits.shape[1], 2)
    if len(codes) and (codes.dtype.kind not in "iu" or codes.min() < 0 or
                       codes.max() >= classes):
        raise ValueError(f"codes must be class indices from 0 to {classes - 1}")
    if not len(codes) or not np.any(logits):
        return 1.0
    low, high = np.log(LOWEST), np.log(HIGHEST)
    ratio = (np.sqrt(5) - 1) / 2
    a, b = high - ratio * (high - low), low + ratio * (high - low)
    fa, fb = _log_loss(logits, codes, np.exp(a)), _log_loss(logits, codes, np.exp(b))
    for _ in range(_STEPS):
        if fa <= fb:
            high, b, fb = b, a, fa
            a = high - ratio * (high - low)
            fa = _log_loss(logits, codes, np.exp(a))
        else:
            low, a, fa = a, b, fb
            b = low + ratio * (high - low)
            fb = _log_loss(logits, codes, np.exp(b))
    return float(np.exp((low + high) / 2))
