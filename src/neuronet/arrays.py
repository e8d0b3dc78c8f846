"""A network's arrays: its weights as a whole, and the inputs it takes.

The weights of all its layers as a list, as one flat vector (what L-BFGS and a cluster's
averaging work on), or packed into contiguous blocks (what an optimizer steps in a few
operations instead of a few per array); and inputs checked once into the form the layers
compute on, read in chunks of bounded memory. ``Arrays`` is the base class of
``neuronet.Network``; it reads only the network's ``layers``, ``dtype`` and ``n_inputs``.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, as_sparse_rows, check_lazy, is_lazy, is_sparse


class Arrays:
    """The weights of ``self.layers`` (arrays of ``self.dtype``) taken as a whole, and the
    inputs they take.

    The base class of ``Network``, which sets ``layers``, ``dtype`` and ``n_inputs``; nothing
    else is needed to read, copy or replace every weight of a network at once.
    """

    layers: list
    dtype: np.dtype
    n_inputs: int
    _pack_ids: tuple | None = None

    def parameters(self) -> list:
        """Every trainable array, layer by layer (weights, then bias).

        Returns
        -------
        list of ndarray
            The arrays themselves, not copies.
        """
        return [p for layer in self.layers for p in layer.parameters()]

    def gradients(self) -> list:
        """The gradients left by the last ``backward``, in the order of ``parameters()``.

        Returns
        -------
        list of ndarray
        """
        return [g for layer in self.layers for g in layer.gradients()]

    def n_parameters(self) -> int:
        """How many numbers training changes, in every layer.

        Returns
        -------
        int
        """
        return sum(p.size for p in self.parameters())

    def get_weights(self) -> list:
        """Copies of ``parameters()``.

        Returns
        -------
        list of ndarray
        """
        return [p.copy() for p in self.parameters()]

    def set_weights(self, weights) -> None:
        """Copy arrays (as from ``get_weights``) into the parameters, in place.

        Parameters
        ----------
        weights : list of array_like
            One array per parameter, of its shape.

        Raises
        ------
        ValueError
            For a wrong number of arrays or a wrong shape.
        """
        params = self.parameters()
        weights = list(weights)
        if len(weights) != len(params):
            raise ValueError(f"expected {len(params)} arrays, got {len(weights)}")
        for i, (param, value) in enumerate(zip(params, weights)):
            value = np.asarray(value)
            if value.shape != param.shape:
                raise ValueError(f"array {i} has shape {value.shape}, expected {param.shape}")
            param[...] = value

    def get_flat_weights(self):
        """Every weight and bias in one flat vector (a copy), layer by layer in the order of
        ``parameters()``: the vector that ``loss_and_gradient``'s gradient matches.

        Returns
        -------
        ndarray
            Shape (n_parameters(),).
        """
        params = self.parameters()
        return np.concatenate([p.ravel() for p in params]) if params else np.empty(0, self.dtype)

    def set_flat_weights(self, vector) -> None:
        """Copy a flat vector (as from ``get_flat_weights``) into the parameters, in place.

        Parameters
        ----------
        vector : array_like
            Shape (n_parameters(),).

        Raises
        ------
        ValueError
            For a vector of the wrong size.
        """
        vector = np.asarray(vector)
        if vector.shape != (self.n_parameters(),):
            raise ValueError(f"expected a flat vector of {self.n_parameters()} weights, got "
                             f"shape {vector.shape}")
        start = 0
        for param in self.parameters():
            param[...] = vector[start:start + param.size].reshape(param.shape)
            start += param.size

    def packed(self):
        """The parameters and their gradients as one contiguous block each: (parameter blocks,
        gradient blocks, matrix mask).

        Weight matrices come first, then biases; the layers hold their parts as views, so the
        optimizer updates a whole network in a few operations rather than a few per array. The
        mask marks the block's entries that belong to weight matrices (None if there are no
        biases). Packed again whenever a layer's arrays are not views of the block (after a
        copy, unpickling or an assignment). An optimizer's state belongs to the parameter
        blocks it steps (``optimizer.state_arrays(network.packed()[0])``).

        Returns
        -------
        params : list of ndarray
            The parameter blocks.
        grads : list of ndarray
            The gradient blocks.
        matrices : ndarray or None
            The mask of the weight matrices' entries.
        """
        params = self.parameters()
        if getattr(self, "_pack_ids", None) == tuple(map(id, params)):
            return self._blocks, self._grad_blocks, self._matrices
        entries = [(layer, p, g) for layer in self.layers
                   for p, g in zip(layer.parameter_names, layer.gradient_names)]
        entries.sort(key=lambda e: getattr(e[0], e[1]).ndim < 2)  # stable: matrices first
        size = sum(getattr(layer, p).size for layer, p, _ in entries)
        block, grad_block = np.empty(size, self.dtype), np.zeros(size, self.dtype)
        matrices = np.zeros(size, self.dtype)
        offset = 0
        for layer, p, g in entries:
            array = getattr(layer, p)
            part = slice(offset, offset + array.size)
            view = block[part].reshape(array.shape)
            view[...] = array
            setattr(layer, p, view)
            setattr(layer, g, grad_block[part].reshape(array.shape))
            matrices[part] = array.ndim >= 2
            offset += array.size
        self._blocks, self._grad_blocks = [block], [grad_block]
        self._matrices = None if matrices.all() else matrices
        self._pack_ids = tuple(map(id, self.parameters()))
        return self._blocks, self._grad_blocks, self._matrices

    def check_inputs(self, X, name="X", *, scan=True):
        """X as a 2-D array of the network's dtype with the right number of columns, C-ordered
        (one copy at most, whatever the input's layout), or a ValueError saying what is wrong.
        A SciPy sparse matrix becomes CSR of the network's dtype. Data read on demand (a
        np.memmap, an h5py dataset, any object with shape, dtype and row indexing) is returned
        as it is, not loaded: with
        ``scan`` it is read once, chunk by chunk, to check that it holds finite numbers.

        Parameters
        ----------
        X : array_like
            The inputs.
        name : str
            How messages name it.
        scan : bool
            Whether to read data on demand once to check it.

        Returns
        -------
        ndarray, scipy.sparse matrix or lazy data

        Raises
        ------
        ValueError
            Saying what is wrong.
        """
        lazy = is_lazy(X)
        if is_sparse(X):
            array = as_sparse_rows(X, name, self.dtype)
        elif lazy:
            array = X
        else:
            array = as_float_array(X, name, dtype=self.dtype, order="C")
        if len(array.shape) == 1 and array.shape[0] == self.n_inputs:
            array = array[None, :]
        if len(array.shape) != 2:
            raise ValueError(
                f"{name} must be 2-D, one row per example and {self.n_inputs} columns; "
                f"got shape {array.shape}"
            )
        if array.shape[1] != self.n_inputs:
            raise ValueError(
                f"{name} has {array.shape[1]} columns, but the network expects {self.n_inputs}"
            )
        if array.shape[0] == 0:
            raise ValueError(f"{name} is empty; expected at least one row")
        if lazy and scan:
            check_lazy(X, name)
        elif lazy and np.dtype(X.dtype).kind not in "biuf":
            raise ValueError(f"{name} must hold numbers (int or float), got values of dtype "
                             f"{X.dtype}")
        return array

    def chunk_rows(self, megabytes: int = 32) -> int:
        """Rows per chunk when predicting or scoring many rows: large chunks keep the matrix
        products efficient, bounded ones keep memory flat (about ``megabytes`` per layer).

        Parameters
        ----------
        megabytes : int
            The memory a chunk may take per layer.

        Returns
        -------
        int
        """
        widest = max([self.n_inputs] + [layer.n_outputs for layer in self.layers
                                        if layer.n_outputs is not None])
        return max(256, (megabytes << 20) // (widest * self.dtype.itemsize))
