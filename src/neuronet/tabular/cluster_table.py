"""A table held by a Dask cluster's workers, and what the preparation needs of it.

``Table`` keeps one pandas DataFrame per partition in the workers' memory and never gathers
them: its methods are the distributed ``roles.infer_roles``, the rows with a target value and
``statistics.gather``, each made of passes over the partitions whose reports ``partials``
computes and combines exactly (see ``distributed`` for the passes). ``targets_of`` is the
target's task and coding, ``medians`` the exact medians of numbers, found by narrowing
(``ranks``).
"""

from __future__ import annotations

import math

import numpy as np

from .._text import printable
from ..dask.session import Session, client_of
from . import partials, ranks
from .distributed import Passes, read_parts
from .reading import DataError, where
from .roles import NumberSurvey, infer_roles
from .statistics import (
    CYCLES,
    QUANTILES,
    CategoryStatistics,
    NumberStatistics,
    quantile_ranks,
    quantile_value,
)
from .target import TargetCoding, check_classes, class_list, has_target, one_value, task_rule

__all__ = ["KEEP_COUNTS", "Table", "medians", "targets_of"]

#: A category column's counts come back whole up to this many distinct values; beyond, its most
#: frequent ones only (as many as the preparation can keep, and one more).
KEEP_COUNTS = 1000


