"""
One network, three kinds of data
================================

The same small network, two hidden layers of eight tanh units, learns three of neuronet's
2-D data sets: two interleaved moons, a ring around a disc, and three blobs (a softmax
output, one unit per class). The colours show what it answers at every point of the plane.
"""

from matplotlib.figure import Figure

import neuronet
from neuronet import datasets, plots

fig = Figure(figsize=(12, 4), layout="constrained")
axes = fig.subplots(1, 3)
for ax, (name, (X, y)) in zip(axes, [("moons", datasets.moons(seed=0)),
                                     ("circles", datasets.circles(seed=0)),
                                     ("blobs", datasets.blobs(seed=0))]):
    classes = len(set(y))
    output, loss = ("sigmoid", "binary_crossentropy") if classes == 2 else \
        ("softmax", "categorical_crossentropy")
    net = neuronet.Network.mlp([2, 8, 8, 1 if classes == 2 else classes], hidden="tanh",
                               output=output, seed=0)
    net.fit(X, y, loss=loss, optimizer=neuronet.Adam(learning_rate=0.02), epochs=200,
            batch_size=32)
    plots.plot_decision_boundary(net, X, y, ax=ax)
    ax.set_title(f"{name}: {ax.get_title()}")
# fig.savefig("picture.png") writes the figure to a file; in a notebook, naming fig shows it.
