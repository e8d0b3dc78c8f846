"""The duties of a training run, each on its own and inside fit."""

import numpy as np
import pytest

import neuronet
from neuronet import callbacks


def _data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    return X, (X[:, 0] + X[:, 1] > 0).astype(float)


def _net(seed=0):
    return neuronet.Network.mlp([2, 4, 1], hidden="tanh", output="sigmoid", seed=seed)


def test_every_hook_is_called_in_order_and_only_overridden_batch_hooks_run():
    calls = []

    class Recorder(callbacks.Callback):
        def on_train_begin(self, network, history):
            calls.append(("begin", history is network.history))

        def on_epoch_begin(self, epoch):
            calls.append(("epoch", epoch))

        def on_batch_end(self, batch, size):
            calls.append(("batch", batch, size))

        def on_epoch_end(self, epoch, logs):
            calls.append(("end", epoch, sorted(logs)))

        def on_train_end(self):
            calls.append(("train end",))

    X, y = _data(100)
    _net().fit(X, y, loss="binary_crossentropy", epochs=2, batch_size=60, callbacks=[Recorder()])
    assert calls == [("begin", True), ("epoch", 1), ("batch", 1, 60), ("batch", 2, 40),
                     ("end", 1, ["accuracy", "loss"]), ("epoch", 2), ("batch", 1, 60),
                     ("batch", 2, 40), ("end", 2, ["accuracy", "loss"]), ("train end",)]
    assert callbacks.overrides(Recorder(), "on_batch_end")
    assert not callbacks.overrides(callbacks.History(), "on_batch_end")


def test_a_function_is_a_callback_and_returning_true_stops():
    X, y = _data()
    seen = []
    history = _net().fit(X, y, loss="binary_crossentropy", epochs=10,
                         callbacks=[lambda epoch, logs: seen.append(epoch) or epoch == 3])
    assert seen == [1, 2, 3] and history.epochs == 3
    with pytest.raises(ValueError, match="a callback must be a neuronet.Callback or a function"):
        callbacks.as_callback(42)


def test_history_records_and_tells():
    history = callbacks.History()
    history.on_epoch_end(1, {"loss": 0.5, "accuracy": 0.75})
    history.on_epoch_end(2, {"loss": 0.25, "accuracy": 0.875})
    assert history.loss == [0.5, 0.25] and history["accuracy"] == [0.75, 0.875]
    assert history.val_loss == [] and "accuracy" in history and history.epochs == 2
    assert repr(history) == "<History: 2 epochs: loss=0.25, accuracy=0.875>"


def test_early_stopping_restores_the_best_epoch():
    stopper = callbacks.EarlyStopping(2)
    net, history = _net(), callbacks.History()
    stopper.on_train_begin(net, history)
    best = None
    for epoch, loss in enumerate([0.9, 0.5, 0.7, 0.6], 1):
        if epoch == 2:
            best = net.get_flat_weights()
        stopped = stopper.on_epoch_end(epoch, {"loss": loss})
        net.set_flat_weights(net.get_flat_weights() + 1.0)  # training moved the weights on
    assert stopped and history.stopped_early and history.best_epoch == 2
    stopper.on_train_end()
    np.testing.assert_array_equal(net.get_flat_weights(), best)
    with pytest.raises(ValueError, match="early_stopping must be at least 1"):
        callbacks.EarlyStopping(0)


def test_no_improvement_counts_epochs_without_a_gain_of_tol():
    rule = callbacks.NoImprovement(tol=0.1, patience=2)
    rule.on_train_begin(None, None)
    assert [rule.on_epoch_end(e, {"loss": v}) for e, v in
            enumerate([1.0, 0.95, 0.5, 0.45, 0.44], 1)] == [False, False, False, False, True]


def test_validation_and_schedule_duties_inside_fit():
    X, y = _data(300)
    optimizer = neuronet.SGD(0.5, schedule=neuronet.schedules.StepDecay(1, 0.5))
    history = _net().fit(X[:200], y[:200], loss="binary_crossentropy", epochs=3,
                         optimizer=optimizer, validation_data=(X[200:], y[200:]))
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert optimizer.learning_rate == pytest.approx(0.5 / 8)
    calls = []
    validation = callbacks.Validation(lambda: calls.append(1) or {"loss": 0.2, "mae": 0.1})
    logs = {"loss": 0.3}
    validation.on_epoch_end(1, logs)
    assert logs == {"loss": 0.3, "val_loss": 0.2, "val_mae": 0.1} and calls == [1]


def test_someone_watches_a_terminal_not_a_pipe():
    import subprocess
    import sys

    code = "from neuronet.callbacks import someone_watches; print(someone_watches())"
    piped = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           timeout=60)
    assert piped.stdout.strip() == "False"
    pty = pytest.importorskip("pty")
    import os

    leader, follower = pty.openpty()
    done = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE,
                          stderr=follower, text=True, timeout=60)
    os.close(follower)
    os.close(leader)
    assert done.stdout.strip() == "True"
