import math
import signal
import threading
import warnings

import numpy as np
import pytest

import neuronet
from neuronet import SGD, Adam, Dense, Dropout, History, Network, datasets


def _blobs(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, 2)) * 0.5 + np.array([[0, 0], [3, 0], [0, 3]])[y]
    return X, y


def _net(seed=0, dropout=0.0):
    layers = [Dense(2, 8, "relu")]
    if dropout:
        layers.append(Dropout(dropout))
    return Network([*layers, Dense(8, 3, "softmax")], seed=seed)


def fit_args(**changes):
    """The usual fit settings, with a fresh optimizer each time."""
    args = dict(loss="categorical_crossentropy", optimizer=Adam(learning_rate=0.05), epochs=5,
                batch_size=16)
    return {**args, **changes}


def test_history_records_every_epoch():
    X, y = _blobs()
    history = _net().fit(X, y, **fit_args(), validation_split=0.2)
    assert isinstance(history, History)
    assert history.epochs == 5
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert len(history[key]) == 5, key
    assert history.loss is history["loss"] and history.val_loss is history["val_loss"]
    assert history.loss[-1] < history.loss[0]
    assert not history.interrupted and not history.stopped_early
    assert "5 epochs" in repr(history)


def test_same_seed_gives_bit_identical_weights():
    X, y = _blobs()
    runs = []
    for _ in range(2):
        net = _net(seed=3, dropout=0.3)
        net.fit(X, y, **fit_args(), validation_split=0.25)
        runs.append(net.get_weights())
    assert all(np.array_equal(a, b) for a, b in zip(*runs))
    other = _net(seed=4, dropout=0.3)
    other.fit(X, y, **fit_args(), validation_split=0.25)
    assert not np.array_equal(other.get_weights()[0], runs[0][0])


def test_fit_again_continues_from_the_current_weights():
    X, y = _blobs()
    net = _net()
    first = net.fit(X, y, **fit_args())
    second = net.fit(X, y, **fit_args())
    assert second.loss[0] < first.loss[0]
    assert net.history is second


def test_labels_and_one_hot_train_alike():
    X, y = _blobs()
    a, b = _net(seed=1), _net(seed=1)
    a.fit(X, y, **fit_args())
    b.fit(X, np.eye(3)[y], **fit_args())
    assert all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights()))


def test_validation_data_is_scored_and_evaluate_agrees():
    X, y = _blobs()
    X_val, y_val = _blobs(60, seed=1)
    net = _net()
    history = net.fit(X, y, **fit_args(), validation_data=(X_val, y_val))
    scores = net.evaluate(X_val, y_val)
    assert scores["loss"] == pytest.approx(history.val_loss[-1])
    assert scores["accuracy"] == pytest.approx(history["val_accuracy"][-1])
    assert history["val_accuracy"][-1] > 0.9


def test_early_stopping_stops_and_restores_the_best_weights():
    X, y = _blobs()
    X_val, y_val = _blobs(60, seed=1)
    net = _net()
    kept = {}

    def remember(epoch, logs):
        kept[epoch] = net.get_weights()

    history = net.fit(X, y, loss="categorical_crossentropy", optimizer=Adam(learning_rate=0.5),
                      epochs=200, batch_size=8, validation_data=(X_val, y_val),
                      early_stopping=3, callbacks=[remember])
    assert history.stopped_early
    assert history.epochs < 200
    best = int(np.argmin(history.val_loss)) + 1
    assert history.best_epoch == best
    assert history.epochs == best + 3
    assert all(np.array_equal(a, b) for a, b in zip(net.get_weights(), kept[best]))


def test_callback_returning_true_stops_training():
    X, y = _blobs()
    history = _net().fit(X, y, **fit_args(epochs=50), callbacks=[lambda e, logs: e == 2])
    assert history.epochs == 2


def test_full_batch_and_no_shuffle():
    X, y = _blobs()
    a, b = _net(seed=2), _net(seed=2)
    a.fit(X, y, loss="categorical_crossentropy", optimizer=SGD(0.1), epochs=3, batch_size=None,
          shuffle=False)
    b.fit(X, y, loss="categorical_crossentropy", optimizer=SGD(0.1), epochs=3,
          batch_size=len(X), shuffle=True)  # one batch: the order of rows barely matters
    for p, q in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(p, q, rtol=1e-10, atol=1e-12)


def test_regression_with_mse_and_mae_metric():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(300, 2))
    y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2
    net = Network([Dense(2, 32, "tanh"), Dense(32, 1, "identity")], seed=0)
    history = net.fit(X, y, loss="mse", optimizer=Adam(learning_rate=0.01), epochs=200,
                      batch_size=32, metrics=["mae"])
    assert history["mae"][-1] < 0.1
    assert np.mean((net.predict(X).ravel() - y) ** 2) < 0.01


