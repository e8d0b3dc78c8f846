"""neuronet.tabular.fitting: the network's design and the rule that chooses how long it trains."""

import numpy as np
import pytest
from test_tabular import messy

import neuronet
from neuronet import Network, tabular
from neuronet.callbacks import History
from neuronet.tabular import DataError, TrainSettings
from neuronet.tabular.fitting import Design, choose_and_train, make_optimizer, smoothed


def test_cross_validation_chooses_the_epoch_of_the_lowest_mean_validation_loss():
    frame = messy(100)
    model = tabular.train(frame, "label", epochs=40, seed=1)
    # The same folds by hand: every fifth row of the shuffled order, each held out once.
    prepared = model.prepare(frame)
    y = (frame["label"] == "small").to_numpy(dtype=float)[:, None]
    order = np.random.default_rng(1).permutation(len(frame))
    curves = []
    for k in range(5):
        val = np.sort(order[k::5])
        rest = np.setdiff1d(np.arange(len(frame)), val)
        net = Network.mlp([prepared.shape[1], 32, 1], hidden="relu", output="sigmoid", seed=1)
        history = net.fit(prepared[rest], y[rest], loss="binary_crossentropy",
                          optimizer=neuronet.Adam(0.001), epochs=40, batch_size=32,
                          validation_data=(prepared[val], y[val]))
        curves.append(history.val_loss)
    assert model.history.epochs == int(np.argmin(np.mean(curves, axis=0))) + 1


class Scripted:
    """A trainer whose validation curves are given: it records what choose_and_train asks."""

    unit = "epochs"

    def __init__(self, n, curves, interrupt_at=None):
        self.n, self.curves, self.calls = n, curves, []
        self.interrupt_at = interrupt_at

    def held_out(self, n_val):
        return ("held-out", n_val)

    def fold(self, k, folds):
        return ("fold", k, folds)

    def fit(self, split, n_epochs, patience=None):
        self.calls.append((split, n_epochs, patience))
        history = History()
        curve = self.curves[len(self.calls) - 1] if split is not None else [0.5] * n_epochs
        for epoch, loss in enumerate(curve[:n_epochs]):
            logs = {"loss": loss, "accuracy": 0.75}
            if split is not None:
                logs.update(val_loss=loss, val_accuracy=0.5)
            history.on_epoch_end(epoch, logs)
            if self.interrupt_at == (len(self.calls), epoch + 1):
                history.interrupted = True
                break
        held = split[1] if split and split[0] == "held-out" else 0
        return f"net {len(self.calls)}", history, self.n - held, held


def test_a_held_out_split_keeps_the_network_of_the_lowest_validation_loss():
    trainer = Scripted(1000, [[0.9, 0.5, 0.3, 0.4, 0.6]])
    lines = []
    net, history = choose_and_train(trainer, lines.append, TrainSettings(epochs=5),
                                    task="classification", scale=1.0)
    # One run, with the default patience (here every epoch: 20 is more than 5); the run keeps
    # the best epoch's weights.
    assert trainer.calls == [(("held-out", 200), 5, 5)]
    assert net == "net 1" and history.epochs == 5
    assert lines == [
        "epochs:     3 (lowest validation loss on 200 held-out rows, 20%)",
        "validation: loss 0.3000, accuracy 0.5000 at epoch 3",
        "training:   loss 0.3000, accuracy 0.7500 at epoch 3 on 800 rows: the model is that "
        "epoch's network (--refit trains again on every row)"]
    trainer = Scripted(1000, [[0.9, 0.5, 0.3, 0.4, 0.6]])
    choose_and_train(trainer, lines.append, TrainSettings(epochs=5, early_stopping=2),
                     task="classification", scale=1.0)
    assert trainer.calls == [(("held-out", 200), 5, 2)]  # the patience asked for


def test_refit_chooses_the_lowest_validation_loss_then_trains_on_every_row():
    trainer = Scripted(1000, [[0.9, 0.5, 0.3, 0.4, 0.6]])
    lines = []
    net, history = choose_and_train(trainer, lines.append, TrainSettings(epochs=50, refit=True),
                                    task="classification", scale=1.0)
    # 200 held out (20% of 1,000); the lowest loss at epoch 3; then 3 epochs on every row.
    assert trainer.calls == [(("held-out", 200), 50, 20), (None, 3, None)]
    assert net == "net 2" and history.epochs == 3
    assert lines == [
        "epochs:     3 (lowest validation loss on 200 held-out rows, 20%)",
        "validation: loss 0.3000, accuracy 0.5000 at epoch 3",
        "training:   loss 0.5000, accuracy 0.7500 after 3 epochs on all 1,000 rows"]


