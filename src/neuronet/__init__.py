"""neuronet: from the tutorial's single neuron to layered networks trained by backpropagation."""

from . import activations, datasets, initializers, losses, optimizers, schedules
from .layers import Dense, Dropout
from .network import Network
from .neuron import Neuron
from .optimizers import LBFGS, SGD, Adam
from .serialization import ModelFileError, load
from .training import Callback, History

__version__ = "0.1.0"

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
    "activations",
    "datasets",
    "initializers",
    "losses",
    "optimizers",
    "schedules",
    "load",
    "__version__",
]
