"""neuronet: from the tutorial's single neuron to layered networks trained by backpropagation."""

from . import activations, datasets, initializers, losses, optimizers
from .layers import Dense, Dropout
from .network import Network
from .neuron import Neuron
from .optimizers import SGD, Adam
from .serialization import ModelFileError, load
from .training import History

__version__ = "0.1.0"

__all__ = [
    "Adam",
    "Dense",
    "Dropout",
    "History",
    "ModelFileError",
    "Network",
    "Neuron",
    "SGD",
    "activations",
    "datasets",
    "initializers",
    "losses",
    "optimizers",
    "load",
    "__version__",
]
