"""The training loop, as the algorithm reads: for every epoch, take the batches of a source and
make a step on each; then do the epoch's duties. A source of batches hides where rows come from
(an array in memory, a file on disk, a sparse matrix); the duties (validation, history,
progress bar, learning-rate schedule, early stopping, the user's callbacks) are small
``Callback`` objects with one protocol. L-BFGS, which needs all rows at once, runs the same
duties after each of its iterations.

And the safety nets: Ctrl-C keeps what was learned; a NaN loss never reaches the weights; one
network trains in one thread at a time.
"""

from __future__ import annotations

import math
import signal
import threading

import numpy as np

from . import losses, optimizers
from ._checks import as_count, as_float_array, is_lazy, is_sparse
from .layers import Dense

# --- the protocol of the epoch's duties ---------------------------------------------------------


class Callback:
    """A duty done as training goes: ``fit`` calls ``on_train_begin(network, history)`` once,
    ``on_epoch_begin(epoch)`` and ``on_epoch_end(epoch, logs)`` around every epoch (epochs
    count from 1; ``logs`` holds the epoch's scores, and a duty may add its own), and
    ``on_train_end()`` at the end, however training ends. ``on_epoch_end`` returning True stops
    training. ``on_batch_end(batch, size)`` is called after every batch, but only for callbacks
    that override it, so that the others cost nothing per batch."""

    def on_train_begin(self, network, history) -> None:
        pass

    def on_epoch_begin(self, epoch: int) -> None:
        pass

    def on_batch_end(self, batch: int, size: int) -> None:
        pass

    def on_epoch_end(self, epoch: int, logs: dict):
        return None

    def on_train_end(self) -> None:
        pass


def _overrides(callback, name: str) -> bool:
    return getattr(type(callback), name) is not getattr(Callback, name)


class History(Callback):
    """Per-epoch numbers from ``fit``: ``history.loss``, ``history.val_loss`` and
    ``history["accuracy"]``, ``history["val_accuracy"]``...; all of them in ``history.history``.

    ``interrupted`` is True when Ctrl-C stopped training; ``stopped_early`` when early
    stopping did, and ``best_epoch`` (counted from 1) is the epoch whose weights were kept.
    """

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.epochs = 0
        self.interrupted = False
        self.stopped_early = False
        self.best_epoch = None

    @property
    def loss(self) -> list:
        return self.history.get("loss", [])

    @property
    def val_loss(self) -> list:
        return self.history.get("val_loss", [])

    def __getitem__(self, key) -> list:
        return self.history[key]

    def __contains__(self, key) -> bool:
        return key in self.history

    def on_epoch_end(self, epoch, logs):
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
        self.epochs += 1

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.history.items() if v)
        state = ""
        if self.interrupted or self.stopped_early:
            state = " (interrupted)" if self.interrupted else " (stopped early)"
        return f"<History: {self.epochs} epochs{state}{': ' if last else ''}{last}>"


class LambdaCallback(Callback):
    """A function ``callback(epoch, logs)`` as a Callback (``fit`` wraps plain functions so)."""

    def __init__(self, function):
        if not callable(function):
            raise ValueError(f"a callback must be a neuronet.Callback or a function "
                             f"callback(epoch, logs), got {function!r}")
        self.function = function

    def on_epoch_end(self, epoch, logs):
        return self.function(epoch, logs)


class Validation(Callback):
    """Scores held-out data after every epoch: ``val_loss`` and ``val_<metric>`` in the logs."""

    def __init__(self, network, data, loss, metrics):
        self.network, self.data, self.loss, self.metrics = network, data, loss, metrics

    def on_epoch_end(self, epoch, logs):
        X, Y, codes = self.data
        scores = _score(self.network, X, Y, codes, self.loss, self.metrics)
        logs.update({f"val_{k}": v for k, v in scores.items()})


class ProgressBar(Callback):
    """A tqdm bar over all the steps of training, the last epoch's scores beside it."""

    def __init__(self, epochs: int, steps_per_epoch: int):
        self.epochs, self.steps = epochs, steps_per_epoch
        self.bar = None

    def on_train_begin(self, network, history):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=self.epochs * self.steps, unit="batch" if self.steps > 1 else "it",
                        dynamic_ncols=True, leave=True)

    def on_epoch_begin(self, epoch):
        self.bar.set_description(f"epoch {epoch}/{self.epochs}")

    def on_batch_end(self, batch, size):
        self.bar.update()

    def on_epoch_end(self, epoch, logs):
        self.bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()}, refresh=False)

    def on_train_end(self):
        if self.bar is not None:
            self.bar.close()


