"""Training: the tutorial's loop, grown up.

The tutorial repeats one thing 10,000 times: run the neuron on the rows, see how wrong it was,
adjust the weights. Here it reads the same, with the rows taken a batch at a time::

    for epoch in 1 .. epochs:
        for each batch of the source (neuronet.batches):
            a step: forward, loss, backward, update (Network.train_batch)
        the epoch's duties (neuronet.callbacks): record, validate, schedule, stop?

L-BFGS, which needs all rows at once, makes one of its iterations per epoch instead, with the
same duties after each. A ``Fit`` holds what every run needs whatever computes its steps: the
loss, the optimizer, the metrics, the duties, the History, and the safety nets — Ctrl-C keeps
what was learned, a NaN loss never reaches the weights, one network trains in one thread at a
time. ``Network.fit`` runs it on rows here; ``neuronet.dask.fit`` runs the same object with the
rows on a cluster.
"""

from __future__ import annotations

import math
import signal
import threading

import numpy as np

from . import batches, losses, optimizers, targets
from ._checks import as_count, is_lazy, is_sparse
from .callbacks import (
    EarlyStopping,
    History,
    LearningRateSchedule,
    ProgressBar,
    Validation,
    as_callback,
    overrides,
)
from .layers import Dense
from .metrics import build as build_metrics
from .metrics import names_for as metric_names
from .scoring import block_total, score  # noqa: F401 - also offered here

# --- Ctrl-C -------------------------------------------------------------------------------------


class Abort(KeyboardInterrupt):
    """A second Ctrl-C during training: quit now."""


class InterruptFlag:
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
            raise Abort()
        self.raised = True

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


# --- one training run ---------------------------------------------------------------------------


