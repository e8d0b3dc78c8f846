"""The reference implementations that neuronet is measured against: the tutorial's own loop,
and a plain hand-written NumPy multilayer perceptron, the code one would write without a library.

Both are kept deliberately plain: vectorized NumPy, one expression per step of the algorithm,
no buffers reused. neuronet's abstractions should cost next to nothing on top of this.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from numpy import array

# The tutorial's own program, as the test suite keeps it (and checks that it prints the
# tutorial's numbers): the loop that neuronet's Neuron is measured against.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from tutorial_program import Neuron as TutorialNeuron  # noqa: E402, F401 (used by run.py)

TUTORIAL_INPUTS = array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]])
TUTORIAL_OUTPUTS = array([[0, 1, 1, 0]]).T


def _relu(z):
    return np.maximum(z, 0)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class NumpyMLP:
    """A multilayer perceptron in plain NumPy: hidden layers with ``hidden`` ("relu" or
    "sigmoid"), a softmax output, categorical cross-entropy, plain SGD on shuffled
    mini-batches. Glorot-uniform starting weights, zero biases."""

    def __init__(self, sizes, hidden="relu", *, seed=0, dtype=np.float64):
        rng = np.random.default_rng(seed)
        self.rng = rng
        self.dtype = np.dtype(dtype)
        self.hidden = hidden
        self.W, self.b = [], []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            limit = np.sqrt(6 / (n_in + n_out))
            self.W.append(rng.uniform(-limit, limit, (n_in, n_out)).astype(dtype))
            self.b.append(np.zeros(n_out, dtype=dtype))

    def forward(self, x):
        """Activations of every layer, the input first."""
        act = _relu if self.hidden == "relu" else _sigmoid
        outs = [x]
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            z = outs[-1] @ W + b
            outs.append(_softmax(z) if i == len(self.W) - 1 else act(z))
        return outs

    def fit(self, X, y, *, learning_rate=0.1, batch_size=32, epochs=1):
        X = np.asarray(X, dtype=self.dtype)
        Y = np.eye(len(self.b[-1]), dtype=self.dtype)[y]
        n = len(X)
        for _ in range(epochs):
            order = self.rng.permutation(n)
            for start in range(0, n, batch_size):
                rows = order[start:start + batch_size]
                outs = self.forward(X[rows])
                dz = (outs[-1] - Y[rows]) / len(rows)  # softmax + cross-entropy, fused
                for i in range(len(self.W) - 1, -1, -1):
                    grad_W = outs[i].T @ dz
                    grad_b = dz.sum(axis=0)
                    if i > 0:
                        a = outs[i]
                        da = dz @ self.W[i].T
                        dz = da * (a > 0) if self.hidden == "relu" else da * a * (1 - a)
                    self.W[i] -= learning_rate * grad_W
                    self.b[i] -= learning_rate * grad_b
        return self

    def predict_proba(self, X):
        return self.forward(np.asarray(X, dtype=self.dtype))[-1]