class LearningRateSchedule(Callback):
    """Tells the optimizer that an epoch ended, so that its schedule sets the next rate."""

    def __init__(self, optimizer, examples_per_epoch: int):
        self.optimizer, self.examples = optimizer, examples_per_epoch

    def on_epoch_end(self, epoch, logs):
        self.optimizer.end_epoch(self.examples, logs)


class EarlyStopping(Callback):
    """Stops when ``monitor`` ("val_loss" with validation, else "loss") has not improved for
    ``patience`` epochs, and puts back the weights of the best epoch (unless interrupted)."""

    def __init__(self, patience: int, monitor: str = "loss"):
        self.patience = as_count(patience, "early_stopping", minimum=1)
        self.monitor = monitor

    def on_train_begin(self, network, history):
        self.network, self.history = network, history
        self.best, self.best_weights, self.waited = np.inf, None, 0

    def on_epoch_end(self, epoch, logs):
        if logs[self.monitor] < self.best:
            self.best, self.waited = logs[self.monitor], 0
            self.best_weights = self.network.get_weights()
            self.history.best_epoch = epoch
        else:
            self.waited += 1
            if self.waited >= self.patience:
                self.history.stopped_early = True
                return True
        return None

    def on_train_end(self):
        if self.best_weights is not None and not self.history.interrupted:
            self.network.set_weights(self.best_weights)


# --- metrics ------------------------------------------------------------------------------------


def accuracy(outputs, targets, labels=None) -> float:
    """Share of right answers: the largest output against the target's class for several
    outputs (``labels``, the classes as integers, when the targets are labels), output > 0.5
    against target > 0.5 for one (or independent yes/no outputs)."""
    if labels is not None:
        return np.count_nonzero(outputs.argmax(axis=1) == labels) / len(labels)
    if outputs.shape[1] > 1 and np.allclose(targets.sum(axis=1), 1):
        return float(np.mean(outputs.argmax(axis=1) == targets.argmax(axis=1)))
    return float(np.mean((outputs > 0.5) == (targets > 0.5)))


def mean_absolute_error(outputs, targets, labels=None) -> float:
    return float(np.mean(np.abs(outputs - targets)))


def mean_squared_error(outputs, targets, labels=None) -> float:
    return float(np.mean(np.square(outputs - targets)))


METRICS = {"accuracy": accuracy, "mae": mean_absolute_error, "mse": mean_squared_error}


class _Accuracy:
    """Accuracy with the question "are the targets class rows?" settled once per data set,
    not once per batch."""

    def __init__(self, Y, codes):
        self.argmax = codes is None and Y.shape[1] > 1 and bool(np.allclose(Y.sum(axis=1), 1))

    def __call__(self, outputs, targets, labels=None) -> float:
        if labels is not None:
            return np.count_nonzero(outputs.argmax(axis=1) == labels) / len(labels)
        if self.argmax:
            return np.count_nonzero(outputs.argmax(axis=1) == targets.argmax(axis=1)) / len(
                outputs)
        return float(np.mean((outputs > 0.5) == (targets > 0.5)))


def _metric_names(metrics, loss) -> list:
    if metrics is None:
        metrics = ["accuracy"] if loss.fused_activation in ("sigmoid", "softmax") else []
    if isinstance(metrics, str):
        metrics = [metrics]
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        known = ", ".join(repr(m) for m in METRICS)
        raise ValueError(f"unknown metric {unknown[0]!r}; expected one of {known}")
    return list(metrics)


def _metrics(names, Y, codes) -> dict:
    """The metric functions for targets (Y, codes), each ``fn(outputs, targets, labels)``."""
    return {name: _Accuracy(Y, codes) if name == "accuracy" else METRICS[name]
            for name in names}


# --- checking the data at the boundary ----------------------------------------------------------