class Fit:
    """One training run of ``network``: its settings, checked, and its duties.

    Used as a context manager, it claims the network for this thread (a second fit of it
    raises RuntimeError). ``train(loop, ...)`` then runs ``loop(fit)`` between the duties'
    ``on_train_begin`` and ``on_train_end``, under the Ctrl-C flag, and returns the History.
    A loop calls ``begin_epoch``, ``batch_end`` and ``end_epoch`` (which says when to stop),
    or, for a full-batch optimizer, ``minimize`` with a function that adds up the loss and
    gradient of the training rows wherever they are.

    Parameters
    ----------
    network : Network
    loss, optimizer, epochs, metrics, callbacks, progress, early_stopping : as for
        ``Network.fit``.
    """

    def __init__(self, network, *, loss, optimizer=None, epochs=1, metrics=None,
                 callbacks=(), progress=False, early_stopping=None):
        self.network = network
        self.loss = losses.get(loss)
        targets.check_loss_fits_output(network, self.loss)
        self.optimizer = optimizers.get(optimizer)
        self.epochs = as_count(epochs, "epochs")
        self.metric_names = metric_names(metrics, self.loss)
        self.early_stopping = None if early_stopping is None else EarlyStopping(early_stopping)
        self.callbacks = [as_callback(c) for c in callbacks]
        self.progress = progress
        if self.optimizer.full_batch and any(getattr(layer, "rate", 0)
                                             for layer in network.layers):
            raise ValueError(f"{type(self.optimizer).__name__} needs a loss that is the same at "
                             "every evaluation, which Dropout makes random; use SGD or Adam with "
                             "Dropout")
        self.history = None
        self.interrupt = None
        self._claim = None

    def __enter__(self):
        self._claim = self.network.claim()
        self._claim.__enter__()
        return self

    def __exit__(self, *exc):
        self._claim.__exit__(*exc)

    @property
    def full_batch(self) -> bool:
        """Whether the optimizer steps on all rows at once (L-BFGS)."""
        return self.optimizer.full_batch

    def train(self, loop, *, steps, examples, validation=None, actors=()):
        """Run ``loop(self)`` with the duties of this fit; return the History.

        ``steps``: steps per epoch (for the progress bar); ``examples``: training rows per
        epoch (for the learning-rate schedule); ``validation``: a function that scores the
        held-out rows now, {"loss": ..., metric: ...}, or None; ``actors``: further duties that
        act on the epoch (a stopping rule), called after early stopping and before the user's
        callbacks.

        Parameters
        ----------
        loop : callable
            ``loop(fit)`` trains, epoch by epoch.
        steps : int
            Steps per epoch.
        examples : int
            Training rows per epoch.
        validation : callable, optional
            Scores the held-out rows.
        actors : sequence of Callback
            Further duties.

        Returns
        -------
        History
        """
        network, history = self.network, History()
        network.loss = self.loss.name
        network.history = self.history = history
        # The epoch's duties, in order: first those that record it...
        self.recorders = [] if validation is None else [Validation(validation)]
        self.recorders.append(history)
        if self.progress:
            self.recorders.append(ProgressBar(self.epochs, steps))
        # ... then those that act on it (skipped when Ctrl-C cut the epoch short).
        self.actors = [] if self.full_batch else [LearningRateSchedule(self.optimizer, examples)]
        if self.early_stopping is not None:
            self.early_stopping.monitor = "val_loss" if validation is not None else "loss"
            self.actors.append(self.early_stopping)
        self.actors += [*actors, *self.callbacks]
        duties = self.recorders + self.actors
        self.per_batch = [c for c in duties if overrides(c, "on_batch_end")]
        try:
            for duty in duties:
                duty.on_train_begin(network, history)
            # A run that diverges ends in FloatingPointError naming its epoch and batch:
            # NumPy's overflow warnings on the way there would only print ahead of it.
            with InterruptFlag() as self.interrupt, np.errstate(over="ignore", invalid="ignore"):
                loop(self)
                if self.interrupt.raised:
                    history.interrupted = True
        finally:
            for duty in duties:
                duty.on_train_end()
        return history

    def begin_epoch(self, epoch: int) -> None:
        """Tell every duty that epoch ``epoch`` starts.

        Parameters
        ----------
        epoch : int
            Counted from 1.
        """
        for duty in self.recorders + self.actors:
            duty.on_epoch_begin(epoch)

    def batch_end(self, batch: int, size: int) -> None:
        """Tell the duties that watch batches that batch ``batch`` of ``size`` rows is done.

        Parameters
        ----------
        batch : int
            Counted from 1.
        size : int
            Its rows.
        """
        for duty in self.per_batch:
            duty.on_batch_end(batch, size)

    def end_epoch(self, epoch: int, logs: dict) -> bool:
        """The epoch's duties; True when training should stop (a duty asked, or Ctrl-C).

        Parameters
        ----------
        epoch : int
            Counted from 1.
        logs : dict
            The epoch's scores.

        Returns
        -------
        bool
        """
        for duty in self.recorders:
            duty.on_epoch_end(epoch, logs)
        if self.interrupt.raised:
            self.history.interrupted = True
            return True
        # Every duty hears of the epoch, even after one of them asked to stop.
        return any([bool(duty.on_epoch_end(epoch, logs)) for duty in self.actors])

    def minimize(self, total, n: int, *, weight_unit: float = 1.0, scores=None) -> None:
        """Train with the full-batch optimizer from the network's weights.

        ``total(x)`` returns {"loss": ..., "gradient": ...}: the loss summed over the ``n``
        training rows with the flat weights x, and its gradient (however it adds them up: here,
        or over a cluster's partitions). ``scores(x)`` returns the training metrics at x, or
        None. ``weight_unit``: the examples a row of weight 1 stands for. Every iteration is an
        epoch for the duties. The weights found are kept unless early stopping restored
        better ones; a loss that is not finite restores the start.

        Parameters
        ----------
        total : callable
            ``total(x)``, as above.
        n : int
            The training rows.
        weight_unit : float
            The examples a row of weight 1 stands for.
        scores : callable, optional
            ``scores(x)``, as above.

        Raises
        ------
        FloatingPointError
            When the loss is not finite.
        """
        network, optimizer, loss = self.network, self.optimizer, self.loss
        # The mean loss over the training rows (normalized weights add up to n) plus the
        # optimizer's penalty ½ Σ decay w².
        divisor = 1.0 if loss.summed else float(n)
        decay = optimizer.decay_vector(network.parameters(),
                                       None if loss.summed else n * weight_unit)

        def objective(x):
            found = total(x)
            gradient = found["gradient"] / divisor
            gradient += decay * x
            return found["loss"] / divisor + 0.5 * float(np.dot(decay * x, x)), gradient

        iteration = [0]

        def each_iteration(x, value):
            iteration[0] += 1
            network.set_flat_weights(x)
            logs = {"loss": value - 0.5 * float(np.dot(decay * x, x))}
            if scores is not None and self.metric_names:
                logs.update({k: v for k, v in scores(x).items() if k != "loss"})
            self.batch_end(1, n)
            return self.end_epoch(iteration[0], logs)

        self.begin_epoch(1)
        start = network.get_flat_weights()
        result = optimizer.minimize(objective, start, max_iter=max(self.epochs, 1),
                                    callback=each_iteration)
        if not math.isfinite(result.fun) or not np.isfinite(result.x).all():
            network.set_flat_weights(start)
            raise FloatingPointError(f"the loss became {result.fun} while L-BFGS searched; "
                                     "training stopped and the starting weights were restored "
                                     "(try scaling the inputs)")
        if not self.history.stopped_early:
            network.set_flat_weights(result.x)


