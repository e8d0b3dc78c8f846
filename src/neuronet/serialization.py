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
"""

from __future__ import annotations

import ast
import contextlib
import errno
import importlib
import io
import json
import math
import numbers
import os
import re
import secrets
import signal
import stat
import struct
import threading
import zipfile
import zlib
from collections.abc import Mapping

import numpy as np

from . import activations, initializers, losses
from ._text import printable
from .layers import Dense, Dropout
from .network import Network

FORMAT = "neuronet-model"
FORMAT_VERSION = 1
HEADER = "header"

# Bounds on what a header may claim, so that a hostile file fails before it costs memory.
MAX_HEADER_BYTES = 1 << 20
MAX_LAYERS = 10_000
MAX_UNITS = 1 << 24
MAX_PARAMETERS = 1 << 31
MAX_NPY_HEADER = 4096  # numpy writes .npy headers of 128 bytes or so
MAX_METADATA_DEPTH = 64
# The largest model file ``load`` reads unless told otherwise (its ``max_bytes=``): 2 GiB,
# some 268 million float64 parameters. Assign a larger number here to raise it everywhere.
MAX_FILE_BYTES = 1 << 31
_CHUNK = 1 << 20  # arrays are read this many bytes at a time

TASKS = ("classification", "regression")
_HEADER_KEYS = {"format", "format_version", "neuronet_version", "dtype", "seed", "loss",
                "layers", "metadata", "section"}
_REQUIRED_KEYS = _HEADER_KEYS - {"seed", "loss", "section"}

#: Sections a model file may hold beside the network: kind -> the module whose
#: ``from_section(network, fields, arrays)`` checks the section (ValueError when it is wrong)
#: and returns what ``load`` gives for the file.
SECTIONS = {"tabular": "neuronet.tabular.model"}
SECTION_DTYPES = ("float64", "int64", "uint8")
MAX_SECTION_ARRAYS = 1000
_SECTION_NAME = re.compile(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*")
# A header, a weights and a bias array per layer, and the arrays of a section beside them.
MAX_MEMBERS = 2 * MAX_LAYERS + 1 + MAX_SECTION_ARRAYS
_DENSE_KEYS = {"type", "n_inputs", "n_outputs", "activation", "bias", "init"}


class ModelFileError(ValueError):
    """A file that is not a valid neuronet model: missing, unreadable, corrupted, or not a model.

    ``path`` is the file, ``problem`` what is wrong with it; ``str(error)`` is "path: problem".
    The message is safe to print: a problem quotes the file (its members' names, its fields),
    so control characters in either are shown escaped (``neuronet._text.printable``).
    """

    def __init__(self, path, problem: str):
        self.path = os.fspath(path)
        self.problem = printable(problem)
        super().__init__(f"{printable(self.path)}: {self.problem}")

    def __reduce__(self):
        return type(self), (self.path, self.problem)


class _Problem(Exception):
    """Raised inside the reader; ``load`` adds the file's name and turns it into ModelFileError."""


# --- writing ----------------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", *, encoding: str = "utf-8", newline=None):
    """Open ``path`` for writing so that it ends up either fully written or untouched.

    The one way neuronet writes a file. For a regular file (or a new one), the data goes to a
    temporary file in the same directory; when the ``with`` block ends without an error, the
    file is flushed, fsynced and renamed over ``path`` (an atomic step on POSIX and Windows).
    If the block raises, or the process is ended by SIGTERM, SIGHUP or a like signal while
    the block runs in the main thread, the temporary file is removed and ``path`` keeps its
    old content. A symbolic link is written through, not replaced; an existing file's
    permissions are kept.

    A target that exists and is not a regular file is written into directly and never
    replaced: a named pipe (FIFO), a character device such as the null device or a terminal,
    standard output named as a file (``/dev/stdout``, ``/proc/self/fd/1``) when it is a pipe
    or a socket. Such a target is a stream: the data arrives in order and cannot be taken
    back, and opening a FIFO waits for a reader, as the shell's ``>`` does.

    Parameters
    ----------
    path : str or os.PathLike
    mode : "wb" (default) for bytes, "w" or "wt" for text.
    encoding, newline : as for ``open``, in text mode.
    """
    if mode not in ("wb", "w", "wt"):
        raise ValueError(f"atomic_write mode must be 'wb', 'w' or 'wt', got {mode!r}")
    shown = os.fspath(path)
    stream = _open_stream(shown)
    if stream is not None:
        with _wrap(stream, mode, encoding, newline) as file:
            yield file
        return
    target = os.path.realpath(shown)
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, "no such directory", os.path.dirname(shown) or ".")
    guarded = _guard_signals()
    temp = None
    try:
        fd, temp = _create_temporary(target)
        try:
            file = _wrap(open(fd, "wb", closefd=True), mode, encoding, newline)
        except BaseException:
            os.close(fd)
            raise
        with file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temp, os.stat(target).st_mode & 0o7777)
        os.replace(temp, target)
    except BaseException:
        if temp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
        raise
    finally:
        _temporaries.pop(temp, None)
        if guarded:
            _release_signals()
    _fsync_directory(directory)


