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
"""

from __future__ import annotations

import glob
import importlib.util
import logging
import math
import os

import numpy as np

from .. import dask as cluster
from .._text import printable
from ..callbacks import EarlyStopping
from ..dask.session import RETRIES, ClusterError, Lost, Session, client_of, is_frame
from . import partials
from .learning import (
    Design,
    check_classes,
    check_inputs,
    class_codes,
    class_list,
    describe_table,
    has_target,
    make_optimizer,
    one_value,
    regression_numbers,
    standardized,
    task_rule,
    text_columns,
    trained_model,
)
from .model import TabularModel
from .preparation import Preparation
from .reading import (
    COMPRESSION,
    DataError,
    as_frame,
    checked_names,
    pandas,
    read_csv,
    where,
)
from .roles import NumberSurvey, infer_roles
from .statistics import CYCLES, CategoryStatistics, NumberStatistics

__all__ = ["Table", "connect", "train_on_cluster"]

#: A category column's counts come back whole up to this many distinct values; beyond, its most
#: frequent ones only (as many as the preparation can keep, and one more).
KEEP_COUNTS = 1000
#: A CSV file larger than this is read in parts of this many bytes, each by a task of its own
#: (uncompressed files whose lines end with the byte \n; as dask.dataframe.read_csv does, a
#: file whose quoted fields hold line breaks must then come in several files instead).
BLOCK_BYTES = 64 << 20


# --- the cluster ----------------------------------------------------------------------------------


def connect(client, timeout=60):
    """(a distributed.Client, the LocalCluster started for it or None, whether the client
    was made here) for ``client``: a Client (used as it is), a scheduler's address
    ("tcp://host:8786", "host:8786"), or "local" / "local:N" for a LocalCluster of N worker
    processes of one thread each on this machine (default N: this machine's cores).
    ConnectionError if no scheduler answers at the address within ``timeout`` seconds."""
    import distributed

    if isinstance(client, distributed.Client):
        return client, None, False
    if not isinstance(client, str) or not client.strip():
        raise ValueError(f"client must be a distributed.Client, a scheduler's address or "
                         f"'local[:N]', got {client!r}")
    spec = client.strip()
    if spec == "local" or spec.startswith("local:"):
        count = spec.partition(":")[2]
        if count and not (count.isdigit() and int(count) >= 1):
            raise ValueError(f"expected 'local' or 'local:N' with N a number of worker processes "
                             f"of at least 1, got {spec!r}")
        n_workers = int(count) if count else _cores()
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
    try:
        return distributed.Client(spec, timeout=timeout), None, True
    except ValueError as exc:  # an address that is no address
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


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _describe_cluster(client, local) -> str:
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


class _Passes:
    """The work sent to the partitions: named tasks (on the dashboard: neuronet-survey,
    neuronet-statistics, neuronet-median...), their reports combined by a tree of tasks on the
    workers, and the count of passes made."""

    def __init__(self, session):
        self.session = session
        self.count = 0

    def map(self, what, function, parts, *args) -> list:
        """Futures of ``function(part, *args)`` for each partition."""
        client = self.session.client
        return [client.submit(function, part, *args, key=self.session.key(what))
                for part in parts]

    def reduce(self, what, function, parts, args, merge, finish=None, doing=""):
        """``finish(merge(function(part, *args) for each part))``, computed on the workers; the
        client receives the finished result only. An error of a partition is raised as it is
        (the first partition's, in order)."""
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
        self.session.wait(futures, doing)


# --- the table on the cluster ---------------------------------------------------------------------


class Table:
    """A table held by a Dask cluster: one pandas DataFrame per partition, in the workers'
    memory, never gathered to the client.

    ``Table.read(data, client)`` reads it; ``infer_roles``, ``with_target`` and ``gather`` are
    the distributed ``roles.infer_roles``, the rows with a target value and
    ``statistics.gather``: the same roles and statistics as on the whole table in memory.
    ``columns``, ``rows``, ``sizes`` (rows per partition), ``name`` (the files, for messages);
    ``to_dask()`` gives the partitions as a dask DataFrame; ``release()`` lets the cluster
    forget them.
    """

    def __init__(self, passes, parts, sizes, meta, name, files=None):
        self.passes, self.parts, self.sizes, self.meta = passes, list(parts), list(sizes), meta
        self.name, self.files = name, files
        self.columns = list(meta.columns)
        self.rows = int(sum(sizes))

    # --- reading ----------------------------------------------------------------------------------

    @classmethod
    def read(cls, data, client, *, sep=None, encoding=None, text_columns=(), timeout=60):
        """The table ``data`` on the cluster of ``client`` (a distributed.Client): CSV files
        (a path or a pattern such as ``"data/part-*.csv"``, one partition per file, read by the
        workers, which must see the same paths), a dask DataFrame (its partitions), or a
        pandas DataFrame or dict of columns (split into a partition per worker thread).
        ``sep``, ``encoding`` and ``text_columns`` are as for ``read_csv``."""
        passes = _Passes(Session(client_of(client), timeout))
        if isinstance(data, (str, os.PathLike)):
            return cls._read_files(passes, os.fspath(data), sep, encoding, list(text_columns))
        if is_frame(data):
            return cls._from_dask(passes, data)
        frame = as_frame(data)  # a pandas DataFrame or dict of columns; errors as locally
        import dask.dataframe as dd

        threads = sum(passes.session.client.nthreads().values()) or 1
        return cls._from_dask(passes, dd.from_pandas(frame, npartitions=min(threads,
                                                                            len(frame))),
                              name=frame.attrs.get("source"))

    @classmethod
    def _read_files(cls, passes, pattern, sep, encoding, texts):
        files = _matching(pattern)
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
        return cls(passes, parts, sizes, meta, pattern, files)

    @classmethod
    def _from_dask(cls, passes, frame, name=None):
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
        return cls(passes, parts, sizes, _meta(names, dtypes, name), name)

    def to_dask(self):
        """The partitions as a dask DataFrame (on the cluster, not computed again)."""
        import dask.dataframe as dd

        return dd.from_delayed(self.parts, meta=self.meta.iloc[:0], verify_meta=False)

    def release(self) -> None:
        self.parts = []
        self.passes.session.release()

    # --- roles ------------------------------------------------------------------------------------

    def infer_roles(self, target, *, categorical=None, numeric=None, exclude=None, id=None,
                    features=None) -> list:
        """``roles.infer_roles`` for this table: the same roles, read from one survey of the
        partitions (and, for whole numbers that may be an ID, a pass that looks for a number
        seen twice)."""
        asked = {target}
        for value in (categorical, exclude, id):
            asked.update([value] if isinstance(value, str) else value or ())
        if features is not None:
            chosen = [features] if isinstance(features, str) else list(features)
            asked.update(c for c in self.columns if c not in chosen)
        surveyed = [c for c in self.columns if c not in asked or
                    c in ([numeric] if isinstance(numeric, str) else numeric or ())]
        summaries = {}

        def survey(name):
            if not summaries:  # one pass for all the columns, when the rule first asks
                summaries.update(self.passes.reduce(
                    "survey", partials.survey_part, self.parts, (surveyed,),
                    partials.merge_surveys, partials.finish_survey, "surveying the columns"))
            return _Survey(summaries[name], lambda: self._all_distinct(name))

        return infer_roles(self.meta, target, categorical=categorical, numeric=numeric,
                           exclude=exclude, id=id, features=features, survey=survey)

    def _all_distinct(self, name) -> bool:
        return self.passes.reduce("distinct", partials.distinct_part, self.parts, (name,),
                                  partials.merge_distinct, partials.finish_distinct,
                                  f"looking for a number seen twice in {printable(name)!r}")

    # --- the rows with a target -------------------------------------------------------------------

    def with_target(self, target):
        """(the Table of the rows that have a value in ``target``, how many do not)."""
        counts = self.passes.reduce("target-rows", _target_rows_part, self.parts, (target,),
                                    _add, None, "counting the rows with a target value")
        dropped = self.rows - counts["kept"]
        if not counts["kept"]:
            raise DataError(f"{where(self.meta)}the target column {printable(target)!r} has no "
                            "values")
        if not dropped:
            return self, 0
        parts = self.passes.map("with-target", _with_target, self.parts, target)
        sizes = self.passes.reduce("target-rows", _sizes_part, parts, (), _concatenate, None,
                                   "setting aside the rows without a target value")
        return Table(self.passes, parts, sizes, self.meta, self.name, self.files), dropped

    # --- statistics -------------------------------------------------------------------------------

    def gather(self, roles, *, keep=KEEP_COUNTS) -> dict:
        """``statistics.gather`` for this table: {column: NumberStatistics or
        CategoryStatistics} for the learned columns of ``roles``. A category column with more
        than ``keep`` distinct values keeps the counts of its ``keep`` most frequent ones (all
        that ``Preparation.fit`` can use when it keeps fewer than ``keep`` values)."""
        numeric = [r.column for r in roles if r.role == "numeric"]
        dates = [r for r in roles if r.role == "date"]
        texts = [r.column for r in roles if r.role in ("category", "boolean")]
        stats = {}
        if numeric or dates:
            blocks = self.passes.map("numbers", partials.numbers_part, self.parts, numeric,
                                     [(r.column, r.date_format) for r in dates])
            try:
                summary = self.passes.reduce(
                    "statistics", partials.block_part, blocks, (len(numeric),),
                    partials.merge_blocks, partials.finish_blocks,
                    "gathering the statistics of numbers and dates")
                columns = numeric + [r.column for r in dates]
                for j, name in enumerate(numeric):
                    if not summary[j]["moments"][0]:
                        raise DataError(f"{where(self.meta)}column {printable(name)!r} has no "
                                        "value in any training row")
                for j, role in enumerate(dates, len(numeric)):
                    if not summary[j]["moments"][0]:
                        raise DataError(f"{where(self.meta)}column {printable(role.column)!r} "
                                        "has no date in any training row")
                medians = _medians(self.passes, blocks, [s["moments"][0] for s in summary])
            finally:
                del blocks  # the cluster forgets them
            for j, name in enumerate(columns):
                part = summary[j]
                count, scale, mean, m2 = part["moments"]
                cycles = ()
                if j >= len(numeric):
                    cycles = tuple(cycle for cycle in CYCLES if part["cycles"][cycle])
                stats[name] = NumberStatistics(self.rows, self.rows - count, medians[j],
                                               float(mean * scale),
                                               float(math.sqrt(m2 / count) * scale), cycles)
        if texts:
            counts = self.passes.reduce("counts", partials.counts_part, self.parts, (texts,),
                                        partials.merge_counts, partials.KeepCounts(keep),
                                        "counting the categories")
            for name in texts:
                missing, values = counts[name]
                stats[name] = CategoryStatistics(self.rows, missing, values)
        # In the order of statistics.gather: the numbers, then the others as they come.
        order = numeric + [r.column for r in roles if r.role in ("date", "category", "boolean")]
        return {name: stats[name] for name in order}


# --- reading: the tasks and their checks ----------------------------------------------------------


def _matching(pattern) -> list:
    """The files of ``pattern`` (a path, or a glob pattern), sorted, as absolute paths."""
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


# --- the survey, for the roles --------------------------------------------------------------------


class _Survey:
    """The survey of one column from a table's partitions: what ``roles.ColumnSurvey`` says of
    a column in memory."""

    def __init__(self, part, all_distinct):
        self.rows, self.kind, self.missing = part["rows"], part["kind"], part["missing"]
        self.first = part["first"]
        self.truths = len(part.get("truths", ()))
        present, low, high, whole = part["numbers"]
        self.numbers = NumberSurvey(present, low, high, whole, all_distinct)
        self.unparsed, self.unparsed_example = part["unparsed"], part["example"]
        self.text_missing = part.get("text_missing", 0)
        self.distinct_count = part.get("distinct_count", 0)
        self.first_distinct = part.get("first_distinct")
        self.boolean_text = part.get("boolean_text", False)
        self.date_format = part.get("date_format")


# --- the target -----------------------------------------------------------------------------------


def _add(*parts) -> dict:
    total = dict(parts[0])
    for part in parts[1:]:
        for key, value in part.items():
            total[key] += value
    return total


def _concatenate(*parts) -> list:
    return [item for part in parts for item in (part if isinstance(part, list) else [part])]


def _target_rows_part(frame, target) -> dict:
    return {"kept": int(has_target(frame, target).sum())}


def _with_target(frame, target):
    present = has_target(frame, target)
    return frame if present.all() else frame[present]


def _sizes_part(frame) -> list:
    return [len(frame)]


def _targets_of(table, target, task):
    """(task, classes, their texts, center, scale) of the target of ``table`` (rows with a
    target value), with the errors of a local run."""
    summary = table.passes.reduce("target", partials.target_part, table.parts, (target,),
                                  partials.merge_targets, None, "reading the target")
    inferred = task is None
    if inferred:
        task = task_rule(summary["kind"], summary["unparsed"], len(summary["distinct"]),
                         summary["whole"], summary["rows"])
    if task == "classification":
        kind, distinct = table.passes.reduce("classes", partials.classes_part, table.parts,
                                             (target,), partials.merge_classes, None,
                                             "listing the classes")
        classes, texts = class_list(kind, distinct)
        check_classes(classes, texts, where(table.meta), target)
        return task, inferred, classes, texts, 0.0, 1.0
    if summary["problem"]:
        raise DataError(summary["problem"])
    if summary["low"] == summary["high"]:
        raise one_value(where(table.meta), target, summary["low"])
    count, scale, mean, m2 = summary["moments"]
    return task, inferred, None, None, float(mean * scale), float(math.sqrt(m2 / count) * scale)


# --- medians --------------------------------------------------------------------------------------


def _medians(passes, blocks, counts) -> list:
    """The median of each column of the partitions' ``blocks`` (``counts``: its values that are
    not NaN), exactly as ``np.nanmedian`` gives it."""
    searches = []
    for j, count in enumerate(counts):
        ranks = sorted({(count - 1) // 2, count // 2})
        searches.append([partials.Search(j, rank, count) for rank in ranks])
    pending = [s for pair in searches for s in pair]
    while pending:
        requests = [s.request() for s in pending]
        results = passes.reduce("median", partials.narrow_part, blocks, (requests,),
                                partials.merge_narrowed, partials.sorted_candidates,
                                "finding the medians")
        for search, request, result in zip(pending, requests, results):
            search.narrow(request[3], result)
        pending = [s for s in pending if s.value is None]
    medians = []
    for pair in searches:
        values = np.array([s.value for s in pair])
        # As NumPy computes a median: the middle value, or the mean of the middle two.
        medians.append(float(values[0]) if len(values) == 1 else float(np.mean(values)))
    return medians


# --- preparing the partitions ---------------------------------------------------------------------


def _inputs_part(frame, preparation):
    X = preparation.transform(frame)
    check_inputs(X, preparation, frame)
    return X


def _targets_part(frame, target, task, texts, center, scale, as_column):
    """The network's targets for one partition: class indices (a column of 0.0 and 1.0 for
    one sigmoid output) or the standardized numbers."""
    if task == "classification":
        y = class_codes(frame[target], texts)
        return y[:, None].astype(np.float64) if as_column else y
    return standardized(regression_numbers(frame, target), center, scale, frame, target)


def _subset_part(X, seed, index, split, held_out):
    """The rows of one partition that a split keeps for training, or holds out: the
    partition's own permutation, seeded by the seed and the partition's index."""
    order = np.random.default_rng([seed, index]).permutation(len(X))
    rows = _split_rows(order, split, held_out)
    return X[rows]


def _split_rows(order, split, held_out):
    """The rows (sorted) that ``split`` holds out, or keeps, of a partition whose rows are in
    the random ``order``: ("held-out", share, None) the first share of them, ("fold", k, folds)
    every folds-th from the k-th."""
    kind, a, b = split
    if kind == "held-out":
        n_val = int(round(len(order) * a))
        return np.sort(order[:n_val] if held_out else order[n_val:])
    mask = np.zeros(len(order), dtype=bool)
    mask[order[a::b]] = True
    return np.flatnonzero(mask if held_out else ~mask)


def _split_size(size, split, held_out) -> int:
    kind, a, b = split
    if kind == "held-out":
        n_val = int(round(size * a))
    else:
        n_val = len(range(a, size, b))
    return n_val if held_out else size - n_val


class _ClusterTrainer:
    """Trains fresh networks on the prepared partitions with ``neuronet.dask.fit``, for
    ``learning.choose_and_train``: held-out rows are drawn in each partition by its own
    seeded permutation (the same rows whichever workers hold them)."""

    def __init__(self, session, X, y, sizes, n_features, design, optimizer, learning_rate,
                 batch_size, seed, progress, timeout):
        self.session, self.X, self.y, self.sizes = session, X, y, sizes
        self.n_features, self.design = n_features, design
        self.optimizer, self.learning_rate = optimizer, learning_rate
        self.batch_size, self.seed, self.progress, self.timeout = \
            batch_size, seed, progress, timeout
        self.n = int(sum(sizes))
        self.unit = "iterations" if optimizer == "lbfgs" else "rounds"

    def held_out(self, n_val):
        return ("held-out", n_val / self.n, None)

    def fold(self, k, folds):
        return ("fold", k, folds)

    def _arrays(self, split, held_out):
        import dask.array as da

        client = self.session.client
        X, y, sizes = self.X, self.y, self.sizes
        if split is not None:
            X = [client.submit(_subset_part, part, self.seed, i, split, held_out,
                               key=self.session.key("split")) for i, part in enumerate(X)]
            y = [client.submit(_subset_part, part, self.seed, i, split, held_out,
                               key=self.session.key("split")) for i, part in enumerate(y)]
            sizes = [_split_size(size, split, held_out) for size in sizes]
        kept = [i for i, size in enumerate(sizes) if size]
        y_shape = (1,) if self.design.output == "sigmoid" else ()
        y_dtype = np.float64 if self.design.output != "softmax" else np.int64
        return (da.concatenate([da.from_delayed(X[i], shape=(sizes[i], self.n_features),
                                                dtype=np.float64) for i in kept]),
                da.concatenate([da.from_delayed(y[i], shape=(sizes[i], *y_shape),
                                                dtype=y_dtype) for i in kept]),
                sum(sizes))

    def fit(self, split, n_epochs, patience=None):
        net = self.design.network()
        X, y, n_fit = self._arrays(split, held_out=False)
        validation, n_val, callbacks = None, 0, []
        if split is not None:
            X_val, y_val, n_val = self._arrays(split, held_out=True)
            validation = (X_val, y_val)
            if patience is not None:
                callbacks.append(EarlyStopping(patience, monitor="val_loss"))
        history = cluster.fit(net, X, y, loss=self.design.loss,
                              optimizer=make_optimizer(self.optimizer, self.learning_rate),
                              max_iter=n_epochs, client=self.session.client,
                              batch_size=self.batch_size, metrics=self.design.metrics,
                              validation_data=validation, callbacks=callbacks,
                              progress=self.progress, timeout=self.timeout)
        return net, history, n_fit, n_val


# --- training -------------------------------------------------------------------------------------


def train_on_cluster(data, target, *, client, timeout, task, features, categorical, numeric,
                     exclude, id, hidden, activation, epochs, batch_size, optimizer,
                     learning_rate, validation_split, early_stopping, seed, min_frequency,
                     max_categories, sep, encoding, progress, note, notes) -> TabularModel:
    """``learning.train`` with ``client``: the same steps, on the cluster's workers."""
    if isinstance(data, (str, os.PathLike)):
        _matching(os.fspath(data))  # no file: said before a cluster is started
    client, local, made = connect(client, timeout)
    try:
        table = Table.read(data, client, sep=sep, encoding=encoding,
                           text_columns=text_columns(categorical, id), timeout=timeout)
        shown = printable(table.name) if table.name else "the table"
        count = len(table.files or table.parts)
        parts = f"{count:,} {'file' if table.files else 'partition'}{'s' * (count != 1)}"
        if table.files and len(table.parts) != count:
            parts += f" read in {len(table.parts):,} parts"
        note(f"data:       {shown}: {table.rows:,} rows in {parts}, {len(table.columns):,} "
             f"columns, target {printable(target)!r}")
        note(f"cluster:    {_describe_cluster(client, local)}")
        try:
            return _train_table(table, target, timeout, task, features, categorical, numeric,
                                exclude, id, hidden, activation, epochs, batch_size, optimizer,
                                learning_rate, validation_split, early_stopping, seed,
                                min_frequency, max_categories, progress, note, notes)
        finally:
            table.release()
    finally:
        if made:
            client.close()
        if local is not None:
            local.close()


def _train_table(table, target, timeout, task, features, categorical, numeric, exclude, id,
                 hidden, activation, epochs, batch_size, optimizer, learning_rate,
                 validation_split, early_stopping, seed, min_frequency, max_categories,
                 progress, note, notes) -> TabularModel:
    passes = table.passes
    roles = table.infer_roles(target, categorical=categorical, numeric=numeric,
                              exclude=exclude, id=id, features=features)
    training, dropped = table.with_target(target)
    task, inferred, classes, texts, center, scale = _targets_of(training, target, task)
    statistics = training.gather(roles, keep=max(KEEP_COUNTS, max_categories + 1))
    preparation = Preparation.fit(roles, statistics, min_frequency=min_frequency,
                                  max_categories=max_categories)
    design = Design(task, classes, preparation.n_features, hidden, activation, seed)
    X = passes.map("prepare", _inputs_part, training.parts, preparation)
    y = passes.map("prepare-target", _targets_part, training.parts, target, task, texts,
                   center, scale, design.output == "sigmoid")
    passes.wait(X + y, "preparing the partitions")

    describe_table(note, dropped, roles, preparation, task, inferred, classes, training.rows,
                   target)
    note(f"prepared:   roles and statistics from {passes.count} passes over the "
         f"{len(training.parts):,} partitions; each partition prepared on its worker")
    note(design.line())
    if optimizer == "lbfgs":
        note("optimizer:  L-BFGS, full batch: each iteration adds up the loss and gradient of "
             "every partition")
    else:
        note(f"optimizer:  {optimizer}, model averaging: each round every partition trains a "
             "copy for an epoch of its rows, then the copies are averaged")
    trainer = _ClusterTrainer(passes.session, X, y, training.sizes, preparation.n_features,
                              design, optimizer, learning_rate, batch_size, seed, progress,
                              timeout)
    return trained_model(trainer, note, notes, preparation, target, task, classes, center,
                         scale, id, epochs=epochs, validation_split=validation_split,
                         early_stopping=early_stopping, where=where(table.meta))