def prepare_targets(network, loss, y, n_rows: int, name: str = "y"):
    """y as a 2-D array of the network's dtype, shaped like the network's outputs, or a
    ValueError saying what the output layer can produce. (Class labels for categorical
    cross-entropy are ``_targets``' to turn into codes.)"""
    k = network.n_outputs
    y = as_float_array(y, name, dtype=np.float64)
    if len(y) != n_rows:
        raise ValueError(
            f"X has {n_rows} rows but {name} has {len(y)}; expected one target per row"
        )
    if y.ndim == 1 and k == 1:
        y = y[:, None]
    if y.ndim != 2 or y.shape[1] != k:
        shape = f"({n_rows},) or ({n_rows}, 1)" if k == 1 else f"({n_rows}, {k})"
        if isinstance(loss, losses.CategoricalCrossentropy):
            shape = f"({n_rows},) class labels or {shape} one-hot rows"
        raise ValueError(
            f"{name} has shape {y.shape}, but the network has {k} output{'s' * (k > 1)}; "
            f"expected shape {shape}"
        )
    if loss.fused_activation in ("sigmoid", "softmax") and (y.min() < 0 or y.max() > 1):
        raise ValueError(f"{loss.name} needs targets between 0 and 1, but {name} holds "
                         f"values from {y.min():g} to {y.max():g}")
    if isinstance(loss, losses.Poisson) and y.min() < 0:
        raise ValueError(f"poisson needs targets of zero or more (counts, rates), but {name} "
                         f"holds {y.min():g}")
    if isinstance(loss, losses.CategoricalCrossentropy) and not np.allclose(y.sum(axis=1), 1):
        raise ValueError(f"categorical_crossentropy needs each row of {name} to sum to 1 "
                         "(one-hot or class probabilities); use binary_crossentropy for "
                         "independent yes/no outputs")
    return np.ascontiguousarray(y, dtype=network.dtype)


def _check_sample_weight(sample_weight, n_rows: int):
    """The weights as a float array of shape (n_rows,), or a ValueError saying what is wrong."""
    weights = as_float_array(sample_weight, "sample_weight")
    if weights.shape != (n_rows,):
        raise ValueError(f"sample_weight has shape {weights.shape}; expected one number per "
                         f"row of X, shape ({n_rows},)")
    if weights.min() < 0:
        raise ValueError(f"sample_weight holds a negative weight ({weights.min():g}); expected "
                         "weights of zero or more")
    return weights


def _normalized_weights(weights, rows, dtype):
    """The weights as a column of ``dtype`` divided by their mean over the training rows
    (``rows``, or all), so that batches keep their usual scale, and that mean (how many
    examples a row of normalized weight 1 stands for). They are first divided by the
    largest, so that neither the mean of huge weights (1e300) overflows nor that of tiny ones
    (1e-300) underflows."""
    part = weights if rows is None else weights[rows]
    largest = part.max()
    if largest == 0:
        raise ValueError("sample_weight is zero for every training row; at least one weight "
                         "must be greater than zero")
    scaled = weights / largest
    mean = scaled.mean() if rows is None else scaled[rows].mean()
    return np.ascontiguousarray((scaled / mean)[:, None], dtype=dtype), float(largest * mean)


def _class_labels(y, k: int, name: str):
    """Float labels y as integers from 0 to k - 1, or a ValueError."""
    labels = y.astype(np.int64)
    if not np.array_equal(labels, y) or labels.min() < 0 or labels.max() >= k:
        raise ValueError(
            f"{name} holds class labels that are not whole numbers from 0 to {k - 1}; the "
            f"network has {k} outputs, one per class (or pass one-hot rows, shape (n, {k}))"
        )
    return labels


def _targets(network, loss, y, n_rows: int, name: str = "y"):
    """Targets as fit reads them, a pair (table, codes): the targets of rows ``i`` are
    ``table[codes[i]]``, or ``table[i]`` when codes is None. Class labels stay labels, one
    small integer per row, and row c of the table is the one-hot target of class c, so
    targets take no more memory than the labels, however many rows there are."""
    if isinstance(loss, losses.CategoricalCrossentropy) and np.ndim(y) == 1:
        y = as_float_array(y, name, dtype=np.float64)
        if len(y) == n_rows:
            k = network.n_outputs
            labels = _class_labels(y, k, name)
            return np.eye(k, dtype=network.dtype), labels.astype(np.min_scalar_type(k - 1))
    return prepare_targets(network, loss, y, n_rows, name), None


