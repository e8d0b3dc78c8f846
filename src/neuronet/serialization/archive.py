"""The model file's format: a zip archive of .npy arrays, with a JSON header, read as
untrusted data.

Everything here is about bytes, not networks: writing members, turning values into JSON,
and reading a file that may be hostile: regular files only, the zip directory's size and
member count checked before zipfile parses it, every member's name and size, and every
array's shape and dtype checked before anything is allocated. A problem found while reading
is a ``Problem``; ``load`` names the file and raises it as ``ModelFileError``.
"""

from __future__ import annotations

import ast
import contextlib
import errno
import json
import math
import os
import stat
import struct
import zipfile
import zlib

import numpy as np

from .._text import printable
from .values import CHUNK, all_finite, brief

HEADER = "header"
# Bounds on what a header may claim, so that a hostile file fails before it costs memory.
MAX_HEADER_BYTES = 1 << 20
MAX_NPY_HEADER = 4096  # numpy writes .npy headers of 128 bytes or so


class ModelFileError(ValueError):
    """A file that is not a valid neuronet model: missing, unreadable, corrupted, or not a model.

    ``path`` is the file, ``problem`` what is wrong with it; ``str(error)`` is "path: problem".
    The message is safe to print: a problem quotes the file (its members' names, its fields),
    so control characters in either are shown escaped (``neuronet._text.printable``).

    Parameters
    ----------
    path : str or path-like
        The file.
    problem : str
        What is wrong with it.
    """

    def __init__(self, path, problem: str):
        self.path = os.fspath(path)
        self.problem = printable(problem)
        super().__init__(f"{printable(self.path)}: {self.problem}")

    def __reduce__(self):
        return type(self), (self.path, self.problem)


class Problem(Exception):
    """Raised inside the reader; ``load`` adds the file's name and turns it into ModelFileError."""


def write_member(archive, name, array) -> None:
    """Write ``array`` into ``archive`` as the member ``name``.npy, the same bytes every time.

    Parameters
    ----------
    archive : zipfile.ZipFile
        Open for writing.
    name : str
        The array's name.
    array : ndarray
    """
    # A fixed timestamp: the same network gives the same bytes.
    info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    with archive.open(info, "w", force_zip64=array.nbytes > 1 << 30) as out:
        array = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
        np.lib.format.write_array(out, array, allow_pickle=False)


# --- reading ----------------------------------------------------------------------------------

_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _check_regular(status) -> None:
    mode = status.st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
    if not stat.S_ISREG(mode):
        kind = next((kind for test, kind in _KINDS if test(mode)), "not a regular file")
        raise Problem(f"is {kind}, not a model file; models are read from regular files only")


def open_regular(path):
    """``path`` opened for reading, and its size: a Problem unless it is a regular file.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    file : binary file
    size : int

    Raises
    ------
    Problem
        For a file that is not regular (a FIFO, a device).
    OSError
        For a file that cannot be opened.
    """
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


class Window:
    """The first ``size`` bytes of an open file, as zipfile reads a file: seek, tell, read.

    Parameters
    ----------
    file : binary file
        Open for reading.
    size : int
        The bytes shown.
    """

    def __init__(self, file, size: int):
        self._file, self._size, self._position = file, size, 0

    def seekable(self) -> bool:
        """Always True.

        Returns
        -------
        bool
        """
        return True

    def tell(self) -> int:
        """The position.

        Returns
        -------
        int
        """
        return self._position

    def seek(self, offset: int, whence: int = 0) -> int:
        """Move to ``offset`` from the start, the position or the end (``whence`` 0, 1, 2).

        Parameters
        ----------
        offset : int
        whence : int

        Returns
        -------
        int
            The new position.
        """
        position = offset + (0, self._position, self._size)[whence]
        if position < 0:
            raise OSError(errno.EINVAL, "seek before the start of the file")
        self._position = position
        return position

    def read(self, n: int = -1) -> bytes:
        """At most ``n`` bytes (all that are left for a negative ``n``), never past ``size``.

        Parameters
        ----------
        n : int

        Returns
        -------
        bytes
        """
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