# --- fit ----------------------------------------------------------------------------------------


def fit(network, X, y, *, loss, optimizer=None, epochs=1, batch_size=32, shuffle=True,
        validation_data=None, validation_split=0.0, early_stopping=None, metrics=None,
        progress=False, callbacks=(), sample_weight=None, block_rows=None):
    """Network.fit's body; see its docstring.

    Parameters
    ----------
    network : Network
    X, y, loss, optimizer, epochs, batch_size, shuffle, validation_data, validation_split
        As for ``Network.fit``.
    early_stopping, metrics, progress, callbacks, sample_weight, block_rows
        As for ``Network.fit``.

    Returns
    -------
    History
    """
    with Fit(network, loss=loss, optimizer=optimizer, epochs=epochs, metrics=metrics,
             callbacks=callbacks, progress=progress, early_stopping=early_stopping) as run:
        loss = run.loss
        lazy, sparse = is_lazy(X), is_sparse(X)
        X = network.check_inputs(X, "X")
        n = X.shape[0]
        ys = targets.prepare(network, loss, y, n)
        batch_size = n if batch_size is None else as_count(batch_size, "batch_size", minimum=1)
        if isinstance(validation_split, bool) or not 0 <= validation_split < 1:
            raise ValueError(f"validation_split must be a fraction in [0, 1), got "
                             f"{validation_split!r}")
        if block_rows is not None and not run.full_batch:
            raise ValueError("block_rows applies to a full-batch optimizer (L-BFGS), which adds "
                             "up the loss of every row; SGD and Adam step batch by batch")
        weights = None if sample_weight is None else targets.check_sample_weight(
            sample_weight, n)
        rows, validation = _held_out(network, loss, X, ys, validation_data, validation_split,
                                     lazy)
        W, unit = (None, 1.0) if weights is None else targets.normalized_weights(
            weights, rows, network.dtype)
        source = batches.source_for(X, ys, W, rows, batch_size, network.dtype, lazy=lazy,
                                    sparse=sparse,
                                    keep_sparse=isinstance(network.layers[0], Dense))
        source.weight_unit = unit
        score_held_out = None
        if validation is not None:
            X_val, y_val = validation
            held_metrics = build_metrics(run.metric_names, y_val)

            def score_held_out():
                return score(network, X_val, y_val, loss, held_metrics)

        if run.full_batch:
            def loop(fit):
                _full_batch(fit, source, block_rows)
        else:
            def loop(fit):
                _epochs(fit, source, shuffle)
        return run.train(loop, steps=1 if run.full_batch else source.steps(),
                         examples=source.n, validation=score_held_out)


