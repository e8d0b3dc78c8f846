"""Network: layers in order. Data flows forward through them to a prediction; the loss's
gradient flows backward through them to every weight (backpropagation); an optimizer then
moves each weight a little against its gradient. ``fit`` repeats that over the data."""

from __future__ import annotations

import math
import threading

import numpy as np

from . import _edges, losses
from ._checks import (
    all_finite,
    as_count,
    is_lazy,
    is_sparse,
)
from .arrays import Arrays
from .layers import Dense, Layer

DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_CLAIMS = threading.Lock()


class Network(Arrays):
    """A feed-forward neural network: ``layers`` applied one after the other.

    Parameters
    ----------
    layers : list of Layer
        For example ``[Dense(2, 4, "tanh"), Dense(4, 1, "sigmoid")]``. Each Dense layer
        must take as many inputs as the Dense layer before it gives outputs.
    seed : int or None
        Seed of the network's own ``np.random.Generator``, the one source of randomness for
        starting weights, shuffling, dropout and validation splits: the same seed, data and
        settings give bit-identical weights. NumPy's global random state is never used.
    dtype : np.float64 (default) or np.float32
        The floating-point type of weights and all arithmetic; float32 is faster.

    Notes
    -----
    Its weights as a whole (``parameters()``, ``get_flat_weights()``, ``packed()``...) and the
    check of its inputs (``check_inputs``, ``chunk_rows``) come from ``neuronet.arrays.Arrays``.

    ``metadata`` is a dict saved with the network (``save``): feature names, class labels
    and the like, for the tools that use the network. ``predict`` ignores it.
    """

    def __init__(self, layers, *, seed=None, dtype=np.float64):
        self.layers = list(layers)
        if not self.layers:
            raise ValueError("a Network needs at least one layer")
        dense, sized = [], []
        for position, layer in enumerate(self.layers, 1):
            if not isinstance(layer, Layer):
                raise ValueError(f"layer {position} is {layer!r}, not a neuronet layer")
            # Dense layers, and any other layer of a known width (an Embedding), must fit.
            if layer.n_inputs is not None:
                if sized and layer.n_inputs != sized[-1][1].n_outputs:
                    before, previous = sized[-1]
                    raise ValueError(
                        f"layer {position} ({layer!r}) takes {layer.n_inputs} inputs, but layer "
                        f"{before} ({previous!r}) gives {previous.n_outputs} outputs"
                    )
                sized.append((position, layer))
            if isinstance(layer, Dense):
                dense.append((position, layer))
        if not dense:
            raise ValueError("a Network needs at least one Dense layer")
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            self.dtype = None
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be np.float32 or np.float64, got {dtype!r}")
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        for layer in self.layers:
            layer.build(self.rng, self.dtype)
        self._dense = [layer for _, layer in dense]
        self.history = None
        self.loss = None
        self.metadata = {}
        self._grad_buffer = None
        self._fitting = None  # the thread that is fitting the network, if one is
        self._pack_ids = None

    def claim(self):
        """A context manager that marks the network as being trained by this thread, or raises
        RuntimeError if another training runs: two at once would overwrite each other's buffers
        and weights. ``fit`` and ``loss_and_gradient`` hold it while they run.

        Returns
        -------
        context manager
            Held for the ``with`` block.

        Raises
        ------
        RuntimeError
            When another thread trains the network.
        """
        return _Claim(self)

    def __getstate__(self):
        # A copy or pickle is not being fitted, whatever the original is doing (a callback may
        # copy the network it is called from), and the gradient buffer is scratch.
        state = dict(self.__dict__)
        state["_fitting"] = None
        state["_grad_buffer"] = None
        return state

    @classmethod
    def mlp(cls, sizes, hidden="relu", output="softmax", *, seed=None, dtype=np.float64, init=None):
        """A multilayer perceptron from its layer sizes: ``Network.mlp([64, 32, 10])`` is
        Dense(64, 32, "relu") then Dense(32, 10, "softmax").

        Parameters
        ----------
        sizes : list of int
            The units of each layer, inputs first, at least two.
        hidden : str or Activation
            The activation of the hidden layers.
        output : str or Activation
            The activation of the last layer.
        seed : int or None
            As for ``Network``.
        dtype : np.float64 or np.float32
            As for ``Network``.
        init : str or callable, optional
            The starting weights of every layer, as for ``Dense``.

        Returns
        -------
        Network
        """
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"mlp needs at least two sizes (inputs and outputs), got {sizes}")
        layers = [
            Dense(n_in, n_out, hidden if i < len(sizes) - 2 else output, init=init)
            for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]))
        ]
        return cls(layers, seed=seed, dtype=dtype)

    def _repr_svg_(self) -> str:
        """Notebooks show the drawing (``neuronet.diagram``) when the object is named."""
        from .diagram import draw

        return draw(self)

    @property
    def dense_layers(self) -> list:
        """The Dense layers, in order (the layers with weights)."""
        return list(self._dense)

    @property
    def n_inputs(self) -> int:
        """The number of inputs: the first layer's."""
        first = self.layers[0].n_inputs
        return self._dense[0].n_inputs if first is None else first

    @property
    def n_outputs(self) -> int:
        """The number of outputs: the last layer's units."""
        return self._dense[-1].n_outputs

    @property
    def output_activation(self) -> str:
        """The name of the last layer's activation ("softmax", "identity", ...)."""
        return self._dense[-1].activation.name

    # --- the algorithm ------------------------------------------------------------------------

    def forward(self, inputs, training: bool = False):
        """Outputs of the last layer for a batch that is already a clean 2-D array of ``dtype``.

        Parameters
        ----------
        inputs : ndarray
            One row per example, of the network's dtype.
        training : bool
            Whether the layers keep what ``backward`` needs (and dropout is on).

        Returns
        -------
        ndarray
            Shape (rows, n_outputs).
        """
        for layer in self.layers:
            inputs = layer.forward(inputs, training)
        return inputs

    def backward(self, grad, *, through_activation: bool = True) -> None:
        """Backpropagation: leave dL/dw in every layer's gradients.

        Parameters
        ----------
        grad : ndarray
            dL/d(outputs) of the last ``forward(training=True)``.
        through_activation : bool
            False when ``grad`` is already dL/dz of the last layer (a fused loss).
        """
        last = len(self.layers) - 1
        for i in range(last, -1, -1):
            layer = self.layers[i]
            if i == last and isinstance(layer, Dense):
                grad = layer.backward(grad, need_input_grad=i > 0,
                                      through_activation=through_activation)
            else:
                grad = layer.backward(grad, need_input_grad=i > 0)

    def fuses(self, loss) -> bool:
        """Whether ``loss`` is computed from the last layer's sums z (cross-entropy right
        after the sigmoid or softmax it belongs with).

        Parameters
        ----------
        loss : Loss

        Returns
        -------
        bool
        """
        last = self.layers[-1]
        return isinstance(last, Dense) and loss.fused_activation == last.activation.name

    def train_batch(self, inputs, targets, loss, optimizer, weights=None, count=None,
                    blocks=None):
        """One step of learning on one batch: forward, loss, backward, update: the step
        that ``fit`` takes on every batch. A loss that is not finite is returned without
        touching the weights.

        Parameters
        ----------
        inputs, targets : ndarray
            The batch and its targets, one row per example.
        loss : Loss
        optimizer : Optimizer
        weights : ndarray, optional
            A column, one per example: each one's share of the loss and of the gradient.
        count : int, optional
            The examples the batch stands for (default: its rows), for a weight decay per
            example.
        blocks : tuple, optional
            What ``packed()`` gave, from a caller that knows no layer's arrays were replaced
            since (``fit`` checks once an epoch: the check costs a small layer's update).

        Returns
        -------
        loss : float
        outputs : ndarray
        """
        # Packed before backward writes into the block.
        params, grads, matrices = blocks or self.packed()
        fused = self.fuses(loss)
        layers = self.layers
        for layer in layers[:-1] if fused else layers:
            inputs = layer.forward(inputs, training=True)
        if fused:
            outputs, value = layers[-1].forward_with_loss(inputs, loss, targets, weights)
        else:
            outputs, value = inputs, loss.value(inputs, targets, weights)
        grad = self._grad_buffer
        if grad is None or grad.shape != outputs.shape:
            grad = self._grad_buffer = np.empty_like(outputs)
        # Plain SGD's learning rate, folded into the loss's gradient, reaches every weight's
        # gradient through backpropagation: the update is then one pass over the weights.
        scale = optimizer.gradient_scale()
        if loss.scale != 1:
            value *= loss.scale
        if fused:
            loss.gradient_from_logits(outputs, targets, out=grad, scale=scale * loss.scale)
        else:
            loss.gradient(outputs, targets, out=grad)
            if scale * loss.scale != 1:
                grad *= scale * loss.scale
        if weights is not None:
            grad *= weights
        if math.isfinite(value):
            self.backward(grad, through_activation=not fused)
            optimizer.step(params, grads, scale=scale, matrices=matrices,
                           count=outputs.shape[0] if count is None else count)
        return value, outputs

    def loss_and_gradient(self, X, y, loss, *, sample_weight=None, batch_size=None):
        """The loss summed over the rows of (X, y) and its gradient with respect to every
        weight, as one flat vector in the order of ``get_flat_weights()``. Computed chunk by
        chunk (``batch_size`` rows at a time, default ``chunk_rows()``), so memory stays
        bounded, and summed rather than averaged, so that totals over parts of the data add up:
        the mean loss is the total divided by the number of rows (or the sum of
        ``sample_weight``, which weights each row's share), and for a summed loss ("sse") it is
        the total itself. Weight decay is not included (it belongs to the optimizer).
        X may be a NumPy array, lazy data (np.memmap...) or a SciPy sparse matrix.

        Parameters
        ----------
        X : array_like
            The inputs.
        y : array_like
            The targets.
        loss : str or Loss
        sample_weight : array_like, optional
            One weight per row.
        batch_size : int, optional
            Rows per chunk.

        Returns
        -------
        loss : float
            The total.
        gradient : ndarray
            Flat, in the order of ``get_flat_weights()``.
        """
        from .scoring import loss_and_gradient

        return loss_and_gradient(self, X, y, loss, sample_weight=sample_weight,
                                 batch_size=batch_size)

    # --- using it -----------------------------------------------------------------------------

    def predict(self, X, *, batch_size=None, logits=False):
        """The network's outputs for the rows of X: probabilities after sigmoid or softmax,
        real numbers after identity. A 1-D X is one example and gives a 1-D result. With
        ``logits``, the last layer's sums z instead, before its activation.

        X may be data read on demand (np.memmap, h5py dataset...): it is read chunk by chunk;
        or a SciPy sparse matrix, multiplied as sparse by the first layer. ``batch_size``: rows
        per chunk (default ``chunk_rows()``, about 32 MB per layer). Outputs that are not
        finite (a network whose sums overflowed) are returned as they are: NaN or infinity.
        (A sum that overflows to infinity still gives a sigmoid of 1: its logit tells.)

        Parameters
        ----------
        X : array_like
            One row per example, or one example (1-D).
        batch_size : int, optional
            Rows per chunk.
        logits : bool
            Whether to return the last layer's sums instead of its outputs.

        Returns
        -------
        ndarray
            Shape (rows, n_outputs), or (n_outputs,) for a 1-D X.

        Raises
        ------
        ValueError
            For inputs of the wrong shape or that are not finite numbers.
        """
        forward = self.forward
        if logits:
            *body, last = self.layers
            if not isinstance(last, Dense):
                raise ValueError(f"logits are the sums of a last Dense layer, but the last "
                                 f"layer is {last!r}")

            def forward(inputs):
                for layer in body:
                    inputs = layer.forward(inputs)
                return last.sums(inputs)
        single = len(np.shape(X)) == 1
        lazy = is_lazy(X)
        sparse = is_sparse(X)
        X = self.check_inputs(X, "X", scan=False)  # lazy data is checked chunk by chunk below
        n = X.shape[0]
        if batch_size is None:
            batch_size = self.chunk_rows()
        batch_size = as_count(batch_size, "batch_size", minimum=1)
        result = np.empty((n, self.n_outputs), dtype=self.dtype)
        for start in range(0, n, batch_size):
            chunk = X[start:start + batch_size]
            if not sparse:
                chunk = np.asarray(chunk, dtype=self.dtype)
            if lazy and not all_finite(chunk):
                last = start + len(chunk) - 1
                raise ValueError(f"X holds NaN or infinity in rows {start} to {last}")
            result[start:start + batch_size] = forward(chunk)
        return result[0] if single else result

    def fit(self, X, y, *, loss, optimizer=None, epochs=1, batch_size=32, shuffle=True,
            validation_data=None, validation_split=0.0, early_stopping=None, metrics=None,
            progress=False, callbacks=(), sample_weight=None, block_rows=None):
        """Train on inputs X (n_examples, n_inputs) and targets y; returns a History.

        X may be a NumPy array of any layout or a DataFrame (copied once, row-major, if it is
        not already), a SciPy sparse matrix (multiplied as sparse by the first layer; a batch
        is made dense only when that is cheaper), or larger than memory: a np.memmap, or any
        object with ``shape``, ``dtype`` and row indexing (X[i:j], X[sorted index array]) such
        as an h5py dataset, is checked chunk by chunk and read batch by batch (in file order
        within a batch), never loaded whole.

        Parameters
        ----------
        X : array_like
            The inputs, shape (n_examples, n_inputs).
        y : array_like
            The targets: one row per example.
        loss : str or Loss
            "mse", "sse", "binary_crossentropy", "categorical_crossentropy", "poisson" or a
            Loss. For categorical cross-entropy y may be class labels (n,) or one-hot (n, k).
        optimizer : SGD, Adam, LBFGS, str or None
            "sgd", "adam", "lbfgs", an optimizer, or None (Adam with its defaults). L-BFGS
            works on all the rows at once: each epoch is one of its iterations and
            ``batch_size`` and ``shuffle`` do not apply.
        epochs : int
            Passes over the data.
        batch_size : int or None
            Examples per step (None: all of them).
        shuffle : bool or callable
            Draw a new order of examples every epoch (from the network's generator); or a
            function ``shuffle(rows)`` that returns the array of training rows in the
            epoch's order (to follow another library's order, for instance).
        validation_data : tuple, optional
            (X_val, y_val), scored after every epoch.
        validation_split : float
            A fraction of X held out at random, instead, for that.
        early_stopping : int, optional
            Patience in epochs: stop when the validation loss (the training loss without
            validation) has not improved for that long, and restore the best weights (a
            note on the ``neuronet`` logger says so).
        metrics : list of str, optional
            "accuracy", "mae", "mse", "r2", "precision", "recall", "f1"
            (``neuronet.metrics``; default: accuracy for cross-entropies).
        progress : bool
            Show a progress bar (tqdm), where someone watches: a terminal or a notebook,
            never a log file.
        callbacks : list
            ``neuronet.Callback`` objects (``on_epoch_end(epoch, logs)`` and the other hooks)
            or functions ``callback(epoch, logs)``, called after every epoch; one that returns
            True stops training.
        sample_weight : array_like, optional
            One non-negative number per row of X, or None (all equal). An example of weight 2
            counts in the loss and its gradient as if it were there twice; the weights are
            divided by their mean, so batches keep their usual scale. Validation scores stay
            unweighted.
        block_rows : int or list of int, optional
            For L-BFGS, how its loss and gradient over all rows are added up: None (default)
            in one block; an int, in blocks of that many rows; a list of sizes, in blocks of
            those sizes. Each block's total is computed alone and the totals are added in a
            fixed tree by block index, as ``neuronet.dask.fit`` adds a cluster's partitions:
            with the partitions' sizes, this fit replays the cluster's bit for bit.

        Returns
        -------
        History
            The loss and metrics of every epoch.

        Raises
        ------
        ValueError
            For data or settings that do not fit the network, saying what was expected.
        FloatingPointError
            When the loss becomes NaN or infinite.
        RuntimeError
            When another thread trains the network.

        Notes
        -----
        Calling fit again continues from the current weights. Ctrl-C stops after the current
        batch and returns normally (``history.interrupted``); a loss that turns NaN or
        infinite raises FloatingPointError with the weights restored to the last finite ones.
        One network trains in one thread at a time: a second ``fit`` while one runs raises
        RuntimeError (``predict`` may run in any number of threads at once).
        """
        from .training import fit

        return fit(self, X, y, loss=loss, optimizer=optimizer, epochs=epochs,
                   batch_size=batch_size, shuffle=shuffle, validation_data=validation_data,
                   validation_split=validation_split, early_stopping=early_stopping,
                   metrics=metrics, progress=progress, callbacks=callbacks,
                   sample_weight=sample_weight, block_rows=block_rows)

    def evaluate(self, X, y, *, loss=None, metrics=None) -> dict:
        """Loss and metrics on (X, y), as ``fit`` reports them; ``loss`` defaults to the one
        the network was last fitted with.

        Parameters
        ----------
        X : array_like
            The inputs.
        y : array_like
            The targets.
        loss : str or Loss, optional
            The loss to score (default: the network's last).
        metrics : list of str, optional
            As for ``fit``.

        Returns
        -------
        dict
            {"loss": ..., metric: ...}.
        """
        from .scoring import evaluate

        loss = loss if loss is not None else self.loss
        if loss is None:
            raise ValueError("evaluate needs a loss: pass loss=..., or fit the network first")
        return evaluate(self, X, y, loss=losses.get(loss), metrics=metrics)

    def to_onnx(self, path=None, *, dtype=None):
        """The network as an ONNX model (input "X", output "Y"), written to ``path`` if given;
        ``dtype`` (float32 or float64) defaults to the network's. Needs the ``onnx`` extra.

        Parameters
        ----------
        path : str or path-like, optional
            Where to write the model.
        dtype : np.float32 or np.float64, optional
            The model's number type.

        Returns
        -------
        onnx.ModelProto
        """
        from .onnx import network_to_onnx

        return network_to_onnx(self, path, dtype=dtype)

    def save(self, path, *, metadata=None):
        """Write the network to ``path``, one .npz file that ``neuronet.load`` reads back
        (see ``neuronet.serialization``); return ``path``. ``metadata`` (a dict) updates
        ``self.metadata`` first. The file is replaced in one step, never left half-written.

        Parameters
        ----------
        path : str or path-like
            The file to write (.npz).
        metadata : dict, optional
            Added to ``self.metadata`` (JSON values).

        Returns
        -------
        str or path-like
            ``path``.
        """
        save = _edges.provided("save", "neuronet.serialization")
        return save(self, path, metadata=metadata)

    def summary(self) -> str:
        """A table of the layers: type, sizes, activation and parameter counts.

        Returns
        -------
        str
        """
        rows = [("#", "layer", "inputs", "outputs", "activation", "parameters")]
        for i, layer in enumerate(self.layers, 1):
            if isinstance(layer, Dense):
                rows.append((str(i), "Dense", str(layer.n_inputs), str(layer.n_outputs),
                             layer.activation.name, f"{layer.n_parameters():,}"))
            else:
                rows.append((str(i), repr(layer), "", "", "", "0"))
        widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
        lines = ["  ".join(cell.ljust(w) if c in (1, 4) else cell.rjust(w)
                           for c, (cell, w) in enumerate(zip(row, widths))).rstrip()
                 for row in rows]
        rule = "-" * max(len(line) for line in lines)
        dtype = self.dtype.name
        return "\n".join([lines[0], rule, *lines[1:], rule,
                          f"{self.n_parameters():,} parameters, {dtype}"])

    def __repr__(self) -> str:
        inner = "".join(f"    {layer!r},\n" for layer in self.layers)
        extra = "" if self.seed is None else f", seed={self.seed!r}"
        if self.dtype != np.float64:
            extra += f", dtype=np.{self.dtype.name}"
        return f"Network([\n{inner}]{extra})"


class _Claim:
    """The claim of ``Network.claim``."""

    def __init__(self, network):
        self.network = network

    def __enter__(self):
        with _CLAIMS:
            other = self.network._fitting
            if other is not None:
                where = ("this same thread (a callback?)" if other is threading.current_thread()
                         else f"thread {other.name!r}")
                raise RuntimeError(f"this network is already being fitted in {where}; a network "
                                   "trains in one thread at a time: wait for that fit to end, or "
                                   "fit a copy (copy.deepcopy) of the network")
            self.network._fitting = threading.current_thread()
        return self

    def __exit__(self, *exc):
        self.network._fitting = None
