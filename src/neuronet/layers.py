"""Layers: a Dense layer is a row of the tutorial's neurons side by side, each with its own
weights and bias, all reading the same inputs. Dropout silences random units while training.

A batch is a 2-D array, one example per row. A layer's ``forward`` keeps what its
``backward`` will need; ``backward`` takes dL/d(output) and returns dL/d(input), leaving
the gradients of its own parameters in ``grad_weights`` and ``grad_bias``.
"""

from __future__ import annotations

import numpy as np

from . import activations, initializers
from ._checks import as_count, is_sparse


class Layer:
    """Base class for layers. A layer without parameters has empty ``parameters()``."""

    n_inputs: int | None = None
    n_outputs: int | None = None
    #: The names of the attributes that hold the parameters, and their gradients, in the order
    #: of ``parameters()``: the network may store them side by side in one block of memory.
    parameter_names: tuple = ()
    gradient_names: tuple = ()

    def build(self, rng: np.random.Generator, dtype) -> None:
        """Create the parameters (if not given) in ``dtype``, drawing from the network's ``rng``.

        Parameters
        ----------
        rng : numpy.random.Generator
            The network's source of randomness.
        dtype : numpy dtype
            The type of the parameters and of the arrays the layer computes.
        """

    def forward(self, inputs, training: bool = False):
        """The layer's outputs for a batch of inputs.

        Parameters
        ----------
        inputs : ndarray
            One row per example.
        training : bool
            Whether the network is training: then the layer keeps what ``backward`` needs
            (and Dropout drops).

        Returns
        -------
        ndarray
            One row per example.
        """
        raise NotImplementedError

    def backward(self, grad, *, need_input_grad: bool = True):
        """dL/d(inputs) from dL/d(outputs), leaving the gradients of the layer's parameters.

        Parameters
        ----------
        grad : ndarray
            dL/d(outputs) of the last ``forward`` while training; may be overwritten.
        need_input_grad : bool
            Whether to compute dL/d(inputs) (the first layer's is never needed).

        Returns
        -------
        ndarray or None
            dL/d(inputs), or None when not needed.
        """
        raise NotImplementedError

    def parameters(self) -> list:
        """The arrays that training changes, in the order of ``parameter_names``.

        Returns
        -------
        list of ndarray
        """
        return []

    def gradients(self) -> list:
        """The gradients of the loss with respect to ``parameters()``, in the same order.

        Returns
        -------
        list of ndarray
        """
        return []

    def config(self) -> dict:
        """The settings that rebuild this layer (its arrays aside)."""
        raise NotImplementedError


