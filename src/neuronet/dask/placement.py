"""Where the work of one pass over the rows goes: the partitions in groups, one group per worker
thread, each of partitions that worker holds, so that a pass costs one task per thread rather
than one per partition.

Grouping changes nothing in the numbers: a group's task computes each of its partitions' totals
on their own and returns them side by side, and the totals are added in the fixed tree of
``batches.sum_in_order`` by partition index (``Session.tree`` picks them out of the groups'
results). Which worker holds which partition decides only where the work runs.
"""

from __future__ import annotations

import math
import time

import numpy as np

#: How often, at most, a fit asks the scheduler whether workers came or went (seconds).
REGROUP_SECONDS = 2.0


class Placement:
    """The groups of a fit's partitions (``rows``, a ``rows.Rows``), asked of the scheduler
    again when workers come or go (the work of a lost worker runs elsewhere meanwhile: the
    places are hints).

    Parameters
    ----------
    session : Session
        The fit's session with the cluster.
    rows : Rows
        The fit's partitions.
    """

    def __init__(self, session, rows):
        self.session, self.rows = session, rows
        self.threads, self.found, self.checked = None, None, -math.inf

    def groups(self, doing: str) -> list:
        """[(worker address, [partition indices])], every partition in exactly one group.

        Parameters
        ----------
        doing : str
            What the fit is doing, for the message of a cluster that does not answer.

        Returns
        -------
        list of tuple
        """
        if time.monotonic() - self.checked > REGROUP_SECONDS:
            threads = self.session.ask("ncores", doing)
            if self.threads != threads:
                holders = self.session.ask("who_has", doing, keys=[f.key for f in self.rows.X])
                self.threads, self.found = threads, groups(threads, holders, self.rows.sizes,
                                                           [f.key for f in self.rows.X])
            self.checked = time.monotonic()
        return self.found


def groups(threads: dict, holders: dict, sizes: list, keys: list) -> list:
    """The partitions in groups, one per worker thread, each of partitions that the worker
    holds: [(worker address, [partition indices])], runs of neighbouring partitions balanced by
    rows within a worker. ``threads``: each worker's threads; ``holders``: the workers holding
    each partition (by its key in ``keys``); ``sizes``: each partition's rows.

    Parameters
    ----------
    threads : dict
        {worker address: threads}.
    holders : dict
        {partition key: [worker addresses]}.
    sizes : list of int
        Each partition's rows.
    keys : list
        Each partition's key.

    Returns
    -------
    list of tuple
    """
    held = {address: [] for address in sorted(threads)}
    homeless = []
    for i, key in enumerate(keys):
        where = [a for a in holders.get(key, ()) if a in held]
        (held[where[0]] if where else homeless).append(i)
    for i in homeless:  # being recomputed: to the least loaded worker
        address = min(held, key=lambda a: sum(sizes[j] for j in held[a]) / threads[a])
        held[address].append(i)
    found = []
    for address, parts in held.items():
        if not parts:
            continue
        parts.sort()
        n_groups = max(1, min(threads[address], len(parts)))
        # Partition i goes to the group in which its first row falls: a large partition takes
        # a thread of its own, and the small ones after it share the others.
        rows = np.array([sizes[i] for i in parts])
        starts = np.cumsum(rows) - rows
        labels = np.minimum(starts * n_groups // rows.sum(), n_groups - 1)
        for label in range(n_groups):
            group = [i for i, own in zip(parts, labels) if own == label]
            if group:
                found.append((address, group))
    return found