def check_directory(file, size, max_members: int) -> None:
    """Refuse a zip whose central directory lists more members than a model may have, or
    takes more room than they need, before zipfile reads and parses it.

    The directory is found as zipfile finds it (the end record at the end of the file or
    before a comment; its zip64 version just before it), so the numbers checked are the
    ones zipfile would use. Its entries are then counted, not parsed, so that a directory
    that holds more entries than it says it does is refused too.

    Parameters
    ----------
    file : binary file
        Open for reading.
    size : int
        Its size.
    max_members : int
        The most members a model may have.

    Raises
    ------
    Problem
        For a directory too large or with too many members.
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
    if max(here, total) > max_members:
        raise Problem(f"holds {max(here, total):,} members, more than the {max_members:,} a "
                       "model file may have")
    if directory_size > total * MAX_ENTRY_BYTES or directory_size > directory_end:
        raise Problem(f"the file is corrupted (its central directory claims "
                       f"{directory_size:,} bytes for {total:,} members)")
    file.seek(directory_end - directory_size)  # where zipfile looks for it
    directory = file.read(directory_size)
    count, offset = 0, 0
    while offset + _ENTRY_SIZE <= len(directory):
        count += 1
        if count > total:
            raise Problem(f"the file is corrupted (its central directory holds more than the "
                           f"{total:,} members it declares)")
        name, extra, comment = struct.unpack_from("<3H", directory, offset + 28)
        offset += _ENTRY_SIZE + name + extra + comment


@contextlib.contextmanager
def zip_errors():
    """A context in which the zip and .npy readers' errors on damaged bytes become Problems.

    Yields
    ------
    None
    """
    # What the zip and .npy readers raise on damaged bytes, as one kind of problem.
    try:
        yield
    except zipfile.BadZipFile as exc:
        message = str(exc)
        if message == "File is not a zip file":
            raise Problem("not a neuronet model file (not a zip archive, or a truncated "
                           "one)") from None
        raise Problem(f"the file is corrupted ({message})") from None
    except (EOFError, zlib.error, struct.error, UnicodeDecodeError, NotImplementedError,
            OverflowError, RuntimeError, OSError) as exc:  # OSError: a seek to a bad offset
        raise Problem(f"the file is corrupted ({type(exc).__name__}: {exc})") from None


def members_of(archive, file_size) -> dict:
    """The archive's members by array name, after checks that need no reading.

    Parameters
    ----------
    archive : zipfile.ZipFile
    file_size : int
        The file's size.

    Returns
    -------
    dict
        {name: zipfile.ZipInfo}.

    Raises
    ------
    Problem
        For a member that no model file holds.
    """
    members = {}
    for info in archive.infolist():
        name = info.filename
        if not name.endswith(".npy"):
            raise Problem(f"holds the member {name!r}, which is not a .npy array")
        key = name[:-4]
        if key in members:
            raise Problem(f"holds two members named {name!r}")
        if info.flag_bits & 0x1:
            raise Problem(f"the member {name} is encrypted")
        if info.compress_type != zipfile.ZIP_STORED:
            raise Problem(f"the member {name} is compressed; model files store arrays as "
                           "they are")
        # Stored members take their full size in the file: this bounds all that loading
        # reads by the file's own size, so a small file cannot claim gigabytes.
        if info.compress_size != info.file_size or \
                info.header_offset + info.compress_size > file_size:
            raise Problem(f"the file is corrupted (the sizes of member {name} do not add up)")
        members[key] = info
    if HEADER not in members:
        held = ", ".join(sorted(members)[:5]) or "nothing"
        raise Problem(f"not a neuronet model file (it has no header.npy; it holds {held})")
    return members


def read_member(archive, info) -> bytes:
    """A member's bytes, read to its end (so that zipfile checks the CRC).

    Parameters
    ----------
    archive : zipfile.ZipFile
    info : zipfile.ZipInfo

    Returns
    -------
    bytes

    Raises
    ------
    Problem
        For a truncated or damaged member.
    """
    with zip_errors():
        with archive.open(info) as member:
            data = member.read()  # to the end, so that zipfile checks the CRC
    if len(data) != info.file_size:
        raise Problem(f"the file is truncated (member {info.filename})")
    return data


def parse_npy(data: bytes, name: str):
    """(descr, fortran_order, shape, offset of the data) from a .npy file's bytes.

    Parameters
    ----------
    data : bytes
        The file's bytes, at least its header.
    name : str
        The array's name, for messages.

    Returns
    -------
    tuple

    Raises
    ------
    Problem
        For bytes that are no .npy header.
    """
    if data[:6] != b"\x93NUMPY" or len(data) < 10:
        raise Problem(f"the member {name}.npy is not a .npy array")
    major = data[6]
    if major == 1:
        (length,), start = struct.unpack("<H", data[8:10]), 10
    elif major in (2, 3) and len(data) >= 12:
        (length,), start = struct.unpack("<I", data[8:12]), 12
    else:
        raise Problem(f"the member {name}.npy has an unknown .npy version {major}")
    if length > MAX_NPY_HEADER or start + length > len(data):
        raise Problem(f"the member {name}.npy has a malformed .npy header")
    text = data[start:start + length].decode("utf-8" if major == 3 else "latin-1", "replace")
    try:
        # A literal, not code: literal_eval builds str, tuples, numbers and dicts only.
        fields = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        fields = None
    if not isinstance(fields, dict) or set(fields) != {"descr", "fortran_order", "shape"} \
            or not isinstance(fields["shape"], tuple) \
            or not all(type(n) is int and n >= 0 for n in fields["shape"]):
        raise Problem(f"the member {name}.npy has a malformed .npy header")
    return fields["descr"], fields["fortran_order"], fields["shape"], start + length


def npy_header(member) -> bytes:
    """The bytes of a .npy file's header (magic, version, length, fields), read from the
    start of ``member`` and no further than it says, with MAX_NPY_HEADER as the bound.

    Parameters
    ----------
    member : binary file
        A member open for reading.

    Returns
    -------
    bytes
    """
    data = member.read(10)
    if data[6:7] in (b"\x02", b"\x03"):
        data += member.read(2)
    length = int.from_bytes(data[8:], "little") if len(data) in (10, 12) else 0
    return data + member.read(min(length, MAX_NPY_HEADER))


def read_header(archive, members) -> dict:
    """The file's header: the JSON object of its "header" member, checked to be one.

    Parameters
    ----------
    archive : zipfile.ZipFile
    members : dict
        From ``members_of``.

    Returns
    -------
    dict

    Raises
    ------
    Problem
        For a header too large, or not a JSON object.
    """
    info = members[HEADER]
    if info.file_size > MAX_HEADER_BYTES + MAX_NPY_HEADER:
        raise Problem(f"the header is {info.file_size:,} bytes, more than the "
                       f"{MAX_HEADER_BYTES:,} a model file may have")
    data = read_member(archive, info)
    descr, fortran_order, shape, offset = parse_npy(data, HEADER)
    if descr != "|u1" or len(shape) != 1 or shape[0] != len(data) - offset:
        raise Problem("the header is not a byte array of JSON text")
    try:
        text = data[offset:].decode("utf-8")
        header = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError, JSONDecodeError
        raise Problem(f"the header is not valid JSON ({exc})") from None
    if not isinstance(header, dict):
        raise Problem("the header is not a JSON object")
    return header


def _refuse_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")


def read_array(archive, info, name, shape, dtype_name) -> np.ndarray:
    """The array of a member, checked against the shape and dtype the header gives before
    anything is allocated.

    Parameters
    ----------
    archive : zipfile.ZipFile
    info : zipfile.ZipInfo
        The member.
    name : str
        The array's name.
    shape : tuple of int
        The shape the header gives.
    dtype_name : str
        The dtype the header gives.

    Returns
    -------
    ndarray

    Raises
    ------
    Problem
        For a member that is not that array.
    """
    dtype = np.dtype(dtype_name).newbyteorder("<")  # files are little-endian everywhere
    nbytes = math.prod(shape) * dtype.itemsize
    # Sized from the zip directory before a byte is read.
    if not nbytes < info.file_size <= nbytes + MAX_NPY_HEADER:
        raise Problem(f"the member {name}.npy is {info.file_size:,} bytes, but an array of "
                       f"shape {shape} in {dtype_name} takes {nbytes:,} and a small header")
    with zip_errors(), archive.open(info) as member:
        descr, fortran_order, found, offset = parse_npy(npy_header(member), name)
        if descr != dtype.str:
            if isinstance(descr, str) and "O" in descr:
                raise Problem(f"the array {name} holds Python objects; model files hold "
                               "numbers only")
            raise Problem(f"the array {name} has dtype {brief(descr)}, expected "
                           f"{dtype_name} ({dtype.str!r})")
        if found != shape:
            raise Problem(f"the array {name} has shape {found}, expected {shape}")
        if fortran_order is not False:
            raise Problem(f"the array {name} is not stored in C order")
        if info.file_size - offset != nbytes:
            raise Problem(f"the array {name} has {info.file_size - offset:,} bytes of data, "
                           f"expected {nbytes:,}")
        # Straight into the array, a chunk at a time: loading takes the arrays' own memory
        # and one chunk, not a second copy of each. zipfile checks the CRC at the last byte.
        array = np.empty(shape, dtype=dtype)
        view = memoryview(array).cast("B") if nbytes else None
        filled = 0
        while filled < nbytes:
            chunk = member.read(min(CHUNK, nbytes - filled))
            if not chunk:
                raise Problem(f"the file is truncated (member {info.filename})")
            view[filled:filled + len(chunk)] = chunk
            filled += len(chunk)
    array = array.astype(dtype_name, copy=False)  # a copy only on a big-endian machine
    if not all_finite(array):
        raise Problem(f"the array {name} holds NaN or infinity")
    return array
