"""Writing files: every file neuronet writes goes through ``atomic_write``, and through the
checks before the work (``check_writable``), so that a run never ends by failing to save what
it computed, and a save never leaves a half-written file or replaces what it must not.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import io
import os
import secrets
import signal
import stat
import sys
import threading

from ._text import printable


class ReadOnlyFileError(PermissionError, ValueError):
    """The file to write exists and is read-only: neuronet refuses to replace it.

    Both a PermissionError (what writing such a file raises in Python) and a ValueError (how
    neuronet reports bad input); ``str(error)`` is "FILE: cannot write to it (read-only)".
    """

    def __init__(self, path):
        super().__init__(errno.EACCES, "cannot write to it (read-only)", os.fspath(path))

    def __str__(self) -> str:
        return f"{printable(self.filename)}: {self.strerror}"


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", *, encoding: str = "utf-8", newline=None):
    """Open ``path`` for writing so that it ends up either fully written or untouched.

    The one way neuronet writes a file. For a regular file (or a new one), the data goes to a
    temporary file in the same directory; when the ``with`` block ends without an error, the
    file is flushed, fsynced and renamed over ``path`` (an atomic step on POSIX and Windows).
    If the block raises, or the process is ended by SIGTERM, SIGHUP or a like signal while
    the block runs in the main thread, the temporary file is removed and ``path`` keeps its
    old content. A symbolic link is written through, not replaced; an existing file's
    permissions are kept. A read-only file is not replaced (the rename would go around its
    mode, as ``cp`` and the shell's ``>`` do not): ``ReadOnlyFileError``, the file untouched.

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

    Raises
    ------
    ValueError
        When ``path`` is empty or ends with a slash (a folder's name, not a file's).
    ReadOnlyFileError
        When ``path`` is an existing regular file that is read-only.
    """
    if mode not in ("wb", "w", "wt"):
        raise ValueError(f"atomic_write mode must be 'wb', 'w' or 'wt', got {mode!r}")
    shown = os.fspath(path)
    _check_name(shown)
    stream = _open_stream(shown)
    if stream is not None:
        with _wrap(stream, mode, encoding, newline) as file:
            yield file
        return
    target = os.path.realpath(shown)
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, "no such directory", os.path.dirname(shown) or ".")
    if _is_read_only(target):
        raise ReadOnlyFileError(shown)
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


def _check_name(path: str) -> None:
    """ValueError for a name that cannot be a file's: empty (which the system would take as
    the current folder), or ending with a slash (a folder's name, even where none exists)."""
    if not path:
        raise ValueError("the file name is empty; expected the name of a file to write")
    if path.endswith(os.sep) or (os.altsep and path.endswith(os.altsep)):
        if os.path.isdir(path):
            raise ValueError(f"{printable(path)}: is a directory; expected a file name to write")
        raise ValueError(f"{printable(path)}: ends with '{path[-1]}', as the name of a folder "
                         "does, and there is no such folder; expected a file name to write")


def _is_read_only(path) -> bool:
    """Whether ``path`` is an existing regular file that may not be written: this process may
    not write it, or (for root, whom the system lets write anything) no one may, by its mode."""
    try:
        status = os.stat(path)
    except OSError:
        return False  # nothing there yet, or something whose writing fails by itself
    if not stat.S_ISREG(status.st_mode):
        return False
    return not os.access(path, os.W_OK) or status.st_mode & 0o222 == 0


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


def check_writable(path) -> None:
    """Raise ValueError, before any work, when ``path`` cannot be written: an empty name, a
    name that ends with a slash, a directory, a folder that does not exist or cannot be
    written in, a read-only file (``ReadOnlyFileError``), a FIFO or device without write
    permission. The messages name the path: "PATH: ..."."""
    path = os.fspath(path)
    _check_name(path)
    shown = printable(path)
    # Where a regular file's replacement is written: beside the file a link points to.
    folder = os.path.dirname(os.path.realpath(path)) or "."
    if os.path.isdir(path):
        raise ValueError(f"{shown}: is a directory; expected a file name to write")
    if os.path.exists(path) and not os.path.isfile(path):  # a FIFO or device: written into
        if not os.access(path, os.W_OK):
            raise ValueError(f"{shown}: cannot write to it")
        return
    if not os.path.isdir(folder):
        raise ValueError(f"{shown}: the folder {printable(folder)} does not exist")
    if _is_read_only(path):
        raise ReadOnlyFileError(path)
    if not os.access(folder, os.W_OK):
        raise ValueError(f"{shown}: cannot write in the folder {printable(folder)}")


def check_not_input(path, inputs, *, patterns: bool = False) -> None:
    """Raise ValueError, before any work, when the file to write, ``path``, is one of the
    files to read, ``inputs``: the same file by its device and inode, whatever names it (a
    symbolic or hard link, another path to it), as ``cp`` and ``sort -o`` refuse. Writing it
    would replace the data being read.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write.
    inputs : iterable of str or os.PathLike
        The files to read; "-" stands for standard input.
    patterns : bool
        Whether an input may be a glob pattern (``data/part-*.csv``), each file it matches
        then counting as an input.
    """
    try:
        target = os.stat(path)
    except (OSError, ValueError):
        return  # nothing there yet: no input can be it
    if not stat.S_ISREG(target.st_mode):
        return  # a FIFO, a device, standard output: written into as a stream, never replaced
    for item in inputs:
        if item is None:
            continue
        if os.fspath(item) == "-":
            candidates = [("standard input", sys.stdin)]
        else:
            name = os.path.expanduser(os.fspath(item))
            files = sorted(glob.glob(name)) if patterns and glob.has_magic(name) else [name]
            candidates = [(file, file) for file in files]
        for shown, file in candidates:
            try:
                status = os.fstat(file.fileno()) if hasattr(file, "fileno") else os.stat(file)
            except (OSError, ValueError, AttributeError):
                continue
            if os.path.samestat(target, status):
                if shown == "standard input":
                    what = "the file given as standard input"
                elif shown == os.fspath(path):
                    what = "also an input"
                else:
                    what = f"the input file {printable(shown)} (the same file by another name)"
                raise ValueError(f"{printable(os.fspath(path))}: is {what}; writing the "
                                 "output there would replace the data being read (choose "
                                 "another file to write)")


def is_stdout(path) -> bool:
    """Whether ``path`` names this process's standard output (/dev/stdout, /proc/self/fd/1, a
    pipe's or terminal's own name)."""
    try:
        return os.path.samestat(os.stat(path), os.fstat(sys.stdout.fileno()))
    except (OSError, ValueError, AttributeError):  # no such file yet, or no real stdout
        return False
