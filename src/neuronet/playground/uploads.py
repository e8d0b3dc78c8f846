"""Uploads read away from the server's event loop: each file is parsed in a process of its
own (forked from a server process that has the reader loaded already), so that no file,
however it is made, slows the tabs that are training; a parse that takes too long is ended
and the file refused."""

from __future__ import annotations

import asyncio
import multiprocessing

from .data import read_columns

SECONDS = 20.0  # the longest an upload may take to read
MAX_READING = 2  # files read at once; more wait their turn
_PRELOAD = ["neuronet.playground.data", "neuronet.tabular.reading", "pandas"]


def _context():
    # forkserver: the children are forked from a process that never ran the server's
    # threads (fork from a threaded process may deadlock), with pandas imported once.
    # Where there is none (Windows), each child starts afresh.
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


def _read_in_child(connection, content, name) -> None:
    """In the child: read the file and send back ("ok", Columns) or ("error", message)."""
    try:
        result = ("ok", read_columns(content, name))
    except ValueError as exc:
        result = ("error", str(exc))
    except Exception as exc:  # a bug of ours, told without taking the server down
        result = ("bug", f"{type(exc).__name__}: {exc}")
    try:
        connection.send(result)
    finally:
        connection.close()


class Reader:
    """Reads uploaded CSV files (``data.read_columns``) in child processes, at most
    ``at_once`` at a time, each within ``seconds``.

    Parameters
    ----------
    seconds : float
        How long one file may take to read; a child still reading then is ended.
    at_once : int
        How many files are read at the same time; others wait.
    """

    def __init__(self, seconds: float = SECONDS, at_once: int = MAX_READING):
        self.seconds = seconds
        self.at_once = at_once
        self._slots = None  # made in the event loop that uses it

    async def read(self, content: bytes, name: str):
        """The file's Columns, read in a child process.

        Parameters
        ----------
        content : bytes
            The uploaded file.
        name : str
            Its name, for the messages.

        Returns
        -------
        Columns
            As ``data.read_columns`` returns them.

        Raises
        ------
        ValueError
            The reader's refusal, or that reading took longer than ``seconds``.
        RuntimeError
            When the child failed for a reason of its own (a bug, or no memory).
        """
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.at_once)
        async with self._slots:
            return await asyncio.to_thread(self._read, bytes(content), name)

    def _read(self, content: bytes, name: str):
        context = _context()
        receiving, sending = context.Pipe(duplex=False)
        child = context.Process(target=_read_in_child, args=(sending, content, name),
                                daemon=True)
        child.start()
        sending.close()
        try:
            if not receiving.poll(self.seconds):
                raise ValueError(f"{name}: reading the file took longer than "
                                 f"{self.seconds:g} s, so it was stopped; the playground takes "
                                 "plain CSV files with a header row")
            try:
                kind, value = receiving.recv()
            except EOFError:
                raise RuntimeError(f"reading {name} failed (the reader stopped with exit "
                                   f"code {child.exitcode})") from None
        finally:
            receiving.close()
            if child.is_alive():
                child.kill()
            child.join()
        if kind == "ok":
            return value
        if kind == "error":
            raise ValueError(value)
        raise RuntimeError(f"reading {name} failed: {value}")
