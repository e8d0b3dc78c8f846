"""Tables on a Dask cluster: ``train(data, target, client=...)`` and ``neuronet train --dask``.

The rows never come to the client. They are read on the workers, one partition per CSV file
and per ``BLOCK_BYTES`` of a larger one (each read by the same reader as a local run), or taken
from the partitions of a dask DataFrame; what comes back is counts. Every pass sends one small
task to each partition, which reports what the preparation needs of its rows, and a tree of
tasks on the workers combines those reports exactly, eight at a time, into one:

1. the survey, for the column roles: cells, gaps, the least and greatest number, whether all
   are whole, the text cells that are not numbers, and each text column's distinct values in
   the order of their first appearance (``roles.decide`` reads them, as it reads a column);
2. the target: its rows (those without a value are set aside), the task, the classes or the
   target's mean and spread;
3. the statistics: for numbers and dates, the count, gaps, partial means and sums of squared
   deviations (combined by the pairwise update of Chan, Golub and LeVeque), the distinct days
   and calendar cycles of dates; for categories, the count of each value;
4. the medians, exactly: the rank of the middle value is known, and each pass counts the
   values in 4,096 buckets of the range that holds it (bits of the values' order-preserving
   64-bit keys), narrowing to one bucket, until that bucket's few values are sent whole and
   the middle one is picked: two or three passes on most columns, at most six;

so that ``Preparation.fit`` learns from them the preparation a local run learns from the same
rows. Then each partition is prepared on its worker by that Preparation, and the network is
trained by ``neuronet.dask.fit`` on the prepared partitions.

The rooms of the cluster's half: this module connects to a cluster, sends the passes
(``Passes``) and reads a table onto the workers (``read_parts``); ``cluster_table.Table``
learns the roles and statistics from its partitions (the reports of ``partials``, the
medians by the searches of ``ranks``); and ``cluster_training`` prepares the partitions and
trains there, plugged into ``learning.train`` by its name.
"""

from __future__ import annotations

import glob
import importlib.util
import logging
import os
import re

from .._text import printable
from ..dask.session import RETRIES, ClusterError, Lost, is_frame
from .reading import (
    COMPRESSION,
    DataError,
    as_frame,
    checked_names,
    pandas,
    read_csv,
)

__all__ = ["BLOCK_BYTES", "Passes", "connect", "describe_cluster", "matching", "read_parts"]

#: A CSV file larger than this is read in parts of this many bytes, each by a task of its own
#: (uncompressed files whose lines end with the byte \n; as dask.dataframe.read_csv does, a
#: file whose quoted fields hold line breaks must then come in several files instead).
BLOCK_BYTES = 64 << 20


# --- the cluster ----------------------------------------------------------------------------------


