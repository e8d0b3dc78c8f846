"""L-BFGS in the core: Network.fit(optimizer="lbfgs"), LBFGS.minimize on any objective, and the
flat loss and gradient that other code can add up over parts of the data."""

import sys

import numpy as np
import pytest

from neuronet import LBFGS, Dense, Dropout, Network, datasets, optimizers


def _regression(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, np.sin(X[:, 0]) + X[:, 1] * X[:, 2]


def test_fit_with_lbfgs_learns_xor_and_a_curve():
    X, y = datasets.xor()
    net = Network([Dense(2, 4, "tanh"), Dense(4, 1, "sigmoid")], seed=0)
    history = net.fit(X, y, loss="binary_crossentropy", optimizer="lbfgs", epochs=200)
    assert ((net.predict(X)[:, 0] > 0.5) == y).all()
    assert 1 <= history.epochs <= 200 and history.loss[-1] < 0.01
    X, y = _regression()
    net = Network.mlp([3, 16, 1], hidden="tanh", output="identity", seed=0)
    history = net.fit(X, y, loss="mse", optimizer=LBFGS(tol=1e-8), epochs=300)
    assert history.loss[-1] < 0.01 < history.loss[0]
    assert net.evaluate(X, y)["loss"] == pytest.approx(history.loss[-1], rel=1e-9)


def test_each_epoch_is_one_iteration_with_the_usual_duties():
    X, y = _regression()
    seen = []
    net = Network.mlp([3, 8, 1], hidden="tanh", output="identity", seed=1)
    history = net.fit(X, y, loss="mse", optimizer="lbfgs", epochs=15, validation_split=0.25,
                      callbacks=[lambda epoch, logs: seen.append((epoch, sorted(logs)))])
    assert history.epochs == 15 == len(history.val_loss)
    assert seen[0] == (1, ["loss", "val_loss"]) and seen[-1][0] == 15
    stopped = net.fit(X, y, loss="mse", optimizer="lbfgs", epochs=50,
                      callbacks=[lambda epoch, logs: epoch == 4])
    assert stopped.epochs == 4


def test_weight_decay_is_the_l2_penalty_of_the_objective():
    X, y = _regression(60)
    plain = Network.mlp([3, 6, 1], hidden="tanh", output="identity", seed=2)
    decayed = Network.mlp([3, 6, 1], hidden="tanh", output="identity", seed=2)
    plain.fit(X, y, loss="mse", optimizer=LBFGS(), epochs=100)
    decayed.fit(X, y, loss="mse", optimizer=LBFGS(weight_decay=1.0, decay_bias=False), epochs=100)
    assert np.sum(decayed.get_weights()[0] ** 2) < np.sum(plain.get_weights()[0] ** 2)


def test_minimize_any_objective_from_a_flat_vector():
    target = np.arange(5.0)
    result = LBFGS(tol=1e-10).minimize(lambda x: (np.sum((x - target) ** 2), 2 * (x - target)),
                                       np.zeros(5), max_iter=50)
    assert result.converged and result.n_iter <= 5
    np.testing.assert_allclose(result.x, target, atol=1e-8)
    assert "converged" in repr(result)


def test_loss_and_gradient_summed_over_parts_equals_the_whole_and_drives_lbfgs():
    # What a cluster does: each part of the data gives its total loss and gradient; the sums
    # are those of the whole, and L-BFGS minimizes them as it would the whole.
    X, y = _regression(300)
    net = Network.mlp([3, 8, 1], hidden="tanh", output="identity", seed=3)
    whole = net.loss_and_gradient(X, y, "mse")
    parts = [net.loss_and_gradient(X[i:i + 100], y[i:i + 100], "mse", batch_size=7)
             for i in range(0, 300, 100)]
    assert sum(p[0] for p in parts) == pytest.approx(whole[0], rel=1e-12)
    np.testing.assert_allclose(sum(p[1] for p in parts), whole[1], rtol=1e-10, atol=1e-12)
    assert whole[1].shape == net.get_flat_weights().shape

    def objective(flat):
        net.set_flat_weights(flat)
        totals = [net.loss_and_gradient(X[i:i + 100], y[i:i + 100], "mse")
                  for i in range(0, 300, 100)]
        return sum(t[0] for t in totals) / 300, sum(t[1] for t in totals) / 300

    other = Network.mlp([3, 8, 1], hidden="tanh", output="identity", seed=3)
    result = LBFGS().minimize(objective, net.get_flat_weights(), max_iter=30)
    other.fit(X, y, loss="mse", optimizer=LBFGS(), epochs=30)
    np.testing.assert_allclose(result.x, other.get_flat_weights(), rtol=1e-7, atol=1e-9)


def test_sample_weights_weigh_rows_in_the_total():
    X, y = _regression(20)
    net = Network.mlp([3, 4, 1], hidden="tanh", output="identity", seed=4)
    weights = np.arange(20) % 3
    weighted = net.loss_and_gradient(X, y, "mse", sample_weight=weights)
    repeated = net.loss_and_gradient(X.repeat(weights, axis=0), y.repeat(weights), "mse")
    assert weighted[0] == pytest.approx(repeated[0], rel=1e-12)
    np.testing.assert_allclose(weighted[1], repeated[1], rtol=1e-10)


def test_flat_weights_round_trip_and_check_their_size():
    net = Network.mlp([3, 4, 2], seed=0)
    flat = net.get_flat_weights()
    assert flat.shape == (net.n_parameters(),)
    net.set_flat_weights(flat * 2)
    np.testing.assert_array_equal(net.get_flat_weights(), flat * 2)
    with pytest.raises(ValueError, match="flat vector of 26 weights"):
        net.set_flat_weights(flat[:-1])


def test_lbfgs_refuses_dropout_and_single_steps():
    net = Network([Dense(2, 4, "tanh"), Dropout(0.5), Dense(4, 1, "sigmoid")], seed=0)
    X, y = datasets.xor()
    with pytest.raises(ValueError, match="Dropout"):
        net.fit(X, y, loss="binary_crossentropy", optimizer="lbfgs")
    with pytest.raises(TypeError, match="whole data"):
        LBFGS().step([], [])


def test_settings_round_trip_through_config():
    optimizer = LBFGS(tol=1e-6, max_fun=500, memory=5, weight_decay=0.1, decay_bias=False)
    again = optimizers.from_config(optimizer.config())
    assert again.config() == optimizer.config()
    assert repr(again) == repr(optimizer)


def test_missing_scipy_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)
    with pytest.raises(ImportError, match=r"neuronet\[scipy\]"):
        LBFGS().minimize(lambda x: (0.0, x), np.zeros(2))
