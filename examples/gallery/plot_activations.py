"""
Activations and their slopes
============================

Each unit of a layer passes its weighted sum ``z`` through an activation. Backpropagation
needs the activation's slope too, and neuronet computes it from the unit's output ``a``
(for the sigmoid, ``a * (1 - a)``), as the tutorial's neuron does. Where the slope is near
zero, a unit learns slowly: the sigmoid and tanh flatten at both ends, relu is flat for
every negative sum.
"""

import numpy as np
from matplotlib.figure import Figure

from neuronet import activations

z = np.linspace(-5, 5, 401).reshape(-1, 1)
fig = Figure(figsize=(10, 3.2), layout="constrained")
for ax, name in zip(fig.subplots(1, 4, sharey=True), ["sigmoid", "tanh", "relu", "leaky_relu"]):
    activation = activations.get(name)
    a = activation.forward(z)
    ax.plot(z, a, label="value")
    ax.plot(z, activation.derivative(a), "--", label="slope")
    ax.axhline(0, color="0.8", lw=0.8)
    ax.set_title(name)
    ax.set_xlabel("z")
    ax.set_ylim(-1.2, 1.6)
fig.axes[0].legend(loc="upper left")
# fig.savefig("picture.png") writes the figure to a file; in a notebook, naming fig shows it.
