"""neuronet: from the tutorial's single neuron to layered networks trained by backpropagation.

The library's notes that a user may silence (rows without a target left out, weights put back
by early stopping) go to the ``neuronet`` logger, which has only a ``NullHandler``: a program
sees them after ``logging.basicConfig(level=logging.INFO)``, the ``neuronet`` command shows them
on standard error, and ``--quiet`` hides them.
"""

import logging as _logging

from . import activations, callbacks, datasets, initializers, losses, metrics, optimizers, schedules
from ._version import __version__
from .callbacks import Callback, History
from .gradcheck import gradient_check
from .layers import Dense, Dropout
from .lbfgs import LBFGS
from .network import Network
from .neuron import Neuron
from .optimizers import SGD, Adam
from .serialization import ModelFileError, load

# A library never configures logging; it only gives its logger a place that discards, so that
# Python's last-resort handler does not print its notes where nobody asked for them.
_logging.getLogger(__name__).addHandler(_logging.NullHandler())


def __getattr__(name):
    # Models of tables need pandas: imported on first use, so `import neuronet` stays light.
    if name in ("tabular", "TabularModel"):
        import importlib

        tabular = importlib.import_module(".tabular", __name__)
        return tabular if name == "tabular" else tabular.TabularModel
    raise AttributeError(f"module 'neuronet' has no attribute {name!r}")


__all__ = [
    "Adam",
    "Callback",
    "Dense",
    "Dropout",
    "History",
    "LBFGS",
    "ModelFileError",
    "Network",
    "Neuron",
    "SGD",
    "TabularModel",
    "activations",
    "callbacks",
    "datasets",
    "gradient_check",
    "initializers",
    "losses",
    "metrics",
    "optimizers",
    "schedules",
    "load",
    "tabular",
    "__version__",
]
