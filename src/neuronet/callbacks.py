"""Callbacks: the duties done while a network trains, each a small object with one protocol.

The tutorial's loop does one thing per iteration: a step. A real training run also keeps a
record of the loss (``History``), scores held-out rows (``Validation``), shows its progress
(``ProgressBar``), lowers the learning rate on a schedule (``LearningRateSchedule``) and stops
when the loss no longer improves (``EarlyStopping``, ``NoImprovement``). Each of these is a
``Callback``; so is anything a user passes to ``fit(callbacks=...)``. The training loop calls
them all in the same places, once per epoch, so that a new duty never changes the loop.
"""

from __future__ import annotations

import logging

import numpy as np

from ._checks import as_count

log = logging.getLogger(__name__)


class Callback:
    """A duty done as training goes.

    ``fit`` calls ``on_train_begin(network, history)`` once, ``on_epoch_begin(epoch)`` and
    ``on_epoch_end(epoch, logs)`` around every epoch (epochs count from 1; ``logs`` holds the
    epoch's scores, and a duty may add its own), and ``on_train_end()`` at the end, however
    training ends. ``on_epoch_end`` returning True stops training. ``on_batch_end(batch,
    size)`` is called after every batch, but only for callbacks that override it, so that the
    others cost nothing per batch.
    """

    def on_train_begin(self, network, history) -> None:
        """Training starts: ``network`` is being fitted, ``history`` records it.

        Parameters
        ----------
        network : Network
            The network being fitted.
        history : History
            The record of this training.
        """

    def on_epoch_begin(self, epoch: int) -> None:
        """Epoch ``epoch`` (counted from 1) starts.

        Parameters
        ----------
        epoch : int
            The epoch, counted from 1.
        """

    def on_batch_end(self, batch: int, size: int) -> None:
        """Batch ``batch`` (counted from 1) of ``size`` rows has updated the weights.

        Parameters
        ----------
        batch : int
            The batch of the epoch, counted from 1.
        size : int
            Its rows.
        """

    def on_epoch_end(self, epoch: int, logs: dict):
        """Epoch ``epoch`` ended with the scores ``logs``; return True to stop training.

        Parameters
        ----------
        epoch : int
            The epoch, counted from 1.
        logs : dict
            The epoch's scores ("loss", "val_loss", metrics); a duty may add its own.

        Returns
        -------
        bool or None
            True to stop training.
        """
        return None

    def on_train_end(self) -> None:
        """Training ended, normally, early, by Ctrl-C or by an error."""


def overrides(callback, hook: str) -> bool:
    """Whether ``callback`` does something in ``hook`` (a method name of Callback).

    Parameters
    ----------
    callback : Callback
    hook : str
        A method name of Callback ("on_batch_end", ...).

    Returns
    -------
    bool
    """
    return getattr(type(callback), hook) is not getattr(Callback, hook)


def as_callback(callback) -> Callback:
    """A Callback as it is, or a function ``callback(epoch, logs)`` wrapped as one.

    Parameters
    ----------
    callback : Callback or callable

    Returns
    -------
    Callback

    Raises
    ------
    ValueError
        For something that is neither.
    """
    return callback if isinstance(callback, Callback) else LambdaCallback(callback)


