"""Validation at the boundary: clean arrays and numbers from what a user passes, or why not."""

from __future__ import annotations

import numbers

import numpy as np


def as_float_array(value, name: str, dtype=np.float64, order=None) -> np.ndarray:
    """`value` as an array of `dtype`, refusing non-numeric data, NaN and infinity. With
    ``order="C"`` the array is also row-major and contiguous: whatever the input's layout
    (a DataFrame's columns, a Fortran-ordered or strided array), at most one copy is made.
    pandas' nullable and pyarrow numbers (Int64, Float64, boolean, double[pyarrow]) are
    numbers too; their missing value, ``pd.NA``, is refused as NaN is."""
    extension = _extension_numbers(value, name)
    if extension is not None:
        # Straight to floats, NA as NaN: NumPy alone would make an array of Python objects.
        array = value.to_numpy(dtype=dtype, na_value=np.nan)
        if order == "C":
            array = np.ascontiguousarray(array)
        return _finite(array, name, "a missing value (pd.NA), NaN or infinity")
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of numbers: {exc}") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} must hold numbers (int or float), got values of dtype {array.dtype}"
        )
    return _finite(array.astype(dtype, order=order or "K", copy=False), name)


def _finite(array, name, what="NaN or infinity"):
    if not all_finite(array):
        bad = np.argwhere(~np.isfinite(array))[0]
        where = ", ".join(str(int(i)) for i in bad)
        raise ValueError(
            f"{name} holds {what} (first at index [{where}]); expected finite numbers"
        )
    return array


def _extension_numbers(value, name):
    """For a pandas DataFrame or Series with columns of pandas' own dtypes (nullable Int64,
    Float64, boolean; pyarrow's numbers), the value itself, after checking that they hold
    numbers; None for anything else (NumPy dtypes take the usual path, as fast as ever)."""
    if not type(value).__module__.startswith("pandas") or not hasattr(value, "to_numpy"):
        return None
    dtypes = getattr(value, "dtypes", None)
    if dtypes is None:
        return None
    # A DataFrame's dtypes are a Series of them; a Series has one.
    pairs = list(dtypes.items()) if getattr(value, "ndim", 1) == 2 else [(None, dtypes)]
    if all(isinstance(dtype, np.dtype) for _, dtype in pairs):
        return None
    for column, dtype in pairs:
        if getattr(dtype, "kind", "O") not in "biuf":
            where = f" in column {column!r}" if column is not None else ""
            raise ValueError(f"{name} must hold numbers (int or float), got values of dtype "
                             f"{dtype}{where}")
    return value


def all_finite(array) -> bool:
    """Whether a numeric array holds no NaN or infinity."""
    if array.dtype.kind not in "fc":
        return True
    # A sum is finite only if every term is (NaN and infinity propagate), and summing is faster
    # than testing each element; a sum that overflows is settled element by element.
    with np.errstate(over="ignore"):  # an overflowing sum is an answer here, not a warning
        total = np.add.reduce(array, axis=None)
    return bool(np.isfinite(total) or np.isfinite(array).all())


def is_sparse(X) -> bool:
    """Whether X is a SciPy sparse matrix or array (told without importing SciPy)."""
    return type(X).__module__.startswith("scipy.sparse") and hasattr(X, "tocsr")


def as_sparse_rows(X, name: str, dtype):
    """Sparse X as CSR (rows quick to gather) of ``dtype`` with sorted, unique entries,
    refusing NaN and infinity; a copy only where the format or dtype differ."""
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D, one row per example; got shape {X.shape}")
    if np.dtype(X.dtype).kind not in "biuf":
        raise ValueError(f"{name} must hold numbers (int or float), got values of dtype {X.dtype}")
    X = X.tocsr()
    if X.dtype != dtype:
        X = X.astype(dtype)
    if not all_finite(X.data):
        raise ValueError(f"{name} holds NaN or infinity; expected finite numbers")
    if not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    return X


def is_lazy(X) -> bool:
    """Whether X is 2-D data read on demand rather than an array to load whole: a np.memmap, or
    an object with ``shape``, a NumPy ``dtype`` and row indexing (an h5py dataset, a zarr array,
    a class of one's own): X[i:j] and X[sorted index array] must give NumPy arrays of rows."""
    if isinstance(X, np.memmap):
        return True
    if isinstance(X, (np.ndarray, list, tuple)) or is_sparse(X) or not all(
        hasattr(X, attribute) for attribute in ("shape", "dtype", "__getitem__")
    ):
        return False
    try:
        np.dtype(X.dtype)
    except TypeError:  # a tensor of another library: converted to an array as a whole
        return False
    return len(X.shape) == 2


def chunk_rows(X, megabytes: int = 32) -> int:
    """How many rows of X make a chunk of about ``megabytes``."""
    row_bytes = max(1, int(np.prod(X.shape[1:], dtype=np.int64)) * np.dtype(X.dtype).itemsize)
    return max(1, (megabytes << 20) // row_bytes)


def check_lazy(X, name: str) -> None:
    """Read lazy data X once, chunk by chunk, and refuse non-numeric data, NaN and infinity
    without ever holding more than one chunk in memory."""
    if np.dtype(X.dtype).kind not in "biuf":
        raise ValueError(f"{name} must hold numbers (int or float), got values of dtype {X.dtype}")
    step = chunk_rows(X)
    for start in range(0, X.shape[0], step):
        chunk = np.asarray(X[start:start + step])
        if not all_finite(chunk):
            row, column = (int(i) for i in np.argwhere(~np.isfinite(chunk))[0])
            raise ValueError(f"{name} holds NaN or infinity (first at index [{start + row}, "
                             f"{column}]); expected finite numbers")


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


def by_name(value, registry: dict, base: type, kind: str):
    """An instance of ``base`` as it is, or a new one of the class named ``value`` in
    ``registry``; otherwise a ValueError listing the known names."""
    if isinstance(value, base):
        return value
    if isinstance(value, str) and value in registry:
        return registry[value]()
    known = ", ".join(repr(name) for name in registry)
    raise ValueError(f"unknown {kind} {value!r}; expected one of {known}")