def _wrap(binary, mode, encoding, newline):
    if "b" in mode:
        return binary
    return io.TextIOWrapper(binary, encoding=encoding, newline=newline)


def _open_stream(shown):
    """An open binary stream if ``shown`` names an existing FIFO, device or socket to write
    into; None for a regular file or a path where nothing is yet (written atomically)."""
    try:
        status = os.stat(shown)  # follows links, /dev/stdout's and /proc/self/fd's included
    except FileNotFoundError:
        return None  # a new file, or a link to one: created where it points
    if stat.S_ISDIR(status.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), shown)
    if stat.S_ISREG(status.st_mode):
        return None
    if stat.S_ISSOCK(status.st_mode):
        # A socket cannot be opened by name; one this process holds (standard output given
        # to it as a socket) is written through a duplicate of its descriptor.
        fd = _own_descriptor(status)
        if fd is None:
            raise OSError(errno.ENXIO, "is a socket that is not one of this process's open "
                          "files; cannot write into it", shown)
    else:
        # O_NOCTTY: writing to a terminal must not make it this process's controlling one.
        fd = os.open(shown, os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0))
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):  # replaced by a regular file meanwhile
            os.close(fd)
            return None
        return io.BufferedWriter(_Stream(fd, "w"))
    except BaseException:
        os.close(fd)
        raise


class _Stream(io.FileIO):
    """A FIFO, device or socket, written front to back. It claims no position, so that a
    writer (zipfile) never seeks back to patch what it wrote: the null device would let it,
    but what went into a pipe is gone."""

    def seekable(self) -> bool:
        return False

    def seek(self, offset, whence=0):
        raise io.UnsupportedOperation("a stream cannot seek")

    def tell(self):
        raise io.UnsupportedOperation("a stream has no position")


def _own_descriptor(status):
    """A duplicate of this process's open, writable descriptor for the file ``status``
    describes, or None."""
    try:
        import fcntl
    except ImportError:  # Windows has no sockets in the file system
        return None
    try:
        candidates = sorted(int(name) for name in os.listdir("/proc/self/fd"))
    except OSError:
        candidates = range(3)
    for fd in candidates:
        try:
            other = os.fstat(fd)
            access = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (status.st_dev, status.st_ino) and \
                access in (os.O_WRONLY, os.O_RDWR):
            return os.dup(fd)
    return None


def _create_temporary(target):
    # os.open with 0o666 lets the umask decide the permissions, as for any new file
    # (tempfile.mkstemp would make it readable by its owner only).
    directory, name = os.path.split(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temp = os.path.join(directory, f".{name[:200]}.{secrets.token_hex(4)}.tmp")
        _temporaries[temp] = os.getpid()  # before it exists: from now on a signal removes it
        try:
            return os.open(temp, flags, 0o666), temp
        except BaseException as exc:
            _temporaries.pop(temp, None)
            if not isinstance(exc, FileExistsError):
                raise
    raise FileExistsError(errno.EEXIST, "no free name for a temporary file", directory)


# Signals whose default action ends the process. Arriving during a save, they would end it
# with the temporary file left behind; while a save runs in the main thread (where Python
# runs signal handlers), a handler removes the temporary files and then lets the signal end
# the process as it would have. A handler the program set itself, or an ignored signal, is
# left alone; saves in other threads are covered while one in the main thread runs.
_TERMINATING = tuple(getattr(signal, name) for name in
                     ("SIGTERM", "SIGHUP", "SIGQUIT", "SIGXCPU")
                     if hasattr(signal, name))
_temporaries: dict = {}  # path -> the process writing it (a forked child leaves them be)
_installed: list = []
_depth = 0


def _guard_signals() -> bool:
    global _depth
    if threading.current_thread() is not threading.main_thread():
        return False
    if _depth == 0:
        for signum in _TERMINATING:
            if signal.getsignal(signum) is signal.SIG_DFL:
                try:
                    signal.signal(signum, _remove_temporaries_and_end)
                except ValueError:  # not the main interpreter
                    return False
                _installed.append(signum)
    _depth += 1
    return True


def _release_signals() -> None:
    global _depth
    _depth -= 1
    if _depth == 0:
        for signum in _installed:
            if signal.getsignal(signum) is _remove_temporaries_and_end:
                signal.signal(signum, signal.SIG_DFL)
        _installed.clear()


def _remove_temporaries_and_end(signum, frame):
    for temp, pid in list(_temporaries.items()):
        if pid != os.getpid():
            continue
        with contextlib.suppress(OSError):
            os.unlink(temp)
    signal.signal(signum, signal.SIG_DFL)
    signal.raise_signal(signum)


def _fsync_directory(directory) -> None:
    # Makes the rename itself durable. Windows cannot open a directory, and some file
    # systems refuse to fsync one; the file is in place either way.
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def save(network, path, *, metadata=None, section=None):
    """Write ``network`` to ``path`` as a model file (see the module's docstring); return ``path``.

    ``metadata`` (a dict), if given, updates ``network.metadata`` first. ``section``, if
    given, is ``(kind, fields, arrays)``: a kind from ``SECTIONS``, a dict of JSON fields and
    a dict of named arrays (float64, int64 or uint8) saved beside the network. Raises
    ValueError if the metadata is not JSON (or its known keys are wrong for this network), if
    a weight is NaN or infinite, or if a layer is of a kind the format does not know.
    """
    if not isinstance(network, Network):
        raise ValueError(f"save needs a neuronet Network, got {type(network).__name__}")
    os.fspath(path)  # a TypeError now, before anything is written
    merged = network.metadata
    if metadata is not None:
        if not isinstance(metadata, Mapping):
            raise ValueError(f"metadata must be a dict, got {type(metadata).__name__}")
        merged = {**network.metadata, **metadata}
    header = _header(network, merged)
    section_arrays = {}
    if section is not None:
        header["section"], section_arrays = _section(section)
    if metadata is not None:  # only metadata that could be saved joins the network's own
        network.metadata.update(metadata)
    text = json.dumps(header, ensure_ascii=False, allow_nan=False).encode("utf-8")
    if len(text) > MAX_HEADER_BYTES:
        raise ValueError(
            f"the model's header (layers and metadata) takes {len(text):,} bytes, more than "
            f"the {MAX_HEADER_BYTES:,} a model file may hold; keep large data out of metadata"
        )
    arrays = _arrays(network)
    with atomic_write(path, "wb") as file:
        with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED) as archive:
            _write_member(archive, HEADER, np.frombuffer(text, dtype=np.uint8))
            for name, array in arrays.items():
                _write_member(archive, name, array)
            for name, array in section_arrays.items():
                _write_member(archive, f"section.{name}", array)
    return path