def connect(client, timeout=30):
    """(a distributed.Client, the LocalCluster started for it or None, whether the client
    was made here) for ``client``: a Client (used as it is), a scheduler's address
    ("tcp://host:8786", "host:8786"), or "local" / "local:N" for a LocalCluster of N worker
    processes of one thread each on this machine (default N: this machine's cores; at most
    ``LOCAL_WORKERS_PER_CORE`` per core). ValueError for an address that cannot be one (empty,
    a port outside 1 to 65535, an ``inproc://`` address of no scheduler in this process);
    ConnectionError if no scheduler answers at the address within ``timeout`` seconds.

    Parameters
    ----------
    client : distributed.Client or str
        The cluster: a Client, a scheduler's address, or "local" / "local:N".
    timeout : float, default 30
        Seconds to wait for the scheduler to answer.

    Returns
    -------
    client : distributed.Client
        The client to send the work through.
    local : distributed.LocalCluster or None
        The cluster started here for "local[:N]", for the caller to close; else None.
    made : bool
        Whether the client was made here (and is the caller's to close).

    Raises
    ------
    ValueError
        For an address that cannot be one, or "local:N" with N not a count of at least 1
        or more than ``LOCAL_WORKERS_PER_CORE`` per core.
    ConnectionError
        When no scheduler answers at the address within ``timeout`` seconds.
    """
    import distributed

    if isinstance(client, distributed.Client):
        return client, None, False
    if not isinstance(client, str) or not client.strip():
        raise ValueError(f"expected a distributed.Client, the address of a Dask scheduler "
                         f"(tcp://host:8786) or local[:N], got {client!r}")
    spec = client.strip()
    if spec == "local" or spec.startswith("local:"):
        n_workers = _local_workers(spec)
        # The scheduler's web server (the dashboard, where bokeh can draw it) on a free port:
        # another cluster may hold the usual one.
        local = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1,
                                         processes=True, dashboard_address=":0",
                                         silence_logs=logging.CRITICAL)
        try:
            return distributed.Client(local, timeout=timeout), local, True
        except BaseException:
            local.close()
            raise
    _check_port(spec)
    try:
        return distributed.Client(spec, timeout=timeout), None, True
    except ValueError as exc:  # an address that is no address
        if spec.startswith("inproc://"):
            raise ValueError(f"{printable(spec)}: no scheduler of this process is there (an "
                             "inproc:// address names a scheduler inside the same Python "
                             "process); expected a scheduler's address, such as "
                             "tcp://host:8786, or local[:N]") from None
        raise ValueError(f"{exc}; expected the address of a Dask scheduler, such as "
                         "tcp://host:8786, or local[:N]") from None
    except Exception as exc:  # noqa: BLE001 - whatever answered, or did not, is no scheduler
        if isinstance(exc, (OSError, TimeoutError)) and "timed out" in str(exc).lower():
            reason = "no answer"
        else:
            reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}" \
                if str(exc).strip() else type(exc).__name__
        raise ConnectionError(f"cannot reach a Dask scheduler at {spec} within {timeout:g} s "
                              f"({reason}); is the scheduler running and the address right?"
                              ) from None


#: ``local:N`` starts at most this many worker processes per core of this machine: more only
#: take turns on the same cores, each with its own memory (``local:100000`` would ask for as
#: many processes).
LOCAL_WORKERS_PER_CORE = 4


def _local_workers(spec) -> int:
    count = spec.partition(":")[2]
    if not count:
        return _cores()
    if not re.fullmatch(r"[0-9]{1,9}", count) or int(count) < 1:
        raise ValueError(f"expected 'local' or 'local:N' with N a number of worker processes "
                         f"of at least 1, got {printable(spec)!r}")
    cores, n_workers = _cores(), int(count)
    most = LOCAL_WORKERS_PER_CORE * cores
    if n_workers > most:
        raise ValueError(f"{spec} asks for {n_workers:,} worker processes, more than the "
                         f"{most:,} this machine runs ({LOCAL_WORKERS_PER_CORE} per core, "
                         f"{cores} core{'s' * (cores != 1)}); ask for at most local:{most}, "
                         "or give the address of a cluster's scheduler")
    return n_workers


