"""neuronet.playground.session: a run trains as Network.fit does, bit for bit; its frames
carry what the page draws; the tutorial's neuron steps as the tutorial's program."""

import base64

import numpy as np
import pytest
from playground_client import points_for, settings_with

import neuronet
from neuronet.datasets import tutorial as tutorial_table
from neuronet.playground import config as settings
from neuronet.playground import data
from neuronet.playground.session import Run, Tutorial, build_network, make_optimizer


@pytest.mark.parametrize("changes", [
    {},
    {"optimizer": "adam", "lr": 0.01, "reg": "l1", "regRate": 0.001, "dropout": 0.2,
     "batch": 7, "layers": [8, 8], "noise": 20, "ratio": 60, "seed": 5},
    {"optimizer": "momentum", "reg": "l2", "regRate": 0.01, "activation": "relu",
     "features": ["x1", "x2", "x1x2", "sinx1"], "dataset": "xor", "batch": 1},
    {"problem": "regression", "dataset": "multigauss", "layers": [], "lr": 0.01},
    {"dataset": "spirals", "classes": 4, "layers": [6, 4], "optimizer": "adam", "lr": 0.01},
    {"dataset": "blobs", "classes": 5, "layers": [3], "dropout": 0.1, "noise": 30, "batch": 3},
])
def test_runs_train_as_fit_does(changes):
    config = settings_with(**changes)
    points = points_for(config)
    run = Run(config, points)
    while run.epoch < 7:
        run.train(1, deadline=0)  # one batch at a time: epochs split across frames
    net = build_network(len(config["features"]), config)
    net.fit(data.features(points[0], config["features"]), points[1],
            loss=run.loss.name, epochs=7, batch_size=config["batch"],
            optimizer=make_optimizer(config["optimizer"], config["lr"], config["reg"],
                                     config["regRate"]))
    for mine, theirs in zip(run.network.parameters(), net.parameters()):
        np.testing.assert_array_equal(mine, theirs)


def test_circle_is_learned_with_the_default_settings():
    run = Run(settings.DEFAULTS, points_for(settings.DEFAULTS))
    first = run.scores()["testLoss"]
    run.train(200, deadline=float("inf"))
    scores = run.scores()
    assert run.epoch == 200
    assert scores["testLoss"] < 0.1 < first and scores["testAccuracy"] > 0.97


def test_l1_pushes_weights_to_zero():
    config = settings_with(reg="l1", regRate=0.03, layers=[8, 8])
    run = Run(config, points_for(config))
    plain = Run(settings_with(layers=[8, 8]), points_for(config))
    for r in (run, plain):
        r.train(100, deadline=float("inf"))
    small = [np.mean(np.abs(r.network.layers[1].weights) < 0.01) for r in (run, plain)]
    assert small[0] > small[1]


def test_a_frame_carries_what_the_page_draws():
    config = settings_with(layers=[8, 8])
    run = Run(config, points_for(config))
    frame = run.frame()
    output = np.frombuffer(base64.b64decode(frame["output"]), dtype=np.float32)
    assert output.shape == (64 * 64,)
    grid = data.features(data.grid(64), config["features"])
    np.testing.assert_allclose(output, run.network.predict(grid)[:, 0], rtol=1e-6)
    assert [len(layer) for layer in frame["neurons"]] == [8, 8]
    assert len(base64.b64decode(frame["neurons"][1][7])) == 32 * 32
    assert [np.shape(w) for w in frame["weights"]] == [(2, 8), (8, 8), (8, 1)]
    assert set(frame) >= {"epoch", "trainLoss", "testLoss", "testAccuracy", "biases"}


@pytest.mark.parametrize("dataset", ["spirals", "blobs"])
def test_more_than_two_classes_get_a_softmax_and_categorical_crossentropy(dataset):
    config = settings_with(dataset=dataset, classes=4, layers=[5], seed=6)
    run = Run(config, points_for(config))
    last = run.network.layers[-1]
    assert (last.weights.shape, last.activation.name) == ((5, 4), "softmax")
    assert run.loss.name == "categorical_crossentropy"
    np.testing.assert_array_equal(run.Y_train.argmax(axis=1), run.y_train)
    assert run.Y_train.sum() == len(run.y_train)
    start = run.scores()["trainLoss"]
    run.train(20, deadline=float("inf"))
    frame = run.frame(details=True)
    assert "output" not in frame
    raw = np.frombuffer(base64.b64decode(frame["probabilities"]), dtype=np.uint8)
    grid = data.features(data.grid(64), config["features"])
    p = run.network.predict(grid)
    np.testing.assert_array_equal(raw, np.round(p * 255).reshape(-1))
    assert frame["trainLoss"] < start
    if dataset == "blobs":  # four clouds apart: a network of five neurons tells them apart
        assert frame["testAccuracy"] > 0.9
    assert np.shape(frame["gradients"][-1]) == (5, 4) and len(frame["outputs"][-1]) == 4
    assert run.metadata()["classes"] == [0, 1, 2, 3]
    # Two classes stay as they were: one sigmoid unit, binary cross-entropy.
    two = Run(settings_with(dataset="spiral"), points_for(settings_with(dataset="spiral")))
    assert two.network.layers[-1].weights.shape[1] == 1 and two.loss.name == \
        "binary_crossentropy"


