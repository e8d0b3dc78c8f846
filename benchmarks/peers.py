"""Each implementation of each benchmark task, behind the same small interface: ``fit`` trains a
fresh model on the data and returns the seconds that training took; ``predict`` returns class
probabilities for rows. Only the training or prediction call itself is timed.

All of them run the same algorithm: a multilayer perceptron with softmax outputs and categorical
cross-entropy, plain SGD (no momentum, no weight decay) on mini-batches reshuffled every epoch.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from reference import NumpyMLP

import neuronet


class Neuronet:
    name = "neuronet"

    def __init__(self, sizes, hidden, *, learning_rate, batch_size, epochs, dtype, seed):
        self.network = neuronet.Network.mlp(sizes, hidden=hidden, output="softmax", seed=seed,
                                            dtype=dtype)
        self.settings = dict(learning_rate=learning_rate, batch_size=batch_size, epochs=epochs)

    def fit(self, X, y):
        s = self.settings
        start = time.perf_counter()
        # fit's defaults otherwise: the accuracy of every epoch is measured too, as users get
        # it (the peers measure none).
        self.network.fit(X, y, loss="categorical_crossentropy",
                         optimizer=neuronet.SGD(learning_rate=s["learning_rate"]),
                         batch_size=s["batch_size"], epochs=s["epochs"])
        return time.perf_counter() - start

    def predict(self, X):
        return self.network.predict(X)


class Numpy:
    name = "numpy"

    def __init__(self, sizes, hidden, *, learning_rate, batch_size, epochs, dtype, seed):
        self.model = NumpyMLP(sizes, hidden, seed=seed, dtype=dtype)
        self.settings = dict(learning_rate=learning_rate, batch_size=batch_size, epochs=epochs)

    def fit(self, X, y):
        start = time.perf_counter()
        self.model.fit(X, y, **self.settings)
        return time.perf_counter() - start

    def predict(self, X):
        return self.model.predict_proba(X)


class Sklearn:
    name = "sklearn"

    def __init__(self, sizes, hidden, *, learning_rate, batch_size, epochs, dtype, seed):
        from sklearn.neural_network import MLPClassifier

        self.dtype = dtype
        activation = {"relu": "relu", "sigmoid": "logistic"}[hidden]
        # n_iter_no_change=epochs and tol=0: it never stops before the last epoch.
        self.model = MLPClassifier(
            hidden_layer_sizes=tuple(sizes[1:-1]), activation=activation, solver="sgd",
            learning_rate="constant", learning_rate_init=learning_rate, momentum=0,
            nesterovs_momentum=False, batch_size=batch_size, max_iter=epochs, alpha=0,
            tol=0, n_iter_no_change=epochs, shuffle=True, early_stopping=False,
            random_state=seed,
        )

    def fit(self, X, y):
        X = np.asarray(X, dtype=self.dtype)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning after max_iter epochs
            self.model.fit(X, y)
        return time.perf_counter() - start

    def predict(self, X):
        return self.model.predict_proba(np.asarray(X, dtype=self.dtype))


class Torch:
    name = "torch"

    def __init__(self, sizes, hidden, *, learning_rate, batch_size, epochs, dtype, seed):
        import torch

        self.torch = torch
        torch.manual_seed(seed)
        self.tdtype = {np.dtype(np.float32): torch.float32,
                       np.dtype(np.float64): torch.float64}[np.dtype(dtype)]
        layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(torch.nn.Linear(n_in, n_out, dtype=self.tdtype))
            if i < len(sizes) - 2:
                layers.append(torch.nn.ReLU() if hidden == "relu" else torch.nn.Sigmoid())
        self.model = torch.nn.Sequential(*layers)
        self.settings = dict(learning_rate=learning_rate, batch_size=batch_size, epochs=epochs)
        self.generator = torch.Generator().manual_seed(seed)

    def fit(self, X, y):
        torch, s = self.torch, self.settings
        X = torch.from_numpy(np.ascontiguousarray(X)).to(self.tdtype)
        y = torch.from_numpy(np.asarray(y, dtype=np.int64))
        model, n, size = self.model, len(X), s["batch_size"]
        optimizer = torch.optim.SGD(model.parameters(), lr=s["learning_rate"])
        loss_fn = torch.nn.CrossEntropyLoss()
        model.train()
        start = time.perf_counter()
        for _ in range(s["epochs"]):
            order = torch.randperm(n, generator=self.generator)
            for first in range(0, n, size):
                rows = order[first:first + size]
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(model(X[rows]), y[rows])
                loss.backward()
                optimizer.step()
        return time.perf_counter() - start

    def predict(self, X):
        torch = self.torch
        self.model.eval()
        with torch.no_grad():
            X = torch.from_numpy(np.ascontiguousarray(X)).to(self.tdtype)
            return torch.softmax(self.model(X), dim=1).numpy()


def torch_available() -> str | None:
    """None when PyTorch can be imported, else why not."""
    try:
        import torch  # noqa: F401
    except ImportError as exc:
        return f"PyTorch not installed ({exc}); skipped"
    return None


IMPLEMENTATIONS = {cls.name: cls for cls in (Neuronet, Numpy, Sklearn, Torch)}


def matmul_floor(X, sizes, batch_size, dtype):
    """Seconds for the matrix products of one epoch of training alone: per batch, the forward
    product of every layer, the weight gradient of every layer, and the input gradient of
    every layer but the first, each with np.matmul into a buffer allocated beforehand."""
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal((a, b)).astype(dtype) for a, b in zip(sizes[:-1], sizes[1:])]
    full = [np.empty((batch_size, b), dtype) for b in sizes[1:]]
    grads = [np.empty_like(w) for w in weights]
    dxs = [np.empty((batch_size, a), dtype) for a in sizes[1:-1]]
    n = len(X)
    start = time.perf_counter()
    for first in range(0, n, batch_size):
        x = X[first:first + batch_size]
        m = len(x)
        acts = [x]
        for w, out in zip(weights, full):
            acts.append(np.matmul(acts[-1], w, out=out[:m]))
        for i in range(len(weights) - 1, -1, -1):
            np.matmul(acts[i].T, acts[i + 1], out=grads[i])
            if i > 0:
                np.matmul(acts[i + 1], weights[i].T, out=dxs[i - 1][:m])
    return time.perf_counter() - start