def _check_port(spec) -> None:
    """ValueError for a scheduler's address whose port is not one (outside 1 to 65535)."""
    address = spec.partition("://")[2] if "://" in spec else spec
    if spec.startswith("inproc://"):
        return
    port = address.rpartition(":")[2] if ":" in address.rpartition("]")[2] else None
    if port is None or re.fullmatch(r"[0-9]{1,5}", port) and 1 <= int(port) <= 65535:
        return
    what = f"the port {int(port)} is out of range" if re.fullmatch(r"[0-9]{1,30}", port) \
        else f"{printable(port)!r} is not a port number"
    raise ValueError(f"{printable(spec)}: {what}; expected a port from 1 to 65535, as in "
                     "tcp://host:8786")


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def describe_cluster(client, local) -> str:
    """The report's line on the cluster of ``client`` (``local``: the LocalCluster started for
    it, or None): its workers, threads and dashboard.

    Parameters
    ----------
    client : distributed.Client
        The client of the cluster.
    local : distributed.LocalCluster or None
        The cluster started for it, or None for a cluster found at an address.

    Returns
    -------
    str
        "a LocalCluster of 2 worker processes (2 threads)", and its dashboard where bokeh
        can draw it.
    """
    info = client.scheduler_info()
    workers = info.get("workers", {})
    threads = sum(w.get("nthreads", 0) for w in workers.values())
    what = (f"a LocalCluster of {len(workers)} worker process{'es' * (len(workers) != 1)}"
            if local is not None else f"{client.scheduler.address}, {len(workers)} "
            f"worker{'s' * (len(workers) != 1)}")
    line = f"{what} ({threads} thread{'s' * (threads != 1)})"
    # The dashboard's page is drawn by bokeh; without it the address shows an error.
    link = client.dashboard_link if "dashboard" in info.get("services", {}) and \
        importlib.util.find_spec("bokeh") else None
    return f"{line}, dashboard {link}" if link else line


# --- passes over the partitions -------------------------------------------------------------------


class Passes:
    """The work sent to the partitions: named tasks (on the dashboard: neuronet-survey,
    neuronet-statistics, neuronet-median...), their reports combined by a tree of tasks on the
    workers, and the ``count`` of passes made.

    Parameters
    ----------
    session : neuronet.dask.session.Session
        The cluster's session: its client, the task keys, waiting with the cluster's
        errors.
    """

    def __init__(self, session):
        self.session = session
        self.count = 0

    def map(self, what, function, parts, *args) -> list:
        """Futures of ``function(part, *args)`` for each partition.

        Parameters
        ----------
        what : str
            The tasks' kind, in their names on the dashboard.
        function : callable
            Run on a worker with each partition's DataFrame and ``args``.
        parts : list of distributed.Future
            The partitions.
        *args
            Passed to ``function`` after the partition.

        Returns
        -------
        list of distributed.Future
            One per partition, in order, not waited for.
        """
        client = self.session.client
        return [client.submit(function, part, *args, key=self.session.key(what))
                for part in parts]

    def reduce(self, what, function, parts, args, merge, finish=None, doing=""):
        """``finish(merge(function(part, *args) for each part))``, computed on the workers; the
        client receives the finished result only. An error of a partition is raised as it is
        (the first partition's, in order).

        The pass is sent again when a worker is lost, up to ``RETRIES`` times.

        Parameters
        ----------
        what : str
            The tasks' kind, in their names on the dashboard.
        function : callable
            Run on a worker with each partition and ``args``; gives the partition's report.
        parts : list of distributed.Future
            The partitions.
        args : tuple
            Passed to ``function`` after the partition.
        merge : callable
            Combines several reports into one (called with up to eight at a time, in
            partition order).
        finish : callable, optional
            Applied on a worker to the combined report.
        doing : str, default ""
            What the pass does, for messages ("surveying the columns").

        Returns
        -------
        object
            The finished report.

        Raises
        ------
        ClusterError
            When the cluster is lost or silent, or workers are lost more than ``RETRIES``
            times.
        """
        session = self.session
        for attempt in range(RETRIES + 1):
            try:
                leaves = self.map(what, function, parts, *args)
                session.wait(leaves, doing)
                last = session.reduce(leaves, merge, f"{what}-merge")
                if finish is not None:
                    last = session.client.submit(finish, last, key=session.key(f"{what}-end"))
                result = session.result(last, doing)
                self.count += 1
                return result
            except Lost as exc:
                if attempt == RETRIES:
                    raise ClusterError(f"{exc}, {RETRIES + 1} times") from exc

    def wait(self, futures, doing) -> None:
        """Wait until every future is done, without fetching any; raise the error of one that
        failed.

        Parameters
        ----------
        futures : list of distributed.Future
            The tasks to wait for.
        doing : str
            What they do, for messages.

        Raises
        ------
        ClusterError
            When a future was lost or the cluster is silent.
        """
        self.session.wait(futures, doing)