def _check_loss_fits_output(network, loss) -> None:
    wanted = loss.fused_activation
    if wanted and network.output_activation != wanted and not (
            wanted in ("sigmoid", "softmax")
            and network.output_activation in ("sigmoid", "softmax")):
        kind = "probabilities" if wanted in ("sigmoid", "softmax") else "positive outputs"
        raise ValueError(
            f"{loss.name} needs {kind} from the last layer, but its activation is "
            f"{network.output_activation!r}; use activation={wanted!r}"
        )


# --- one network, one training thread -----------------------------------------------------------

_CLAIMS = threading.Lock()


class _Claim:
    """Marks the network as being fitted by this thread, or refuses if another fit runs: two
    fits at once would overwrite each other's buffers and weights."""

    def __init__(self, network):
        self.network = network

    def __enter__(self):
        with _CLAIMS:
            other = getattr(self.network, "_fitting", None)
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


# --- Ctrl-C -------------------------------------------------------------------------------------


class _Abort(KeyboardInterrupt):
    """A second Ctrl-C: quit now."""


class _InterruptFlag:
    """While training, the first Ctrl-C only raises a flag that the loop checks between
    batches, so a batch's update is never left half-applied; a second one quits at once."""

    def __init__(self):
        self.raised = False
        self._previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.raised:
            raise _Abort()
        self.raised = True

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


# --- where the rows come from -------------------------------------------------------------------


class Batches:
    """The training rows of (X, targets, weights), batch by batch. ``epoch(order)`` yields
    ``(inputs, targets, weights, labels)`` for each batch of the rows in ``order`` (an index
    array, or None for the rows in place); ``labels`` are the batch's classes as integers when
    the targets are class labels (else None), ``weights`` a column or None. Subclasses say how
    a batch of inputs is read."""

    def __init__(self, X, Y, codes, W, rows, batch_size, dtype):
        self.X, self.Y, self.codes, self.W, self.rows = X, Y, codes, W, rows
        self.dtype = dtype
        self.n = X.shape[0] if rows is None else len(rows)
        self.batch_size = max(1, min(batch_size, self.n))
        # Batches are gathered into buffers allocated once, rather than into new arrays each time.
        self._y = np.empty((self.batch_size, Y.shape[1]), dtype=dtype)

    def order(self, rng, shuffle):
        """This epoch's order of rows: a fresh permutation, the rows as they are, or what a
        function ``shuffle(rows)`` makes of the array of training rows."""
        if callable(shuffle):
            return np.asarray(shuffle(np.arange(self.n) if self.rows is None else self.rows))
        if shuffle:
            return rng.permutation(self.n if self.rows is None else self.rows)
        return self.rows

    def inputs(self, index):
        """The inputs of the rows ``index`` (a slice or an index array)."""
        raise NotImplementedError

    #: Whether rows are read in increasing order within a batch (files read front to back).
    sorted_reads = False
    #: How many examples a row of (normalized) weight 1 stands for: the mean sample weight.
    weight_unit = 1.0

    def epoch(self, order):
        Y, codes, W, size = self.Y, self.codes, self.W, self.batch_size
        # The class of each row, in this epoch's order: a batch's targets are then one gather
        # from the one-hot table.
        classes = codes if codes is None or order is None or self.sorted_reads else codes[order]
        for start in range(0, self.n, size):
            stop = min(start + size, self.n)
            if order is None:
                index = slice(start, stop)
            else:
                index = order[start:stop]
                if self.sorted_reads:
                    index = np.sort(index)
            xb = self.inputs(index)
            if codes is None:
                labels = None
                yb = _take(Y, index, self._y)
            else:
                labels = codes[index] if self.sorted_reads else classes[start:stop]
                yb = _take(Y, labels, self._y)
            wb = None if W is None else W[index]
            yield xb, yb, wb, labels


def _take(array, rows, out):
    """The rows ``rows`` (an index array or a slice) of a C-ordered array, into ``out``."""
    if isinstance(rows, slice):
        return array[rows]
    # mode="clip" skips a bounds check per row: the rows are ours and all in range.
    return array.take(rows, axis=0, out=out[: len(rows)], mode="clip")


