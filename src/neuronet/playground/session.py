"""One browser tab's playground: its settings, its data, its own neuronet Network and the
training of it, stepped a few batches at a time so that frames keep coming; and the
tutorial's neuron, stepped iteration by iteration. Nothing here knows about the web."""

from __future__ import annotations

import base64
import math
import time

import numpy as np

from .. import losses
from .._text import printable
from ..layers import Dense, Dropout
from ..network import Network
from ..optimizers import SGD, Adam, Optimizer
from . import config as settings
from . import data, views
from .tutorial import Tutorial  # noqa: F401 (where the tabs and the tests take it)

OUTPUT_GRID = 64  # the output's surface: 64 × 64 points
NODE_GRID = 32  # each neuron's own surface
MAX_PENDING = 1000  # epochs (or tutorial iterations x 10) a step request may queue


class L1(Optimizer):
    """L1 regularization around another optimizer: adds ``rate * sign(w)`` (the slope of
    ``rate * |w|``) to each gradient, then lets ``inner`` take its step. Unlike L2, which
    shrinks weights in proportion, it pushes small weights all the way to zero.

    Parameters
    ----------
    inner : Optimizer
        The optimizer that takes the step.
    rate : float
        The penalty's rate.
    """

    def __init__(self, inner, rate):
        super().__init__(inner.learning_rate, 0.0)
        self.inner, self.rate = inner, float(rate)

    def gradient_scale(self) -> float:
        """The inner optimizer's gradient scale.

        Returns
        -------
        float
            What ``inner.gradient_scale()`` gives.
        """
        return self.inner.gradient_scale()

    def step(self, params, grads, *, scale=1.0, **batch) -> None:
        """Add the penalty's slope to each gradient, then let ``inner`` step.

        Parameters
        ----------
        params, grads : list of numpy.ndarray
            The parameters and their gradients (changed in place).
        scale : float
            What the gradients were multiplied by.
        **batch
            What the network says of the batch, passed on to ``inner``.
        """
        # Gradients arrive multiplied by ``scale``, so the penalty's slope is too; what else
        # the network says of the batch (its size, which entries are matrices) is the inner's.
        for param, grad in zip(params, grads):
            grad += (scale * self.rate) * np.sign(param)
        self.inner.step(params, grads, scale=scale, **batch)


def make_optimizer(name, learning_rate, reg="none", reg_rate=0.0):
    """The optimizer the settings name, with L2 as its weight decay or wrapped in L1.

    Parameters
    ----------
    name : {"sgd", "momentum", "adam"}
        "momentum" is SGD with momentum 0.9.
    learning_rate : float
        Its learning rate.
    reg : {"none", "l1", "l2"}
        The regularization.
    reg_rate : float
        Its rate.

    Returns
    -------
    Optimizer
        The optimizer.
    """
    decay = reg_rate if reg == "l2" else 0.0
    if name == "adam":
        inner = Adam(learning_rate=learning_rate, weight_decay=decay)
    else:
        inner = SGD(learning_rate=learning_rate, momentum=0.9 if name == "momentum" else 0.0,
                    weight_decay=decay)
    return L1(inner, reg_rate) if reg == "l1" and reg_rate > 0 else inner


def build_network(n_inputs, config) -> Network:
    """The network the settings describe: a Dense layer per hidden layer (each followed by
    Dropout when its rate is above 0), then the output: one sigmoid unit for two classes, a
    softmax unit per class for more (``config.n_outputs``), one identity unit for regression.

    Parameters
    ----------
    n_inputs : int
        How many input features.
    config : dict
        The settings (``config.DEFAULTS``' keys).

    Returns
    -------
    Network
        The network, seeded by the settings' seed.
    """
    layers, width = [], n_inputs
    activation = settings.ACTIVATIONS[config["activation"]]
    for size in config["layers"]:
        layers.append(Dense(width, size, activation))
        if config["dropout"] > 0:
            layers.append(Dropout(config["dropout"]))
        width = size
    outputs = settings.n_outputs(config)
    output = "softmax" if outputs > 1 else \
        "sigmoid" if config["problem"] == "classification" else "identity"
    layers.append(Dense(width, outputs, output))
    return Network(layers, seed=config["seed"])


def loss_name(config) -> str:
    """The loss the settings' problem asks for.

    Parameters
    ----------
    config : dict
        The settings.

    Returns
    -------
    str
        "categorical_crossentropy" for more than two classes (with the softmax output),
        "binary_crossentropy" for two, "mse" for regression.
    """
    if settings.n_outputs(config) > 1:
        return "categorical_crossentropy"
    return "binary_crossentropy" if config["problem"] == "classification" else "mse"