# --- reading a table onto the workers ------------------------------------------------------------


def read_parts(passes, data, *, sep=None, encoding=None, text_columns=()):
    """(partitions, their sizes, an empty DataFrame of the table's columns and dtypes, the
    table's name, its files or None) of the table ``data`` read onto the cluster of
    ``passes``: CSV files (a path or a pattern such as ``"data/part-*.csv"``, one partition per
    file and per ``BLOCK_BYTES`` of a larger one, read by the workers, which must see the same
    paths), a dask DataFrame (its partitions), or a pandas DataFrame or dict of columns (split
    into a partition per worker thread). ``sep``, ``encoding`` and ``text_columns`` are as for
    ``read_csv``. Each partition is a future of a pandas DataFrame, of the same columns and
    dtypes as the others.

    Parameters
    ----------
    passes : Passes
        The cluster to read onto.
    data : str, os.PathLike, dask DataFrame, pandas DataFrame or dict
        The table.
    sep, encoding, text_columns
        For CSV files, as for ``read_csv``.

    Returns
    -------
    parts : list of distributed.Future
        The partitions, each a pandas DataFrame on a worker.
    sizes : list of int
        The rows of each.
    meta : pandas.DataFrame
        An empty DataFrame of the table's columns and dtypes (``attrs["source"]``: the
        table's name, when it has one).
    name : str or None
        The path or pattern of the files, or the name of a DataFrame read from one.
    files : list of str or None
        The files read, as absolute paths, or None for a DataFrame.

    Raises
    ------
    DataError
        When no file matches, the files' columns differ, the table has no columns or no
        rows, or a partition cannot be read (naming the file and row).
    """
    if isinstance(data, (str, os.PathLike)):
        return _read_files(passes, os.fspath(data), sep, encoding, list(text_columns))
    if is_frame(data):
        return _from_dask(passes, data)
    frame = as_frame(data)  # a pandas DataFrame or dict of columns; errors as locally
    import dask.dataframe as dd

    threads = sum(passes.session.client.nthreads().values()) or 1
    return _from_dask(passes, dd.from_pandas(frame, npartitions=min(threads, len(frame))),
                      name=frame.attrs.get("source"))


def _read_files(passes, pattern, sep, encoding, texts):
    files = matching(pattern)
    pieces = [piece for path in files for piece in _pieces(path, encoding)]
    parts = passes.map("read-csv", _read_part, pieces, sep, encoding, texts)
    layouts = _layouts(passes, parts, "reading the CSV files")
    first = layouts[0][0]
    for piece, (columns, _, _, _) in zip(pieces[1:], layouts[1:]):
        if set(columns) != set(first):
            raise DataError(_columns_differ(piece[0], columns, files[0], first))
    kinds = _unified(first, [_in_order(layout, first) for layout in layouts])
    # A column of numbers in one file and text in another is read as text everywhere, as
    # written, as pandas reads it from one file holding both.
    mixed = [name for name, (_, as_text) in kinds.items() if as_text]
    for i, (columns, dtypes, empty, _) in enumerate(layouts):
        order = dict(zip(columns, range(len(columns))))
        again = [name for name in mixed if _kind(dtypes[order[name]]) != "O" and
                 not empty[order[name]]]
        if again:
            parts[i] = passes.map("read-csv", _read_part, [pieces[i]], sep, encoding,
                                  texts + again)[0]
    dtypes = {name: dtype for name, (dtype, _) in kinds.items()}
    parts = passes.map("align", _aligned, parts, first, dtypes)
    sizes = [layout[3] for layout in layouts]
    # The rows of a file's later parts are named as in the whole file: after the earlier's.
    before = 0
    for i, piece in enumerate(pieces):
        before = 0 if piece[1] == 0 else before
        if before:
            parts[i] = passes.map("number", _numbered, [parts[i]], before)[0]
        before += sizes[i]
    if not sum(sizes):
        raise DataError(f"{printable(pattern)}: the files have a header but no data rows")
    passes.wait(parts, "reading the CSV files")
    meta = _meta(first, dtypes, pattern)
    return parts, sizes, meta, pattern, files