def test_progress_bar_shows_loss_and_metrics_where_someone_watches(capsys, monkeypatch):
    from neuronet import callbacks

    X, y = _blobs()
    _net().fit(X, y, **fit_args(), progress=True)
    assert capsys.readouterr().err == ""  # a captured stderr is no terminal: no bar in a log
    monkeypatch.setattr(callbacks, "someone_watches", lambda: True)
    _net().fit(X, y, **fit_args(), progress=True)
    err = capsys.readouterr().err
    assert "epoch 5/5" in err and "loss=" in err and "accuracy=" in err


def test_nan_loss_stops_with_the_epoch_and_batch_and_finite_weights():
    X, y = _blobs()
    X = X * 1e3
    net = Network([Dense(2, 8, "relu"), Dense(8, 1, "identity")], seed=0)
    with pytest.raises(FloatingPointError) as info:
        with np.errstate(over="ignore", invalid="ignore"):
            net.fit(X, y * 1e3, loss="mse", optimizer=SGD(learning_rate=10.0), epochs=50,
                    batch_size=16)
    message = str(info.value)
    assert "epoch 1, batch" in message and "restored" in message
    assert all(np.isfinite(p).all() for p in net.parameters())
    assert net.history.epochs == 0


def test_weights_blown_to_infinity_in_the_first_epoch_of_a_new_network_are_restored():
    # The first step turns the weights into infinities: the epoch's starting weights come
    # back, even though a new network's arrays move into one block at that first step. The
    # error is all the user sees: no overflow warnings from NumPy ahead of it.
    X, y = _blobs()
    net = Network([Dense(2, 4, "relu"), Dense(4, 1, "identity")], seed=0)
    start = net.get_flat_weights()
    with pytest.raises(FloatingPointError, match="epoch 1, batch 2"), \
            warnings.catch_warnings():
        warnings.simplefilter("error")
        net.fit(X, y + 10, loss="mse", optimizer=SGD(learning_rate=1e308), epochs=3,
                batch_size=8)
    np.testing.assert_array_equal(net.get_flat_weights(), start)


def test_ctrl_c_stops_after_the_current_batch_and_keeps_what_was_learned():
    X, y = _blobs(2000)

    def press_ctrl_c(epoch, logs):
        if epoch == 2:
            signal.raise_signal(signal.SIGINT)

    net = _net()
    history = net.fit(X, y, **fit_args(epochs=100), callbacks=[press_ctrl_c])
    assert history.interrupted
    assert history.epochs in (2, 3)  # the signal lands between batches, never inside one
    assert all(np.isfinite(p).all() for p in net.parameters())
    assert net.evaluate(X, y)["accuracy"] > 0.9
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_from_outside_during_training():
    X, y = _blobs(5000)
    net = _net()
    timer = threading.Timer(1.0, lambda: signal.raise_signal(signal.SIGINT))
    timer.start()
    # How soon fit returns after the signal is measured by benchmarks/run.py (task interrupt).
    history = net.fit(X, y, **fit_args(epochs=100_000))
    timer.cancel()
    assert history.interrupted
    assert history.epochs >= 1 and len(history.loss) == history.epochs
    assert all(math.isfinite(v) for v in history.loss)


def test_second_ctrl_c_quits_at_once():
    X, y = _blobs(2000)

    def press_twice(epoch, logs):
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        _net().fit(X, y, **fit_args(epochs=10), callbacks=[press_twice])