def _finite(array):
    """The array with NaN as 0 and infinities as the largest numbers of its type: a network
    whose weights blew up is still drawn (and sent as JSON)."""
    return np.nan_to_num(array, nan=0.0, posinf=np.finfo(array.dtype).max,
                         neginf=np.finfo(array.dtype).min)


def _b64(array) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def _bytes_of(values) -> str:
    """Values in [-1, 1] (clipped) as bytes 0..255, base64: a neuron's picture."""
    return _b64(np.round((np.clip(values, -1, 1) + 1) * 127.5).astype(np.uint8))


def feature_surfaces(size=NODE_GRID) -> dict:
    """Each input feature drawn over the plane, scaled into [-1, 1]: the pictures of the
    network's first column (they never change).

    Parameters
    ----------
    size : int
        Points along each side of a picture.

    Returns
    -------
    dict
        Feature name: its picture, ``size`` × ``size`` bytes in base64.
    """
    X = data.grid(size)
    surfaces = {}
    for name in data.FEATURES:
        values = data.features(X, [name])[:, 0]
        surfaces[name] = _bytes_of(values / max(np.abs(values).max(), 1e-12))
    return surfaces


class Run:
    """A network learning one data set: the settings, the data, the Network, and where
    training stands (epoch, and the position in the current epoch's shuffled order).

    Batches follow ``Network.fit``'s order exactly (a new permutation from the network's
    generator each epoch, batches gathered in that order), so ``fit`` with the same seed
    and settings reaches the same weights bit for bit after as many epochs.

    Parameters
    ----------
    config : dict
        The settings.
    points : tuple of numpy.ndarray
        (X_train, y_train, X_test, y_test), as ``data.split`` gives them.
    added : list or None
        Points the learner added, [x1, x2, class] each: they join the training points, after
        the others.
    """

    def __init__(self, config, points, added=None):
        self.config = dict(config)
        self.points = points
        self.classes = settings.n_outputs(config)
        names = config["features"]
        self.X_test = np.ascontiguousarray(data.features(points[2], names))
        self.y_test = points[3]
        self.network = build_network(len(names), config)
        self.data_changed_at = None  # the epoch at which points were added or cleared mid-run
        self._directions = None  # the hidden view's principal directions, frame to frame
        self.loss = losses.get(loss_name(config))
        self.network.loss = self.loss.name
        self.optimizer = make_optimizer(config["optimizer"], config["lr"], config["reg"],
                                        config["regRate"])
        self.epoch = 0
        self.position = 0
        self.changed_at = None  # the epoch at which a training setting changed mid-run
        self.grid_out = data.features(data.grid(OUTPUT_GRID), names)
        self.grid_node = data.features(data.grid(NODE_GRID), names)
        self.grid_lines = data.features(views.grid_lines(), names)  # the hidden view's
        self.use_points(added or [])

    def use_points(self, added) -> None:
        """Train from now on with the added points ``added`` joined to the training points;
        the network keeps its weights and the next batch starts a new epoch's order.

        Parameters
        ----------
        added : list
            [x1, x2, class] per point, in the order they were added.
        """
        X_train, y_train = self.points[0], self.points[1]
        if self.epoch > 0 or self.position > 0:
            self.data_changed_at = self.data_changed_at if self.data_changed_at is not None \
                else self.epoch
        self.added = [list(point) for point in added]
        if self.added:
            extra = np.asarray(self.added, dtype=np.float64).reshape(-1, 3)
            X_train = np.vstack([X_train, extra[:, :2]])
            y_train = np.concatenate([y_train, extra[:, 2].astype(y_train.dtype)])
        self.X_train = np.ascontiguousarray(data.features(X_train, self.config["features"]))
        self.y_train = y_train
        if self.classes > 1:  # one-hot rows: the targets fit gives a softmax for class labels
            self.Y_train = np.eye(self.classes)[np.asarray(y_train, dtype=np.int64)]
        else:
            self.Y_train = np.ascontiguousarray(y_train, dtype=np.float64).reshape(-1, 1)
        self.order = None
        self.position = 0
        self._x_buffer = self._y_buffer = None

    def retune(self, config) -> None:
        """Apply settings that do not restart the run: learning rate, regularization,
        optimizer, batch size. The optimizer keeps its state unless its kind changes.

        Parameters
        ----------
        config : dict
            The new settings.
        """
        old = self.config
        keys = ("lr", "reg", "regRate", "optimizer", "batch")
        if all(old[key] == config[key] for key in keys):
            self.config = dict(config)
            return
        if self.epoch > 0 or self.position > 0:
            self.changed_at = self.changed_at if self.changed_at is not None else self.epoch
        inner = self.optimizer.inner if isinstance(self.optimizer, L1) else self.optimizer
        if old["optimizer"] != config["optimizer"]:
            inner = make_optimizer(config["optimizer"], config["lr"])
        inner.learning_rate = config["lr"]
        inner.weight_decay = config["regRate"] if config["reg"] == "l2" else 0.0
        if config["reg"] == "l1" and config["regRate"] > 0:
            self.optimizer = L1(inner, config["regRate"])
        else:
            self.optimizer = inner
        self.config = dict(config)

    def train(self, epochs: int, deadline: float, clock=time.perf_counter) -> int:
        """Train until ``epochs`` more epochs are done or ``clock`` passes ``deadline``, at
        least one batch either way.

        Parameters
        ----------
        epochs : int
            The most epochs to complete.
        deadline : float
            When to stop, on ``clock``.
        clock : callable
            The clock: ``time.perf_counter`` (wall-clock time) or ``time.thread_time`` (the
            CPU time of this thread, which other programs on a busy machine do not eat).

        Returns
        -------
        int
            How many epochs were completed.

        Raises
        ------
        FloatingPointError
            When the loss is no longer finite (the weights are left as they were).
        """
        net, loss, optimizer = self.network, self.loss, self.optimizer
        n = len(self.X_train)
        batch = min(self.config["batch"], n)
        if self._x_buffer is None or len(self._x_buffer) != batch:
            self._x_buffer = np.empty((batch, self.X_train.shape[1]))
            self._y_buffer = np.empty((batch, self.Y_train.shape[1]))
        done = 0
        while done < epochs:
            self._order()
            rows = self.order[self.position:self.position + batch]
            xb = self.X_train.take(rows, axis=0, out=self._x_buffer[:len(rows)], mode="clip")
            yb = self.Y_train.take(rows, axis=0, out=self._y_buffer[:len(rows)], mode="clip")
            value, _ = net.train_batch(xb, yb, loss, optimizer)
            if not math.isfinite(value):
                raise FloatingPointError(
                    f"the loss became {value} at epoch {self.epoch + 1}: the weights were "
                    "left as they were; lower the learning rate or press reset")
            self.position += len(rows)
            if self.position >= n:
                self.epoch += 1
                done += 1
                self.order = None
            if clock() > deadline:
                break
        return done

    def _order(self) -> None:
        # The epoch's shuffled order, drawn from the network's generator as fit draws it.
        if self.order is None:
            self.order = self.network.rng.permutation(len(self.X_train))
            self.position = 0

    def _loss_and_gradient(self, X, Y):
        # Dropout draws its masks from the network's generator, which also shuffles: looking
        # must not move it, or the page's training would no longer be fit's.
        generator = self.network.rng.bit_generator
        state = generator.state
        try:
            return self.network.loss_and_gradient(X, Y, self.loss.name)
        finally:
            generator.state = state

    def one_batch(self) -> dict:
        """Train exactly one batch, the next of this epoch's order (as ``fit`` takes it), and
        tell what it changed.

        Returns
        -------
        dict
            ``rows`` (the batch's size), ``lossBefore`` and ``lossAfter`` (the mean loss on
            the batch's points before and after the step), and ``weightChanges`` and
            ``biasChanges``: how much each weight and bias of each Dense layer moved.

        Raises
        ------
        FloatingPointError
            When the loss is no longer finite (the weights are left as they were).
        """
        self._order()
        rows = self.order[self.position:self.position + min(self.config["batch"],
                                                            len(self.X_train))]
        xb, yb = self.X_train[rows], self.Y_train[rows]
        dense = [layer for layer in self.network.layers if isinstance(layer, Dense)]
        before = [(layer.weights.copy(), layer.bias.copy()) for layer in dense]
        loss_before = self._loss_and_gradient(xb, yb)[0] / len(rows)
        self.train(1, deadline=-math.inf)  # the clock is past it after the first batch
        loss_after = self._loss_and_gradient(xb, yb)[0] / len(rows)
        return {"rows": len(rows), "lossBefore": float(loss_before),
                "lossAfter": float(loss_after),
                "weightChanges": [_finite(layer.weights - w).tolist()
                                  for layer, (w, _) in zip(dense, before)],
                "biasChanges": [_finite(layer.bias - b).tolist()
                                for layer, (_, b) in zip(dense, before)]}

    def gradients(self) -> dict:
        """Backpropagation's gradients on the training points, as the page draws them: the
        slope of the mean loss for every weight and bias, from the Network's own
        ``loss_and_gradient``; and each neuron's mean output over the points.

        Returns
        -------
        dict
            ``gradients`` and ``biasGradients``: one list per Dense layer, shaped as its
            weights and bias (a bias's gradient is its neuron's blame, dL/dz, on average);
            ``outputs``: each Dense layer's mean output per neuron.
        """
        net = self.network
        n = len(self.X_train)
        with np.errstate(all="ignore"):
            _, flat = self._loss_and_gradient(self.X_train, self.Y_train)
            flat = _finite(flat / n)
        weights, biases, outputs, start, x = [], [], [], 0, self.X_train
        for layer in net.layers:
            with np.errstate(all="ignore"):
                x = layer.forward(x)
            if not isinstance(layer, Dense):
                continue
            shapes = [p.shape for p in layer.parameters()]
            parts = []
            for shape in shapes:
                size = int(np.prod(shape))
                parts.append(flat[start:start + size].reshape(shape))
                start += size
            weights.append(parts[0].tolist())
            biases.append(parts[1].tolist() if len(parts) > 1 else [])
            outputs.append(_finite(x.mean(axis=0)).tolist())
        return {"gradients": weights, "biasGradients": biases, "outputs": outputs}

    def scores(self) -> dict:
        """The loss (and accuracy, to classify) on the training and the test points.

        Returns
        -------
        dict
            trainLoss, testLoss and, to classify, trainAccuracy, testAccuracy.
        """
        result = {}
        for part, X, y in (("train", self.X_train, self.y_train),
                           ("test", self.X_test, self.y_test)):
            scores = self.network.evaluate(X, y, loss=self.loss.name)
            result[f"{part}Loss"] = scores["loss"]
            if "accuracy" in scores:
                result[f"{part}Accuracy"] = scores["accuracy"]
        return result

    def frame(self, details: bool = False) -> dict:
        """What the page draws now: epoch, losses, the output's surface (``output``: float32,
        rows from the top; or, with a softmax, ``probabilities``: each class's, bytes), each
        hidden neuron's surface (bytes), every weight and bias, and ``hidden``: the training
        points as the first hidden layer sees them (``views.hidden_view``).

        Parameters
        ----------
        details : bool
            Add ``gradients()`` too (what "show gradients" and a neuron's panel show).

        Returns
        -------
        dict
            The frame message.
        """
        net = self.network
        with np.errstate(over="ignore", invalid="ignore"):
            predicted = net.predict(self.grid_out)
        neurons, x = [], self.grid_node
        dense = [layer for layer in net.layers if isinstance(layer, Dense)]
        for layer in net.layers[:-1]:
            x = layer.forward(x)
            if isinstance(layer, Dense):
                neurons.append([_bytes_of(x[:, j]) for j in range(x.shape[1])])
        frame = {"type": "frame", "epoch": self.epoch, "neurons": neurons,
                 "weights": [_finite(layer.weights).tolist() for layer in dense],
                 "biases": [_finite(layer.bias).tolist() for layer in dense]}
        if self.classes > 1:
            frame["probabilities"] = views.probability_bytes(predicted)
        else:
            frame["output"] = _b64(_finite(predicted[:, 0].astype(np.float32)))
        frame["hidden"], self._directions = views.hidden_view(
            net, self.X_train, self.grid_lines, self._directions)
        frame.update(self.scores())
        if details:
            frame.update(self.gradients())
        return frame

    def metadata(self, table=None) -> dict:
        """What the model file says about itself: the inputs, the task, and the settings.

        Parameters
        ----------
        table : data.Table or None
            The file's columns the run learns from, if any.

        Returns
        -------
        dict
            The network's metadata.
        """
        config = self.config
        names = [data.FEATURES[f][0] for f in config["features"]]
        meta = {"task": config["problem"], "playground": {
            "settings": {k: config[k] for k in settings.DEFAULTS}, "epochs": self.epoch,
            "features": config["features"]}}
        if self.added:
            meta["playground"]["added_points"] = self.added
        if table is not None:
            cols = table.columns
            names = [_feature_name(f, cols) for f in config["features"]]
            meta["target_name"] = table.target
            meta["playground"]["columns"] = {"x1": cols[0], "x2": cols[1],
                                             "centre": table.centre, "scale": table.scale}
            if table.classes is not None:
                meta["classes"] = table.classes
            else:
                meta["target_mean"] = table.target_centre
                meta["target_scale"] = table.target_scale
        elif config["problem"] == "classification":
            meta["classes"] = list(range(max(2, self.classes)))
        meta["feature_names"] = names
        return meta


def _feature_name(feature, columns):
    a, b = columns
    return {"x1": a, "x2": b, "x1sq": f"{a}²", "x2sq": f"{b}²", "x1x2": f"{a}·{b}",
            "sinx1": f"sin({a})", "sinx2": f"sin({b})"}[feature]


def describe_columns(columns) -> dict:
    """The columns of an uploaded file as the page shows them (names made printable).

    Parameters
    ----------
    columns : data.Columns
        The file.

    Returns
    -------
    dict
        The "columns" message.
    """
    return {"type": "columns", "name": printable(columns.name), "rows": columns.rows,
            "columns": [printable(c) for c in columns.header],
            "numeric": [printable(c) for c in columns.numeric]}