class Table:
    """A table held by a Dask cluster: one pandas DataFrame per partition, in the workers'
    memory, never gathered to the client.

    ``Table.read(data, client)`` reads it; ``infer_roles``, ``with_target`` and ``gather`` are
    the distributed ``roles.infer_roles``, the rows with a target value and
    ``statistics.gather``: the same roles and statistics as on the whole table in memory.
    ``columns``, ``rows``, ``sizes`` (rows per partition), ``name`` (the files, for messages);
    ``to_dask()`` gives the partitions as a dask DataFrame; ``release()`` lets the cluster
    forget them.

    Parameters
    ----------
    passes : Passes
        The cluster's passes, which the table's methods send.
    parts : list of distributed.Future
        The partitions, each a pandas DataFrame on a worker.
    sizes : list of int
        The rows of each partition.
    meta : pandas.DataFrame
        An empty DataFrame of the table's columns and dtypes.
    name : str or None
        The table's name (its files' path or pattern), for messages.
    files : list of str, optional
        The files it was read from, or None.
    """

    def __init__(self, passes, parts, sizes, meta, name, files=None):
        self.passes, self.parts, self.sizes, self.meta = passes, list(parts), list(sizes), meta
        self.name, self.files = name, files
        self.columns = list(meta.columns)
        self.rows = int(sum(sizes))

    @classmethod
    def read(cls, data, client, *, sep=None, encoding=None, text_columns=(), timeout=30):
        """The table ``data`` on the cluster of ``client`` (a distributed.Client), read by
        ``distributed.read_parts``: CSV files (a path or a pattern), a dask DataFrame, or a
        pandas DataFrame or dict of columns. ``sep``, ``encoding`` and ``text_columns`` are as
        for ``read_csv``; ``timeout``: seconds to wait for a scheduler that does not answer.

        Parameters
        ----------
        data : str, os.PathLike, dask DataFrame, pandas DataFrame or dict
            The table.
        client : distributed.Client
            The cluster's client.
        sep, encoding, text_columns
            For CSV files, as for ``read_csv``.
        timeout : float, default 30
            Seconds to wait for a scheduler that does not answer.

        Returns
        -------
        Table
            The table, held by the workers.

        Raises
        ------
        DataError
            As ``distributed.read_parts`` raises it: no file matches, the files' columns
            differ, no rows, a problem in a file.
        """
        passes = Passes(Session(client_of(client), timeout))
        return cls(passes, *read_parts(passes, data, sep=sep, encoding=encoding,
                                       text_columns=text_columns))

    def to_dask(self):
        """The partitions as a dask DataFrame (on the cluster, not computed again).

        Returns
        -------
        dask.dataframe.DataFrame
            One partition per partition of the table.
        """
        import dask.dataframe as dd

        return dd.from_delayed(self.parts, meta=self.meta.iloc[:0], verify_meta=False)

    def release(self) -> None:
        """Let the cluster forget the partitions and what the passes held; the table is empty
        afterwards."""
        self.parts = []
        self.passes.session.release()

    # --- roles ------------------------------------------------------------------------------------

    def infer_roles(self, target, *, categorical=None, numeric=None, exclude=None, id=None,
                    features=None) -> list:
        """``roles.infer_roles`` for this table: the same roles, read from one survey of the
        partitions (and, for whole numbers that may be an ID, a pass that looks for a number
        seen twice).

        Parameters
        ----------
        target : str
            The column to predict.
        categorical, numeric, exclude, id, features
            As for ``roles.infer_roles``.

        Returns
        -------
        list of Role
            One per column, in the table's order.

        Raises
        ------
        DataError
            As ``roles.infer_roles`` raises it.
        """
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
        """(the Table of the rows that have a value in ``target``, how many do not).

        Parameters
        ----------
        target : str
            The target column.

        Returns
        -------
        table : Table
            The rows with a target value (this table itself when every row has one).
        dropped : int
            How many rows had none.

        Raises
        ------
        DataError
            When no row has a target value.
        """
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
        that ``Preparation.fit`` can use when it keeps fewer than ``keep`` values).

        Parameters
        ----------
        roles : list of Role
            The role of each column.
        keep : int, default KEEP_COUNTS
            How many of a category column's values to keep the counts of.

        Returns
        -------
        dict of str to NumberStatistics or CategoryStatistics
            The statistics of each learned column, in the order of ``statistics.gather``.

        Raises
        ------
        DataError
            When a numeric or date column has no value in any training row, or a partition
            holds a value that cannot be read (an infinite number, say).
        """
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
                counts = [s["moments"][0] for s in summary]
                middles = medians(self.passes, blocks, counts)
                found = quantiles(self.passes, blocks, counts[:len(numeric)], QUANTILES)
            finally:
                del blocks  # the cluster forgets them
            for j, name in enumerate(columns):
                part = summary[j]
                count, scale, mean, m2 = part["moments"]
                cycles = ()
                if j >= len(numeric):
                    cycles = tuple(cycle for cycle in CYCLES if part["cycles"][cycle])
                stats[name] = NumberStatistics(self.rows, self.rows - count, middles[j],
                                               float(mean * scale),
                                               float(math.sqrt(m2 / count) * scale), cycles,
                                               found[j] if j < len(numeric) else ())
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


def targets_of(table, target, task):
    """(whether the task was inferred, the TargetCoding) of the target of ``table`` (rows with
    a target value; ``task``: the one asked for, or None), with the errors of a local run.

    Parameters
    ----------
    table : Table
        The rows with a target value.
    target : str
        The target column.
    task : {"classification", "regression"} or None
        The task asked for; None infers it by ``TASK_RULE``.

    Returns
    -------
    inferred : bool
        Whether the task was inferred.
    coding : TargetCoding
        The classes, or the target's center and scale.

    Raises
    ------
    DataError
        When a regression target holds a value that is not a finite number or never
        changes, or a classification target holds an infinity or only one class.
    """
    summary = table.passes.reduce("target", partials.target_part, table.parts, (target,),
                                  partials.merge_targets, None, "reading the target")
    inferred = task is None
    if inferred:
        task = task_rule(summary["kind"], summary["unparsed"], len(summary["distinct"]),
                         summary["whole"], summary["rows"])
    if task == "classification":
        if summary["kind"] == "f" and summary["problem"]:  # infinity: no class, as locally
            raise DataError(summary["problem"])
        kind, distinct = table.passes.reduce("classes", partials.classes_part, table.parts,
                                             (target,), partials.merge_classes, None,
                                             "listing the classes")
        classes, texts = class_list(kind, distinct)
        check_classes(classes, texts, where(table.meta), target)
        return inferred, TargetCoding(task, classes, texts)
    if summary["problem"]:
        raise DataError(summary["problem"])
    if summary["low"] == summary["high"]:
        raise one_value(where(table.meta), target, summary["low"])
    count, scale, mean, m2 = summary["moments"]
    return inferred, TargetCoding(task, center=float(mean * scale),
                                  scale=float(math.sqrt(m2 / count) * scale))


# --- medians --------------------------------------------------------------------------------------


def quantiles(passes, blocks, counts, qs) -> list:
    """For each of the first ``len(counts)`` columns of the partitions' ``blocks``, the tuple
    of its quantiles ``qs``, exactly as ``statistics.gather`` computes them (the values at two
    ranks, found by narrowing as the medians are, then ``quantile_value``)."""
    wanted = []
    for j, count in enumerate(counts):
        for q in qs:
            lower, upper, fraction = quantile_ranks(count, q)
            wanted.append((j, lower, upper, fraction))
    needed = sorted({(j, rank) for j, lower, upper, _ in wanted for rank in (lower, upper)})
    values = _rank_values(passes, blocks, needed, counts)
    found = [quantile_value(values[j, lower], values[j, upper], fraction)
             for j, lower, upper, fraction in wanted]
    return [tuple(found[j * len(qs):(j + 1) * len(qs)]) for j in range(len(counts))]


def _rank_values(passes, blocks, needed, counts) -> dict:
    """{(column, rank): the value of that rank (from 0) among the column's values}, for each
    (column, rank) of ``needed``."""
    searches = {(j, rank): ranks.Search(j, rank, counts[j]) for j, rank in needed}
    pending = list(searches.values())
    while pending:
        requests = [s.request() for s in pending]
        results = passes.reduce("quantile", ranks.narrow_part, blocks, (requests,),
                                ranks.merge_narrowed, ranks.sorted_candidates,
                                "finding the quantiles")
        for search, request, result in zip(pending, requests, results):
            search.narrow(request[3], result)
        pending = [s for s in pending if s.value is None]
    return {key: search.value for key, search in searches.items()}


def medians(passes, blocks, counts) -> list:
    """The median of each column of the partitions' ``blocks`` (``counts``: its values that are
    not NaN), exactly as ``np.nanmedian`` gives it.

    Each pass narrows the range holding the middle values (``ranks.Search``), until they
    are found; two or three passes on most columns.

    Parameters
    ----------
    passes : Passes
        The cluster's passes.
    blocks : list of distributed.Future
        Each partition's numbers and dates as ``partials.numbers_part`` gives them.
    counts : list of int
        For each column, how many of its values are not NaN (at least one).

    Returns
    -------
    list of float
        The median of each column.
    """
    searches = []
    for j, count in enumerate(counts):
        wanted = sorted({(count - 1) // 2, count // 2})
        searches.append([ranks.Search(j, rank, count) for rank in wanted])
    pending = [s for pair in searches for s in pair]
    while pending:
        requests = [s.request() for s in pending]
        results = passes.reduce("median", ranks.narrow_part, blocks, (requests,),
                                ranks.merge_narrowed, ranks.sorted_candidates,
                                "finding the medians")
        for search, request, result in zip(pending, requests, results):
            search.narrow(request[3], result)
        pending = [s for s in pending if s.value is None]
    found = []
    for pair in searches:
        values = np.array([s.value for s in pair])
        # As NumPy computes a median: the middle value, or the mean of the middle two.
        found.append(float(values[0]) if len(values) == 1 else float(np.mean(values)))
    return found
