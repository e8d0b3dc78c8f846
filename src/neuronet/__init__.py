"""neuronet: from the tutorial's single neuron to layered networks trained by backpropagation."""

from .neuron import Neuron

__version__ = "0.1.0"

__all__ = ["Neuron", "__version__"]
