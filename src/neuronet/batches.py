"""Batches: where the rows of a training run come from, a few at a time.

The tutorial trains on its four rows at once. Real data has thousands or millions of rows,
so training takes them a batch at a time, in a new random order every epoch. A source of
batches hides where the rows are: in memory (``InMemory``), in a file read on demand
(``OnDisk``: a np.memmap, an h5py dataset), in a sparse matrix (``Sparse``); the loop asks
each the same thing, "the next batch, please".

Full-batch training (L-BFGS) needs the loss and gradient of all rows at once. They are added up
block by block: ``row_blocks`` cuts the rows into blocks, each block's total is computed on its
own, and ``sum_in_order`` adds the blocks' totals in a fixed tree by block index. A Dask
cluster adds its partitions' totals by the same tree, so a cluster fit can be replayed in one
process with blocks the size of its partitions, bit for bit.
"""

from __future__ import annotations

import numpy as np

from ._checks import is_sparse


class Batches:
    """The training rows of (X, targets, weights), batch by batch.

    ``epoch(order)`` yields ``(inputs, targets, weights, labels)`` for each batch of the rows
    in ``order`` (an index array, or None for the rows in place); ``labels`` are the batch's
    classes as integers when the targets are class labels (else None), ``weights`` a column or
    None. Subclasses say how a batch of inputs is read.

    Parameters
    ----------
    X : the inputs, one row per example.
    targets : a ``neuronet.targets.Targets`` (table, codes) for the rows of X.
    W : sample weights as a column (normalized), or None.
    rows : the training rows (an index array), or None for all of them.
    batch_size : rows per batch (at most the rows there are).
    dtype : the network's dtype.
    """

    #: Whether rows are read in increasing order within a batch (files read front to back).
    sorted_reads = False

    def __init__(self, X, targets, W, rows, batch_size, dtype):
        self.X, self.targets, self.W, self.rows = X, targets, W, rows
        self.dtype = dtype
        self.n = X.shape[0] if rows is None else len(rows)
        self.batch_size = max(1, min(batch_size, self.n))
        #: How many examples a row of (normalized) weight 1 stands for: the mean sample weight.
        self.weight_unit = 1.0
        # Batches are gathered into buffers allocated once, rather than into new arrays each time.
        self._y = np.empty((self.batch_size, targets.table.shape[1]), dtype=dtype)

    def steps(self) -> int:
        """Batches per epoch.

        Returns
        -------
        int
        """
        return -(-self.n // self.batch_size)

    def order(self, rng, shuffle):
        """This epoch's order of rows: a fresh permutation, the rows as they are, or what a
        function ``shuffle(rows)`` makes of the array of training rows.

        Parameters
        ----------
        rng : numpy.random.Generator
            The network's generator.
        shuffle : bool or callable
            As ``Network.fit`` takes it.

        Returns
        -------
        ndarray or None
            The rows in order, or None for the rows in place.
        """
        if callable(shuffle):
            return np.asarray(shuffle(np.arange(self.n) if self.rows is None else self.rows))
        if shuffle:
            return rng.permutation(self.n if self.rows is None else self.rows)
        return self.rows

    def inputs(self, index):
        """The inputs of the rows ``index``.

        Parameters
        ----------
        index : slice or ndarray
            Rows of X.

        Returns
        -------
        ndarray or scipy.sparse matrix
            One row per index.
        """
        raise NotImplementedError

    def epoch(self, order):
        """The batches of one epoch over the rows in ``order``.

        Parameters
        ----------
        order : ndarray or None
            From ``order``.

        Yields
        ------
        tuple
            (inputs, targets, weights, labels) of each batch.
        """
        (Y, codes), W, size = self.targets, self.W, self.batch_size
        # The class of each row, in this epoch's order: a batch's targets are then one gather
        # from the one-hot table.
        classes = codes if codes is None or order is None or self.sorted_reads else codes[order]
        for start in range(0, self.n, size):
            stop = min(start + size, self.n)
            if order is None:
                index = slice(start, stop)
            else:
                index = order[start:stop]
                if self.sorted_reads:
                    index = np.sort(index)
            xb = self.inputs(index)
            if codes is None:
                labels = None
                yb = take(Y, index, self._y)
            else:
                labels = codes[index] if self.sorted_reads else classes[start:stop]
                yb = take(Y, labels, self._y)
            wb = None if W is None else W[index]
            yield xb, yb, wb, labels

    def training_rows(self):
        """(X, targets, W) of the training rows alone: lazy data stays lazy, and class codes
        are gathered into dense targets for data in memory (once, not at every evaluation of
        a full-batch optimizer).

        Returns
        -------
        tuple
            (X, targets, W).
        """
        X, targets, W = self.X, self.targets, self.W
        if self.rows is not None:
            X = rows_of(X, self.rows, isinstance(self, OnDisk))
            targets = targets.subset(self.rows)
            W = None if W is None else W[self.rows]
        if not isinstance(self, OnDisk):
            targets = targets.dense()
        return X, targets, W


def take(array, rows, out):
    """The rows ``rows`` of a C-ordered array, into ``out``.

    Parameters
    ----------
    array : ndarray
        C-ordered.
    rows : ndarray or slice
        The rows to take.
    out : ndarray
        Where to write them.

    Returns
    -------
    ndarray
        ``out``, or a view of ``array`` for a slice.
    """
    if isinstance(rows, slice):
        return array[rows]
    # mode="clip" skips a bounds check per row: the rows are ours and all in range.
    return array.take(rows, axis=0, out=out[: len(rows)], mode="clip")


class InMemory(Batches):
    """Rows of a C-ordered array in memory, gathered with ``take`` into a reused buffer.

    Parameters
    ----------
    X : ndarray
        The inputs.
    *args
        The rest of ``Batches``'s parameters.
    """

    def __init__(self, X, *args):
        super().__init__(X, *args)
        self._x = np.empty((self.batch_size, X.shape[1]), dtype=self.dtype)

    def inputs(self, index):
        return take(self.X, index, self._x)


class OnDisk(Batches):
    """Rows of lazy data (a np.memmap, an h5py dataset...): each batch read from it in file
    order, never the whole of it.

    Parameters
    ----------
    X, targets, W, rows, batch_size, dtype
        As for ``Batches``.
    """

    sorted_reads = True

    def inputs(self, index):
        return np.asarray(self.X[index], dtype=self.dtype)


class Sparse(Batches):
    """Rows of a CSR matrix. A batch stays sparse, for the first layer to multiply as such,
    unless it is dense enough that a dense product is cheaper (or ``keep_sparse`` is False:
    the first layer cannot take sparse inputs).

    Parameters
    ----------
    X : scipy.sparse matrix
        CSR.
    *args
        The rest of ``Batches``'s parameters.
    keep_sparse : bool
        Whether a batch may stay sparse.
    """

    #: Above this share of non-zero entries a batch is made dense.
    DENSE_ENOUGH = 0.1

    def __init__(self, X, *args, keep_sparse=True):
        super().__init__(X, *args)
        self.keep_sparse = keep_sparse

    def inputs(self, index):
        batch = self.X[index]
        if not self.keep_sparse or batch.nnz > self.DENSE_ENOUGH * batch.shape[0] * batch.shape[1]:
            return batch.toarray()
        return batch


def source_for(X, targets, W, rows, batch_size, dtype, *, lazy, sparse, keep_sparse=True):
    """The source of batches that suits X: on disk for lazy data, sparse, or in memory.

    Parameters
    ----------
    X, targets, W, rows, batch_size, dtype
        As for ``Batches``.
    lazy : bool
        Whether X is read on demand.
    sparse : bool
        Whether X is a sparse matrix.
    keep_sparse : bool
        As for ``Sparse``.

    Returns
    -------
    Batches
    """
    if lazy:
        return OnDisk(X, targets, W, rows, batch_size, dtype)
    if sparse:
        return Sparse(X, targets, W, rows, batch_size, dtype, keep_sparse=keep_sparse)
    return InMemory(X, targets, W, rows, batch_size, dtype)


class RowsOf:
    """Some rows (sorted) of lazy data, themselves lazy: the validation rows of a file are read
    chunk by chunk when they are scored, never loaded whole.

    Parameters
    ----------
    X : lazy data
        Anything with ``shape``, ``dtype`` and row indexing.
    rows : ndarray
        Sorted rows of X.
    """

    def __init__(self, X, rows):
        self.X, self.rows = X, rows
        self.shape = (len(rows), *X.shape[1:])
        self.dtype = X.dtype

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index):
        return self.X[self.rows[index]]


