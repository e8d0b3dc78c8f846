"""neuronet: from the tutorial's single neuron to layered networks trained by backpropagation."""

from . import activations, datasets, initializers, losses, optimizers, schedules
from ._version import __version__
from .layers import Dense, Dropout
from .network import Network
from .neuron import Neuron
from .optimizers import LBFGS, SGD, Adam
from .serialization import ModelFileError, load
from .training import Callback, History


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
    "datasets",
    "initializers",
    "losses",
    "optimizers",
    "schedules",
    "load",
    "tabular",
    "__version__",
]