def _section(section):
    """(the header's section, its arrays by name) from ``(kind, fields, arrays)``."""
    kind, fields, arrays = section
    if kind not in SECTIONS:
        raise ValueError(f"cannot save: unknown section kind {kind!r}")
    declared = {}
    for name, array in arrays.items():
        array = np.asarray(array)
        if not _SECTION_NAME.fullmatch(name) or array.dtype.name not in SECTION_DTYPES:
            raise ValueError(f"cannot save: section array {name!r} of dtype {array.dtype}; "
                             f"expected a dotted name and one of {', '.join(SECTION_DTYPES)}")
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise ValueError(f"cannot save: section array {name} holds NaN or infinity")
        declared[name] = {"dtype": array.dtype.name, "shape": list(array.shape)}
    header = {"kind": kind, "fields": _to_json(fields, "section fields", 0), "arrays": declared}
    return header, {name: np.asarray(array) for name, array in arrays.items()}


def _header(network, metadata) -> dict:
    from . import __version__

    configs = []
    for position, layer in enumerate(network.layers, 1):
        # Exact types: a subclass may compute something else, and would load as its parent.
        if type(layer) not in (Dense, Dropout):
            raise ValueError(f"cannot save: layer {position} ({layer!r}) is of a kind that "
                             "model files cannot hold; they hold Dense and Dropout layers")
        if isinstance(layer, Dense):
            name = layer.activation.name
            if type(layer.activation) is not activations.ACTIVATIONS.get(name):
                raise ValueError(f"cannot save: layer {position}'s activation "
                                 f"{layer.activation!r} is not one of neuronet's own")
        config = dict(layer.config())
        if "alpha" in config:
            config["alpha"] = float(config["alpha"])
        if "rate" in config:
            config["rate"] = float(config["rate"])
        configs.append(config)
    seed = network.seed
    seed = int(seed) if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) else None
    metadata = _to_json(metadata, "metadata", 0)
    try:
        check_metadata(metadata, network.n_inputs, network.n_outputs)
    except ValueError as exc:
        raise ValueError(f"cannot save: {exc}") from None
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "neuronet_version": __version__,
            "dtype": network.dtype.name, "seed": seed, "loss": network.loss,
            "layers": configs, "metadata": metadata}


def _arrays(network) -> dict:
    arrays = {}
    for position, layer in enumerate(network.layers):
        if isinstance(layer, Dense):
            arrays[f"layers.{position}.weights"] = layer.weights
            if layer.bias is not None:
                arrays[f"layers.{position}.bias"] = layer.bias
    for name, array in arrays.items():
        if not _all_finite(array):
            raise ValueError(f"cannot save: {name} holds NaN or infinity")
    return arrays