def rows_of(X, rows, lazy):
    """Rows ``rows`` (sorted) of X: lazy for lazy data, a copy otherwise.

    Parameters
    ----------
    X : array_like
        The inputs.
    rows : ndarray
        Sorted rows.
    lazy : bool
        Whether X is read on demand.

    Returns
    -------
    RowsOf or ndarray
    """
    if rows is None:
        return X
    if lazy:
        return RowsOf(X, rows)
    return X[rows] if is_sparse(X) else X.take(rows, axis=0)


def chunks(X, size: int, dtype):
    """(start, stop, rows) of X, ``size`` rows at a time, each read as an array of ``dtype``
    (sparse rows stay sparse): for scoring or summing over data that may not fit in memory.

    Parameters
    ----------
    X : array_like
        Rows, in memory or read on demand.
    size : int
        Rows per chunk.
    dtype : numpy dtype
        The chunks' type.

    Yields
    ------
    tuple
        (start, stop, rows).
    """
    n = X.shape[0]
    for start in range(0, n, size):
        stop = min(start + size, n)
        chunk = X[start:stop]
        yield start, stop, chunk if is_sparse(chunk) else np.asarray(chunk, dtype=dtype)


# --- full-batch sums: block by block, in a fixed order ------------------------------------------

#: How many partial totals one addition of the tree adds together.
FAN_IN = 8


