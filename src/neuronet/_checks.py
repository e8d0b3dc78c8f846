"""Validation at the boundary: clean arrays and numbers from what a user passes, or why not."""

from __future__ import annotations

import numbers

import numpy as np


def as_float_array(value, name: str, dtype=np.float64) -> np.ndarray:
    """`value` as an array of `dtype`, refusing non-numeric data, NaN and infinity."""
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of numbers: {exc}") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} must hold numbers (int or float), got values of dtype {array.dtype}"
        )
    array = array.astype(dtype, copy=False)
    if not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))[0]
        where = ", ".join(str(int(i)) for i in bad)
        raise ValueError(
            f"{name} holds NaN or infinity (first at index [{where}]); expected finite numbers"
        )
    return array


def as_count(value, name: str, *, minimum: int = 0) -> int:
    """`value` as a Python int no smaller than `minimum`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def as_positive_float(value, name: str, *, allow_zero: bool = False) -> float:
    """`value` as a finite float greater than zero (or equal to it, if allowed)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        expected = "zero or more" if allow_zero else "greater than zero"
        raise ValueError(f"{name} must be a finite number {expected}, got {value}")
    return value
