"""Values on their way into a model file: metadata as plain JSON, text a file can hold,
numbers told from booleans, and arrays checked to be finite a chunk at a time.

What the writer checks before a byte is written, and the reader after each field is read;
nothing here knows the file's layout (``archive``) or what a network is (``network``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import numpy as np

MAX_METADATA_DEPTH = 64
CHUNK = 1 << 20  # arrays are read this many bytes at a time


def all_finite(array) -> bool:
    """Whether every number of ``array`` is finite, checked a chunk at a time.

    Parameters
    ----------
    array : ndarray

    Returns
    -------
    bool
    """
    # A chunk at a time: np.isfinite of a whole array would take an eighth of its size again.
    flat = array.reshape(-1)
    step = max(CHUNK // array.itemsize, 1)
    return all(np.isfinite(flat[i:i + step]).all() for i in range(0, flat.size, step))


def to_json(value, where, depth):
    """``value`` as plain JSON types (NumPy arrays and scalars become lists and numbers), or a
    ValueError saying which part cannot be saved.

    Parameters
    ----------
    value : object
        Metadata.
    where : str
        How messages name it.
    depth : int
        How deep it is nested.

    Returns
    -------
    object
        Dicts, lists, strings, numbers, booleans and None.

    Raises
    ------
    ValueError
        For a part that JSON cannot hold.
    """
    if depth > MAX_METADATA_DEPTH:
        raise ValueError(f"{where} is nested more than {MAX_METADATA_DEPTH} levels deep")
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        check_text(value, where)
        return value
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{where} is {value}; a model file holds finite numbers only")
        return value
    if isinstance(value, Mapping):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where} has the key {key!r}; keys must be strings")
            check_text(key, f"{where} key")
            result[key] = to_json(item, f"{where}[{key!r}]", depth + 1)
        return result
    if isinstance(value, (list, tuple)):
        return [to_json(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    raise ValueError(f"{where} is a {type(value).__name__}, which a model file cannot hold "
                     "(it holds str, int, float, bool, None, lists and dicts)")


def check_text(text: str, where) -> None:
    """Refuse text that a UTF-8 file cannot hold (a lone surrogate).

    Parameters
    ----------
    text : str
    where : str
        How messages name it.

    Raises
    ------
    ValueError
        For such text.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: half of a character, not text
        raise ValueError(f"{where} holds {text[exc.start]!r}, which is not a character a "
                         "file can hold (a lone surrogate)") from None


def is_number(value) -> bool:
    """Whether ``value`` is an int or a float, not a bool.

    Parameters
    ----------
    value : object

    Returns
    -------
    bool
    """
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_finite_number(value) -> bool:
    """Whether ``value`` is a finite int or float (not a bool).

    Parameters
    ----------
    value : object

    Returns
    -------
    bool
    """
    try:
        return is_number(value) and math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def brief(value) -> str:
    """``repr(value)``, cut to 60 characters for a message.

    Parameters
    ----------
    value : object

    Returns
    -------
    str
    """
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
