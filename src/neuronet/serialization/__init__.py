"""Model files: a network's arrays and settings in one .npz file that is data, never code.

A model file is a zip archive of .npy arrays, the format ``np.savez`` writes, so
``np.load(path, allow_pickle=False)`` can read it too. It holds

- ``header.npy``: the UTF-8 bytes (a uint8 array) of a JSON object with the format's name and
  version, the neuronet version that wrote it, the dtype, the layers with their settings, and
  the network's ``metadata`` (feature names, class labels, ...);
- ``layers.<i>.weights.npy`` and ``layers.<i>.bias.npy`` for the Dense layer at position i
  (counted from 0); a layer without bias has no bias array. Members are stored uncompressed;
- optionally a section beside the network (a table model's preparation, say): the header's
  ``section`` names its kind, holds its fields and declares its arrays (dtype and shape),
  stored as ``section.<name>.npy``. The module registered for the kind in ``SECTIONS``
  checks it and builds what ``load`` returns for the file.

Loading treats the file as untrusted: it reads regular files only, of at most
``MAX_FILE_BYTES`` (or ``max_bytes=``); nothing is unpickled; the zip directory's size and
member count, the header, every member's name and size, every array's shape and dtype are
checked before anything is allocated or built. A file that is not a valid model raises
ModelFileError, never anything else. Saving writes a temporary file beside the target and
renames it into place (``atomic_write``), so a save that is interrupted leaves the old file or
the new one, never a broken one; a FIFO or a device is written into, never replaced.

The package's rooms: ``archive`` (the zip and .npy format, read as untrusted bytes),
``network`` (the layers and weights of a Network), ``sections`` (what a model holds beside
its network, built by the module of its kind).
"""

from __future__ import annotations

import json
import numbers
import os
import zipfile
from collections.abc import Mapping

import numpy as np

from .. import _edges
from .._files import atomic_write
from ..network import Network
from .archive import (
    HEADER,
    MAX_HEADER_BYTES,
    ModelFileError,
    Problem,
    Window,
    check_directory,
    members_of,
    open_regular,
    read_array,
    read_header,
    write_member,
    zip_errors,
)
from .network import (
    FORMAT,
    FORMAT_VERSION,
    MAX_LAYERS,
    build,
    check_header,
    check_metadata,
    network_arrays,
    network_header,
)
from .sections import MAX_SECTION_ARRAYS, SECTIONS, check_section, model_of, section_header

__all__ = ["FORMAT", "FORMAT_VERSION", "MAX_FILE_BYTES", "ModelFileError", "SECTIONS",
           "atomic_write", "check_metadata", "load", "read_model", "save"]

# The largest model file ``load`` reads unless told otherwise (its ``max_bytes=``): 2 GiB,
# some 268 million float64 parameters. Assign a larger number here to raise it everywhere.
MAX_FILE_BYTES = 1 << 31
# A header, a weights and a bias array per layer, and the arrays of a section beside them.
MAX_MEMBERS = 2 * MAX_LAYERS + 1 + MAX_SECTION_ARRAYS


def save(network, path, *, metadata=None, section=None):
    """Write ``network`` to ``path`` as a model file (see the module's docstring).

    Parameters
    ----------
    network : Network
    path : str or path-like
        The file, replaced in one step, never left half-written.
    metadata : dict, optional
        Updates ``network.metadata`` first.
    section : tuple, optional
        ``(kind, fields, arrays)``: a kind from ``SECTIONS``, a dict of JSON fields and a dict
        of named arrays (float64, int64 or uint8) saved beside the network.

    Returns
    -------
    str or path-like
        ``path``.

    Raises
    ------
    ValueError
        If the metadata is not JSON (or its known keys are wrong for this network), if a
        weight is NaN or infinite, or if a layer is of a kind the format does not know.
    """
    if not isinstance(network, Network):
        raise ValueError(f"save needs a neuronet Network, got {type(network).__name__}")
    os.fspath(path)  # a TypeError now, before anything is written
    merged = network.metadata
    if metadata is not None:
        if not isinstance(metadata, Mapping):
            raise ValueError(f"metadata must be a dict, got {type(metadata).__name__}")
        merged = {**network.metadata, **metadata}
    header = network_header(network, merged)
    section_arrays = {}
    if section is not None:
        header["section"], section_arrays = section_header(section)
    if metadata is not None:  # only metadata that could be saved joins the network's own
        network.metadata.update(metadata)
    text = json.dumps(header, ensure_ascii=False, allow_nan=False).encode("utf-8")
    if len(text) > MAX_HEADER_BYTES:
        raise ValueError(
            f"the model's header (layers and metadata) takes {len(text):,} bytes, more than "
            f"the {MAX_HEADER_BYTES:,} a model file may hold; keep large data out of metadata"
        )
    arrays = network_arrays(network)
    with atomic_write(path, "wb") as file:
        with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED) as archive:
            write_member(archive, HEADER, np.frombuffer(text, dtype=np.uint8))
            for name, array in arrays.items():
                write_member(archive, name, array)
            for name, array in section_arrays.items():
                write_member(archive, f"section.{name}", array)
    return path