def test_few_rows_choose_by_cross_validation_over_the_folds():
    curves = [[0.9, 0.4, 0.5], [0.9, 0.6, 0.7], [0.8, 0.5, 0.4], [0.7, 0.5, 0.5],
              [0.9, 0.5, 0.6]]
    trainer = Scripted(100, curves)
    lines = []
    choose_and_train(trainer, lines.append, TrainSettings(epochs=3, early_stopping=2),
                     task="classification", scale=1.0)
    # 1 / 0.2 = 5 folds, each with the patience asked for; the mean is lowest at epoch 2.
    assert trainer.calls[:5] == [(("fold", k, 5), 3, 2) for k in range(5)]
    assert trainer.calls[5] == (None, 2, None)
    assert lines[0] == ("epochs:     2 (lowest mean validation loss over 5 folds of the 100 "
                        "rows: too few for a 20% split alone)")


def test_no_split_trains_every_epoch_and_regression_scores_in_the_target_s_units():
    trainer = Scripted(50, [])
    trainer.fit = lambda split, n, patience=None: (
        "net", _history({"loss": [4.0, 1.0], "mae": [2.0, 0.5]}), 50, 0)
    lines = []
    net, _ = choose_and_train(trainer, lines.append, TrainSettings(validation_split=0),
                              task="regression", scale=10.0)
    assert lines == ["training:   MSE 100, MAE 5 after 2 epochs on all 50 rows (no validation "
                     "split)"]


def test_ctrl_c_keeps_the_network_trained_so_far():
    trainer = Scripted(1000, [[0.9, 0.5, 0.3]], interrupt_at=(1, 2))
    lines = []
    net, history = choose_and_train(trainer, lines.append, TrainSettings(epochs=3),
                                    task="classification", scale=1.0)
    assert net == "net 1" and history.interrupted and len(trainer.calls) == 1
    assert lines[-1] == "interrupted: kept the network trained so far on 800 rows"
    with pytest.raises(DataError, match="a validation split of 0.5 of 1 rows leaves"):
        choose_and_train(Scripted(1, []), lines.append, TrainSettings(validation_split=0.5),
                         task="classification", scale=1.0)


def _history(values):
    history = History()
    for epoch in range(len(next(iter(values.values())))):
        history.on_epoch_end(epoch, {key: v[epoch] for key, v in values.items()})
    return history


def test_the_design_of_each_task():
    network = {"hidden": (5,), "activation": "tanh", "seed": 0}
    two = Design("classification", ["a", "b"], 3, **network)
    assert (two.sizes, two.output, two.loss) == ([3, 5, 1], "sigmoid", "binary_crossentropy")
    three = Design("classification", ["a", "b", "c"], 3, **network)
    assert (three.sizes, three.output) == ([3, 5, 3], "softmax")
    numbers = Design("regression", None, 3, **network)
    assert (numbers.output, numbers.loss, numbers.metrics) == ("identity", "mse", ["mae"])
    np.testing.assert_array_equal(two.network().get_flat_weights(),
                                  two.network().get_flat_weights())  # always the same start
    assert two.line() == "network:    3 -> 5 -> 1 (tanh hidden, sigmoid output), 26 parameters"
    assert isinstance(make_optimizer("sgd", None), neuronet.SGD)
    assert make_optimizer("adam", 0.05).learning_rate == 0.05


def test_weight_decay_dropout_and_label_smoothing_reach_the_training(tmp_path):
    assert make_optimizer("adam", None, 0.01).weight_decay == 0.01
    assert make_optimizer("sgd", None, 0.02).weight_decay == 0.02
    design = Design("classification", ["a", "b", "c"], 5, hidden=(4, 3), activation="relu",
                    seed=0, dropout=0.25)
    kinds = [type(layer).__name__ for layer in design.network().layers]
    assert kinds == ["Dense", "Dropout", "Dense", "Dropout", "Dense"]
    np.testing.assert_allclose(smoothed(np.array([2, 0]), "softmax", 3, 0.3),
                               [[0.1, 0.1, 0.8], [0.8, 0.1, 0.1]])
    np.testing.assert_allclose(smoothed(np.array([[1.0], [0.0]]), "sigmoid", 2, 0.2),
                               [[0.9], [0.1]])
    frame = messy(200)
    model = tabular.train(frame, "label", epochs=3, dropout=0.2, weight_decay=1e-3,
                          label_smoothing=0.1)
    again = neuronet.load(model.save(tmp_path / "m.npz"))  # Dropout is saved, and does nothing
    np.testing.assert_array_equal(again.predict_proba(frame), model.predict_proba(frame))
    with pytest.raises(ValueError, match="dropout needs adam or sgd"):
        TrainSettings(dropout=0.1, optimizer="lbfgs")
