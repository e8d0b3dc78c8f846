"""neuronet.tabular.fitting: the network's design and the rule that chooses how long it trains."""

import numpy as np
import pytest
from test_tabular import messy

import neuronet
from neuronet import Network, tabular
from neuronet.callbacks import History
from neuronet.tabular import DataError, TrainSettings
from neuronet.tabular.fitting import (
    Design,
    choose_and_train,
    make_optimizer,
    members_of,
    smoothed,
)


def test_cross_validation_chooses_the_epoch_of_the_lowest_mean_validation_loss():
    frame = messy(100)
    model = tabular.train(frame, "label", epochs=40, seed=1, ensemble=1)
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
                          optimizer=neuronet.Adam(0.002), epochs=40, batch_size=64,
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
    assert net == ["net 1"] and history.epochs == 5
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
    assert net == ["net 2"] and history.epochs == 3
    assert lines == [
        "epochs:     3 (lowest validation loss on 200 held-out rows, 20%)",
        "validation: loss 0.3000, accuracy 0.5000 at epoch 3",
        "training:   loss 0.5000, accuracy 0.7500 after 3 epochs on all 1,000 rows"]


def test_few_rows_choose_by_cross_validation_over_the_folds():
    curves = [[0.9, 0.4, 0.5], [0.9, 0.6, 0.7], [0.8, 0.5, 0.4], [0.7, 0.5, 0.5],
              [0.9, 0.5, 0.6]]
    trainer = Scripted(100, curves)
    lines = []
    choose_and_train(trainer, lines.append, TrainSettings(epochs=3, early_stopping=2,
                                                          ensemble=1),
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
    assert net == ["net 1"] and history.interrupted and len(trainer.calls) == 1
    assert lines[-1] == "interrupted: kept the network trained so far on 800 rows"
    with pytest.raises(DataError, match="a validation split of 0.5 of 1 rows leaves"):
        choose_and_train(Scripted(1, []), lines.append, TrainSettings(validation_split=0.5),
                         task="classification", scale=1.0)


class Folded(Scripted):
    """A Scripted trainer whose folds say how many rows they hold out."""

    def fit(self, split, n_epochs, patience=None):
        net, history, _, _ = super().fit(split, n_epochs, patience)
        held = len(range(split[1], self.n, split[2]))
        return net, history, self.n - held, held


def test_a_small_table_keeps_its_fold_networks_as_the_ensemble():
    curves = [[0.9, 0.4, 0.5], [0.9, 0.6, 0.7], [0.8, 0.5, 0.4], [0.7, 0.5, 0.5],
              [0.9, 0.5, 0.6]]
    trainer = Folded(100, curves)
    lines = []
    networks, history = choose_and_train(trainer, lines.append, TrainSettings(epochs=3),
                                         task="classification", scale=1.0)
    # 20 held out, fewer than 100: the 5 folds of the cross-validation are the model, each
    # with a patience of 20 (here all 3 epochs) and kept at its own best; no run on every row.
    assert trainer.calls == [(("fold", k, 5), 3, 3) for k in range(5)]
    assert networks == [f"net {k}" for k in range(1, 6)] and history is not None
    assert lines == [
        "epochs:     2, 2, 3, 2, 2 (each network's lowest validation loss on its fold of the "
        "100 rows, 5 folds)",
        # the folds' losses at their best epochs (0.4, 0.6, 0.4, 0.5, 0.5), each fold of 20
        # rows weighing the same
        "validation: loss 0.4800, accuracy 0.5000 out of fold (each row scored by the network "
        "that did not learn from it)",
        "training:   loss 0.4800, accuracy 0.7500 (the networks' mean at their best epochs, "
        "each on the rows of the other folds)",
        "model:      an ensemble of 5 fold networks, their mean probability (--ensemble 1 "
        "trains one network)"]


def test_an_ensemble_of_k_trains_a_network_per_fold_with_the_patience():
    curves = [[0.9, 0.5, 0.6], [0.8, 0.7, 0.2], [0.3, 0.5, 0.5]]
    trainer = Folded(10, curves)
    lines = []
    networks, _ = choose_and_train(trainer, lines.append, TrainSettings(epochs=3, ensemble=3),
                                   task="classification", scale=1.0)
    assert trainer.calls == [(("fold", k, 3), 3, 3) for k in range(3)]
    assert networks == ["net 1", "net 2", "net 3"]
    # folds of 4, 3 and 3 rows: the out-of-fold loss weighs each fold's by its rows
    loss = (0.5 * 4 + 0.2 * 3 + 0.3 * 3) / 10
    assert lines[0] == ("epochs:     2, 3, 1 (each network's lowest validation loss on its "
                        "fold of the 10 rows, 3 folds)")
    assert lines[1].startswith(f"validation: loss {loss:.4f}, accuracy 0.5000 out of fold")
    assert lines[-1] == ("model:      an ensemble of 3 fold networks, their mean probability "
                         "(--ensemble 1 trains one network)")
    # On 1,000 rows the folds are large: each stops 20 epochs after its best.
    trainer = Folded(1000, [[0.5] * 3] * 3)
    choose_and_train(trainer, lines.append, TrainSettings(epochs=30, ensemble=3),
                     task="classification", scale=1.0)
    assert trainer.calls == [(("fold", k, 3), 30, 20) for k in range(3)]
    with pytest.raises(DataError, match="an ensemble of 11 networks needs a row in each of 11 "
                                        "folds, and there are 10 rows"):
        choose_and_train(Folded(10, []), lines.append, TrainSettings(ensemble=11),
                         task="classification", scale=1.0)


def test_ctrl_c_keeps_the_members_trained_so_far():
    trainer = Folded(1000, [[0.9, 0.5, 0.3], [0.9, 0.5, 0.3]], interrupt_at=(2, 2))
    lines = []
    networks, history = choose_and_train(trainer, lines.append,
                                         TrainSettings(epochs=3, ensemble=3),
                                         task="classification", scale=1.0)
    assert networks == ["net 1", "net 2"] and history.interrupted
    assert "interrupted: kept the 2 networks trained so far" in lines
    assert lines[-1].startswith("model:      an ensemble of 2 fold networks")


def test_the_default_ensemble_is_the_folds_of_a_small_table_only():
    assert members_of(TrainSettings(), 99) == 5
    assert members_of(TrainSettings(validation_split=0.1), 99) == 10
    assert members_of(TrainSettings(validation_split=0.5), 10) == 3  # at least 3 folds
    assert members_of(TrainSettings(), 100) == 1  # a split large enough: one network
    assert members_of(TrainSettings(refit=True), 20) == 1
    assert members_of(TrainSettings(client="local:2"), 20) == 1  # a cluster: one network
    assert members_of(TrainSettings(validation_split=0), 0) == 1
    assert members_of(TrainSettings(ensemble=1), 20) == 1
    assert members_of(TrainSettings(ensemble=4), 500) == 4
    # a tiny table: one network, trained as the cross-validation chose
    assert members_of(TrainSettings(), 1, 5) == 1
    assert members_of(TrainSettings(validation_split=0.1), 1, 8) == 1
    assert members_of(TrainSettings(), 2, 6) == 5


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
