"""A section beside the network in a model file: what a model of a table (or another kind
of model) holds beyond its network. The header's "section" names its kind, holds its fields
and declares its arrays (dtype and shape), stored as ``section.<name>``. The module named for
the kind in ``SECTIONS`` checks it and builds what ``load`` returns for the file: the core of
the format knows no kind's code, only where to find it."""

from __future__ import annotations

import importlib
import re

import numpy as np

from .archive import Problem
from .network import MAX_PARAMETERS
from .values import brief, to_json

#: Sections a model file may hold beside the network: kind -> the module whose
#: ``from_section(network, fields, arrays)`` checks the section (ValueError when it is wrong)
#: and returns what ``load`` gives for the file.
SECTIONS = {"tabular": "neuronet.tabular.model"}
SECTION_DTYPES = ("float64", "int64", "uint8")
MAX_SECTION_ARRAYS = 1000
SECTION_NAME = re.compile(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*")


def section_header(section):
    """(the header's section, its arrays by name) from ``(kind, fields, arrays)``.

    Parameters
    ----------
    section : tuple
        ``(kind, fields, arrays)``, as ``save`` takes it.

    Returns
    -------
    tuple

    Raises
    ------
    ValueError
        For an unknown kind, or an array of a name or dtype a section cannot hold.
    """
    kind, fields, arrays = section
    if kind not in SECTIONS:
        raise ValueError(f"cannot save: unknown section kind {kind!r}")
    declared = {}
    for name, array in arrays.items():
        array = np.asarray(array)
        if not SECTION_NAME.fullmatch(name) or array.dtype.name not in SECTION_DTYPES:
            raise ValueError(f"cannot save: section array {name!r} of dtype {array.dtype}; "
                             f"expected a dotted name and one of {', '.join(SECTION_DTYPES)}")
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise ValueError(f"cannot save: section array {name} holds NaN or infinity")
        declared[name] = {"dtype": array.dtype.name, "shape": list(array.shape)}
    header = {"kind": kind, "fields": to_json(fields, "section fields", 0), "arrays": declared}
    return header, {name: np.asarray(array) for name, array in arrays.items()}


def check_section(section) -> dict:
    """The arrays a header's section declares: {member name: (dtype name, shape)}.

    Parameters
    ----------
    section : dict or None
        The header's section.

    Returns
    -------
    dict

    Raises
    ------
    Problem
        For a section that is wrong.
    """
    if section is None:
        return {}
    if not isinstance(section, dict) or set(section) != {"kind", "fields", "arrays"}:
        raise Problem("the header's section must be an object with kind, fields and arrays")
    if not isinstance(section["kind"], str) or section["kind"] not in SECTIONS:
        raise Problem(f"the header's section is of an unknown kind {brief(section['kind'])}")
    arrays = section["arrays"]
    if not isinstance(arrays, dict) or len(arrays) > MAX_SECTION_ARRAYS:
        raise Problem(f"the header's section must declare at most {MAX_SECTION_ARRAYS} arrays")
    declared = {}
    for name, spec in arrays.items():
        if not SECTION_NAME.fullmatch(name) or len(name) > 200 or not isinstance(spec, dict) \
                or set(spec) != {"dtype", "shape"} or spec["dtype"] not in SECTION_DTYPES \
                or not isinstance(spec["shape"], list) or len(spec["shape"]) > 2 \
                or not all(type(n) is int and 0 <= n <= MAX_PARAMETERS for n in spec["shape"]):
            raise Problem(f"the header's section declares a malformed array {brief(name)}")
        declared[f"section.{name}"] = (spec["dtype"], tuple(spec["shape"]))
    return declared


def model_of(network, section, arrays):
    """What ``load`` gives for a file whose header holds ``section``: the kind's module builds
    it from the network, the section's fields and its arrays (``arrays`` by member name).

    Parameters
    ----------
    network : Network
    section : dict
        The header's section, checked.
    arrays : dict
        The file's arrays by member name.

    Returns
    -------
    object
        The model the kind's module builds (a TabularModel).
    """
    module = importlib.import_module(SECTIONS[section["kind"]])
    prefix = len("section.")
    own = {name[prefix:]: array for name, array in arrays.items()
           if name.startswith("section.")}
    try:
        return module.from_section(network, section["fields"], own)
    except ValueError as exc:
        raise Problem(f"the {section['kind']} section is not sound: {exc}") from None