def test_added_points_join_the_training_points_and_training_goes_on():
    config = settings_with(dataset="blobs", classes=3, layers=[4], seed=2)
    points = points_for(config)
    run = Run(config, points, [[1.0, -2.0, 2]])
    assert len(run.X_train) == len(points[0]) + 1 and run.data_changed_at is None
    np.testing.assert_array_equal(run.X_train[-1], [1.0, -2.0])
    assert run.y_train[-1] == 2 and run.Y_train[-1].tolist() == [0, 0, 1]
    run.train(2, deadline=float("inf"))
    weights = run.network.layers[0].weights.copy()
    run.use_points([[1.0, -2.0, 2], [0.5, 0.5, 0]])
    np.testing.assert_array_equal(run.network.layers[0].weights, weights)  # kept
    assert (run.epoch, run.position, run.order, run.data_changed_at) == (2, 0, None, 2)
    run.train(1, deadline=float("inf"))
    assert run.epoch == 3 and run.position == len(points[0]) + 2  # an epoch of them all
    run.use_points([])
    assert len(run.X_train) == len(points[0]) and run.data_changed_at == 2


# --- the tutorial's neuron ---------------------------------------------------------------------


def test_tutorial_steps_are_the_tutorials_and_end_at_its_weights():
    from neuronet.trace import record

    tutorial = Tutorial()
    first = tutorial.frame()
    assert first["iteration"] == 0 and "adjustment" not in first
    np.testing.assert_allclose(first["weights"], [0.69763539, -0.64220815, -0.89127357])
    tutorial.advance(1)
    step = tutorial.frame()
    inputs, outputs, _ = tutorial_table()
    expected = record(neuronet.Neuron(), inputs, outputs, 1)[1]
    np.testing.assert_array_equal(step["adjustment"], expected.adjustment[:, 0])
    np.testing.assert_array_equal(step["error"], expected.error[:, 0])
    np.testing.assert_array_equal(step["weights"], expected.new_weights[:, 0])
    while not tutorial.done:
        tutorial.advance(997)
    end = tutorial.frame()
    assert end["iteration"] == 10_000 and tutorial.advance(5) == 0
    reference = neuronet.Neuron().train(inputs, outputs, 10_000).weights[:, 0]
    np.testing.assert_array_equal(end["weights"], reference)
    assert [round(w, 2) for w in end["weights"]] == [9.67, -0.21, -4.63]
    assert end["test"] == pytest.approx(0.99993707, abs=1e-8)
    assert end["history"][0][0] == 0 and end["history"][-1][0] == 10_000




def test_the_gradients_drawn_are_the_slopes_of_the_mean_loss():
    config = settings_with(layers=[3, 2], dataset="xor", seed=2)
    run = Run(config, points_for(config))
    run.train(2, deadline=float("inf"))
    shown = run.gradients()
    net, X, Y = run.network, run.X_train, run.Y_train

    def mean_loss():
        return net.evaluate(X, Y, loss=run.loss.name)["loss"]

    layer = net.layers[0]
    for param, drawn in ((layer.weights, np.array(shown["gradients"][0])),
                         (layer.bias, np.array(shown["biasGradients"][0]))):
        for index in np.ndindex(param.shape):
            keep = param[index]
            param[index] = keep + 1e-6
            up = mean_loss()
            param[index] = keep - 1e-6
            down = mean_loss()
            param[index] = keep
            assert drawn[index] == pytest.approx((up - down) / 2e-6, rel=1e-4, abs=1e-8)
    assert np.shape(shown["outputs"][0]) == (3,) and np.shape(shown["outputs"][2]) == (1,)


def test_one_batch_is_exactly_the_next_batch_of_the_epoch():
    config = settings_with(layers=[4], batch=7, seed=6, dropout=0.2)
    stepped, reference = Run(config, points_for(config)), Run(config, points_for(config))
    for _ in range(40):  # across the end of the first epoch (250 points, 36 batches)
        before = [p.copy() for p in stepped.network.parameters()]
        report = stepped.one_batch()
        reference.train(1, deadline=0)  # one batch: the clock is past the deadline at once
        stepped.frame()  # drawing the gradients moves no generator
        for mine, theirs in zip(stepped.network.parameters(), reference.network.parameters()):
            np.testing.assert_array_equal(mine, theirs)
        assert (stepped.epoch, stepped.position) == (reference.epoch, reference.position)
        np.testing.assert_allclose(stepped.network.parameters()[0] - before[0],
                                   report["weightChanges"][0], rtol=0, atol=0)
    assert stepped.epoch == 1 and report["rows"] in (7, 250 % 7)
