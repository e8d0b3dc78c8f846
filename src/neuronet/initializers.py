"""Starting weights. Training needs them random (so units differ) and of the right size
(so signals neither vanish nor blow up as they pass through the layers)."""

from __future__ import annotations

import numpy as np


def uniform(rng, fan_in: int, fan_out: int, dtype=np.float64):
    """U(-1, 1), the tutorial's ``2 * random - 1``.

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of randomness.
    fan_in, fan_out : int
        The layer's inputs and outputs.
    dtype : numpy dtype
        The weights' type (default float64).

    Returns
    -------
    ndarray
        The weights, shape (fan_in, fan_out).
    """
    return (2 * rng.random((fan_in, fan_out)) - 1).astype(dtype, copy=False)


def glorot_uniform(rng, fan_in: int, fan_out: int, dtype=np.float64):
    """U(-l, l) with l = sqrt(6 / (fan_in + fan_out)): keeps the variance of signals and
    gradients alike from layer to layer (Glorot & Bengio, 2010). The default.

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of randomness.
    fan_in, fan_out : int
        The layer's inputs and outputs.
    dtype : numpy dtype
        The weights' type (default float64).

    Returns
    -------
    ndarray
        The weights, shape (fan_in, fan_out).
    """
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(dtype, copy=False)


def glorot_normal(rng, fan_in: int, fan_out: int, dtype=np.float64):
    """N(0, 2 / (fan_in + fan_out)).

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of randomness.
    fan_in, fan_out : int
        The layer's inputs and outputs.
    dtype : numpy dtype
        The weights' type (default float64).

    Returns
    -------
    ndarray
        The weights, shape (fan_in, fan_out).
    """
    std = np.sqrt(2.0 / (fan_in + fan_out))
    return rng.normal(0.0, std, (fan_in, fan_out)).astype(dtype, copy=False)


def he_uniform(rng, fan_in: int, fan_out: int, dtype=np.float64):
    """U(-l, l) with l = sqrt(6 / fan_in).

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of randomness.
    fan_in, fan_out : int
        The layer's inputs and outputs.
    dtype : numpy dtype
        The weights' type (default float64).

    Returns
    -------
    ndarray
        The weights, shape (fan_in, fan_out).
    """
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(dtype, copy=False)


def he_normal(rng, fan_in: int, fan_out: int, dtype=np.float64):
    """N(0, 2 / fan_in): relu silences half its inputs, so it takes twice Glorot's variance
    to keep deep relu stacks alive (He et al., 2015).

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of randomness.
    fan_in, fan_out : int
        The layer's inputs and outputs.
    dtype : numpy dtype
        The weights' type (default float64).

    Returns
    -------
    ndarray
        The weights, shape (fan_in, fan_out).
    """
    std = np.sqrt(2.0 / fan_in)
    return rng.normal(0.0, std, (fan_in, fan_out)).astype(dtype, copy=False)


INITIALIZERS = {
    "uniform": uniform,
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
}
ALIASES = {"glorot": "glorot_uniform", "xavier": "glorot_uniform", "he": "he_normal"}


def get(init):
    """An initializer from its name (see INITIALIZERS; "glorot" and "he" are short names) or a
    callable ``init(rng, fan_in, fan_out, dtype) -> array``. None means "glorot_uniform".

    Parameters
    ----------
    init : str, callable or None
        A name, a short name, an initializer (returned as it is), or None.

    Returns
    -------
    callable
        ``init(rng, fan_in, fan_out, dtype)``, returning the weights.

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    """
    if init is None:
        return glorot_uniform
    if callable(init):
        return init
    if isinstance(init, str):
        name = ALIASES.get(init, init)
        if name in INITIALIZERS:
            return INITIALIZERS[name]
    known = ", ".join(repr(name) for name in [*INITIALIZERS, *ALIASES])
    raise ValueError(f"unknown initializer {init!r}; expected one of {known} or a callable")