def test_dropout_only_while_training():
    layer = Dropout(0.5)
    layer.build(np.random.default_rng(0), np.float64)
    x = np.ones((100, 10))
    assert layer.forward(x) is x
    dropped = layer.forward(x, training=True)
    assert set(np.unique(dropped)) == {0.0, 2.0}
    assert 0.4 < np.mean(dropped == 0) < 0.6


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(y=np.zeros(5)), "X has 200 rows but y has 5"),
        (dict(X=np.ones((200, 3))), "X has 3 columns, but the network expects 2"),
        (dict(X=np.ones((0, 2)), y=np.zeros(0)), "X is empty"),
        (dict(X=np.full((200, 2), np.inf)), "NaN or infinity"),
        (dict(y=np.full(200, np.nan)), "y holds NaN or infinity"),
        (dict(y=np.full(200, 3)), "class labels that are not whole numbers from 0 to 2"),
        (dict(y=np.full(200, 0.5)), "class labels that are not whole numbers"),
        (dict(y=np.zeros((200, 2))), "y has shape (200, 2), but the network has 3 outputs"),
        (dict(loss="hinge"), "unknown loss 'hinge'; expected one of 'mse', 'sse'"),
        (dict(loss="mse", y=np.zeros(200)), "y has shape (200,), but the network has 3 outputs"),
        (dict(optimizer="rmsprop"), "unknown optimizer 'rmsprop'"),
        (dict(metrics=["hinge_accuracy"]), "unknown metric 'hinge_accuracy'"),
        (dict(epochs=-1), "epochs must be at least 0"),
        (dict(batch_size=0), "batch_size must be at least 1"),
        (dict(validation_split=1.5), "validation_split must be a fraction in [0, 1)"),
        (dict(validation_split=0.2, validation_data=(np.ones((3, 2)), np.zeros(3))),
         "not both"),
        (dict(validation_data=np.ones(3)), "validation_data must be a pair"),
        (dict(validation_data=(np.ones((3, 4)), np.zeros(3))),
         "validation X has 4 columns, but the network expects 2"),
        (dict(early_stopping=0), "early_stopping must be at least 1"),
        (dict(y=np.full((200, 3), 1 / 2)), "each row of y to sum to 1"),
    ],
)
def test_bad_fit_input(kwargs, message):
    X, y = _blobs()
    net = _net()
    before = net.get_weights()
    args = {"X": X, "y": y, **fit_args(), **kwargs}
    with pytest.raises(ValueError) as info:
        net.fit(args.pop("X"), args.pop("y"), **args)
    assert message in str(info.value)
    assert all(np.array_equal(a, b) for a, b in zip(before, net.get_weights()))


def test_cross_entropy_needs_probabilities_from_the_last_layer():
    net = Network([Dense(2, 1, "identity")])
    with pytest.raises(ValueError, match="needs probabilities from the last layer"):
        net.fit(np.ones((4, 2)), np.ones(4), loss="binary_crossentropy")
    with pytest.raises(ValueError, match="needs targets between 0 and 1"):
        Network([Dense(2, 1)]).fit(np.ones((4, 2)), np.full(4, 2.0), loss="binary_crossentropy")


def test_evaluate_without_a_loss():
    with pytest.raises(ValueError, match="evaluate needs a loss"):
        _net().evaluate(*_blobs())


def test_xor_and_tutorial_data_sets():
    inputs, outputs, test_input = datasets.tutorial()
    assert inputs.shape == (4, 3) and outputs.shape == (4, 1) and test_input.shape == (3,)
    X, y = datasets.xor()
    assert X.shape == (4, 2) and list(y) == [0, 1, 1, 0]
    X_train, X_test, y_train, y_test = datasets.split(*_blobs(), test_size=0.25, seed=0)
    assert len(X_test) == 50 and len(X_train) == 150 and len(y_test) == 50


def test_refused_sample_weights_leave_the_network_as_it_was():
    X, y = _blobs()
    refused, fresh = _net(seed=6), _net(seed=6)
    with pytest.raises(ValueError, match="negative weight"):
        refused.fit(X, y, **fit_args(), validation_split=0.2, sample_weight=-np.ones(len(X)))
    refused.fit(X, y, **fit_args(), validation_split=0.2)
    fresh.fit(X, y, **fit_args(), validation_split=0.2)
    assert all(np.array_equal(a, b) for a, b in zip(refused.get_weights(), fresh.get_weights()))


# --- one network, one training thread; predictions from many ------------------------------------


def test_a_second_concurrent_fit_is_refused_naming_the_other_thread():
    X, y = _blobs(400)
    net = _net()
    started, release = threading.Event(), threading.Event()

    def slow(epoch, logs):
        started.set()
        release.wait(10)

    worker = threading.Thread(target=net.fit, args=(X, y), kwargs=fit_args(
        epochs=2, callbacks=[slow]), name="trainer-7")
    worker.start()
    try:
        assert started.wait(10)
        with pytest.raises(RuntimeError, match="already being fitted in thread 'trainer-7'"):
            net.fit(X, y, **fit_args())
        with pytest.raises(RuntimeError, match="trainer-7"):
            net.loss_and_gradient(X, y, "categorical_crossentropy")
    finally:
        release.set()
        worker.join()
    net.fit(X, y, **fit_args(epochs=1))  # free again once that fit ended
    with pytest.raises(RuntimeError, match="this same thread"):
        net.fit(X, y, **fit_args(callbacks=[lambda e, logs: net.fit(X, y, **fit_args())]))