class InMemory(Batches):
    """Rows of a C-ordered array in memory, gathered with ``take`` into a reused buffer."""

    def __init__(self, X, *args):
        super().__init__(X, *args)
        self._x = np.empty((self.batch_size, X.shape[1]), dtype=self.dtype)

    def inputs(self, index):
        return _take(self.X, index, self._x)


class OnDisk(Batches):
    """Rows of lazy data (a np.memmap, an h5py dataset...): each batch read from it in file
    order, never the whole of it."""

    sorted_reads = True

    def inputs(self, index):
        return np.asarray(self.X[index], dtype=self.dtype)


class Sparse(Batches):
    """Rows of a CSR matrix. A batch stays sparse, for the first layer to multiply as such,
    unless it is dense enough that a dense product is cheaper (or the first layer is not a
    Dense layer)."""

    #: Above this share of non-zero entries a batch is made dense.
    DENSE_ENOUGH = 0.1

    def __init__(self, X, *args, keep_sparse=True):
        super().__init__(X, *args)
        self.keep_sparse = keep_sparse

    def inputs(self, index):
        batch = self.X[index]
        if not self.keep_sparse or batch.nnz > self.DENSE_ENOUGH * batch.shape[0] * batch.shape[1]:
            return batch.toarray()
        return batch


class _RowsOf:
    """Some rows (sorted) of lazy data, themselves lazy: the validation rows of a file are read
    chunk by chunk when they are scored, never loaded whole."""

    def __init__(self, X, rows):
        self.X, self.rows = X, rows
        self.shape = (len(rows), *X.shape[1:])
        self.dtype = X.dtype

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index):
        return self.X[self.rows[index]]


def _rows(X, rows, lazy):
    """Rows ``rows`` (sorted) of X: lazy for lazy data, a copy otherwise."""
    if rows is None:
        return X
    if lazy:
        return _RowsOf(X, rows)
    return X[rows] if is_sparse(X) else X.take(rows, axis=0)


# --- fit ----------------------------------------------------------------------------------------


def fit(network, X, y, *, loss, optimizer=None, epochs=1, batch_size=32, shuffle=True,
        validation_data=None, validation_split=0.0, early_stopping=None, metrics=None,
        progress=False, callbacks=(), sample_weight=None):
    """Network.fit's body; see its docstring."""
    with _Claim(network):
        return _fit(network, X, y, loss=loss, optimizer=optimizer, epochs=epochs,
                    batch_size=batch_size, shuffle=shuffle, validation_data=validation_data,
                    validation_split=validation_split, early_stopping=early_stopping,
                    metrics=metrics, progress=progress, callbacks=callbacks,
                    sample_weight=sample_weight)


