"""Embedding: a layer that turns a column of whole-number codes (one code per value of a
category) into a learned vector per value, looked up in a table; the other columns pass
through unchanged.

A category with thousands of values, one-hot, would be thousands of inputs, most of them 0;
as a code looked up in a table of ``dim`` numbers per value it is ``dim`` inputs, and values
that behave alike can learn vectors that lie close together. The table's rows are weights
like any other: the gradient of a row is the sum of the gradients of the batch's examples
that hold its code (rows the batch does not use get 0), and the optimizer updates it.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_count
from .layers import Layer

#: The most rows (values) one column's table may have, and the most numbers per row.
MAX_ROWS = 1 << 20
MAX_DIM = 1 << 10


class Embedding(Layer):
    """Look up a learned vector for each code column; pass the other columns through.

    The outputs are the columns that are not codes, in their order, followed by each code
    column's vector of ``dim`` numbers, in the order of ``columns``. A code is a whole number
    from 0 to ``counts[i] - 1`` held as a float; one out of that range (or not whole) is
    read as 0, which a table's preparation keeps for the values it did not learn ("other").

    Parameters
    ----------
    n_inputs : int
        Columns of the inputs, codes included.
    columns : sequence of int
        The positions of the code columns, increasing, each below ``n_inputs``.
    counts : sequence of int
        How many codes each code column has (the rows of its table), at least 1 each.
    dim : int
        The numbers of each vector.
    init_scale : float, default 0.1
        The starting vectors are drawn from a normal distribution of this standard deviation.
    drop : float, default 0.0
        While training, each code is read as 0 with this probability, so that no value's
        vector can stand in for the rest of the row, and code 0 learns what a value the
        table has never seen looks like; at prediction every code is read as it is.

    Attributes
    ----------
    weights : numpy.ndarray
        The tables, one after the other: shape (sum(counts), dim); column i's rows start at
        ``offsets[i]``.
    n_outputs : int
        ``n_inputs - len(columns) + len(columns) * dim``.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronet import Network
    >>> from neuronet.embedding import Embedding
    >>> from neuronet.layers import Dense
    >>> net = Network([Embedding(2, [1], [3], 4), Dense(5, 1, "identity")], seed=0)
    >>> net.predict(np.array([[0.5, 2.0], [0.5, 0.0]])).shape
    (2, 1)
    """

    def __init__(self, n_inputs, columns, counts, dim, *, init_scale=0.1, drop=0.0):
        self.n_inputs = as_count(n_inputs, "n_inputs", minimum=1)
        self.columns = [as_count(c, "a code column", minimum=0) for c in columns]
        self.counts = [as_count(c, "a column's count of codes", minimum=1) for c in counts]
        self.dim = as_count(dim, "dim", minimum=1)
        if not self.columns or len(self.counts) != len(self.columns):
            raise ValueError(f"an Embedding needs one count per code column and at least one "
                             f"column, got columns {self.columns} and counts {self.counts}")
        if any(b <= a for a, b in zip(self.columns, self.columns[1:])) or \
                self.columns[-1] >= self.n_inputs:
            raise ValueError(f"the code columns must increase and be below n_inputs "
                             f"({self.n_inputs}), got {self.columns}")
        if max(self.counts) > MAX_ROWS or self.dim > MAX_DIM:
            raise ValueError(f"an Embedding holds at most {MAX_ROWS:,} codes a column and "
                             f"{MAX_DIM:,} numbers a vector, got {max(self.counts):,} and "
                             f"{self.dim:,}")
        self.init_scale = float(init_scale)
        if isinstance(drop, bool) or not isinstance(drop, (int, float)) or not 0 <= drop < 1:
            raise ValueError(f"an Embedding's drop must be a number in [0, 1), got {drop!r}")
        self.drop = float(drop)
        self._rng = None
        kept = np.ones(self.n_inputs, dtype=bool)
        kept[self.columns] = False
        self.passed = np.flatnonzero(kept)
        self.offsets = np.cumsum([0, *self.counts[:-1]]).astype(np.int64)
        self.n_outputs = len(self.passed) + len(self.columns) * self.dim
        self.weights = None
        self.grad_weights = None

    parameter_names = ("weights",)
    gradient_names = ("grad_weights",)

    def build(self, rng, dtype) -> None:
        self._rng = rng
        shape = (sum(self.counts), self.dim)
        if self.weights is None:
            self.weights = (rng.standard_normal(shape) * self.init_scale).astype(dtype)
        else:
            self.weights = np.ascontiguousarray(self.weights, dtype=dtype)
        if self.weights.shape != shape:
            raise ValueError(f"{self!r}: weights have shape {self.weights.shape}, expected "
                             f"{shape}")
        self.grad_weights = np.zeros(shape, dtype)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("rows", None)
        state.pop("inputs_shape", None)
        return state

    def codes(self, inputs) -> np.ndarray:
        """The rows of ``weights`` that each example's codes pick.

        Parameters
        ----------
        inputs : ndarray
            One row per example, ``n_inputs`` columns.

        Returns
        -------
        ndarray of int64
            Shape (rows, len(columns)): a code plus its column's offset; 0 for a code out
            of range.
        """
        raw = np.asarray(inputs[:, self.columns], dtype=np.float64)
        codes = np.rint(np.nan_to_num(raw, nan=0.0, posinf=0.0, neginf=0.0))
        counts = np.asarray(self.counts)
        codes[(codes < 0) | (codes >= counts) | (codes != raw)] = 0
        return codes.astype(np.int64) + self.offsets

    def forward(self, inputs, training: bool = False):
        """The passed-through columns, then each code column's vector.

        Parameters
        ----------
        inputs : ndarray
            One row per example, ``n_inputs`` columns, codes as whole numbers.
        training : bool
            Whether to keep the rows looked up, for ``backward``.

        Returns
        -------
        ndarray
            Shape (rows, ``n_outputs``).
        """
        inputs = np.asarray(inputs)
        rows = self.codes(inputs)
        if training and self.drop:
            dropped = self._rng.random(rows.shape) < self.drop
            rows = np.where(dropped, self.offsets, rows)
        n = len(inputs)
        out = np.empty((n, self.n_outputs), dtype=self.weights.dtype)
        passed = len(self.passed)
        out[:, :passed] = inputs[:, self.passed]
        out[:, passed:] = self.weights[rows].reshape(n, -1)
        if training:
            self.rows, self.inputs_shape = rows, inputs.shape
        return out

    def backward(self, grad, *, need_input_grad=True):
        """Each table row's gradient: the sum of the gradients of the vectors that used it.

        Parameters
        ----------
        grad : ndarray
            dL/d(outputs) of the last ``forward`` while training.
        need_input_grad : bool
            Whether to return dL/d(inputs): that of the passed columns, and 0 for the codes
            (a code is not a quantity: it has no slope).

        Returns
        -------
        ndarray or None
            dL/d(inputs), or None when not needed; the tables' gradient is left in
            ``grad_weights``.
        """
        passed = len(self.passed)
        vectors = grad[:, passed:].reshape(-1, self.dim)
        self.grad_weights.fill(0)
        np.add.at(self.grad_weights, self.rows.reshape(-1), vectors)
        if not need_input_grad:
            return None
        out = np.zeros(self.inputs_shape, dtype=grad.dtype)
        out[:, self.passed] = grad[:, :passed]
        return out

    def parameters(self) -> list:
        return [self.weights]

    def gradients(self) -> list:
        return [self.grad_weights]

    def n_parameters(self) -> int:
        """How many numbers training changes: the rows of the tables times ``dim``.

        Returns
        -------
        int
        """
        return sum(self.counts) * self.dim

    def config(self) -> dict:
        return {"type": "Embedding", "n_inputs": self.n_inputs, "columns": list(self.columns),
                "counts": list(self.counts), "dim": self.dim, "drop": self.drop}

    def __repr__(self) -> str:
        drop = f", drop={self.drop:g}" if self.drop else ""
        return f"Embedding({self.n_inputs}, {self.columns}, {self.counts}, {self.dim}{drop})"
