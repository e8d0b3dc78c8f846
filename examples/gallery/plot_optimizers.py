"""
Three optimizers on the same spiral
===================================

The same network from the same starting weights (seed 0), trained on the same spiral with
plain SGD, SGD with momentum, and Adam. Momentum carries each step on in the direction of
the steps before it; Adam also scales each weight's step by how large its gradients have
been. On this spiral both end lower than plain SGD in the same number of epochs; momentum's
long strides also make its loss jump on the way down.
"""

from matplotlib.figure import Figure

import neuronet
from neuronet import datasets

X, y = datasets.spirals(n_samples=400, noise=0.1, seed=0)
optimizers = {
    "SGD": neuronet.SGD(learning_rate=0.1),
    "SGD, momentum 0.9": neuronet.SGD(learning_rate=0.1, momentum=0.9),
    "Adam": neuronet.Adam(learning_rate=0.01),
}
fig = Figure(figsize=(7, 4), layout="constrained")
ax = fig.subplots()
for name, optimizer in optimizers.items():
    net = neuronet.Network.mlp([2, 16, 16, 1], hidden="tanh", output="sigmoid", seed=0)
    history = net.fit(X, y, loss="binary_crossentropy", optimizer=optimizer, epochs=150,
                      batch_size=32)
    ax.plot(history.loss, label=f"{name}: {history.loss[-1]:.3f}")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss (cross-entropy)")
ax.set_yscale("log")
ax.legend(title="final loss")
# fig.savefig("picture.png") writes the figure to a file; in a notebook, naming fig shows it.