def _from_dask(passes, frame, name=None):
    names = checked_names(frame.columns)
    if not names:
        raise DataError("the table has no columns")
    # Each partition a future of its pandas DataFrame, made on the workers.
    parts = passes.session.client.compute(frame.to_delayed())
    try:
        passes.wait(parts, "reading the partitions")
    except (ValueError, TypeError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"a partition of the dask DataFrame cannot be made: "
                        f"{_in_one_line(exc)}") from None
    layouts = _layouts(passes, parts, "reading the partitions")
    kinds = _unified(list(frame.columns), [layout[1:] for layout in layouts])
    dtypes = {str(name): dtype for name, (dtype, _) in kinds.items()}
    parts = passes.map("align", _aligned, parts, list(frame.columns), dtypes, names)
    passes.wait(parts, "reading the partitions")
    sizes = [layout[3] for layout in layouts]
    if not sum(sizes):
        raise DataError("the table has no rows")
    return parts, sizes, _meta(names, dtypes, name), name, None


# --- reading: the tasks and their checks ----------------------------------------------------------


def matching(pattern) -> list:
    """The files of ``pattern`` (a path, or a glob pattern), sorted, as absolute paths.

    Parameters
    ----------
    pattern : str
        A path or a glob pattern, such as ``"data/part-*.csv"`` (``~`` is the home folder).

    Returns
    -------
    list of str
        The files.

    Raises
    ------
    DataError
        For "-" (standard input, which the workers cannot read), a pattern that matches no
        file, a folder, or a path that does not exist.
    """
    if pattern == "-":
        raise DataError("standard input cannot be read by a cluster's workers; give the "
                        "path of CSV files they can read")
    path = os.path.expanduser(pattern)
    if glob.has_magic(path):
        files = sorted(f for f in glob.glob(path) if os.path.isfile(f))
        if not files:
            raise DataError(f"{printable(pattern)}: no file matches this pattern")
    elif os.path.isdir(path):
        raise DataError(f"{printable(pattern)}: is a directory; give its files as a pattern, "
                        f"such as '{printable(os.path.join(pattern, '*.csv'))}'")
    elif not os.path.exists(path):
        raise DataError(f"{printable(pattern)}: no such file")
    else:
        files = [path]
    return [os.path.abspath(f) for f in files]


def _pieces(path, encoding) -> list:
    """(path, first byte, end) of the parts a file is read in: ``BLOCK_BYTES`` each for a large
    uncompressed file in an encoding whose line ends are the byte \\n, else the whole file."""
    size = os.path.getsize(path)
    whole = [(path, 0, None)]
    if size <= BLOCK_BYTES or os.path.splitext(path)[1].lower() in COMPRESSION:
        return whole
    if (encoding or "utf-8").lower().replace("_", "-").startswith(("utf-16", "utf-32")):
        return whole
    return [(path, start, min(start + BLOCK_BYTES, size))
            for start in range(0, size, BLOCK_BYTES)]


def _read_part(piece, sep, encoding, texts):
    path, start, stop = piece
    return read_csv(path, sep=sep, encoding=encoding, text_columns=texts, allow_empty=True,
                    byte_range=None if stop is None else (start, stop))


def _numbered(frame, before):
    """The part of a file whose rows come after ``before`` rows of the parts before it."""
    frame = frame.copy(deep=False)  # the worker's copy of the part stays as it is
    frame.attrs = {**frame.attrs, "first_row": frame.attrs.get("first_row", 2) + before}
    return frame


