"""Optimizers: how a gradient becomes a change of the weights. The update rules are PyTorch's,
so results can be compared step for step. ``weight_decay`` adds ``weight_decay * w`` to each
gradient (L2 regularization), which pulls weights gently toward zero."""

from __future__ import annotations

import math

import numpy as np

from ._checks import as_positive_float


class Optimizer:
    """Base class. ``step(params, grads)`` updates each array of ``params`` in place.

    Its state (momentum, moment estimates) belongs to the parameters it first stepped;
    handed other parameters, it starts afresh.
    """

    def __init__(self, learning_rate: float, weight_decay: float):
        self.learning_rate = as_positive_float(learning_rate, "learning_rate")
        self.weight_decay = as_positive_float(weight_decay, "weight_decay", allow_zero=True)
        self._params = None

    def _state_for(self, params):
        if self._params is None or len(self._params) != len(params) or any(
            a is not b for a, b in zip(self._params, params)
        ):
            self._params = list(params)
            self._init_state(params)

    def _init_state(self, params) -> None:
        pass

    def gradient_scale(self) -> float:
        """A factor the network may multiply the loss's gradient by before backpropagating it
        (then every gradient arrives multiplied by it): 1 unless the optimizer can use it."""
        return 1.0

    def step(self, params, grads, *, scale=1.0) -> None:
        """Update ``params`` in place from ``grads``, which arrive multiplied by ``scale``."""
        raise NotImplementedError

    def _decayed(self, param, grad, scale=1.0):
        # The gradient buffers belong to the layers and are rewritten every batch,
        # so changing them in place is safe.
        if scale != 1:
            grad /= scale
        if self.weight_decay:
            grad += self.weight_decay * param
        return grad


class SGD(Optimizer):
    """Stochastic gradient descent: w -= learning_rate * g.

    With ``momentum`` m, steps follow a running sum of gradients, b = m * b + g, which
    rolls through flat stretches and damps zig-zags; ``nesterov`` looks one step ahead
    (g + m * b).
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(learning_rate, weight_decay)
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not (
            0 <= momentum < 1
        ):
            raise ValueError(f"momentum must be a number in [0, 1), got {momentum!r}")
        if nesterov and momentum == 0:
            raise ValueError("nesterov=True needs a momentum greater than zero")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _init_state(self, params) -> None:
        self._velocity = [np.zeros_like(p) for p in params] if self.momentum else None

    def gradient_scale(self) -> float:
        # Without momentum, w -= learning_rate * g: gradients that arrive already multiplied by
        # the learning rate spare one pass over every weight.
        return 1.0 if self.momentum else self.learning_rate

    def step(self, params, grads, *, scale=1.0) -> None:
        rate, momentum = self.learning_rate, self.momentum
        if not momentum and scale != 1:  # no state to keep
            rate, decay = rate / scale, self.weight_decay * scale
            for param, grad in zip(params, grads):
                if decay:
                    grad += decay * param
                if rate != 1:
                    grad *= rate
                param -= grad
            return
        self._state_for(params)
        for i, (param, grad) in enumerate(zip(params, grads)):
            grad = self._decayed(param, grad, scale)
            if momentum:
                velocity = self._velocity[i]
                velocity *= momentum
                velocity += grad
                if self.nesterov:
                    grad += momentum * velocity
                else:
                    np.copyto(grad, velocity)
            grad *= rate
            param -= grad

    def __repr__(self) -> str:
        args = [f"learning_rate={self.learning_rate:g}"]
        if self.momentum:
            args.append(f"momentum={self.momentum:g}")
        if self.nesterov:
            args.append("nesterov=True")
        if self.weight_decay:
            args.append(f"weight_decay={self.weight_decay:g}")
        return f"SGD({', '.join(args)})"


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): each weight gets its own step size, from running averages
    of its gradient (m) and squared gradient (v), corrected for their start at zero."""

    def __init__(
        self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.0
    ):
        super().__init__(learning_rate, weight_decay)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0 <= beta < 1:
                raise ValueError(f"{name} must be a number in [0, 1), got {beta!r}")
        self.beta1, self.beta2 = float(beta1), float(beta2)
        self.epsilon = as_positive_float(epsilon, "epsilon")

    def _init_state(self, params) -> None:
        self._m = [np.zeros_like(p) for p in params]
        self._v = [np.zeros_like(p) for p in params]
        self._scratch = [np.empty_like(p) for p in params]
        self.steps = 0

    def step(self, params, grads, *, scale=1.0) -> None:
        self._state_for(params)
        self.steps += 1
        b1, b2 = self.beta1, self.beta2
        correction1 = 1 - b1**self.steps
        correction2_sqrt = math.sqrt(1 - b2**self.steps)
        step_size = self.learning_rate / correction1
        for param, grad, m, v, scratch in zip(params, grads, self._m, self._v, self._scratch):
            grad = self._decayed(param, grad, scale)
            m *= b1
            np.multiply(grad, 1 - b1, out=scratch)
            m += scratch
            v *= b2
            np.multiply(grad, grad, out=scratch)
            scratch *= 1 - b2
            v += scratch
            # param -= step_size * m / (sqrt(v) / sqrt(1 - b2^t) + epsilon), as PyTorch has it
            np.sqrt(v, out=scratch)
            scratch /= correction2_sqrt
            scratch += self.epsilon
            np.divide(m, scratch, out=scratch)
            scratch *= step_size
            param -= scratch

    def __repr__(self) -> str:
        args = [f"learning_rate={self.learning_rate:g}"]
        if (self.beta1, self.beta2, self.epsilon) != (0.9, 0.999, 1e-8):
            args += [f"beta1={self.beta1:g}", f"beta2={self.beta2:g}", f"epsilon={self.epsilon:g}"]
        if self.weight_decay:
            args.append(f"weight_decay={self.weight_decay:g}")
        return f"Adam({', '.join(args)})"


OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def get(optimizer) -> Optimizer:
    """An Optimizer: an instance as it is, a name ("sgd", "adam") with default settings, or
    None for Adam."""
    if optimizer is None:
        return Adam()
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in OPTIMIZERS:
        return OPTIMIZERS[optimizer.lower()]()
    raise ValueError(f"unknown optimizer {optimizer!r}; expected 'sgd', 'adam' or an Optimizer")