def test_concurrent_predictions_are_correct():
    X, y = _blobs(3000)
    net = _net()
    net.fit(X, y, **fit_args())
    expected = net.predict(X)
    results, errors = {}, []

    def predict(i):
        try:
            for _ in range(20):
                results[i] = net.predict(X[i * 300:(i + 1) * 300], batch_size=64)
                assert np.array_equal(results[i], expected[i * 300:(i + 1) * 300])
        except AssertionError as exc:  # pragma: no cover - the failure being tested for
            errors.append(exc)

    threads = [threading.Thread(target=predict, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 8


# --- any memory layout, one copy at most ------------------------------------------------------


def test_every_layout_trains_alike_and_is_copied_once_at_most():
    import tracemalloc

    import pandas as pd

    X, y = _blobs(2000)
    X = np.hstack([X, np.random.default_rng(1).normal(size=(2000, 18))])
    layouts = {
        "C": np.ascontiguousarray(X),
        "Fortran": np.asfortranarray(X),
        "DataFrame": pd.DataFrame(X),
        "strided": np.repeat(X, 2, axis=1)[:, ::2],
        "read-only": np.ascontiguousarray(X),
    }
    layouts["read-only"].setflags(write=False)
    weights = []
    for name, data in layouts.items():
        net = Network([Dense(20, 8, "relu"), Dense(8, 3, "softmax")], seed=0)
        net.fit(data, y, **fit_args(epochs=2))
        weights.append(net.get_flat_weights())
        tracemalloc.start()
        checked = net.check_inputs(data)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert checked.flags.c_contiguous, name
        assert peak <= 1.2 * X.nbytes, (name, peak)  # one copy of the data at most
    for other in weights[1:]:
        np.testing.assert_array_equal(other, weights[0])


# --- sample weights of any size -----------------------------------------------------------------


@pytest.mark.parametrize("size", [1e300, 1e-300, 5e-324, np.finfo(float).max])
def test_equal_sample_weights_of_any_size_train_as_none(size):
    X, y = _blobs()
    plain, weighted = _net(seed=5), _net(seed=5)
    h1 = plain.fit(X, y, **fit_args())
    h2 = weighted.fit(X, y, **fit_args(), sample_weight=np.full(len(y), size))
    np.testing.assert_allclose(h2.loss, h1.loss, rtol=1e-12)
    np.testing.assert_allclose(weighted.get_flat_weights(), plain.get_flat_weights(), rtol=1e-12)


def test_huge_and_tiny_weights_keep_their_ratios():
    X, y = _blobs(60)
    ratios = np.random.default_rng(2).integers(1, 4, size=60).astype(float)
    runs = []
    for scale in (1.0, 1e300, 1e-300):
        net = _net(seed=6)
        net.fit(X, y, **fit_args(), sample_weight=ratios * scale)
        runs.append(net.get_flat_weights())
    np.testing.assert_allclose(runs[1], runs[0], rtol=1e-12)
    np.testing.assert_allclose(runs[2], runs[0], rtol=1e-12)


# --- the epoch's duties as Callback objects -----------------------------------------------------


def test_callback_objects_hear_every_hook_in_order():
    calls = []

    class Recorder(neuronet.Callback):
        def on_train_begin(self, network, history):
            calls.append(("train_begin", type(history).__name__))

        def on_epoch_begin(self, epoch):
            calls.append(("epoch_begin", epoch))

        def on_batch_end(self, batch, size):
            calls.append(("batch", batch, size))

        def on_epoch_end(self, epoch, logs):
            calls.append(("epoch_end", epoch, sorted(logs)))
            return epoch == 2

        def on_train_end(self):
            calls.append(("train_end",))

    X, y = _blobs(40)
    history = _net().fit(X, y, **fit_args(epochs=5, batch_size=16), callbacks=[Recorder()])
    assert history.epochs == 2
    assert calls[0] == ("train_begin", "History")
    assert calls[1:6] == [("epoch_begin", 1), ("batch", 1, 16), ("batch", 2, 16), ("batch", 3, 8),
                          ("epoch_end", 1, ["accuracy", "loss"])]
    assert calls[-1] == ("train_end",) and calls[-2][:2] == ("epoch_end", 2)


def test_default_accuracy_from_labels_equals_from_one_hot_rows():
    X, y = _blobs()
    a = _net(seed=1).fit(X, y, **fit_args())
    b = _net(seed=1).fit(X, np.eye(3)[y], **fit_args())
    assert a["accuracy"] == b["accuracy"]


def test_huge_finite_values_are_checked_without_warnings():
    import warnings

    from neuronet._checks import all_finite

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert all_finite(np.full(4, np.finfo(np.float64).max))
        assert not all_finite(np.array([np.finfo(np.float64).max, np.inf]))