def _all_finite(array) -> bool:
    # A chunk at a time: np.isfinite of a whole array would take an eighth of its size again.
    flat = array.reshape(-1)
    step = max(_CHUNK // array.itemsize, 1)
    return all(np.isfinite(flat[i:i + step]).all() for i in range(0, flat.size, step))


def _write_member(archive, name, array) -> None:
    # A fixed timestamp: the same network gives the same bytes.
    info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    with archive.open(info, "w", force_zip64=array.nbytes > 1 << 30) as out:
        array = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
        np.lib.format.write_array(out, array, allow_pickle=False)


def _to_json(value, where, depth):
    """``value`` as plain JSON types (NumPy arrays and scalars become lists and numbers), or a
    ValueError saying which part cannot be saved."""
    if depth > MAX_METADATA_DEPTH:
        raise ValueError(f"{where} is nested more than {MAX_METADATA_DEPTH} levels deep")
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        _check_text(value, where)
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
            _check_text(key, f"{where} key")
            result[key] = _to_json(item, f"{where}[{key!r}]", depth + 1)
        return result
    if isinstance(value, (list, tuple)):
        return [_to_json(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    raise ValueError(f"{where} is a {type(value).__name__}, which a model file cannot hold "
                     "(it holds str, int, float, bool, None, lists and dicts)")


def _check_text(text: str, where) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: half of a character, not text
        raise ValueError(f"{where} holds {text[exc.start]!r}, which is not a character a "
                         "file can hold (a lone surrogate)") from None


def check_metadata(metadata, n_inputs: int, n_outputs: int) -> None:
    """Raise ValueError unless the keys tools rely on are right for a network with
    ``n_inputs`` inputs and ``n_outputs`` outputs. Other keys may hold any JSON."""
    if not isinstance(metadata, dict):
        raise ValueError(f"metadata must be a dict, got {type(metadata).__name__}")
    for key in ("feature_names", "input_mean", "input_scale"):
        if key in metadata:
            value = metadata[key]
            if not isinstance(value, list) or len(value) != n_inputs:
                raise ValueError(f"metadata {key!r} must be a list of {n_inputs} items, one "
                                 f"per input, got {_brief(value)}")
    if "feature_names" in metadata:
        if not all(isinstance(name, str) for name in metadata["feature_names"]):
            raise ValueError("metadata 'feature_names' must hold strings")
    for key in ("input_mean", "input_scale"):
        for item in metadata.get(key, ()):
            if not _is_finite_number(item):
                raise ValueError(f"metadata {key!r} must hold finite numbers, got {item!r}")
    if any(item == 0 for item in metadata.get("input_scale", ())):
        raise ValueError("metadata 'input_scale' holds a zero; inputs are divided by it")
    if "target_name" in metadata and not isinstance(metadata["target_name"], str):
        raise ValueError(f"metadata 'target_name' must be a string, got "
                         f"{_brief(metadata['target_name'])}")
    if "task" in metadata and metadata["task"] not in TASKS:
        raise ValueError(f"metadata 'task' must be 'classification' or 'regression', got "
                         f"{_brief(metadata['task'])}")
    if "classes" in metadata:
        classes = metadata["classes"]
        # One sigmoid output tells two classes apart; otherwise there is an output per class.
        expected = 2 if n_outputs == 1 else n_outputs
        if not isinstance(classes, list) or len(classes) != expected:
            outputs = "1 output" if n_outputs == 1 else f"{n_outputs} outputs"
            raise ValueError(f"metadata 'classes' must be a list of {expected} labels for "
                             f"{outputs}, got {_brief(classes)}")
        for label in classes:
            if not isinstance(label, (str, int, float)):
                raise ValueError(f"metadata 'classes' must hold str, int or float labels, "
                                 f"got {label!r}")
            if isinstance(label, float) and not math.isfinite(label):
                raise ValueError(f"metadata 'classes' holds {label}")
        if len(set(classes)) != len(classes):
            raise ValueError(f"metadata 'classes' holds a label twice: {_brief(classes)}")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_finite_number(value) -> bool:
    try:
        return _is_number(value) and math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def _brief(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- reading ----------------------------------------------------------------------------------


def load(path, *, max_bytes=None):
    """The model saved in the file ``path``: a Network, whose ``predict`` gives bit for bit what
    the saved network's did, or for a file with a section (a model of a table) what that
    section's module builds (a TabularModel). Any problem with the file raises
    ModelFileError.

    ``max_bytes`` is the largest file to read (default: ``MAX_FILE_BYTES``, 2 GiB); a larger
    file is refused before a byte of it is read. Only regular files are read: a named pipe,
    a device or a directory raises ModelFileError at once.
    """
    return read_model(path, max_bytes=max_bytes)[0]


def read_model(path, *, max_bytes=None):
    """``(model, header)`` from the model file ``path``: the model as ``load`` gives it and the
    file's header (a dict: format version, neuronet version, layers, metadata, ...).
    ``max_bytes`` as for ``load``."""
    if max_bytes is None:
        max_bytes = MAX_FILE_BYTES  # read now, so that changing the module's constant counts
    if not isinstance(max_bytes, numbers.Integral) or isinstance(max_bytes, bool) \
            or max_bytes < 0:
        raise ValueError(f"max_bytes must be a whole number of bytes, got {max_bytes!r}")
    try:
        return _read(path, int(max_bytes))
    except _Problem as exc:
        raise ModelFileError(path, str(exc)) from None
    except FileNotFoundError:
        raise ModelFileError(path, "no such file") from None
    except IsADirectoryError:
        raise ModelFileError(path, "is a directory, not a model file") from None
    except OSError as exc:
        raise ModelFileError(path, f"cannot read the file: {exc.strerror or exc}") from exc


def _read(path, max_bytes):
    file, size = _open_regular(path)
    with file:
        if size > max_bytes:
            raise _Problem(f"is {size:,} bytes, more than the {max_bytes:,} a model file may "
                           "have here (load(path, max_bytes=...) reads larger files)")
        # Everything below reads through this window: a file that grows meanwhile, or one
        # that is endless behind a size of 0 (as in /proc), is read as the size checked above.
        window = _Window(file, size)
        _check_directory(window, size)
        with _zip_errors():
            archive = zipfile.ZipFile(window)
        with archive:
            members = _members(archive, size)
            header = _read_header(archive, members)
            expected = _check_header(header)
            dtypes = _check_section(header.get("section"))
            expected.update({name: spec[1] for name, spec in dtypes.items()})
            names = set(members) - {HEADER}
            missing = [name for name in expected if name not in names]
            if missing:
                raise _Problem(f"the array {missing[0]}.npy is missing")
            extra = sorted(names - set(expected))
            if extra:
                raise _Problem(f"holds an unexpected member {extra[0]}.npy")
            arrays = {name: _read_array(archive, members[name], name, shape,
                                        dtypes[name][0] if name in dtypes else header["dtype"])
                      for name, shape in expected.items()}
    network = _build(header, arrays)
    if "section" not in header:
        return network, header
    section = header["section"]
    module = importlib.import_module(SECTIONS[section["kind"]])
    prefix = len("section.")
    own = {name[prefix:]: array for name, array in arrays.items() if name in dtypes}
    try:
        return module.from_section(network, section["fields"], own), header
    except ValueError as exc:
        raise _Problem(f"the {section['kind']} section is not sound: {exc}") from None


def _check_section(section) -> dict:
    """The arrays a header's section declares: {member name: (dtype name, shape)}."""
    if section is None:
        return {}
    if not isinstance(section, dict) or set(section) != {"kind", "fields", "arrays"}:
        raise _Problem("the header's section must be an object with kind, fields and arrays")
    if not isinstance(section["kind"], str) or section["kind"] not in SECTIONS:
        raise _Problem(f"the header's section is of an unknown kind {_brief(section['kind'])}")
    arrays = section["arrays"]
    if not isinstance(arrays, dict) or len(arrays) > MAX_SECTION_ARRAYS:
        raise _Problem(f"the header's section must declare at most {MAX_SECTION_ARRAYS} arrays")
    declared = {}
    for name, spec in arrays.items():
        if not _SECTION_NAME.fullmatch(name) or len(name) > 200 or not isinstance(spec, dict) \
                or set(spec) != {"dtype", "shape"} or spec["dtype"] not in SECTION_DTYPES \
                or not isinstance(spec["shape"], list) or len(spec["shape"]) > 2 \
                or not all(type(n) is int and 0 <= n <= MAX_PARAMETERS for n in spec["shape"]):
            raise _Problem(f"the header's section declares a malformed array {_brief(name)}")
        declared[f"section.{name}"] = (spec["dtype"], tuple(spec["shape"]))
    return declared


_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _check_regular(status) -> None:
    mode = status.st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
    if not stat.S_ISREG(mode):
        kind = next((kind for test, kind in _KINDS if test(mode)), "not a regular file")
        raise _Problem(f"is {kind}, not a model file; models are read from regular files only")


def _open_regular(path):
    """``path`` opened for reading, and its size: a _Problem unless it is a regular file."""
    _check_regular(os.stat(path))  # a socket cannot even be opened: say what it is first
    # O_NONBLOCK: should the path turn into a FIFO meanwhile, opening it must not wait for a
    # writer. O_NOCTTY: a terminal must not become this process's controlling terminal.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | \
        getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        status = os.fstat(fd)
        _check_regular(status)  # what was opened, not what the name pointed to before
        return open(fd, "rb", buffering=0), status.st_size
    except BaseException:
        os.close(fd)
        raise


class _Window:
    """The first ``size`` bytes of an open file, as zipfile reads a file: seek, tell, read."""

    def __init__(self, file, size: int):
        self._file, self._size, self._position = file, size, 0

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = 0) -> int:
        position = offset + (0, self._position, self._size)[whence]
        if position < 0:
            raise OSError(errno.EINVAL, "seek before the start of the file")
        self._position = position
        return position

    def read(self, n: int = -1) -> bytes:
        left = max(self._size - self._position, 0)
        n = left if n is None or n < 0 else min(n, left)
        self._file.seek(self._position)
        data = self._file.read(n)
        self._position += len(data)
        return data


# The zip format's records that say where the central directory is and what it holds.
_END = struct.Struct("<4s4H2LH")  # end of central directory
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64 = struct.Struct("<4sQ2H2L4Q")  # its zip64 version
_ENTRY_SIZE = 46  # a central directory entry's fixed part, before its name, extra and comment
# Bytes a member's entry may take in the central directory: the fixed part, a name, the
# zip64 fields; a model's take under 100.
MAX_ENTRY_BYTES = 1024


def _check_directory(file, size) -> None:
    """Refuse a zip whose central directory lists more members than a model may have, or
    takes more room than they need, before zipfile reads and parses it.

    The directory is found as zipfile finds it (the end record at the end of the file or
    before a comment; its zip64 version just before it), so the numbers checked are the
    ones zipfile would use. Its entries are then counted, not parsed, so that a directory
    that holds more entries than it says it does is refused too.
    """
    start = max(size - _END.size - (1 << 16), 0)  # a comment of up to 64 KiB, as zipfile looks
    file.seek(start)
    tail = file.read(size - start)
    at = len(tail) - _END.size
    if not (tail[at:at + 4] == b"PK\x05\x06" and tail[-2:] == b"\0\0"):
        at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + _END.size > len(tail):
        return  # not a zip: zipfile says so
    end = start + at
    _, _, _, here, total, directory_size, _, _ = _END.unpack_from(tail, at)
    directory_end = end
    locator = end - _END64_LOCATOR.size
    record = locator - _END64.size
    if record >= 0:
        file.seek(record)
        data = file.read(_END64.size + _END64_LOCATOR.size)
        if data[_END64.size:_END64.size + 4] == b"PK\x06\x07" and data[:4] == b"PK\x06\x06":
            _, _, _, _, _, _, here, total, directory_size, _ = _END64.unpack_from(data)
            directory_end = record
    if max(here, total) > MAX_MEMBERS:
        raise _Problem(f"holds {max(here, total):,} members, more than the {MAX_MEMBERS:,} a "
                       "model file may have")
    if directory_size > total * MAX_ENTRY_BYTES or directory_size > directory_end:
        raise _Problem(f"the file is corrupted (its central directory claims "
                       f"{directory_size:,} bytes for {total:,} members)")
    file.seek(directory_end - directory_size)  # where zipfile looks for it
    directory = file.read(directory_size)
    count, offset = 0, 0
    while offset + _ENTRY_SIZE <= len(directory):
        count += 1
        if count > total:
            raise _Problem(f"the file is corrupted (its central directory holds more than the "
                           f"{total:,} members it declares)")
        name, extra, comment = struct.unpack_from("<3H", directory, offset + 28)
        offset += _ENTRY_SIZE + name + extra + comment


@contextlib.contextmanager
def _zip_errors():
    # What the zip and .npy readers raise on damaged bytes, as one kind of problem.
    try:
        yield
    except zipfile.BadZipFile as exc:
        message = str(exc)
        if message == "File is not a zip file":
            raise _Problem("not a neuronet model file (not a zip archive, or a truncated "
                           "one)") from None
        raise _Problem(f"the file is corrupted ({message})") from None
    except (EOFError, zlib.error, struct.error, UnicodeDecodeError, NotImplementedError,
            OverflowError, RuntimeError, OSError) as exc:  # OSError: a seek to a bad offset
        raise _Problem(f"the file is corrupted ({type(exc).__name__}: {exc})") from None


def _members(archive, file_size) -> dict:
    """The archive's members by array name, after checks that need no reading."""
    members = {}
    for info in archive.infolist():
        name = info.filename
        if not name.endswith(".npy"):
            raise _Problem(f"holds the member {name!r}, which is not a .npy array")
        key = name[:-4]
        if key in members:
            raise _Problem(f"holds two members named {name!r}")
        if info.flag_bits & 0x1:
            raise _Problem(f"the member {name} is encrypted")
        if info.compress_type != zipfile.ZIP_STORED:
            raise _Problem(f"the member {name} is compressed; model files store arrays as "
                           "they are")
        # Stored members take their full size in the file: this bounds all that loading
        # reads by the file's own size, so a small file cannot claim gigabytes.
        if info.compress_size != info.file_size or \
                info.header_offset + info.compress_size > file_size:
            raise _Problem(f"the file is corrupted (the sizes of member {name} do not add up)")
        members[key] = info
    if HEADER not in members:
        held = ", ".join(sorted(members)[:5]) or "nothing"
        raise _Problem(f"not a neuronet model file (it has no header.npy; it holds {held})")
    return members


def _read_member(archive, info) -> bytes:
    with _zip_errors():
        with archive.open(info) as member:
            data = member.read()  # to the end, so that zipfile checks the CRC
    if len(data) != info.file_size:
        raise _Problem(f"the file is truncated (member {info.filename})")
    return data


def _parse_npy(data: bytes, name: str):
    """(descr, fortran_order, shape, offset of the data) from a .npy file's bytes."""
    if data[:6] != b"\x93NUMPY" or len(data) < 10:
        raise _Problem(f"the member {name}.npy is not a .npy array")
    major = data[6]
    if major == 1:
        (length,), start = struct.unpack("<H", data[8:10]), 10
    elif major in (2, 3) and len(data) >= 12:
        (length,), start = struct.unpack("<I", data[8:12]), 12
    else:
        raise _Problem(f"the member {name}.npy has an unknown .npy version {major}")
    if length > MAX_NPY_HEADER or start + length > len(data):
        raise _Problem(f"the member {name}.npy has a malformed .npy header")
    text = data[start:start + length].decode("utf-8" if major == 3 else "latin-1", "replace")
    try:
        # A literal, not code: literal_eval builds str, tuples, numbers and dicts only.
        fields = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        fields = None
    if not isinstance(fields, dict) or set(fields) != {"descr", "fortran_order", "shape"} \
            or not isinstance(fields["shape"], tuple) \
            or not all(type(n) is int and n >= 0 for n in fields["shape"]):
        raise _Problem(f"the member {name}.npy has a malformed .npy header")
    return fields["descr"], fields["fortran_order"], fields["shape"], start + length


def _npy_header(member) -> bytes:
    """The bytes of a .npy file's header (magic, version, length, fields), read from the
    start of ``member`` and no further than it says, with MAX_NPY_HEADER as the bound."""
    data = member.read(10)
    if data[6:7] in (b"\x02", b"\x03"):
        data += member.read(2)
    length = int.from_bytes(data[8:], "little") if len(data) in (10, 12) else 0
    return data + member.read(min(length, MAX_NPY_HEADER))


def _read_header(archive, members) -> dict:
    info = members[HEADER]
    if info.file_size > MAX_HEADER_BYTES + MAX_NPY_HEADER:
        raise _Problem(f"the header is {info.file_size:,} bytes, more than the "
                       f"{MAX_HEADER_BYTES:,} a model file may have")
    data = _read_member(archive, info)
    descr, fortran_order, shape, offset = _parse_npy(data, HEADER)
    if descr != "|u1" or len(shape) != 1 or shape[0] != len(data) - offset:
        raise _Problem("the header is not a byte array of JSON text")
    try:
        text = data[offset:].decode("utf-8")
        header = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError, JSONDecodeError
        raise _Problem(f"the header is not valid JSON ({exc})") from None
    if not isinstance(header, dict):
        raise _Problem("the header is not a JSON object")
    return header


def _refuse_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")


def _check_header(header) -> dict:
    """Check the header's every field; return the arrays it implies, {name: shape}."""
    from . import __version__

    if header.get("format") != FORMAT:
        raise _Problem(f"not a neuronet model file (its header names the format "
                       f"{_brief(header.get('format'))})")
    version = header.get("format_version")
    if type(version) is not int or version < 1:
        raise _Problem(f"the header's format_version is {_brief(version)}, not a version number")
    if version > FORMAT_VERSION:
        writer = header.get("neuronet_version")
        writer = writer if isinstance(writer, str) and len(writer) <= 40 else _brief(writer)
        raise _Problem(
            f"written in model format version {version} (by neuronet {writer}); "
            f"this neuronet ({__version__}) reads "
            f"version {FORMAT_VERSION}: upgrade neuronet to load it"
        )
    missing = sorted(_REQUIRED_KEYS - set(header))
    if missing:
        raise _Problem(f"the header has no {missing[0]!r}")
    unknown = sorted(set(header) - _HEADER_KEYS)
    if unknown:
        raise _Problem(f"the header has an unknown field {_brief(unknown[0])}")
    if not isinstance(header["neuronet_version"], str):
        raise _Problem("the header's neuronet_version is not a string")
    if header["dtype"] not in ("float32", "float64"):
        raise _Problem(f"the header's dtype is {_brief(header['dtype'])}; expected "
                       "'float32' or 'float64'")
    seed = header.get("seed")
    if seed is not None and (type(seed) is not int or not 0 <= seed < 1 << 128):
        raise _Problem(f"the header's seed is {_brief(seed)}, not a seed")
    loss = header.get("loss")
    if loss is not None and (not isinstance(loss, str) or loss not in losses.LOSSES):
        raise _Problem(f"the header's loss is {_brief(loss)}, not a known loss")
    layers = header["layers"]
    if not isinstance(layers, list) or not 1 <= len(layers) <= MAX_LAYERS:
        raise _Problem(f"the header's layers must be a list of 1 to {MAX_LAYERS:,} layers")
    expected, dense, total = {}, [], 0
    for position, layer in enumerate(layers):
        where = f"layer {position + 1} in the header"
        kind = layer.get("type") if isinstance(layer, dict) else None
        if kind == "Dense":
            _check_dense(layer, where)
            if dense and layer["n_inputs"] != dense[-1]["n_outputs"]:
                raise _Problem(f"{where} takes {layer['n_inputs']} inputs, but the Dense layer "
                               f"before it gives {dense[-1]['n_outputs']}")
            dense.append(layer)
            shape = (layer["n_inputs"], layer["n_outputs"])
            expected[f"layers.{position}.weights"] = shape
            total += shape[0] * shape[1]
            if layer["bias"]:
                expected[f"layers.{position}.bias"] = (layer["n_outputs"],)
                total += shape[1]
        elif kind == "Dropout":
            if set(layer) != {"type", "rate"} or not _is_number(layer["rate"]) \
                    or not 0 <= layer["rate"] < 1:
                raise _Problem(f"{where} is a malformed Dropout layer")
        else:
            raise _Problem(f"{where} is not a Dense or Dropout layer: {_brief(layer)}")
        if total > MAX_PARAMETERS:
            raise _Problem(f"the header claims more than {MAX_PARAMETERS:,} parameters")
    if not dense:
        raise _Problem("the header has no Dense layer")
    try:
        check_metadata(header["metadata"], dense[0]["n_inputs"], dense[-1]["n_outputs"])
    except ValueError as exc:
        raise _Problem(f"the header's {exc}") from None
    return expected


def _check_dense(layer, where) -> None:
    leaky = layer.get("activation") == "leaky_relu"
    keys = _DENSE_KEYS | {"alpha"} if leaky else _DENSE_KEYS
    if set(layer) != keys:
        raise _Problem(f"{where} has the fields {sorted(layer)}; a Dense layer has "
                       f"{sorted(keys)}")
    for key in ("n_inputs", "n_outputs"):
        if type(layer[key]) is not int or not 1 <= layer[key] <= MAX_UNITS:
            raise _Problem(f"{where} has {key} {_brief(layer[key])}; expected a whole number "
                           f"from 1 to {MAX_UNITS:,}")
    if not isinstance(layer["activation"], str) or \
            layer["activation"] not in activations.ACTIVATIONS:
        raise _Problem(f"{where} has an unknown activation {_brief(layer['activation'])}")
    if leaky and (not _is_number(layer["alpha"]) or not 0 < layer["alpha"] < 1):
        raise _Problem(f"{where} has leaky_relu alpha {_brief(layer['alpha'])}; expected a "
                       "number between 0 and 1")
    if not isinstance(layer["bias"], bool):
        raise _Problem(f"{where} has bias {_brief(layer['bias'])}; expected true or false")
    init = layer["init"]
    known = [*initializers.INITIALIZERS, *initializers.ALIASES, "custom"]
    if init is not None and init not in known:
        raise _Problem(f"{where} has an unknown init {_brief(init)}")


def _read_array(archive, info, name, shape, dtype_name) -> np.ndarray:
    dtype = np.dtype(dtype_name).newbyteorder("<")  # files are little-endian everywhere
    nbytes = math.prod(shape) * dtype.itemsize
    # Sized from the zip directory before a byte is read.
    if not nbytes < info.file_size <= nbytes + MAX_NPY_HEADER:
        raise _Problem(f"the member {name}.npy is {info.file_size:,} bytes, but an array of "
                       f"shape {shape} in {dtype_name} takes {nbytes:,} and a small header")
    with _zip_errors(), archive.open(info) as member:
        descr, fortran_order, found, offset = _parse_npy(_npy_header(member), name)
        if descr != dtype.str:
            if isinstance(descr, str) and "O" in descr:
                raise _Problem(f"the array {name} holds Python objects; model files hold "
                               "numbers only")
            raise _Problem(f"the array {name} has dtype {_brief(descr)}, expected "
                           f"{dtype_name} ({dtype.str!r})")
        if found != shape:
            raise _Problem(f"the array {name} has shape {found}, expected {shape}")
        if fortran_order is not False:
            raise _Problem(f"the array {name} is not stored in C order")
        if info.file_size - offset != nbytes:
            raise _Problem(f"the array {name} has {info.file_size - offset:,} bytes of data, "
                           f"expected {nbytes:,}")
        # Straight into the array, a chunk at a time: loading takes the arrays' own memory
        # and one chunk, not a second copy of each. zipfile checks the CRC at the last byte.
        array = np.empty(shape, dtype=dtype)
        view = memoryview(array).cast("B") if nbytes else None
        filled = 0
        while filled < nbytes:
            chunk = member.read(min(_CHUNK, nbytes - filled))
            if not chunk:
                raise _Problem(f"the file is truncated (member {info.filename})")
            view[filled:filled + len(chunk)] = chunk
            filled += len(chunk)
    array = array.astype(dtype_name, copy=False)  # a copy only on a big-endian machine
    if not _all_finite(array):
        raise _Problem(f"the array {name} holds NaN or infinity")
    return array


def _build(header, arrays) -> Network:
    layers = []
    for position, spec in enumerate(header["layers"]):
        if spec["type"] == "Dropout":
            layers.append(Dropout(spec["rate"]))
            continue
        activation = spec["activation"]
        if activation == "leaky_relu":
            activation = activations.LeakyReLU(spec["alpha"])
        # "custom" stands for an init function, which a file cannot hold; the weights are here.
        init = None if spec["init"] == "custom" else spec["init"]
        layer = Dense(spec["n_inputs"], spec["n_outputs"], activation, bias=spec["bias"],
                      init=init)
        layer.weights = arrays[f"layers.{position}.weights"]
        layer.bias = arrays.get(f"layers.{position}.bias")
        layers.append(layer)
    try:
        network = Network(layers, seed=header.get("seed"), dtype=header["dtype"])
    except ValueError as exc:
        raise _Problem(f"the layers do not make a network: {exc}") from None
    network.loss = header.get("loss")
    network.metadata = header["metadata"]
    return network
