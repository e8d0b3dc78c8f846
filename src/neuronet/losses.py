"""Losses: one number that says how wrong the network's predictions are, and its gradient.

Training lowers the loss by following its gradient with respect to the predictions back
through the network. Cross-entropy after sigmoid or softmax is computed straight from the
sums ``z`` ("logits"): the loss stays finite for any logits and its gradient with respect
to ``z`` collapses to ``(prediction - target) / n``.
"""

from __future__ import annotations

import numpy as np

from . import activations
from ._checks import by_name


class Loss:
    """Base class: ``value(pred, target)`` is a float, ``gradient(pred, target)`` is dL/dpred.

    ``weights``, a column (n, 1) of per-example weights or None, scales each example's share
    of the value; training scales the gradient's rows by the same weights.

    ``scale`` (1 by default) is a constant factor that the network applies to the loss and its
    gradient wherever it computes them (``train_batch``, ``evaluate``, ``loss_and_gradient``):
    ``MeanSquaredError(scale=k / 2)`` with k outputs is half the squared error summed over the
    outputs and averaged over the examples, as scikit-learn's MLPRegressor has it.

    Parameters
    ----------
    scale : float
        A constant factor of the loss and its gradient (default 1).
    """

    name = ""
    #: The output activation this loss fuses with, if any (its gradient is then taken at z).
    fused_activation: str | None = None
    #: True when the loss adds up over examples instead of averaging (the epoch total is a sum).
    summed = False

    def __init__(self, scale: float = 1.0):
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not (
                np.isfinite(scale) and scale > 0):
            raise ValueError(f"a loss's scale must be a finite number greater than zero, "
                             f"got {scale!r}")
        self.scale = float(scale)

    def value(self, pred, target, weights=None) -> float:
        """The loss of the predictions ``pred`` against ``target``.

        Parameters
        ----------
        pred : ndarray
            The network's outputs, one row per example.
        target : ndarray
            The targets, of the shape of ``pred``.
        weights : ndarray, optional
            A column (n, 1) of per-example weights.

        Returns
        -------
        float
        """
        raise NotImplementedError

    def gradient(self, pred, target, out=None):
        """dL/dpred, the gradient of the loss with respect to the predictions.

        Parameters
        ----------
        pred : ndarray
            The network's outputs, one row per example.
        target : ndarray
            The targets, of the shape of ``pred``.
        out : ndarray, optional
            Where to write the gradient.

        Returns
        -------
        ndarray
            Of the shape of ``pred``.
        """
        raise NotImplementedError

    def value_from_logits(self, z, target, weights=None) -> float:
        """The loss computed from the sums ``z`` before the fused output activation: finite
        for any ``z``.

        Parameters
        ----------
        z : ndarray
            The output layer's sums (logits), one row per example.
        target : ndarray
            The targets, of the shape of ``z``.
        weights : ndarray, optional
            A column (n, 1) of per-example weights.

        Returns
        -------
        float
        """
        raise NotImplementedError

    def forward_from_logits(self, z, target, out, weights=None):
        """For the fused case while training: the activation's output of ``z`` into ``out``,
        and the loss. ``z`` may be overwritten by values with the same activation.

        Parameters
        ----------
        z : ndarray
            The output layer's sums (logits).
        target : ndarray
            The targets, of the shape of ``z``.
        out : ndarray
            Where the activation's outputs are written.
        weights : ndarray, optional
            A column (n, 1) of per-example weights.

        Returns
        -------
        float
            The loss.
        """
        value = self.value_from_logits(z, target, weights)
        activations.get(self.fused_activation).forward(z, out=out)
        return value

    def gradient_from_logits(self, pred, target, out=None, scale=1.0):
        """dL/dz for the fused case, from the activation's output ``pred``, times ``scale``.

        Parameters
        ----------
        pred : ndarray
            The output activation's outputs.
        target : ndarray
            The targets, of the shape of ``pred``.
        out : ndarray, optional
            Where to write the gradient.
        scale : float
            A factor of the gradient.

        Returns
        -------
        ndarray
            dL/dz, of the shape of ``pred``.
        """
        out = np.subtract(pred, target, out=out)
        out *= scale / self._count(pred)
        return out

    def _count(self, pred) -> int:
        return len(pred)

    def __repr__(self) -> str:
        scale = "" if self.scale == 1 else f"scale={self.scale:g}"
        return f"{type(self).__name__}({scale})"


class MeanSquaredError(Loss):
    """mean over all elements of (prediction - target)^2.

    Parameters
    ----------
    scale : float
        A constant factor of the loss and its gradient (default 1).
    """

    name = "mse"

    def value(self, pred, target, weights=None) -> float:
        diff = pred - target
        weighted = diff if weights is None else diff * weights
        return float(np.vdot(weighted, diff) / diff.size)

    def gradient(self, pred, target, out=None):
        out = np.subtract(pred, target, out=out)
        out *= 2 / out.size
        return out


class SumSquaredError(Loss):
    """1/2 * sum of (prediction - target)^2: the tutorial's loss; its gradient is the error.

    Parameters
    ----------
    scale : float
        A constant factor of the loss and its gradient (default 1).
    """

    name = "sse"
    summed = True

    def value(self, pred, target, weights=None) -> float:
        diff = pred - target
        weighted = diff if weights is None else diff * weights
        return float(0.5 * np.vdot(weighted, diff))

    def gradient(self, pred, target, out=None):
        return np.subtract(pred, target, out=out)


