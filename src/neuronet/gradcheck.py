"""A check a learner can run: is backpropagation's gradient the true slope of the loss?

Nudge one weight up by a tiny epsilon and down by the same, see how the loss changes, and
divide: ``(L(w + eps) - L(w - eps)) / (2 eps)`` is the slope of the loss along that weight
(central differences, wrong only by about eps squared). Backpropagation claims to give all
these slopes at once. ``gradient_check`` compares the two, weight by weight, and reports each
layer's relative error, the length of the difference of the two gradients over the length of
the larger: about 1e-9 or less when backpropagation is right (in float64), far more when a
derivative is wrong.

Where a ReLU's sum lies within epsilon of zero, its kink makes the finite difference wrong
instead, and that weight may disagree; a smooth activation never does.
"""

from __future__ import annotations

import copy
import textwrap

import numpy as np

from . import losses, targets
from ._checks import as_positive_float
from .steps import step

__all__ = ["GradientCheck", "gradient_check"]

#: Worst relative error below which the gradients are said to agree (float64).
AGREES = 1e-6


class GradientCheck:
    """What ``gradient_check`` found, layer by layer; prints as a short table.

    Per Dense layer, the relative error between the finite-difference slopes and
    backpropagation's gradient.

    Parameters
    ----------
    weight_errors, bias_errors : list of float
        The relative error of each layer's weights and of its biases (NaN for a layer without
        bias), input side first: ``|numeric - backprop| / max(|numeric|, |backprop|)``, with
        ``|.|`` the length of the layer's gradient as one vector.
    numeric, backprop : list of ndarray
        The two gradients, in the order of ``Network.get_weights()``.
    activations : list of str
        Each layer's activation.
    epsilon : float
        The nudge.
    loss_name : str
        The loss checked.
    n_rows : int
        Rows of the batch.
    """

    def __init__(self, weight_errors, bias_errors, numeric, backprop, activations, epsilon,
                 loss_name, n_rows):
        self.weight_errors = list(weight_errors)
        self.bias_errors = list(bias_errors)
        self.numeric = numeric
        self.backprop = backprop
        self.activations = list(activations)
        self.epsilon = epsilon
        self.loss_name = loss_name
        self.n_rows = n_rows

    @property
    def layer_errors(self) -> list:
        """The larger relative error of each layer, weights or biases."""
        return [float(np.nanmax([w, b])) for w, b in zip(self.weight_errors, self.bias_errors)]

    @property
    def worst(self) -> float:
        """The worst relative error of the whole network."""
        return max(self.layer_errors)

    def agrees(self, tolerance=AGREES) -> bool:
        """Whether every weight's two gradients agree.

        Parameters
        ----------
        tolerance : float
            The largest relative error still called agreement.

        Returns
        -------
        bool
            True when the worst relative error is below ``tolerance``.
        """
        return self.worst < tolerance

    @property
    def suspect(self):
        """The layer (numbered from 1) nearest the output whose gradients disagree, or None.

        A wrong derivative shows there and in every layer before it, which learns through it.
        """
        bad = [k for k, error in enumerate(self.layer_errors, 1) if not error < AGREES]
        return bad[-1] if bad else None

    def __str__(self) -> str:
        rows = [("layer", "activation", "relative error: weights", "biases")]
        for k, (name, w, b) in enumerate(zip(self.activations, self.weight_errors,
                                             self.bias_errors), 1):
            rows.append((str(k), name, f"{w:.1e}", "-" if np.isnan(b) else f"{b:.1e}"))
        widths = [max(len(row[c]) for row in rows) for c in range(4)]
        lines = [f"Gradient check: backpropagation against central differences "
                 f"(epsilon {self.epsilon:g}), loss {self.loss_name}, {self.n_rows} rows"]
        lines += ["  " + "  ".join(cell.rjust(w) if c != 1 else cell.ljust(w)
                                   for c, (cell, w) in enumerate(zip(row, widths)))
                  for row in rows]
        if self.agrees():
            k = int(np.argmax(self.layer_errors)) + 1
            lines.append(f"Backpropagation agrees with the slopes of the loss (worst relative "
                         f"error {self.worst:.1e}, layer {k}).")
        else:
            k = self.suspect
            lines.append(f"Backpropagation DISAGREES with the slopes of the loss: relative "
                         f"error {self.layer_errors[k - 1]:.1e} in layer {k} "
                         f"({self.activations[k - 1]}), the layer nearest the output that "
                         "disagrees. Look at its activation's derivative: the layers before it "
                         "learn through it, and disagree with it.")
        return "\n".join(lines[:-1] + textwrap.wrap(lines[-1], 100))

    def __repr__(self) -> str:
        return f"<GradientCheck: worst relative error {self.worst:.1e} over " \
               f"{len(self.activations)} layers>"


