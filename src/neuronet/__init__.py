"""neuronet: from the tutorial's single neuron to layered networks trained by backpropagation."""

from . import activations, callbacks, datasets, initializers, losses, metrics, optimizers, schedules
from ._version import __version__
from .callbacks import Callback, History
from .gradcheck import gradient_check
from .layers import Dense, Dropout
from .network import Network
from .neuron import Neuron
from .optimizers import LBFGS, SGD, Adam
from .serialization import ModelFileError, load


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