def row_blocks(n: int, block_rows=None) -> list:
    """The blocks of ``n`` rows as slices: one block of all of them (``block_rows`` None), blocks
    of ``block_rows`` rows (an int; the last may be shorter), or blocks of the given sizes (a
    sequence that adds up to n, as a dask array's chunks along its rows).

    Parameters
    ----------
    n : int
        The rows.
    block_rows : int or sequence of int, optional
        As ``Network.fit`` takes it.

    Returns
    -------
    list of slice

    Raises
    ------
    ValueError
        For sizes that do not add up to n.
    """
    if block_rows is None:
        return [slice(0, n)]
    if isinstance(block_rows, (int, np.integer)):
        return [slice(start, min(start + int(block_rows), n))
                for start in range(0, n, int(block_rows))]
    sizes = [int(size) for size in block_rows]
    if sum(sizes) != n:
        raise ValueError(f"block_rows adds up to {sum(sizes):,} rows, but there are {n:,}")
    starts = np.cumsum([0, *sizes])
    return [slice(int(a), int(b)) for a, b in zip(starts[:-1], starts[1:]) if b > a]


def add(*parts) -> dict:
    """The sum of partial totals, dicts of numbers and arrays, entry by entry, in the order
    given (``"steps"``, an optimizer's step count, takes the largest instead). A new dict: the
    parts are never changed, so a cluster may keep them as other tasks' results.

    Parameters
    ----------
    *parts : dict
        Partial totals with the same keys.

    Returns
    -------
    dict
    """
    total = dict(parts[0])
    for part in parts[1:]:
        for name, value in part.items():
            total[name] = max(total[name], value) if name == "steps" else total[name] + value
    return total


def sum_in_order(parts: list, combine=add) -> list:
    """Add partial totals in a fixed tree by their index: level by level, each run of
    ``FAN_IN`` neighbours is combined into one, until at most ``FAN_IN`` remain; those are
    returned, for the caller to ``add`` at the root.

    ``combine(*run)`` adds one run; a cluster passes one that submits the addition as a task,
    and gets back futures. The grouping depends only on the number of parts, never on where
    they were computed or when they arrived, so the same parts give the same sum bit for bit.

    Parameters
    ----------
    parts : list
        Partial totals, in the order of their index.
    combine : callable
        Adds a run of them.

    Returns
    -------
    list
        At most ``FAN_IN`` partial totals.
    """
    parts = list(parts)
    while len(parts) > FAN_IN:
        parts = [combine(*parts[i:i + FAN_IN]) for i in range(0, len(parts), FAN_IN)]
    return parts


def total_in_order(parts: list) -> dict:
    """The sum of partial totals by the tree of ``sum_in_order``, root included.

    Parameters
    ----------
    parts : list of dict
        Partial totals.

    Returns
    -------
    dict
    """
    return add(*sum_in_order(parts))
