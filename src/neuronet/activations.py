"""Activation functions: the non-linear step after a neuron's weighted sum.

Each activation maps the sums ``z`` to outputs ``a`` and, going backward, turns the
gradient with respect to ``a`` into the gradient with respect to ``z``. As in the
tutorial's ``sigmoid_derivative(output)``, every derivative here is written in terms
of the *output* ``a``, so a layer only has to keep its outputs to learn.
"""

from __future__ import annotations

import numpy as np

from ._checks import by_name


class Activation:
    """Base class. ``forward(z, out)`` gives a = f(z); ``backward(a, grad, out)`` gives dL/dz."""

    name = ""

    def forward(self, z, out=None):
        """The outputs a = f(z) of the sums ``z``.

        Parameters
        ----------
        z : ndarray
            The weighted sums, one row per example.
        out : ndarray, optional
            Where to write the outputs (may be ``z`` itself, to work in place).

        Returns
        -------
        ndarray
            f(z), of the shape of ``z``.
        """
        raise NotImplementedError

    def derivative(self, a):
        """f'(z) written in terms of a = f(z), for the element-wise activations.

        Parameters
        ----------
        a : ndarray
            The outputs f(z).

        Returns
        -------
        ndarray
            f'(z) at each element, of the shape of ``a``.
        """
        raise NotImplementedError

    def backward(self, a, grad, out=None):
        """dL/dz from dL/da = ``grad``: the chain rule through the activation.

        Parameters
        ----------
        a : ndarray
            The outputs f(z) of the forward pass.
        grad : ndarray
            dL/da, the gradient of the loss with respect to the outputs.
        out : ndarray, optional
            Where to write the result; may be ``grad`` itself to work in place.

        Returns
        -------
        ndarray
            dL/dz, of the shape of ``a``.
        """
        return np.multiply(grad, self.derivative(a), out=out)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sigmoid(Activation):
    """1 / (1 + e^-z): squashes any sum into (0, 1), read as a probability."""

    name = "sigmoid"

    def forward(self, z, out=None):
        # 1 / (1 + e^-z) keeps full relative precision even for probabilities near 0, which stay
        # above 0 down to z = -709 (where e^-z overflows to infinity and the result is 0, as it
        # nearly is: below -745 no float64 is that small).
        with np.errstate(over="ignore"):
            out = np.negative(z, out=out)
            np.exp(out, out=out)
        out += 1
        np.reciprocal(out, out=out)
        return out

    def derivative(self, a):
        return a * (1 - a)

    def backward(self, a, grad, out=None):
        out = np.multiply(grad, a, out=out)
        out *= 1 - a
        return out


class Tanh(Activation):
    """tanh(z): like the sigmoid, but centred on zero, with outputs in (-1, 1)."""

    name = "tanh"

    def forward(self, z, out=None):
        return np.tanh(z, out=out)

    def derivative(self, a):
        return 1 - a * a

    def backward(self, a, grad, out=None):
        return np.multiply(grad, 1 - a * a, out=out)


class ReLU(Activation):
    """max(0, z): passes positive sums and silences negative ones; the usual hidden choice."""

    name = "relu"

    def forward(self, z, out=None):
        return np.maximum(z, 0, out=out)

    def derivative(self, a):
        return (a > 0).astype(a.dtype)

    def backward(self, a, grad, out=None):
        return np.multiply(grad, a > 0, out=out)


class LeakyReLU(Activation):
    """z for positive sums, ``alpha * z`` for negative ones, so no unit goes silent for good.

    Parameters
    ----------
    alpha : float
        The slope for negative sums, between 0 and 1 (default 0.01).
    """

    name = "leaky_relu"

    def __init__(self, alpha: float = 0.01):
        if not 0 < alpha < 1:
            raise ValueError(f"leaky_relu's alpha must be between 0 and 1, got {alpha}")
        self.alpha = alpha

    def forward(self, z, out=None):
        scaled = np.multiply(z, self.alpha)
        return np.maximum(z, scaled, out=out)  # for 0 < alpha < 1 the larger one is right

    def derivative(self, a):
        return np.where(a > 0, 1, self.alpha).astype(a.dtype)

    def backward(self, a, grad, out=None):
        slope = np.where(a > 0, a.dtype.type(1), a.dtype.type(self.alpha))
        return np.multiply(grad, slope, out=out)

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha:g})"


def row_max(z):
    """The largest value of each row of a 2-D array, as a column.

    NumPy reduces along short rows slowly (36 us for 1,000 rows of 3); column by column is ten
    times faster there.

    Parameters
    ----------
    z : ndarray
        A 2-D array.

    Returns
    -------
    ndarray
        Shape (rows, 1).
    """
    n, k = z.shape
    if n < 16 * k:
        return np.maximum.reduce(z, axis=1, keepdims=True)
    largest = z[:, 0].copy()
    for j in range(1, k):
        np.maximum(largest, z[:, j], out=largest)
    return largest[:, None]


