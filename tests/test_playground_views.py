"""neuronet.playground.views: the data as the first hidden layer sees it is the layer's own
outputs with two neurons, their principal directions (sign-fixed, steady from frame to frame)
with more; a softmax output's picture is its probabilities."""

import base64

import numpy as np
from playground_client import points_for, settings_with

import neuronet
from neuronet.playground import data, views
from neuronet.playground.session import Run


def first_layer(run, X):
    layer = run.network.layers[0]
    return layer.activation.forward(X @ layer.weights + layer.bias)


def test_with_two_hidden_neurons_the_view_is_their_outputs():
    config = settings_with(layers=[2, 3], seed=4, features=["x1", "x2", "x1sq"])
    run = Run(config, points_for(config))
    run.train(3, deadline=float("inf"))
    frame = run.frame()
    hidden = frame["hidden"]
    assert hidden["neurons"] == 2 and hidden["axes"] == "outputs"
    expected = first_layer(run, run.X_train)
    np.testing.assert_array_equal(views.project(expected)[0], expected)
    np.testing.assert_allclose(hidden["points"], expected, atol=5e-5)  # four decimals
    assert len(hidden["points"]) == len(run.X_train)
    # The input plane's grid lines, carried through the same layer.
    lines = np.array(hidden["lines"])
    assert lines.shape == (2 * views.GRID_LINES, views.LINE_POINTS, 2)
    plane = data.features(views.grid_lines(), config["features"])
    np.testing.assert_allclose(lines.reshape(-1, 2), first_layer(run, plane), atol=5e-5)


def test_with_one_hidden_neuron_the_points_lie_on_a_line():
    config = settings_with(layers=[1], seed=2)
    run = Run(config, points_for(config))
    hidden = run.frame()["hidden"]
    assert hidden["axes"] == "line" and hidden["neurons"] == 1
    points = np.array(hidden["points"])
    np.testing.assert_allclose(points[:, 0], first_layer(run, run.X_train)[:, 0], atol=5e-5)
    assert not points[:, 1].any()


def test_with_more_neurons_it_is_the_first_two_principal_directions():
    rng = np.random.default_rng(0)
    H = rng.normal(size=(200, 5)) @ rng.normal(size=(5, 5))
    coords, directions, centre, shares = views.project(H)
    centred = H - H.mean(axis=0)
    _, spread, vt = np.linalg.svd(centred, full_matrices=False)
    np.testing.assert_allclose(centre, H.mean(axis=0))
    for k in range(2):  # the same directions, each turned so that its largest entry is > 0
        d = vt[k] * np.sign(vt[k][np.argmax(np.abs(vt[k]))])
        np.testing.assert_allclose(directions[k], d, atol=1e-12)
        assert directions[k][np.argmax(np.abs(directions[k]))] > 0
    np.testing.assert_allclose(coords, centred @ directions.T, atol=1e-12)
    np.testing.assert_allclose(directions @ directions.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(shares, spread[:2] ** 2 / (spread ** 2).sum())
    assert shares[0] >= shares[1]
    # Given the frame before, each direction keeps pointing its way: no flip.
    again, turned, _, _ = views.project(H, previous=-directions)
    np.testing.assert_allclose(turned, -directions, atol=1e-12)
    np.testing.assert_allclose(again, -coords, atol=1e-12)


def test_the_view_does_not_flip_while_the_network_trains():
    config = settings_with(layers=[6, 2], seed=7, dataset="spiral", lr=0.03)
    run = Run(config, points_for(config))
    before = run.frame()["hidden"]
    assert before["axes"] == "principal" and len(before["shares"]) == 2
    previous = run._directions.copy()
    for _ in range(5):
        run.train(1, deadline=0)  # one batch: the directions barely move
        run.frame()
        assert (np.sum(run._directions * previous, axis=1) > 0).all()
        previous = run._directions.copy()


def test_no_hidden_layer_no_view():
    config = settings_with(layers=[])
    run = Run(config, points_for(config))
    assert run.frame()["hidden"] is None
    assert views.first_hidden_outputs(run.network, run.X_train) is None


def test_a_softmax_output_is_sent_as_its_probabilities_in_bytes():
    p = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [np.nan, 2.0, -1.0]])
    raw = np.frombuffer(base64.b64decode(views.probability_bytes(p)), dtype=np.uint8)
    assert raw.tolist() == [51, 76, 128, 255, 0, 0, 0, 255, 0]
    net = neuronet.Network([neuronet.Dense(2, 3, "softmax")], seed=1)
    assert views.first_hidden_outputs(net, np.zeros((4, 2))) is None
