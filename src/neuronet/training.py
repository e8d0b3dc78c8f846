"""The training loop: batches, shuffling, validation, early stopping, history, progress,
and the safety nets (Ctrl-C keeps what was learned; a NaN loss never reaches the weights)."""

from __future__ import annotations

import math
import signal
import threading

import numpy as np

from . import losses, optimizers
from ._checks import as_count, as_float_array, is_lazy

# --- what fit returns ---------------------------------------------------------------------------


class History:
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

    def _record(self, logs: dict) -> None:
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
        self.epochs += 1

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.history.items() if v)
        state = ""
        if self.interrupted or self.stopped_early:
            state = " (interrupted)" if self.interrupted else " (stopped early)"
        return f"<History: {self.epochs} epochs{state}{': ' if last else ''}{last}>"


# --- metrics ------------------------------------------------------------------------------------


def accuracy(outputs, targets) -> float:
    """Share of right answers: the largest output against the target's class for several
    outputs, output > 0.5 against target > 0.5 for one (or independent yes/no outputs)."""
    if outputs.shape[1] > 1 and np.allclose(targets.sum(axis=1), 1):
        return float(np.mean(outputs.argmax(axis=1) == targets.argmax(axis=1)))
    return float(np.mean((outputs > 0.5) == (targets > 0.5)))


def mean_absolute_error(outputs, targets) -> float:
    return float(np.mean(np.abs(outputs - targets)))


def mean_squared_error(outputs, targets) -> float:
    return float(np.mean(np.square(outputs - targets)))


METRICS = {"accuracy": accuracy, "mae": mean_absolute_error, "mse": mean_squared_error}


