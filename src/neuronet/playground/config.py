"""The playground's settings: what the page sends, checked field by field. The same names are
the keys of the page's URL, so a shared link carries the whole state of a run."""

from __future__ import annotations

import math

from . import data
from .data import CLASSIFICATION, DATASETS, FEATURES, REGRESSION

MAX_LAYERS = 6
MAX_NEURONS = 8
MAX_SEED = 2**31 - 1
ACTIVATIONS = {"relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid", "linear": "identity",
               "leaky_relu": "leaky_relu"}
OPTIMIZERS = ("sgd", "momentum", "adam")
REGULARIZATIONS = ("none", "l1", "l2")
PROBLEMS = ("classification", "regression")
SPEEDS = (1, 2, 5, 10, 20, 50, 100)

DEFAULTS = {
    "dataset": "circle",
    "classes": data.MIN_CLASSES,  # of the multi-class sets (spirals, blobs)
    "problem": "classification",
    "noise": 0,
    "ratio": 50,
    "batch": 10,
    "features": ["x1", "x2"],
    "layers": [4, 2],
    "activation": "tanh",
    "lr": 0.03,
    "reg": "none",
    "regRate": 0.0,
    "dropout": 0.0,
    "optimizer": "sgd",
    "seed": 1,
    "speed": 1,
    "csvX1": "",
    "csvX2": "",
    "csvTarget": "",
}

# Changing one of these starts the run again (new data or a new network); the others apply
# to the run in progress, as TensorFlow Playground's learning rate does.
RESTARTS = ("dataset", "classes", "problem", "noise", "ratio", "features", "layers", "activation",
            "dropout", "seed", "csvX1", "csvX2", "csvTarget")
DATA_KEYS = ("dataset", "classes", "problem", "noise", "ratio", "seed", "csvX1", "csvX2",
             "csvTarget")


def _choice(options):
    def check(value):
        if value not in options:
            raise ValueError(f"expected one of {', '.join(map(str, options))}")
        return value
    return check


def is_number(value) -> bool:
    """Whether ``value`` is a number a field of a message may hold: an int (not a bool) of
    any size, or a finite float. Python's ints have no bound, so they are compared as they
    are, never made floats.

    Parameters
    ----------
    value : object
        What the page sent.

    Returns
    -------
    bool
        True for an int or a finite float.
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


def _integer(low, high):
    def check(value):
        if not is_number(value) or not low <= value <= high or value != int(value):
            raise ValueError(f"expected a whole number from {low} to {high}")
        return int(value)
    return check


def _real(low, high, *, low_open=False):
    def check(value):
        if not is_number(value) or not (low < value if low_open else low <= value) \
                or value > high:
            bound = f"greater than {low:g}" if low_open else f"from {low:g}"
            raise ValueError(f"expected a number {bound} to {high:g}")
        return float(value)
    return check


def _features(value):
    if not isinstance(value, list) or not value or len(value) > len(FEATURES) or \
            any(not isinstance(f, str) or f not in FEATURES for f in value) or \
            len(set(value)) != len(value):
        raise ValueError(f"expected a non-empty list of distinct features from "
                         f"{', '.join(FEATURES)}")
    return [f for f in FEATURES if f in value]  # in the page's order, whatever the link's


def _layers(value):
    if not isinstance(value, list) or len(value) > MAX_LAYERS or any(
            isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_NEURONS
            for n in value):
        raise ValueError(f"expected up to {MAX_LAYERS} layer sizes, each from 1 to "
                         f"{MAX_NEURONS}")
    return list(value)


def _column(value):
    if not isinstance(value, str) or len(value) > 200:
        raise ValueError("expected a column name (text, at most 200 characters)")
    return value


CHECKS = {
    "dataset": _choice(DATASETS + ("csv",)),
    "classes": _integer(data.MIN_CLASSES, data.MAX_CLASSES),
    "problem": _choice(PROBLEMS),
    "noise": _integer(0, 50),
    "ratio": _integer(10, 90),
    "batch": _integer(1, 500),
    "features": _features,
    "layers": _layers,
    "activation": _choice(tuple(ACTIVATIONS)),
    "lr": _real(0, 10, low_open=True),
    "reg": _choice(REGULARIZATIONS),
    "regRate": _real(0, 10),
    "dropout": _real(0, 0.9),
    "optimizer": _choice(OPTIMIZERS),
    "seed": _integer(0, MAX_SEED),
    "speed": _choice(SPEEDS),
    "csvX1": _column,
    "csvX2": _column,
    "csvTarget": _column,
}


def merge(current: dict, changes) -> tuple[dict, list]:
    """The settings ``current`` updated with the valid fields of ``changes``.

    Parameters
    ----------
    current : dict
        The settings now (all of ``DEFAULTS``' keys).
    changes : dict
        Fields the page sent, checked each by its own rule (``CHECKS``).

    Returns
    -------
    settings : dict
        The new settings: a refused field keeps its current value.
    problems : list of str
        One line per refused or unknown field, naming it, what it expects and what it got.
    """
    if not isinstance(changes, dict):
        return dict(current), [f"settings must be an object of fields, got "
                               f"{type(changes).__name__}"]
    result, problems = dict(current), []
    for key, value in changes.items():
        if key not in CHECKS:
            problems.append(f"unknown setting {str(key)[:40]!r}")
            continue
        try:
            result[key] = CHECKS[key](value)
        except ValueError as exc:
            problems.append(f"{key}: {exc}, got {_brief(value)}")
    # The data set follows the problem type (TensorFlow Playground's rule), except a file's.
    if result["dataset"] in CLASSIFICATION and result["problem"] == "regression":
        result["dataset"] = "plane" if "dataset" not in changes else result["dataset"]
        if "dataset" in changes:
            result["problem"] = "classification"
    elif result["dataset"] in REGRESSION and result["problem"] == "classification":
        if "dataset" in changes:
            result["problem"] = "regression"
        else:
            result["dataset"] = "circle"
    return result, problems


def n_outputs(config) -> int:
    """How many output neurons the settings' network has: one per class with a multi-class
    data set (a softmax output), else one (a sigmoid's probability, or a number).

    Parameters
    ----------
    config : dict
        The settings.

    Returns
    -------
    int
        ``config["classes"]`` for "spirals" and "blobs", 1 otherwise.
    """
    return config["classes"] if config["dataset"] in data.MULTICLASS else 1


def _brief(value) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"a number of {len(str(abs(value)))} digits"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