class Dense(Layer):
    """A fully connected layer: ``activation(inputs @ weights + bias)``.

    Parameters
    ----------
    n_inputs, n_outputs : int
        Units in the previous layer and in this one. ``weights`` has shape
        (n_inputs, n_outputs), ``bias`` shape (n_outputs,).
    activation : str or Activation
        "sigmoid" (default), "tanh", "relu", "leaky_relu", "softmax" or "identity".
    bias : bool
        Whether the layer adds a bias (the tutorial's neuron has none).
    init : str or callable
        Starting weights: "glorot_uniform" (default), "he_normal", "he_uniform",
        "glorot_normal", or "uniform", the tutorial's U(-1, 1). Biases start at zero.
    """

    def __init__(self, n_inputs, n_outputs, activation="sigmoid", *, bias=True, init=None):
        self.n_inputs = as_count(n_inputs, "n_inputs", minimum=1)
        self.n_outputs = as_count(n_outputs, "n_outputs", minimum=1)
        self.activation = activations.get(activation)
        self.use_bias = bool(bias)
        self.init = init
        self._initializer = initializers.get(init)
        self.weights = None
        self.bias = None
        self.grad_weights = None
        self.grad_bias = None

    def build(self, rng, dtype) -> None:
        if self.weights is None:
            self.weights = np.asarray(
                self._initializer(rng, self.n_inputs, self.n_outputs, dtype), dtype=dtype
            )
        else:
            self.weights = np.ascontiguousarray(self.weights, dtype=dtype)
        expected = (self.n_inputs, self.n_outputs)
        if self.weights.shape != expected:
            raise ValueError(
                f"{self!r}: weights have shape {self.weights.shape}, expected {expected}"
            )
        if self.use_bias:
            bias = np.zeros(self.n_outputs) if self.bias is None else self.bias
            self.bias = np.ascontiguousarray(bias, dtype=dtype)
            if self.bias.shape != (self.n_outputs,):
                raise ValueError(
                    f"{self!r}: bias has shape {self.bias.shape}, expected ({self.n_outputs},)"
                )
        else:
            self.bias = None
        # np.zeros, not zeros_like: the system hands over zero pages untouched, so a network
        # that only predicts (a loaded model) never pays memory for gradients.
        self.grad_weights = np.zeros(self.weights.shape, dtype)
        self.grad_bias = None if self.bias is None else np.zeros(self.bias.shape, dtype)
        self._buffers = {}
        self._views = {}

    def __getstate__(self):
        # What forward keeps for backward and the reused buffers are scratch, rewritten by the
        # next batch: a copy or a pickle of the layer carries its weights and settings only.
        state = dict(self.__dict__)
        for name in ("inputs", "z", "outputs"):
            state.pop(name, None)
        state["_buffers"], state["_views"] = {}, {}
        return state

    def __setstate__(self, state):
        # A layer pickled by an earlier version has no views: it starts without.
        self.__dict__.update(state)
        self.__dict__.setdefault("_views", {})

    def _buffer(self, name, shape):
        # Arrays reused from batch to batch while training. A batch with fewer rows (an epoch's
        # last, a block's last chunk) takes the first rows of the buffer, a contiguous view:
        # reallocating would fault in fresh pages of memory, twice per short batch. The view
        # for each shape is kept too: one lookup is most of what a small network's step costs
        # here, five times a step.
        view = self._views.get((name, shape))
        if view is not None:
            return view
        buffer = self._buffers.get(name)
        if buffer is None or buffer.shape[1:] != shape[1:] or buffer.shape[0] < shape[0]:
            buffer = self._buffers[name] = np.empty(shape, dtype=self.weights.dtype)
            # Views of the buffer this one replaces must not be handed out again.
            self._views = {key: v for key, v in self._views.items() if key[0] != name}
        if len(self._views) > 64:  # many batch shapes (chunked passes): keep the newest
            self._views.clear()
        view = self._views[(name, tuple(shape))] = (
            buffer if buffer.shape[0] == shape[0] else buffer[:shape[0]])
        return view

    def sums(self, inputs, training: bool = False):
        """z = inputs @ weights + bias: each unit's weighted sum of its inputs.

        Parameters
        ----------
        inputs : ndarray or scipy.sparse matrix
            One row per example (a sparse matrix is multiplied as sparse).
        training : bool
            Whether to write into the buffer reused from batch to batch.

        Returns
        -------
        ndarray
            Shape (rows, n_outputs).
        """
        if type(inputs) is not np.ndarray and is_sparse(inputs):
            z = np.asarray(inputs @ self.weights)
        else:
            out = self._buffer("z", (inputs.shape[0], self.n_outputs)) if training else None
            z = np.dot(inputs, self.weights, out=out)  # np.dot: the least overhead per call
        if self.bias is not None:
            z += self.bias
        return z

    def forward(self, inputs, training: bool = False):
        """``activation(inputs @ weights + bias)``.

        While training it keeps inputs, sums and outputs for ``backward``, in buffers that the
        next batch overwrites.

        Parameters
        ----------
        inputs : ndarray or scipy.sparse matrix
            One row per example.
        training : bool
            Whether the network is training.

        Returns
        -------
        ndarray
            Shape (rows, n_outputs).
        """
        z = self.sums(inputs, training)
        if not training:
            return self.activation.forward(z, out=z)
        self.inputs, self.z = inputs, z
        self.outputs = self.activation.forward(z, out=self._buffer("a", z.shape))
        return self.outputs

    def forward_with_loss(self, inputs, loss, targets, weights=None):
        """``forward`` while training, for a last layer whose activation ``loss`` is fused with:
        the outputs and the loss's value, computed together from the sums.

        Parameters
        ----------
        inputs : ndarray
            One row per example.
        loss : Loss
            A loss whose ``fused_activation`` is this layer's activation.
        targets : ndarray
            The targets, shape (rows, n_outputs).
        weights : ndarray, optional
            A column of per-example weights.

        Returns
        -------
        outputs : ndarray
            Shape (rows, n_outputs).
        value : float
            The loss.
        """
        z = self.sums(inputs, training=True)
        self.inputs, self.z = inputs, z
        self.outputs = self._buffer("a", z.shape)
        value = loss.forward_from_logits(z, targets, out=self.outputs, weights=weights)
        return self.outputs, value

    def backward(self, grad, *, need_input_grad=True, through_activation=True):
        """Gradients from dL/d(outputs) = ``grad`` (overwritten).

        Parameters
        ----------
        grad : ndarray
            dL/d(outputs), or with ``through_activation`` False already dL/dz (a fused loss).
        need_input_grad : bool
            Whether to compute dL/d(inputs).
        through_activation : bool
            Whether ``grad`` still has to go back through the activation.

        Returns
        -------
        ndarray or None
            dL/d(inputs), or None when not needed; the gradients of the weights and bias are
            left in ``grad_weights`` and ``grad_bias``.
        """
        dz = self.activation.backward(self.outputs, grad, out=grad) if through_activation else grad
        if type(self.inputs) is np.ndarray:
            np.dot(self.inputs.T, dz, out=self.grad_weights)
        else:  # sparse inputs: a sparse product, copied into the gradient's buffer
            np.copyto(self.grad_weights, self.inputs.T @ dz)
        if self.grad_bias is not None:  # the column sums of dz, as a product: faster than a sum
            ones = self._buffers.get("ones")
            if ones is None or len(ones) != len(dz):
                ones = self._buffers["ones"] = np.ones(len(dz), dtype=dz.dtype)
            np.dot(ones, dz, out=self.grad_bias)
        if need_input_grad:
            return np.dot(dz, self.weights.T, out=self._buffer("dx", self.inputs.shape))
        return None

    @property
    def parameter_names(self) -> tuple:
        """The names of the attributes that hold the parameters: weights, and bias if any."""
        return ("weights",) if self.bias is None else ("weights", "bias")

    @property
    def gradient_names(self) -> tuple:
        """The names of the attributes that hold the gradients, in the order of the
        parameters."""
        return ("grad_weights",) if self.grad_bias is None else ("grad_weights", "grad_bias")

    def parameters(self) -> list:
        return [self.weights] if self.bias is None else [self.weights, self.bias]

    def gradients(self) -> list:
        if self.grad_bias is None:
            return [self.grad_weights]
        return [self.grad_weights, self.grad_bias]

    def n_parameters(self) -> int:
        """How many numbers training changes: weights and biases.

        Returns
        -------
        int
        """
        return self.n_inputs * self.n_outputs + (self.n_outputs if self.use_bias else 0)

    def config(self) -> dict:
        init = self.init if self.init is None or isinstance(self.init, str) else "custom"
        config = {"type": "Dense", "n_inputs": self.n_inputs, "n_outputs": self.n_outputs,
                  "activation": self.activation.name, "bias": self.use_bias, "init": init}
        if isinstance(self.activation, activations.LeakyReLU):
            config["alpha"] = self.activation.alpha
        return config

    def __repr__(self) -> str:
        extra = "" if self.use_bias else ", bias=False"
        if self.init is not None:
            extra += f", init={self.init!r}"
        activation = self.activation.name
        return f'Dense({self.n_inputs}, {self.n_outputs}, activation="{activation}"{extra})'