def gradient_check(network, X, y, *, loss=None, epsilon=1e-5) -> GradientCheck:
    """Compare backpropagation's gradient with central finite differences, weight by weight.

    The gradient is the one ``neuronet.trace.step`` (and so ``fit``) computes on the batch
    (X, y); each finite difference evaluates the same loss twice, with one weight nudged by
    ``+epsilon`` and ``-epsilon``. Two forward passes per weight: meant for small networks
    and batches, a learner's check rather than a test of a large model.

    Parameters
    ----------
    network : Network
        The network, left unchanged. It may not hold Dropout (its loss would be random).
    X : array of shape (rows, inputs)
        The batch.
    y : array
        Its targets, as ``fit`` takes them.
    loss : str or Loss, optional
        As for ``fit``; default: the loss the network was last fitted with.
    epsilon : float
        The nudge. 1e-5 suits float64 (a smaller one leaves the difference of the two losses
        fewer digits, a larger one a larger error of the central difference itself); a
        float32 network agrees to about 1e-3 at best.

    Returns
    -------
    GradientCheck
        The relative error of each layer, and both gradients.

    Raises
    ------
    ValueError
        If the network holds active Dropout, epsilon is not a positive number, or X, y or
        the loss do not fit the network.
    """
    epsilon = as_positive_float(epsilon, "epsilon")
    if any(getattr(layer, "rate", 0) or getattr(layer, "drop", 0) for layer in network.layers):
        raise ValueError("gradient_check needs a loss that is the same at every evaluation, "
                         "which Dropout makes random; check the network without it")
    traced = step(network, X, y, loss=loss, optimizer="sgd")
    loss = losses.get(loss if loss is not None else network.loss)
    probe = copy.deepcopy(network)
    X = traced.X
    expected = targets.prepare(probe, loss, y, X.shape[0]).rows(slice(0, X.shape[0]))

    def value():
        return _loss_value(probe, X, expected, loss)

    backprop, numeric = [], []
    for layer in traced.layers:
        backprop.append(layer.dW)
        if layer.db is not None:
            backprop.append(layer.db)
    # The Dense layers' weights: those that the trace follows (an Embedding first is a fixed
    # lookup to it, checked in its own tests).
    params = [param for layer in probe.dense_layers for param in layer.parameters()]
    with np.errstate(over="ignore", invalid="ignore"):
        for param in params:
            slopes = np.empty(param.shape, dtype=np.float64)
            flat, out = param.reshape(-1), slopes.reshape(-1)
            for i in range(flat.size):
                kept = flat[i]
                flat[i] = kept + epsilon
                up = value()
                flat[i] = kept - epsilon
                down = value()
                flat[i] = kept
                out[i] = (up - down) / (2 * epsilon)
            numeric.append(slopes)
    weight_errors, bias_errors = [], []
    position = 0
    for layer in probe.dense_layers:
        weight_errors.append(_worst(numeric[position], backprop[position]))
        position += 1
        if layer.bias is not None:
            bias_errors.append(_worst(numeric[position], backprop[position]))
            position += 1
        else:
            bias_errors.append(float("nan"))
    return GradientCheck(weight_errors, bias_errors, numeric, backprop,
                         [layer.activation for layer in traced.layers], epsilon, loss.name,
                         X.shape[0])


def _loss_value(network, X, expected, loss) -> float:
    """The batch's loss as ``fit`` computes it (from the sums for a fused loss)."""
    inputs = X
    *body, last = network.layers
    for layer in body:
        inputs = layer.forward(inputs)
    if network.fuses(loss):
        value = loss.value_from_logits(last.sums(inputs), expected)
    else:
        value = loss.value(last.forward(inputs), expected)
    return value * loss.scale


def _worst(numeric, backprop) -> float:
    """The relative error of two gradients of one layer: the length of their difference over
    the length of the larger (0 when both are zero). Taken over the layer as a whole, a few
    slopes too small to hold digits after the loss's rounding do not drown the rest."""
    numeric = np.asarray(numeric, dtype=np.float64).ravel()
    backprop = np.asarray(backprop, dtype=np.float64).ravel()
    size = max(float(np.linalg.norm(numeric)), float(np.linalg.norm(backprop)))
    if size == 0:
        return 0.0
    return float(np.linalg.norm(numeric - backprop)) / size
