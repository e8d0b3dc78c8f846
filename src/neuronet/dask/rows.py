"""The training rows on a cluster: persisted on the workers, partition by partition, checked
there once for the whole fit, and never gathered to the client."""

from __future__ import annotations

import math

import dask.array as da
import distributed
import numpy as np

from .session import is_frame
from .tasks import check_part


class Rows:
    """The rows of a fit, persisted on the workers: partition i is ``X[i]`` and ``y[i]``
    (futures), ``sizes[i]`` rows starting at row ``starts[i]``; ``n`` rows in all.
    ``targets[i]`` are its targets as ``targets.prepare`` makes them, once for the fit.

    Parameters
    ----------
    X, y : the futures of each partition's inputs and targets.
    sizes : each partition's rows; empty partitions are left out.
    """

    def __init__(self, X, y, sizes):
        keep = [i for i, size in enumerate(sizes) if size]  # an empty partition has no part
        self.X = [X[i] for i in keep]
        self.y = [y[i] for i in keep]
        self.targets = []
        self.sizes = [int(sizes[i]) for i in keep]
        self.starts = [int(s) for s in np.cumsum([0] + self.sizes[:-1])]
        self.n = sum(self.sizes)


def _blocks(session, collection, doing: str) -> list:
    """The partitions of a persisted dask array (one column chunk) or DataFrame, in order, as
    futures, once they are in the workers' memory."""
    futures = {f.key: f for f in distributed.futures_of(collection)}
    keys = collection.__dask_keys__()
    flat = [k[0] if isinstance(k, list) else k for k in keys]
    blocks = [futures[k] for k in flat]
    session.wait(blocks, doing)  # raises the error of a partition that could not be made
    return blocks


def persist(session, template, network, loss, X, y) -> Rows:
    """X and y persisted on the workers and checked there, partition by partition, once for
    the whole fit: numbers, finite, targets that the loss and the network's outputs accept.

    Parameters
    ----------
    session : the fit's Session.
    template : the future of the network, sent once.
    network : the Network, for its inputs and outputs.
    loss : the Loss.
    X, y : dask collections (y may be a NumPy array), as ``neuronet.dask.fit`` takes them.

    Returns
    -------
    Rows

    Raises
    ------
    ValueError
        For rows that cannot train, naming the partition and row.
    """
    client = session.client
    if not (isinstance(X, da.Array) or is_frame(X)):
        raise ValueError(f"X must be a dask array or dask DataFrame, got {type(X).__name__}; "
                         "for rows in memory use network.fit, or make them a dask array: "
                         "dask.array.from_array(X, chunks=(rows_per_partition, -1))")
    if is_frame(X):
        X = X.to_dask_array()
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, one row per example and {network.n_inputs} columns; "
                         f"got {X.ndim} dimensions")
    if X.dtype.kind not in "biuf":
        raise ValueError(f"X must hold numbers (int or float), got values of dtype {X.dtype}")
    if X.shape[1] != network.n_inputs:
        raise ValueError(f"X has {X.shape[1]} columns, but the network expects "
                         f"{network.n_inputs}")
    if X.numblocks[1] > 1:
        X = X.rechunk({1: -1})
    X = client.persist(X.astype(network.dtype))
    x_blocks = _blocks(session, X, "storing X on the workers")
    sizes = list(X.chunks[0])
    if any(math.isnan(size) for size in sizes):
        sizes = _lengths(session, x_blocks, "X")
    n = int(sum(sizes))
    if n == 0:
        raise ValueError("X is empty; expected at least one row")

    if isinstance(y, da.Array) or is_frame(y):
        if is_frame(y):
            y = y.to_dask_array()
        if y.ndim > 1 and y.numblocks[1] > 1:
            y = y.rechunk({1: -1})
        if not any(math.isnan(c) for c in y.chunks[0]):
            if y.shape[0] != n:
                raise ValueError(f"X has {n} rows but y has {y.shape[0]}; expected one "
                                 "target per row")
            if list(y.chunks[0]) != sizes:
                y = y.rechunk({0: tuple(sizes)})
    else:
        y = np.asarray(y)
        if y.ndim == 0 or len(y) != n:
            raise ValueError(f"X has {n} rows but y has "
                             f"{'no rows' if y.ndim == 0 else len(y)}; expected one target "
                             "per row")
        y = da.from_array(y, chunks=(tuple(sizes),) + y.shape[1:])
    if y.ndim not in (1, 2):
        raise ValueError(f"y must be 1-D or 2-D, got {y.ndim} dimensions")
    y = client.persist(y)
    y_blocks = _blocks(session, y, "storing y on the workers")
    if len(y_blocks) != len(x_blocks):
        raise ValueError(f"X has {len(x_blocks)} partitions but y has {len(y_blocks)}; give "
                         "them the same partitions (or give y as a dask array of known size)")
    if any(math.isnan(c) for c in y.chunks[0]):
        for i, (a, b) in enumerate(zip(sizes, _lengths(session, y_blocks, "y"))):
            if a != b:
                raise ValueError(f"partition {i} has {a} rows of X but {b} of y; give X and "
                                 "y the same partitions")
    session.held += x_blocks + y_blocks
    rows = Rows(x_blocks, y_blocks, sizes)
    rows.targets = [client.submit(check_part, template, loss, start, X, y,
                                  key=session.key("check"))
                    for start, X, y in zip(rows.starts, rows.X, rows.y)]
    session.wait(rows.targets, "checking the rows")
    session.held += rows.targets
    return rows


def _lengths(session, blocks, name) -> list:
    lengths = session.client.map(len, blocks, key=[session.key("rows") for _ in blocks])
    session.wait(lengths, f"counting the rows of {name}")
    return [f.result() for f in lengths]