class History(Callback):
    """The numbers of every epoch: ``history.loss``, ``history.val_loss`` and
    ``history["accuracy"]``, ``history["val_accuracy"]``...; all of them in
    ``history.history``.

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
        """The training loss of each epoch."""
        return self.history.get("loss", [])

    @property
    def val_loss(self) -> list:
        """The validation loss of each epoch (empty without validation)."""
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
    """A function ``callback(epoch, logs)`` as a Callback (``fit`` wraps plain functions so).

    Parameters
    ----------
    function : callable
        ``function(epoch, logs)``; returning True stops training.
    """

    def __init__(self, function):
        if not callable(function):
            raise ValueError(f"a callback must be a neuronet.Callback or a function "
                             f"callback(epoch, logs), got {function!r}")
        self.function = function

    def on_epoch_end(self, epoch, logs):
        return self.function(epoch, logs)


class Validation(Callback):
    """Scores held-out rows after every epoch: ``val_loss`` and ``val_<metric>`` in the logs.

    Parameters
    ----------
    score : callable
        ``score()`` returns the scores of the network as it is now, {"loss": ..., metric:
        ...}, however it computes them: on rows in memory, on disk, or on a cluster's
        workers.
    """

    def __init__(self, score):
        self.score = score

    def on_epoch_end(self, epoch, logs):
        logs.update({f"val_{k}": v for k, v in self.score().items()})


def someone_watches() -> bool:
    """Whether a person sees what this process draws: standard error is a terminal, or the
    process is a notebook's kernel. A log file or a pipe gets no progress bar (thousands of
    redrawn lines in a file help nobody).

    Returns
    -------
    bool
    """
    import sys

    try:
        if sys.stderr is not None and sys.stderr.isatty():
            return True
    except (AttributeError, ValueError):  # a replaced or closed stderr
        pass
    shell = sys.modules.get("IPython")
    ipython = getattr(shell, "get_ipython", lambda: None)() if shell else None
    return ipython is not None and "IPKernelApp" in getattr(ipython, "config", {})


class ProgressBar(Callback):
    """A tqdm bar over all the steps of training, the last epoch's scores beside it, drawn
    only where someone watches (``someone_watches``): a terminal or a notebook.

    Parameters
    ----------
    epochs : int
        The epochs of the training.
    steps_per_epoch : int
        The batches of each.
    """

    def __init__(self, epochs: int, steps_per_epoch: int):
        self.epochs, self.steps = epochs, steps_per_epoch
        self.bar = None

    def on_train_begin(self, network, history):
        if not someone_watches():
            return
        from tqdm.auto import tqdm

        self.bar = tqdm(total=self.epochs * self.steps, unit="batch" if self.steps > 1 else "it",
                        dynamic_ncols=True, leave=True)

    def on_epoch_begin(self, epoch):
        if self.bar is not None:
            self.bar.set_description(f"epoch {epoch}/{self.epochs}")

    def on_batch_end(self, batch, size):
        if self.bar is not None:
            self.bar.update()

    def on_epoch_end(self, epoch, logs):
        if self.bar is not None:
            self.bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()}, refresh=False)

    def on_train_end(self):
        if self.bar is not None:
            self.bar.close()


class LearningRateSchedule(Callback):
    """Tells the optimizer that an epoch of ``examples_per_epoch`` rows ended, so that its
    schedule (``neuronet.schedules``) sets the next learning rate.

    Parameters
    ----------
    optimizer : Optimizer
    examples_per_epoch : int
        The training rows of an epoch.
    """

    def __init__(self, optimizer, examples_per_epoch: int):
        self.optimizer, self.examples = optimizer, examples_per_epoch

    def on_epoch_end(self, epoch, logs):
        self.optimizer.end_epoch(self.examples, logs)


class EarlyStopping(Callback):
    """Stops when ``monitor`` ("val_loss" with validation, else "loss") has not improved for
    ``patience`` epochs, and puts back the weights of the best epoch (unless interrupted).

    Parameters
    ----------
    patience : int
        Epochs without a new lowest value before training stops (at least 1).
    monitor : str
        The log to watch; ``fit(early_stopping=...)`` sets it to "val_loss" when there is
        validation data.
    """

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
            if self.history.stopped_early:
                log.info("early stopping: %s did not improve for %d epochs; restored the "
                         "weights of epoch %d (%s %.4g)", self.monitor, self.patience,
                         self.history.best_epoch, self.monitor, self.best)


class NoImprovement(Callback):
    """Stops when the loss has not improved by at least ``tol`` for ``patience`` epochs in a
    row (scikit-learn's rule for its stochastic solvers); the weights are those of the last
    epoch.

    Parameters
    ----------
    tol : float
        The least improvement that counts.
    patience : int
        The epochs in a row without one before training stops.
    """

    def __init__(self, tol: float, patience: int):
        self.tol, self.patience = tol, as_count(patience, "patience", minimum=1)

    def on_train_begin(self, network, history):
        self.best, self.waited = np.inf, 0

    def on_epoch_end(self, epoch, logs):
        if logs["loss"] > self.best - self.tol:
            self.waited += 1
        else:
            self.waited = 0
        self.best = min(self.best, logs["loss"])
        return self.waited >= self.patience