def _fit(network, X, y, *, loss, optimizer, epochs, batch_size, shuffle, validation_data,
         validation_split, early_stopping, metrics, progress, callbacks, sample_weight):
    loss = losses.get(loss)
    _check_loss_fits_output(network, loss)
    optimizer = optimizers.get(optimizer)
    epochs = as_count(epochs, "epochs")
    names = _metric_names(metrics, loss)
    lazy, sparse = is_lazy(X), is_sparse(X)
    X = network.check_inputs(X, "X")
    n = X.shape[0]
    Y, codes = _targets(network, loss, y, n)
    batch_size = n if batch_size is None else as_count(batch_size, "batch_size", minimum=1)
    if isinstance(validation_split, bool) or not 0 <= validation_split < 1:
        raise ValueError(f"validation_split must be a fraction in [0, 1), got {validation_split!r}")
    if early_stopping is not None:
        early_stopping = EarlyStopping(early_stopping)
    callbacks = [c if isinstance(c, Callback) else LambdaCallback(c) for c in callbacks]
    weights = None if sample_weight is None else _check_sample_weight(sample_weight, n)
    if optimizer.full_batch and any(getattr(layer, "rate", 0) for layer in network.layers):
        raise ValueError(f"{type(optimizer).__name__} needs a loss that is the same at every "
                         "evaluation, which Dropout makes random; use SGD or Adam with Dropout")

    rows, validation = _held_out(network, loss, X, Y, codes, validation_data,
                                 validation_split, lazy)
    W, unit = (None, 1.0) if weights is None else _normalized_weights(weights, rows,
                                                                       network.dtype)
    metric_fns = _metrics(names, Y, codes)

    network.loss = loss.name
    history = History()
    network.history = history
    if early_stopping is not None:
        early_stopping.monitor = "val_loss" if validation is not None else "loss"

    source_type = OnDisk if lazy else Sparse if sparse else InMemory
    extra = {"keep_sparse": isinstance(network.layers[0], Dense)} if sparse else {}
    source = source_type(X, Y, codes, W, rows, batch_size, network.dtype, **extra)
    source.weight_unit = unit
    steps = 1 if optimizer.full_batch else -(-source.n // source.batch_size)
    # The epoch's duties, in order: first those that record it...
    recorders = [] if validation is None else [
        Validation(network, validation, loss, _metrics(names, *validation[1:]))]
    recorders.append(history)
    if progress:
        recorders.append(ProgressBar(epochs, steps))
    # ... then those that act on it (skipped when Ctrl-C cut the epoch short).
    actors = [] if optimizer.full_batch else [LearningRateSchedule(optimizer, source.n)]
    actors += [early_stopping] if early_stopping is not None else []
    actors += callbacks
    duties = recorders + actors
    per_batch = [c for c in duties if _overrides(c, "on_batch_end")]
    run = _run_full_batch if optimizer.full_batch else _run_epochs
    try:
        for duty in duties:
            duty.on_train_begin(network, history)
        # A run that diverges ends in FloatingPointError naming its epoch and batch: NumPy's
        # overflow warnings on the way there would only print ahead of it.
        with _InterruptFlag() as interrupt, np.errstate(over="ignore", invalid="ignore"):
            run(network, source, loss, optimizer, epochs, shuffle, metric_fns, recorders,
                actors, per_batch, interrupt, history)
            if interrupt.raised:
                history.interrupted = True
    finally:
        for duty in duties:
            duty.on_train_end()
    return history


def _held_out(network, loss, X, Y, codes, validation_data, validation_split, lazy):
    """The training rows (None: all of them) and the validation data (X, table, codes) or
    None: given as ``validation_data``, or a ``validation_split`` of X drawn at random."""
    if validation_data is not None:
        if validation_split:
            raise ValueError("pass validation_data or validation_split, not both")
        try:
            X_val, y_val = validation_data
        except (TypeError, ValueError):
            raise ValueError("validation_data must be a pair (X_val, y_val)") from None
        X_val = network.check_inputs(X_val, "validation X")
        return None, (X_val, *_targets(network, loss, y_val, X_val.shape[0], "validation y"))
    if not validation_split:
        return None, None
    n = X.shape[0]
    n_val = int(round(n * validation_split))
    if n_val < 1 or n_val >= n:
        raise ValueError(f"validation_split={validation_split} of {n} rows leaves "
                         f"{n - n_val} for training and {n_val} for validation; both need rows")
    order = network.rng.permutation(n)
    val_rows, rows = np.sort(order[:n_val]), np.sort(order[n_val:])
    Y_val, codes_val = (Y, codes[val_rows]) if codes is not None else (Y[val_rows], None)
    return rows, (_rows(X, val_rows, lazy), Y_val, codes_val)


def _epoch_end(epoch, logs, recorders, actors, interrupted, history) -> bool:
    """The epoch's duties; True when training should stop."""
    for duty in recorders:
        duty.on_epoch_end(epoch, logs)
    if interrupted:
        history.interrupted = True
        return True
    # Every duty hears of the epoch, even after one of them asked to stop.
    return any([bool(duty.on_epoch_end(epoch, logs)) for duty in actors])


def _run_epochs(network, source, loss, optimizer, epochs, shuffle, metric_fns, recorders,
                actors, per_batch, interrupt, history) -> None:
    """The loop of minibatch training: for each epoch, a step on each batch of the source."""
    summed, train_batch, finite = loss.summed, network.train_batch, math.isfinite
    # Weight decay per example counts the examples with their weights (see Optimizer).
    weighted_count = source.W is not None and optimizer.decay_per_example
    for epoch in range(1, epochs + 1):
        for duty in recorders + actors:
            duty.on_epoch_begin(epoch)
        # Packed first, so that the snapshot is of the arrays the steps update.
        blocks = network._packed()
        if per_batch:  # a callback between two batches could replace them: check every step
            blocks = None
        snapshot = [p.copy() for p in network.parameters()]
        total, seen = 0.0, 0
        sums = dict.fromkeys(metric_fns, 0.0)
        batches = source.epoch(source.order(network.rng, shuffle))
        for batch, (xb, yb, wb, labels) in enumerate(batches, 1):
            try:
                count = float(wb.sum()) * source.weight_unit if weighted_count else None
                value, outputs = train_batch(xb, yb, loss, optimizer, wb, count, blocks)
            except KeyboardInterrupt as exc:  # not in the main thread: no flag to raise
                if isinstance(exc, _Abort):
                    raise
                interrupt.raised = True
                break
            if not finite(value):
                _restore_finite(network.parameters(), snapshot)
                raise FloatingPointError(
                    f"the loss became {value} at epoch {epoch}, batch {batch}; training "
                    "stopped and the weights were restored to their last finite values "
                    "(try a smaller learning rate, or scale the inputs)"
                )
            size = outputs.shape[0]
            total += value if summed else value * size
            seen += size
            for name, fn in metric_fns.items():
                sums[name] += fn(outputs, yb, labels) * size
            for duty in per_batch:
                duty.on_batch_end(batch, size)
            if interrupt.raised:
                break
        if seen == 0:
            return
        logs = {"loss": total if summed else total / seen}
        logs.update({name: s / seen for name, s in sums.items()})
        if _epoch_end(epoch, logs, recorders, actors, interrupt.raised, history):
            return


def _run_full_batch(network, source, loss, optimizer, epochs, shuffle, metric_fns, recorders,
                    actors, per_batch, interrupt, history) -> None:
    """L-BFGS: every epoch is one iteration of the optimizer over all the training rows."""
    X, Y, codes, W = (_rows(source.X, source.rows, isinstance(source, OnDisk)), source.Y,
                      source.codes, source.W)
    if source.rows is not None:
        if codes is not None:
            codes = codes[source.rows]
        else:
            Y = Y[source.rows]
        W = None if W is None else W[source.rows]
    if codes is not None and not isinstance(source, OnDisk):
        Y, codes = Y[codes], None  # gathered once, not at every evaluation
    n = source.n
    params = network.parameters()
    # The mean loss over the training rows (the normalized weights add up to n) plus the
    # optimizer's penalty ½ Σ decay w².
    divisor = 1.0 if loss.summed else float(n)
    decay = optimizer.decay_vector(params, None if loss.summed else n * source.weight_unit)

    def objective(x):
        network.set_flat_weights(x)
        total, gradient = _total_loss_and_gradient(network, X, Y, codes, W, loss)
        gradient /= divisor
        gradient += decay * x
        return total / divisor + 0.5 * float(np.dot(decay * x, x)), gradient

    epoch = [0]

    def each_iteration(x, value):
        epoch[0] += 1
        network.set_flat_weights(x)
        logs = {"loss": value - 0.5 * float(np.dot(decay * x, x))}
        if metric_fns:
            scores = _score(network, X, Y, codes, loss, metric_fns)
            logs.update({k: v for k, v in scores.items() if k != "loss"})
        for duty in per_batch:
            duty.on_batch_end(1, n)
        return _epoch_end(epoch[0], logs, recorders, actors, interrupt.raised, history)

    minimize(network, optimizer, objective, max(epochs, 1), each_iteration, recorders + actors,
             history)


def minimize(network, optimizer, objective, max_iter, each_iteration, duties, history) -> None:
    """A full-batch optimizer's run from the network's weights, however ``objective`` computes
    the loss (here, or summed over a cluster's workers): the weights found are kept unless
    early stopping restored better ones; a loss that is not finite restores the start."""
    for duty in duties:
        duty.on_epoch_begin(1)
    start = network.get_flat_weights()
    result = optimizer.minimize(objective, start, max_iter=max_iter, callback=each_iteration)
    if not math.isfinite(result.fun) or not np.isfinite(result.x).all():
        network.set_flat_weights(start)
        raise FloatingPointError(f"the loss became {result.fun} while L-BFGS searched; training "
                                 "stopped and the starting weights were restored (try scaling "
                                 "the inputs)")
    if not history.stopped_early:
        network.set_flat_weights(result.x)


def _restore_finite(params, snapshot) -> None:
    # The weights that produced a non-finite loss are finite themselves unless the last
    # update blew them up; then the epoch's starting weights are the last finite ones.
    if not all(np.isfinite(p).all() for p in params):
        for param, saved in zip(params, snapshot):
            param[...] = saved


# --- scores and gradients over all rows ---------------------------------------------------------


def evaluate(network, X, y, *, loss, metrics=None) -> dict:
    """{"loss": ..., metric: ...} of the network on (X, y), scored as ``fit`` scores them."""
    loss = losses.get(loss)
    names = _metric_names(metrics, loss)
    X = network.check_inputs(X, "X")
    Y, codes = _targets(network, loss, y, X.shape[0])
    return _score(network, X, Y, codes, loss, _metrics(names, Y, codes))


def _chunk(X, start, stop, dtype):
    chunk = X[start:stop]
    return chunk if is_sparse(chunk) else np.asarray(chunk, dtype=dtype)


def _score(network, X, Y, codes, loss, metric_fns) -> dict:
    # Chunk by chunk, so that data read from disk is never loaded whole.
    n, batch_size = X.shape[0], network.chunk_rows()
    *body, last = network.layers
    fused = network.fuses(loss)
    total = 0.0
    sums = dict.fromkeys(metric_fns, 0.0)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        inputs = _chunk(X, start, stop, network.dtype)
        labels = None if codes is None else codes[start:stop]
        targets = Y[start:stop] if codes is None else Y[labels]
        for layer in body:
            inputs = layer.forward(inputs)
        if fused:
            z = last.sums(inputs)
            value = loss.value_from_logits(z, targets)
            outputs = last.activation.forward(z, out=z)
        else:
            outputs = last.forward(inputs)
            value = loss.value(outputs, targets)
        size = stop - start
        total += value if loss.summed else value * size
        for name, fn in metric_fns.items():
            sums[name] += fn(outputs, targets, labels) * size
    scores = {"loss": loss.scale * (total if loss.summed else total / n)}
    scores.update({name: s / n for name, s in sums.items()})
    return scores


def loss_and_gradient(network, X, y, loss, *, sample_weight=None, batch_size=None):
    """Network.loss_and_gradient's body; see its docstring."""
    loss = losses.get(loss)
    _check_loss_fits_output(network, loss)
    X = network.check_inputs(X, "X")
    Y, codes = _targets(network, loss, y, X.shape[0])
    W = None
    if sample_weight is not None:
        W = np.ascontiguousarray(_check_sample_weight(sample_weight, X.shape[0])[:, None],
                                 dtype=network.dtype)
    if batch_size is not None:
        batch_size = as_count(batch_size, "batch_size", minimum=1)
    with _Claim(network):  # it uses the same buffers as training
        return _total_loss_and_gradient(network, X, Y, codes, W, loss, batch_size)


def _total_loss_and_gradient(network, X, Y, codes, W, loss, batch_size=None):
    """The summed loss over the rows and its flat gradient (float64), chunk by chunk."""
    n = X.shape[0]
    batch_size = batch_size or network.chunk_rows(megabytes=8)
    *body, last = network.layers
    fused = network.fuses(loss)
    gradient = np.zeros(network.n_parameters())
    total = 0.0
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        inputs = _chunk(X, start, stop, network.dtype)
        targets = Y[start:stop] if codes is None else Y[codes[start:stop]]
        weights = None if W is None else W[start:stop]
        for layer in body:
            inputs = layer.forward(inputs, training=True)
        # The chunk's loss is a mean over its rows (unless the loss is a sum): times the rows,
        # it is the chunk's total.
        factor = loss.scale * (1 if loss.summed else stop - start)
        if fused:
            outputs, value = last.forward_with_loss(inputs, loss, targets, weights)
            grad = loss.gradient_from_logits(outputs, targets, scale=factor)
        else:
            outputs = last.forward(inputs, training=True)
            value = loss.value(outputs, targets, weights)
            grad = loss.gradient(outputs, targets)
            grad *= factor
        total += value * factor
        if weights is not None:
            grad *= weights
        network.backward(grad, through_activation=not fused)
        offset = 0
        for g in network.gradients():
            gradient[offset:offset + g.size] += g.ravel()
            offset += g.size
    return total, gradient
