"""neuronet.scoring: scores and gradients over many rows, as sums that add up over parts."""

import numpy as np

from neuronet import Network, batches, datasets, losses, scoring, targets, training
from neuronet.metrics import build


def test_the_sums_of_parts_add_up_to_the_scores_of_the_whole():
    X, y = datasets.blobs(90, centers=3, seed=0)
    net = Network.mlp([2, 5, 3], output="softmax", seed=0)
    loss = losses.get("categorical_crossentropy")
    X = net.check_inputs(X)
    ys = targets.prepare(net, loss, y, len(X))
    fns = build(["accuracy"], ys)
    whole = scoring.score(net, X, ys, loss, fns)
    parts = [scoring.score_sums(net, X[a:b], ys.subset(slice(a, b)), loss, fns)
             for a, b in ((0, 40), (40, 90))]
    added = scoring.score_values(batches.add(*parts), loss, fns)
    assert added["loss"] == np.float64(whole["loss"]) or np.isclose(added["loss"], whole["loss"])
    assert added["accuracy"] == whole["accuracy"]
    assert whole == net.evaluate(X, y, loss=loss, metrics=["accuracy"])


def test_the_gradient_of_blocks_adds_up_and_training_still_offers_it():
    X, y = datasets.blobs(60, centers=2, seed=1)
    net = Network.mlp([2, 4, 2], output="softmax", seed=0)
    total, gradient = net.loss_and_gradient(X, y, "categorical_crossentropy")
    loss = losses.get("categorical_crossentropy")
    Xc = net.check_inputs(X)
    ys = targets.prepare(net, loss, y, len(Xc))
    halves = [scoring.block_total(net, Xc[a:b], ys.subset(slice(a, b)), None, loss)
              for a, b in ((0, 30), (30, 60))]
    np.testing.assert_allclose(halves[0]["gradient"] + halves[1]["gradient"], gradient)
    assert np.isclose(halves[0]["loss"] + halves[1]["loss"], total)
    assert training.block_total is scoring.block_total