def _metrics(metrics, loss) -> dict:
    if metrics is None:
        metrics = ["accuracy"] if loss.fused_activation else []
    if isinstance(metrics, str):
        metrics = [metrics]
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        known = ", ".join(repr(m) for m in METRICS)
        raise ValueError(f"unknown metric {unknown[0]!r}; expected one of {known}")
    return {name: METRICS[name] for name in metrics}


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
    if loss.fused_activation and (y.min() < 0 or y.max() > 1):
        raise ValueError(f"{loss.name} needs targets between 0 and 1, but {name} holds "
                         f"values from {y.min():g} to {y.max():g}")
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
    (``rows``, or all), so that batches keep their usual scale."""
    mean = weights.mean() if rows is None else weights[rows].mean()
    if mean == 0:
        raise ValueError("sample_weight is zero for every training row; at least one weight "
                         "must be greater than zero")
    return np.ascontiguousarray((weights / mean)[:, None], dtype=dtype)


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
    if loss.fused_activation and network.output_activation not in ("sigmoid", "softmax"):
        raise ValueError(
            f"{loss.name} needs probabilities from the last layer, but its activation is "
            f"{network.output_activation!r}; use activation={loss.fused_activation!r}"
        )


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


# --- the loop -----------------------------------------------------------------------------------


def _gather(X, rows, out=None):
    """The batch of rows ``rows`` (an index array or a slice) as a contiguous array."""
    if isinstance(rows, slice):
        return X[rows]
    if out is not None and type(X) is np.ndarray:
        # mode="clip" skips a bounds check per row: the rows are ours and all in range.
        return X.take(rows, axis=0, out=out[: len(rows)], mode="clip")
    return X[rows]


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


def fit(network, X, y, *, loss, optimizer=None, epochs=1, batch_size=32, shuffle=True,
        validation_data=None, validation_split=0.0, early_stopping=None, metrics=None,
        progress=False, callbacks=(), sample_weight=None):
    """Network.fit's body; see its docstring."""
    loss = losses.get(loss)
    _check_loss_fits_output(network, loss)
    optimizer = optimizers.get(optimizer)
    epochs = as_count(epochs, "epochs")
    metric_fns = _metrics(metrics, loss)
    lazy = is_lazy(X)  # rows are read from X batch by batch, never all at once
    X = network.check_inputs(X, "X")
    n = X.shape[0]
    Y, codes = _targets(network, loss, y, n)
    batch_size = n if batch_size is None else as_count(batch_size, "batch_size", minimum=1)
    if isinstance(validation_split, bool) or not 0 <= validation_split < 1:
        raise ValueError(f"validation_split must be a fraction in [0, 1), got {validation_split!r}")
    if early_stopping is not None:
        early_stopping = as_count(early_stopping, "early_stopping", minimum=1)
    callbacks = list(callbacks)
    weights = None if sample_weight is None else _check_sample_weight(sample_weight, n)

    rows = None  # None: all rows of X, in order
    X_val = Y_val = codes_val = None
    if validation_data is not None:
        if validation_split:
            raise ValueError("pass validation_data or validation_split, not both")
        try:
            X_val, y_val = validation_data
        except (TypeError, ValueError):
            raise ValueError("validation_data must be a pair (X_val, y_val)") from None
        X_val = network.check_inputs(X_val, "validation X")
        Y_val, codes_val = _targets(network, loss, y_val, X_val.shape[0], "validation y")
    elif validation_split:
        n_val = int(round(n * validation_split))
        if n_val < 1 or n_val >= n:
            raise ValueError(f"validation_split={validation_split} of {n} rows leaves "
                             f"{n - n_val} for training and {n_val} for validation; both need rows")
        order = network.rng.permutation(n)
        val_rows, rows = np.sort(order[:n_val]), np.sort(order[n_val:])
        del order
        X_val = _RowsOf(X, val_rows) if lazy else X.take(val_rows, axis=0)
        Y_val, codes_val = (Y, codes[val_rows]) if codes is not None else (Y[val_rows], None)
    n_train = n if rows is None else len(rows)
    W = None if weights is None else _normalized_weights(weights, rows, network.dtype)

    network.loss = loss.name
    history = History()
    network.history = history
    monitor = "val_loss" if X_val is not None else "loss"
    best_value, best_weights, waited = np.inf, None, 0

    bar = None
    if progress:
        from tqdm.auto import tqdm

        n_batches = -(-n_train // batch_size)
        bar = tqdm(total=epochs * n_batches, unit="batch", dynamic_ncols=True, leave=True)
    params = network.parameters()
    dtype = network.dtype
    # Batches are gathered into buffers allocated once, rather than into new arrays each time.
    x_buffer = y_buffer = None
    if not lazy and (shuffle or rows is not None):
        x_buffer = np.empty((min(batch_size, n_train), X.shape[1]), dtype=dtype)
    if codes is not None or shuffle or rows is not None:
        y_buffer = np.empty((min(batch_size, n_train), Y.shape[1]), dtype=dtype)
    summed, train_batch = loss.summed, network.train_batch
    finite = math.isfinite

    try:
        with _InterruptFlag() as interrupt:
            for epoch in range(1, epochs + 1):
                if bar is not None:
                    bar.set_description(f"epoch {epoch}/{epochs}")
                snapshot = [p.copy() for p in params]
                order = rows
                if shuffle:
                    order = network.rng.permutation(n_train if rows is None else rows)
                # The class of each row, in this epoch's order: a batch's targets are then
                # one gather from the one-hot table.
                classes = codes if codes is None or order is None else codes[order]
                total, seen = 0.0, 0
                sums = dict.fromkeys(metric_fns, 0.0)
                for batch, start in enumerate(range(0, n_train, batch_size), 1):
                    stop = min(start + batch_size, n_train)
                    index = slice(start, stop) if order is None else order[start:stop]
                    if lazy:
                        if not isinstance(index, slice):
                            index = np.sort(index)  # rows read from disk in file order
                        xb = np.asarray(X[index], dtype=dtype)
                    else:
                        xb = _gather(X, index, x_buffer)
                    if codes is None:
                        yb = _gather(Y, index, y_buffer)
                    elif lazy and not isinstance(index, slice):
                        yb = _gather(Y, codes[index], y_buffer)
                    else:
                        yb = _gather(Y, classes[start:stop], y_buffer)
                    wb = None if W is None else W[index]
                    try:
                        value, outputs = train_batch(xb, yb, loss, optimizer, wb)
                    except KeyboardInterrupt as exc:  # not in the main thread: no flag to raise
                        if isinstance(exc, _Abort):
                            raise
                        interrupt.raised = True
                        break
                    if not finite(value):
                        _restore_finite(params, snapshot)
                        raise FloatingPointError(
                            f"the loss became {value} at epoch {epoch}, batch {batch}; training "
                            "stopped and the weights were restored to their last finite values "
                            "(try a smaller learning rate, or scale the inputs)"
                        )
                    size = stop - start
                    total += value if summed else value * size
                    seen += size
                    if metric_fns:
                        for name, fn in metric_fns.items():
                            sums[name] += fn(outputs, yb) * size
                    if bar is not None:
                        bar.update()
                    if interrupt.raised:
                        break
                if seen == 0:
                    break
                logs = {"loss": total if summed else total / seen}
                logs.update({name: s / seen for name, s in sums.items()})
                if X_val is not None:
                    scores = _score(network, X_val, Y_val, codes_val, loss, metric_fns)
                    logs.update({f"val_{k}": v for k, v in scores.items()})
                history._record(logs)
                if bar is not None:
                    bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()}, refresh=False)
                if interrupt.raised:
                    history.interrupted = True
                    break
                if early_stopping is not None:
                    if logs[monitor] < best_value:
                        best_value, waited = logs[monitor], 0
                        best_weights = network.get_weights()
                        history.best_epoch = epoch
                    else:
                        waited += 1
                        if waited >= early_stopping:
                            history.stopped_early = True
                if any([callback(epoch, logs) for callback in callbacks]):
                    break
                if history.stopped_early:
                    break
            if interrupt.raised:
                history.interrupted = True
    finally:
        if bar is not None:
            bar.close()
    if best_weights is not None and not history.interrupted:
        network.set_weights(best_weights)
    return history


def _restore_finite(params, snapshot) -> None:
    # The weights that produced a non-finite loss are finite themselves unless the last
    # update blew them up; then the epoch's starting weights are the last finite ones.
    if not all(np.isfinite(p).all() for p in params):
        for param, saved in zip(params, snapshot):
            param[...] = saved


def evaluate(network, X, y, *, loss, metrics=None) -> dict:
    """{"loss": ..., metric: ...} of the network on (X, y), scored as ``fit`` scores them."""
    loss = losses.get(loss)
    metric_fns = _metrics(metrics, loss)
    X = network.check_inputs(X, "X")
    Y, codes = _targets(network, loss, y, X.shape[0])
    return _score(network, X, Y, codes, loss, metric_fns)


def _score(network, X, Y, codes, loss, metric_fns) -> dict:
    # Chunk by chunk, so that data read from disk is never loaded whole.
    n, batch_size = X.shape[0], network.chunk_rows()
    *body, last = network.layers
    fused = network.fuses(loss)
    total = 0.0
    sums = dict.fromkeys(metric_fns, 0.0)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        inputs = np.asarray(X[start:stop], dtype=network.dtype)
        targets = Y[start:stop] if codes is None else Y[codes[start:stop]]
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
            sums[name] += fn(outputs, targets) * size
    scores = {"loss": total if loss.summed else total / n}
    scores.update({name: s / n for name, s in sums.items()})
    return scores
