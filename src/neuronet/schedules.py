"""Learning-rate schedules: how an optimizer's step size changes as training goes on.

Large steps early cover ground; small steps late settle into a minimum. A schedule is a small
object given to an optimizer (``SGD(0.1, schedule=StepDecay(10))``); after every epoch the
optimizer asks it for the next rate, from the initial one, the epochs and examples seen so
far and that epoch's scores. Its settings are part of the optimizer's (``config()``).
"""

from __future__ import annotations

import math

from ._checks import as_count, as_positive_float


class Schedule:
    """Base class. ``rate(optimizer, logs)`` is the learning rate for the next epoch, read
    from ``optimizer.initial_learning_rate``, ``optimizer.learning_rate`` (the current one),
    ``optimizer.epochs`` and ``optimizer.examples`` (counted so far, this epoch included)."""

    def rate(self, optimizer, logs) -> float:
        """The learning rate for the next epoch.

        Parameters
        ----------
        optimizer : Optimizer
            The optimizer, whose rate and counts the schedule reads.
        logs : dict
            The epoch's scores ("loss", "val_loss", ...).

        Returns
        -------
        float
        """
        raise NotImplementedError

    def config(self) -> dict:
        """The settings that rebuild this schedule (``schedules.from_config``).

        Returns
        -------
        dict
            JSON-ready, with the schedule's "type".
        """
        return {"type": type(self).__name__, **self._settings()}

    def _settings(self) -> dict:
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._settings().items())
        return f"{type(self).__name__}({args})"


class InverseScaling(Schedule):
    """initial / (1 + t) ** power_t, with t the examples seen so far (``per="example"``, as
    scikit-learn's "invscaling") or the epochs (``per="epoch"``).

    Parameters
    ----------
    power_t : float
        The exponent, at least 0.
    per : {"example", "epoch"}
        What t counts.
    """

    def __init__(self, power_t: float = 0.5, per: str = "example"):
        self.power_t = as_positive_float(power_t, "power_t", allow_zero=True)
        if per not in ("example", "epoch"):
            raise ValueError(f"per must be 'example' or 'epoch', got {per!r}")
        self.per = per

    def rate(self, optimizer, logs) -> float:
        t = optimizer.examples if self.per == "example" else optimizer.epochs
        return optimizer.initial_learning_rate / (t + 1) ** self.power_t

    def _settings(self) -> dict:
        return {"power_t": self.power_t, "per": self.per}


