"""Learning-rate schedules: each rule's rates epoch by epoch, used by SGD and Adam in fit, and
saved with the optimizer's settings."""

import math

import numpy as np
import pytest

from neuronet import SGD, Adam, Network, optimizers, schedules


def _rates(schedule, epochs, examples_per_epoch=10, losses=None):
    optimizer = SGD(0.1, schedule=schedule)
    rates = []
    for epoch in range(epochs):
        logs = {"loss": losses[epoch]} if losses else {"loss": 1.0}
        optimizer.end_epoch(examples_per_epoch, logs)
        rates.append(optimizer.learning_rate)
    return rates


def test_each_rule():
    assert _rates(schedules.InverseScaling(0.5), 3) == pytest.approx(
        [0.1 / 11**0.5, 0.1 / 21**0.5, 0.1 / 31**0.5])
    assert _rates(schedules.InverseScaling(1.0, per="epoch"), 2) == pytest.approx([0.05, 0.1 / 3])
    assert _rates(schedules.StepDecay(2, gamma=0.5), 5) == pytest.approx(
        [0.1, 0.05, 0.05, 0.025, 0.025])
    assert _rates(schedules.ExponentialDecay(0.9), 3) == pytest.approx([0.09, 0.081, 0.0729])
    cosine = _rates(schedules.CosineDecay(4, minimum=0.01), 6)
    assert cosine[1] == pytest.approx(0.01 + 0.09 * (1 + math.cos(math.pi / 2)) / 2)
    assert cosine[3:] == pytest.approx([0.01] * 3)


def test_reduce_on_plateau_waits_patience_epochs():
    losses = [1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.2]
    rates = _rates(schedules.ReduceOnPlateau(factor=0.5, patience=2), 7, losses=losses)
    assert rates == pytest.approx([0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05])
    manual = schedules.ReduceOnPlateau(factor=0.2, patience=None, minimum=0.01)
    optimizer = SGD(0.1, schedule=manual)
    assert _rates(manual, 3) == [0.1] * 3  # only when asked
    assert manual.reduce(optimizer) and optimizer.learning_rate == pytest.approx(0.02)
    assert manual.reduce(optimizer) and optimizer.learning_rate == 0.01
    assert not manual.reduce(optimizer)


@pytest.mark.parametrize("Optimizer", [SGD, Adam])
def test_fit_steps_the_schedule_after_every_epoch(Optimizer):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 3)), rng.integers(0, 2, 64)
    optimizer = Optimizer(0.05, schedule=schedules.StepDecay(3, gamma=0.1))
    net = Network.mlp([3, 5, 2], seed=0)
    net.fit(X, y, loss="categorical_crossentropy", optimizer=optimizer, epochs=7, batch_size=16)
    assert optimizer.epochs == 7 and optimizer.examples == 7 * 64
    assert optimizer.learning_rate == pytest.approx(0.05 * 0.01)
    assert optimizer.initial_learning_rate == 0.05
    plateau = Optimizer(0.05, schedule=schedules.ReduceOnPlateau(patience=0, threshold=10.0))
    net.fit(X, y, loss="categorical_crossentropy", optimizer=plateau, epochs=3,
            validation_split=0.25)
    assert plateau.learning_rate == pytest.approx(0.05 * 0.1 ** 2)


def test_a_different_learning_rate_changes_the_steps():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(32, 3)), rng.normal(size=32)
    runs = []
    for schedule in (None, schedules.ExponentialDecay(0.5)):
        net = Network.mlp([3, 4, 1], output="identity", seed=0)
        net.fit(X, y, loss="mse", optimizer=SGD(0.05, schedule=schedule), epochs=3)
        runs.append(net.get_flat_weights())
    assert not np.allclose(*runs)


@pytest.mark.parametrize("schedule", [
    schedules.InverseScaling(0.25), schedules.StepDecay(5, 0.3), schedules.ExponentialDecay(0.99),
    schedules.CosineDecay(10, 1e-4), schedules.ReduceOnPlateau(0.2, None, 1e-3, "val_loss", 1e-6),
])
@pytest.mark.parametrize("Optimizer", [SGD, Adam])
def test_saved_with_the_optimizers_settings(schedule, Optimizer):
    optimizer = Optimizer(0.01, schedule=schedule, weight_decay=0.1, decay_bias=False,
                          decay_per_example=True)
    config = optimizer.config()
    import json

    again = optimizers.from_config(json.loads(json.dumps(config)))
    assert again.config() == config and repr(again) == repr(optimizer)
    assert type(again.schedule) is type(schedule)


@pytest.mark.parametrize("make, message", [
    (lambda: schedules.StepDecay(0), "step_size"),
    (lambda: schedules.ReduceOnPlateau(factor=1.5), "factor"),
    (lambda: schedules.InverseScaling(per="batch"), "per"),
    (lambda: SGD(0.1, schedule="cosine"), "schedule"),
    (lambda: schedules.from_config({"type": "Warmup"}), "Warmup"),
])
def test_bad_settings(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_plateau_on_a_score_fit_does_not_report():
    net = Network.mlp([2, 2], seed=0)
    optimizer = SGD(0.1, schedule=schedules.ReduceOnPlateau(monitor="val_accuracy"))
    with pytest.raises(ValueError, match="val_accuracy"):
        net.fit(np.zeros((4, 2)), [0, 1, 0, 1], loss="categorical_crossentropy",
                optimizer=optimizer)