def load(path, *, max_bytes=None):
    """The model saved in the file ``path``: a Network, whose ``predict`` gives bit for bit what
    the saved network's did, or for a file with a section (a model of a table) what that
    section's module builds (a TabularModel). Any problem with the file raises
    ModelFileError.

    Parameters
    ----------
    path : str or path-like
        A model file; only regular files are read: a named pipe, a device or a directory
        raises ModelFileError at once.
    max_bytes : int, optional
        The largest file to read (default: ``MAX_FILE_BYTES``, 2 GiB); a larger file is
        refused before a byte of it is read.

    Returns
    -------
    Network or TabularModel

    Raises
    ------
    ModelFileError
        For any problem with the file, naming it.
    """
    return read_model(path, max_bytes=max_bytes)[0]


def read_model(path, *, max_bytes=None):
    """``(model, header)`` from the model file ``path``: the model as ``load`` gives it and the
    file's header (a dict: format version, neuronet version, layers, metadata, ...).

    Parameters
    ----------
    path : str or path-like
        A model file.
    max_bytes : int, optional
        As for ``load``.

    Returns
    -------
    model : Network or TabularModel
    header : dict

    Raises
    ------
    ModelFileError
        For any problem with the file, naming it.
    """
    if max_bytes is None:
        max_bytes = MAX_FILE_BYTES  # read now, so that changing the module's constant counts
    if not isinstance(max_bytes, numbers.Integral) or isinstance(max_bytes, bool) \
            or max_bytes < 0:
        raise ValueError(f"max_bytes must be a whole number of bytes, got {max_bytes!r}")
    try:
        return _read(path, int(max_bytes))
    except Problem as exc:
        raise ModelFileError(path, str(exc)) from None
    except FileNotFoundError:
        raise ModelFileError(path, "no such file") from None
    except IsADirectoryError:
        raise ModelFileError(path, "is a directory, not a model file") from None
    except OSError as exc:
        raise ModelFileError(path, f"cannot read the file: {exc.strerror or exc}") from exc


def _read(path, max_bytes):
    file, size = open_regular(path)
    with file:
        if size > max_bytes:
            raise Problem(f"is {size:,} bytes, more than the {max_bytes:,} a model file may "
                           "have here (load(path, max_bytes=...) reads larger files)")
        # Everything below reads through this window: a file that grows meanwhile, or one
        # that is endless behind a size of 0 (as in /proc), is read as the size checked above.
        window = Window(file, size)
        check_directory(window, size, MAX_MEMBERS)
        with zip_errors():
            archive = zipfile.ZipFile(window)
        with archive:
            members = members_of(archive, size)
            header = read_header(archive, members)
            expected = check_header(header)
            dtypes = check_section(header.get("section"))
            expected.update({name: spec[1] for name, spec in dtypes.items()})
            names = set(members) - {HEADER}
            missing = [name for name in expected if name not in names]
            if missing:
                raise Problem(f"the array {missing[0]}.npy is missing")
            extra = sorted(names - set(expected))
            if extra:
                raise Problem(f"holds an unexpected member {extra[0]}.npy")
            arrays = {name: read_array(archive, members[name], name, shape,
                                        dtypes[name][0] if name in dtypes else header["dtype"])
                      for name, shape in expected.items()}
    network = build(header, arrays)
    if "section" not in header:
        return network, header
    return model_of(network, header["section"], arrays), header


_edges.register("save", save)