class StepDecay(Schedule):
    """initial * gamma ** (epochs // step_size): the rate drops by ``gamma`` every
    ``step_size`` epochs (PyTorch's StepLR).

    Parameters
    ----------
    step_size : int
        Epochs between drops.
    gamma : float
        The factor of each drop.
    """

    def __init__(self, step_size: int, gamma: float = 0.1):
        self.step_size = as_count(step_size, "step_size", minimum=1)
        self.gamma = as_positive_float(gamma, "gamma")

    def rate(self, optimizer, logs) -> float:
        return optimizer.initial_learning_rate * self.gamma ** (optimizer.epochs // self.step_size)

    def _settings(self) -> dict:
        return {"step_size": self.step_size, "gamma": self.gamma}


class ExponentialDecay(Schedule):
    """initial * gamma ** epochs: a little smaller after every epoch (PyTorch's ExponentialLR).

    Parameters
    ----------
    gamma : float
        The factor of each epoch.
    """

    def __init__(self, gamma: float = 0.95):
        self.gamma = as_positive_float(gamma, "gamma")

    def rate(self, optimizer, logs) -> float:
        return optimizer.initial_learning_rate * self.gamma ** optimizer.epochs

    def _settings(self) -> dict:
        return {"gamma": self.gamma}


class CosineDecay(Schedule):
    """From the initial rate down to ``minimum`` along half a cosine over ``epochs`` epochs,
    then ``minimum`` (PyTorch's CosineAnnealingLR without restarts).

    Parameters
    ----------
    epochs : int
        The epochs of the half cosine.
    minimum : float
        The last rate.
    """

    def __init__(self, epochs: int, minimum: float = 0.0):
        self.epochs = as_count(epochs, "epochs", minimum=1)
        self.minimum = as_positive_float(minimum, "minimum", allow_zero=True)

    def rate(self, optimizer, logs) -> float:
        progress = min(optimizer.epochs, self.epochs) / self.epochs
        span = optimizer.initial_learning_rate - self.minimum
        return self.minimum + span * (1 + math.cos(math.pi * progress)) / 2

    def _settings(self) -> dict:
        return {"epochs": self.epochs, "minimum": self.minimum}


class ReduceOnPlateau(Schedule):
    """Multiply the rate by ``factor`` when the monitored score (``monitor``: "val_loss" when
    there is validation, else "loss") has not improved by more than ``threshold`` for more than
    ``patience`` epochs; never below ``minimum``. scikit-learn's "adaptive" is factor 0.2.

    ``patience=None`` reduces only when asked: ``reduce(optimizer)`` is the step itself, for
    code that decides on its own when the rate should drop.

    Parameters
    ----------
    factor : float
        The factor of each reduction, less than 1.
    patience : int or None
        The epochs without improvement that are tolerated.
    threshold : float
        The least decrease that counts as an improvement.
    monitor : str, optional
        The score watched (default: "val_loss" if there is one, else "loss").
    minimum : float
        The lowest rate.
    """

    def __init__(self, factor: float = 0.1, patience: int | None = 10, threshold: float = 1e-4,
                 monitor: str | None = None, minimum: float = 0.0):
        self.factor = as_positive_float(factor, "factor")
        if self.factor >= 1:
            raise ValueError(f"factor must be less than 1, got {factor!r}")
        self.patience = None if patience is None else as_count(patience, "patience")
        self.threshold = as_positive_float(threshold, "threshold", allow_zero=True)
        self.monitor = monitor
        self.minimum = as_positive_float(minimum, "minimum", allow_zero=True)
        self.best, self.waited = math.inf, 0

    def reduce(self, optimizer) -> bool:
        """Lower the optimizer's rate by ``factor`` now.

        Parameters
        ----------
        optimizer : Optimizer
            Its ``learning_rate`` is lowered.

        Returns
        -------
        bool
            False if the rate was already at ``minimum``.
        """
        if optimizer.learning_rate <= self.minimum:
            return False
        optimizer.learning_rate = max(optimizer.learning_rate * self.factor, self.minimum)
        self.waited = 0
        return True

    def rate(self, optimizer, logs) -> float:
        if self.patience is None or not logs:
            return optimizer.learning_rate
        key = self.monitor or ("val_loss" if "val_loss" in logs else "loss")
        if key not in logs:
            raise ValueError(f"ReduceOnPlateau monitors {key!r}, which fit does not report; "
                             f"it reports {', '.join(map(repr, logs))}")
        value = logs[key]
        self.waited = self.waited + 1 if not value < self.best - self.threshold else 0
        self.best = min(self.best, value)
        if self.waited > self.patience:
            self.reduce(optimizer)
        return optimizer.learning_rate

    def _settings(self) -> dict:
        return {"factor": self.factor, "patience": self.patience, "threshold": self.threshold,
                "monitor": self.monitor, "minimum": self.minimum}


SCHEDULES = {cls.__name__: cls for cls in (InverseScaling, StepDecay, ExponentialDecay,
                                           CosineDecay, ReduceOnPlateau)}


def from_config(config):
    """A schedule from its ``config()`` (None stays None).

    Parameters
    ----------
    config : dict or None
        As ``Schedule.config`` writes it.

    Returns
    -------
    Schedule or None

    Raises
    ------
    ValueError
        For a dict that is no schedule's settings.
    """
    if config is None:
        return None
    if not isinstance(config, dict) or config.get("type") not in SCHEDULES:
        known = ", ".join(SCHEDULES)
        raise ValueError(f"not a schedule's settings: {config!r}; expected a dict whose 'type' "
                         f"is one of {known}")
    settings = {k: v for k, v in config.items() if k != "type"}
    return SCHEDULES[config["type"]](**settings)


def get(schedule):
    """A Schedule as it is, or None.

    Parameters
    ----------
    schedule : Schedule or None

    Returns
    -------
    Schedule or None

    Raises
    ------
    ValueError
        For anything else.
    """
    if schedule is None or isinstance(schedule, Schedule):
        return schedule
    raise ValueError(f"schedule must be a neuronet.schedules.Schedule or None, got {schedule!r}")