class BinaryCrossentropy(Loss):
    """mean over all elements of -[t log p + (1 - t) log(1 - p)], for outputs in (0, 1).

    Parameters
    ----------
    scale : float
        A constant factor of the loss and its gradient (default 1).
    """

    name = "binary_crossentropy"
    fused_activation = "sigmoid"

    def value(self, pred, target, weights=None) -> float:
        eps = np.finfo(pred.dtype).eps
        p = np.clip(pred, eps, 1 - eps)
        loss = target * np.log(p) + (1 - target) * np.log1p(-p)
        if weights is not None:
            loss *= weights
        return float(-np.mean(loss))

    def gradient(self, pred, target, out=None):
        eps = np.finfo(pred.dtype).eps
        p = np.clip(pred, eps, 1 - eps)
        out = np.subtract(p, target, out=out)
        out /= p * (1 - p) * pred.size
        return out

    def value_from_logits(self, z, target, weights=None) -> float:
        # -[t log s(z) + (1-t) log(1-s(z))] = max(z, 0) - t z + log(1 + e^-|z|), finite for any z.
        loss = np.maximum(z, 0) - target * z + np.log1p(np.exp(-np.abs(z)))
        if weights is not None:
            loss *= weights
        return float(loss.mean())

    def _count(self, pred) -> int:
        return pred.size


class CategoricalCrossentropy(Loss):
    """mean over examples of -sum_k t_k log p_k, for probabilities that sum to 1 (softmax).

    Parameters
    ----------
    scale : float
        A constant factor of the loss and its gradient (default 1).
    """

    name = "categorical_crossentropy"
    fused_activation = "softmax"

    def value(self, pred, target, weights=None) -> float:
        p = np.clip(pred, np.finfo(pred.dtype).tiny, 1)
        if weights is not None:
            target = target * weights
        return float(-np.vdot(target, np.log(p)) / len(pred))

    def gradient(self, pred, target, out=None):
        p = np.clip(pred, np.finfo(pred.dtype).tiny, 1)
        out = np.divide(target, p, out=out)
        out *= -1 / len(pred)
        return out

    def value_from_logits(self, z, target, weights=None) -> float:
        # -sum t (z - logsumexp(z)), with the row's maximum taken out so exp never overflows.
        shifted = z - activations.row_max(z)
        log_norm = np.log(activations.row_sum(np.exp(shifted)))
        if weights is not None:
            target = target * weights
        return float(np.vdot(target, log_norm - shifted) / len(z))

    def forward_from_logits(self, z, target, out, weights=None):
        # One exponential serves both the softmax and the loss: softmax = e^z / norm, and
        # z - log(norm) is log(softmax), whose dot product with the targets is minus the loss.
        # Sums far from 0 would overflow (or underflow) e^z: each row is then shifted by its
        # largest sum, which changes neither. Within the bound no shift is needed, and none is
        # made: finding the rows' maxima would cost more than all the rest.
        bound = _EXP_BOUND[z.dtype.char]
        if not -bound < np.minimum.reduce(z, axis=None) <= np.maximum.reduce(z, axis=None) \
                < bound:
            z -= activations.row_max(z)
        np.exp(z, out=out)
        norm = activations.row_sum(out)
        out /= norm
        z -= np.log(norm, out=norm)
        if weights is not None:
            target = target * weights
        return float(-np.vdot(target, z) / len(z))


#: |z| below which e^z neither overflows nor leaves the normal floats, even summed over
#: millions of classes: half the log of the largest float (354 in float64, 44 in float32).
_EXP_BOUND = {t.char: float(np.log(np.finfo(t).max)) / 2 for t in (np.dtype(np.float32),
                                                                     np.dtype(np.float64))}


class Poisson(Loss):
    """mean over all elements of the Poisson deviance's half, p - t log p + t log t - t, for
    counts or rates t >= 0 predicted by p = e^z (the "exp" output activation): the loss of
    scikit-learn's MLPRegressor(loss="poisson"), computed from z, where its gradient is
    (p - t) / n.

    Parameters
    ----------
    scale : float
        A constant factor of the loss and its gradient (default 1).
    """

    name = "poisson"
    fused_activation = "exp"

    def value(self, pred, target, weights=None) -> float:
        tiny = np.finfo(pred.dtype).tiny
        loss = pred - target * np.log(np.maximum(pred, tiny)) + _xlogx(target) - target
        if weights is not None:
            loss *= weights
        return float(loss.mean())

    def gradient(self, pred, target, out=None):
        tiny = np.finfo(pred.dtype).tiny
        out = np.divide(target, np.maximum(pred, tiny), out=out)
        np.subtract(1, out, out=out)
        out /= pred.size
        return out

    def value_from_logits(self, z, target, weights=None) -> float:
        loss = np.exp(z) - target * z + _xlogx(target) - target
        if weights is not None:
            loss *= weights
        return float(loss.mean())

    def _count(self, pred) -> int:
        return pred.size


def _xlogx(t):
    # t log t, with 0 log 0 = 0 (the limit)
    return t * np.log(np.where(t > 0, t, 1))


LOSSES = {
    cls.name: cls
    for cls in (MeanSquaredError, SumSquaredError, BinaryCrossentropy, CategoricalCrossentropy,
                Poisson)
}


def get(loss) -> Loss:
    """A Loss from its name ("mse", "sse", "binary_crossentropy", "categorical_crossentropy",
    "poisson").

    Parameters
    ----------
    loss : str or Loss
        A name of ``LOSSES``, or a loss, returned as it is.

    Returns
    -------
    Loss

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    """
    return by_name(loss, LOSSES, Loss, "loss")