def _layout(frame):
    """(column names, their dtypes as text, which columns have rows but no value in them,
    rows)."""
    return (list(frame.columns), [str(t) for t in frame.dtypes],
            [len(frame) > 0 and bool(frame[c].isna().all()) for c in frame.columns], len(frame))


def _layouts(passes, parts, doing) -> list:
    futures = passes.map("layout", _layout, parts)
    passes.wait(futures, doing)
    return passes.session.client.gather(futures)


def _in_order(layout, columns):
    order = dict(zip(layout[0], range(len(layout[0]))))
    return ([layout[1][order[c]] for c in columns], [layout[2][order[c]] for c in columns],
            layout[3])


def _columns_differ(path, columns, first_path, first) -> str:
    lacking = [c for c in first if c not in columns]
    extra = [c for c in columns if c not in first]
    what = (f"has no column {printable(lacking[0])!r}" if lacking else
            f"has a column {printable(extra[0])!r}")
    return (f"{printable(path)}: {what}, unlike {printable(first_path)}; the files of a table "
            "need the same columns")


def _unified(columns, layouts) -> dict:
    """{column: (the dtype every partition takes, whether some partitions must read it again
    as text)}, from each partition's (dtypes, columns with rows but no value, rows). The dtype
    is the one pandas gives the rows of all partitions in one file: whole numbers with gaps (a
    partition of gaps only) as float, whole numbers and fractions as float, and numbers or
    true/false beside text as text. Partitions without rows have no say."""
    unified = {}
    for j, name in enumerate(columns):
        dtypes = [layout[0][j] for layout in layouts if layout[2]] or \
            [layout[0][j] for layout in layouts]
        empty = [layout[1][j] for layout in layouts if layout[2]] or [False] * len(dtypes)
        informative = [d for d, gap in zip(dtypes, empty) if not gap] or dtypes
        kinds = {_kind(d) for d in informative}
        gaps = any(empty) and len(informative) < len(dtypes)
        if len(set(informative)) == 1 and not (gaps and kinds <= set("iub")):
            unified[name] = (informative[0], False)
        elif kinds <= set("iu") or (kinds <= set("iuf")):
            unified[name] = ("float64", False)
        elif kinds == {"b"}:  # true/false with gaps: Python objects, as pandas gives them
            unified[name] = ("object", False)
        else:
            unified[name] = ("object", True)
    return unified


def _in_one_line(exc) -> str:
    """Dask's message in one line: its first, and the rows of a table of mismatched dtypes
    (dask.dataframe.read_csv's, when a partition's types differ from the first's)."""
    lines = str(exc).strip().splitlines() or [type(exc).__name__]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines
            if line.startswith("|") and line.count("|") == 4]
    if len(rows) > 1 and rows[0] == ["Column", "Found", "Expected"]:
        found = "; ".join(f"column {name!r}: {got}, expected {wanted}"
                          for name, got, wanted in rows[1:])
        return (f"{lines[0].rstrip('.')} ({found}): pass dask's read_csv the column's dtype, "
                "or give neuronet the files, which it reads one by one")
    return lines[0]


def _kind(dtype) -> str:
    """The kind of a dtype named as ``str(dtype)`` gives it (pandas' own dtypes too)."""
    try:
        return pandas().api.types.pandas_dtype(dtype).kind
    except TypeError:
        return "O"


def _aligned(frame, columns, dtypes, names=None):
    """The partition with the columns in order, of the table's dtypes (and names)."""
    if list(frame.columns) != list(columns):
        frame = frame[list(columns)]
    change = {c: dtypes[str(c)] for c in frame.columns if str(frame[c].dtype) != dtypes[str(c)]}
    if change:
        frame = frame.astype(change)
    if names is not None and list(frame.columns) != names:
        frame = frame.set_axis(names, axis=1)
    return frame


def _meta(columns, dtypes, name):
    pd = pandas()
    meta = pd.DataFrame({c: pd.Series([], dtype=dtypes[c]) for c in columns})
    if name:
        meta.attrs["source"] = name
    return meta