def _held_out(network, loss, X, ys, validation_data, validation_split, lazy):
    """The training rows (None: all of them) and the validation data (X, Targets) or None:
    given as ``validation_data``, or a ``validation_split`` of X drawn at random."""
    if validation_data is not None:
        if validation_split:
            raise ValueError("pass validation_data or validation_split, not both")
        try:
            X_val, y_val = validation_data
        except (TypeError, ValueError):
            raise ValueError("validation_data must be a pair (X_val, y_val)") from None
        X_val = network.check_inputs(X_val, "validation X")
        return None, (X_val, targets.prepare(network, loss, y_val, X_val.shape[0],
                                             "validation y"))
    if not validation_split:
        return None, None
    n = X.shape[0]
    n_val = int(round(n * validation_split))
    if n_val < 1 or n_val >= n:
        raise ValueError(f"validation_split={validation_split} of {n} rows leaves "
                         f"{n - n_val} for training and {n_val} for validation; both need rows")
    order = network.rng.permutation(n)
    val_rows, rows = np.sort(order[:n_val]), np.sort(order[n_val:])
    return rows, (batches.rows_of(X, val_rows, lazy), ys.subset(val_rows))


def _epochs(run, source, shuffle) -> None:
    """The loop of minibatch training: for each epoch, a step on each batch of the source."""
    network, loss, optimizer = run.network, run.loss, run.optimizer
    summed, train_batch, finite = loss.summed, network.train_batch, math.isfinite
    metric_fns = build_metrics(run.metric_names, source.targets)
    # Weight decay per example counts the examples with their weights (see Optimizer).
    weighted_count = source.W is not None and optimizer.decay_per_example
    interrupt = run.interrupt
    for epoch in range(1, run.epochs + 1):
        run.begin_epoch(epoch)
        # Packed first, so that the snapshot is of the arrays the steps update.
        blocks = network.packed()
        if run.per_batch:  # a callback between two batches could replace them: check every step
            blocks = None
        snapshot = [p.copy() for p in network.parameters()]
        total, seen = 0.0, 0
        sums = dict.fromkeys(metric_fns, 0.0)
        for batch, (xb, yb, wb, labels) in enumerate(source.epoch(
                source.order(network.rng, shuffle)), 1):
            try:
                count = float(wb.sum()) * source.weight_unit if weighted_count else None
                value, outputs = train_batch(xb, yb, loss, optimizer, wb, count, blocks)
            except KeyboardInterrupt as exc:  # not in the main thread: no flag to raise
                if isinstance(exc, Abort):
                    raise
                interrupt.raised = True
                break
            if not finite(value):
                restore_finite(network.parameters(), snapshot)
                raise FloatingPointError(
                    f"the loss became {value} at epoch {epoch}, batch {batch}; training "
                    "stopped and the weights were restored to their last finite values "
                    "(try a smaller learning rate, or scale the inputs)"
                )
            size = outputs.shape[0]
            total += value if summed else value * size
            seen += size
            for name, metric in metric_fns.items():
                sums[name] += metric.sums(outputs, yb, labels)
            run.batch_end(batch, size)
            if interrupt.raised:
                break
        if seen == 0:
            return
        logs = {"loss": total if summed else total / seen}
        logs.update({name: metric_fns[name].value(s) for name, s in sums.items()})
        if run.end_epoch(epoch, logs):
            return


def _full_batch(run, source, block_rows) -> None:
    """L-BFGS: every epoch is one iteration of the optimizer over all the training rows,
    their loss and gradient added up block by block (``batches.row_blocks``)."""
    network, loss = run.network, run.loss
    X, ys, W = source.training_rows()
    blocks = batches.row_blocks(source.n, block_rows)
    metric_fns = build_metrics(run.metric_names, ys)

    def total(x):
        network.set_flat_weights(x)
        return batches.total_in_order([
            block_total(network, X[b], ys.subset(b), None if W is None else W[b], loss)
            for b in blocks])

    def scores(x):
        return score(network, X, ys, loss, metric_fns)

    run.minimize(total, source.n, weight_unit=source.weight_unit, scores=scores)


def restore_finite(params, snapshot) -> None:
    """Put ``snapshot`` back into ``params`` unless every parameter is still finite.

    The weights that produced a non-finite loss are finite themselves unless the last update
    blew them up; then the epoch's starting weights are the last finite ones.

    Parameters
    ----------
    params : list of ndarray
        The network's parameters.
    snapshot : list of ndarray
        Copies taken at the epoch's start.
    """
    if not all(np.isfinite(p).all() for p in params):
        for param, saved in zip(params, snapshot):
            param[...] = saved