class Dropout(Layer):
    """While training, zero each input with probability ``rate`` and scale the rest by
    1 / (1 - rate), so that no unit can lean on any other; at prediction it does nothing.

    Parameters
    ----------
    rate : float
        The probability of dropping each input, in [0, 1).
    """

    def __init__(self, rate: float):
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(f"Dropout rate must be a number in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self._rng = None

    def build(self, rng, dtype) -> None:
        self._rng = rng
        self._dtype = np.dtype(dtype)

    def __getstate__(self):
        # The arrays reused from batch to batch are scratch: a copy or a pickle carries the
        # rate and the generator only.
        state = dict(self.__dict__)
        state.pop("_scratch", None)
        state["_mask"] = None
        return state

    def forward(self, inputs, training: bool = False):
        if not training or self.rate == 0:
            self._mask = None
            return inputs
        # Into arrays kept from batch to batch (the same draws, the same numbers as new ones):
        # a small network's step is mostly the cost of each call, new arrays included.
        scratch = self.__dict__.get("_scratch")
        if scratch is None or scratch[0].shape != inputs.shape or \
                scratch[0].dtype != self._dtype:
            scratch = self._scratch = (np.empty(inputs.shape, self._dtype),
                                       np.empty(inputs.shape, bool),
                                       np.empty(inputs.shape, self._dtype),
                                       np.empty(inputs.shape, self._dtype))
        drawn, keep, mask, out = scratch
        self._rng.random(dtype=self._dtype, out=drawn)
        np.greater_equal(drawn, self.rate, out=keep)
        self._mask = np.multiply(keep, self._dtype.type(1 / (1 - self.rate)), out=mask)
        return np.multiply(inputs, mask, out=out)

    def backward(self, grad, *, need_input_grad=True):
        if self._mask is None:
            return grad
        grad *= self._mask
        return grad

    def config(self) -> dict:
        return {"type": "Dropout", "rate": self.rate}

    def __repr__(self) -> str:
        return f"Dropout({self.rate:g})"