_ONES = {}


def row_sum(a):
    """The sum of each row of a 2-D array, as a column.

    A product with ones, which BLAS does far faster than NumPy's reduction along short rows.

    Parameters
    ----------
    a : ndarray
        A 2-D array.

    Returns
    -------
    ndarray
        Shape (rows, 1).
    """
    key = (a.shape[1], a.dtype)
    ones = _ONES.get(key)
    if ones is None:  # kept: a training step would otherwise spend a third of this on them
        ones = _ONES[key] = np.ones(a.shape[1], dtype=a.dtype)
        ones.flags.writeable = False
    return np.dot(a, ones)[:, None]


class Softmax(Activation):
    """e^z_i / sum_j e^z_j over each row: outputs that are positive and sum to 1, one per class."""

    name = "softmax"

    def forward(self, z, out=None):
        out = np.subtract(z, row_max(z), out=out)  # e^z / sum e^z unchanged
        np.exp(out, out=out)
        out /= row_sum(out)
        return out

    def derivative(self, a):
        raise NotImplementedError(
            "softmax's derivative is a matrix per row, not an element-wise factor; use backward()"
        )

    def backward(self, a, grad, out=None):
        # Jacobian-vector product: dz_i = a_i * (g_i - sum_j g_j a_j).
        inner = np.einsum("ij,ij->i", grad, a)[:, None]
        out = np.subtract(grad, inner, out=out)
        out *= a
        return out


class Exp(Activation):
    """e^z: positive outputs of any size, for counts and rates (the Poisson loss's link)."""

    name = "exp"

    def forward(self, z, out=None):
        return np.exp(z, out=out)

    def derivative(self, a):
        return a

    def backward(self, a, grad, out=None):
        return np.multiply(grad, a, out=out)


class Identity(Activation):
    """z itself: no squashing, for outputs that are any real number (regression)."""

    name = "identity"

    def forward(self, z, out=None):
        if out is None or out is z:
            return z
        np.copyto(out, z)
        return out

    def derivative(self, a):
        return np.ones_like(a)

    def backward(self, a, grad, out=None):
        if out is None or out is grad:
            return grad
        np.copyto(out, grad)
        return out


ACTIVATIONS = {
    cls.name: cls for cls in (Sigmoid, Tanh, ReLU, LeakyReLU, Softmax, Exp, Identity)
}


def get(activation) -> Activation:
    """An Activation from its name ("sigmoid", "tanh", "relu", ...) or an Activation instance.

    Parameters
    ----------
    activation : str or Activation
        A name of ``ACTIVATIONS``, or an activation, returned as it is.

    Returns
    -------
    Activation

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    """
    return by_name(activation, ACTIVATIONS, Activation, "activation")


def _floats(z):
    z = np.asarray(z)
    return z if z.dtype.kind == "f" else z.astype(np.float64)


def sigmoid(z):
    """The sigmoid 1 / (1 + e^-z) of each element: the tutorial's squashing into (0, 1).

    Parameters
    ----------
    z : array_like
        Numbers.

    Returns
    -------
    ndarray
        Of the shape of ``z``, each in (0, 1).
    """
    return Sigmoid().forward(_floats(z))


def tanh(z):
    """tanh(z) of each element: outputs in (-1, 1), centred on zero.

    Parameters
    ----------
    z : array_like
        Numbers.

    Returns
    -------
    ndarray
        Of the shape of ``z``.
    """
    return np.tanh(_floats(z))


def relu(z):
    """max(0, z) of each element.

    Parameters
    ----------
    z : array_like
        Numbers.

    Returns
    -------
    ndarray
        Of the shape of ``z``.
    """
    return np.maximum(_floats(z), 0)


def leaky_relu(z, alpha: float = 0.01):
    """z where it is positive, ``alpha * z`` elsewhere.

    Parameters
    ----------
    z : array_like
        Numbers.
    alpha : float
        The slope for negative values, between 0 and 1.

    Returns
    -------
    ndarray
        Of the shape of ``z``.
    """
    return LeakyReLU(alpha).forward(_floats(z))


def softmax(z):
    """Softmax over the last axis of a 1-D or 2-D array: positive outputs that sum to 1.

    Parameters
    ----------
    z : array_like
        A 1-D array, or one row per example.

    Returns
    -------
    ndarray
        Of the shape of ``z``.
    """
    z = _floats(z)
    return Softmax().forward(np.atleast_2d(z)).reshape(z.shape)


def identity(z):
    """z itself: the activation of a regression's output.

    Parameters
    ----------
    z : array_like
        Numbers.

    Returns
    -------
    array_like
        ``z``, unchanged.
    """
    return z
