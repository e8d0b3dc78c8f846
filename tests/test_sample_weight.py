"""Network.fit's sample_weight: an example of weight k counts as k copies of it."""

import numpy as np
import pytest

from neuronet import SGD, Adam, Dense, Network, losses


def _data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(float)
    return X, y


def _net(output="sigmoid", n_out=1):
    return Network([Dense(3, 5, "tanh"), Dense(5, n_out, output)], seed=7)


@pytest.mark.parametrize("loss, output, n_out", [
    ("binary_crossentropy", "sigmoid", 1),
    ("categorical_crossentropy", "softmax", 2),
    ("mse", "identity", 1),
    ("mse", "sigmoid", 1),  # not fused: the weights scale dL/da before the activation
    ("sse", "identity", 1),
])
def test_integer_weights_equal_repeated_rows(loss, output, n_out):
    X, y = _data()
    weights = np.random.default_rng(1).integers(0, 4, size=len(y))
    weighted, repeated = _net(output, n_out), _net(output, n_out)
    h1 = weighted.fit(X, y, loss=loss, optimizer=Adam(0.01), epochs=20, batch_size=None,
                      sample_weight=weights)
    Xr, yr = X.repeat(weights, axis=0), y.repeat(weights)
    h2 = repeated.fit(Xr, yr, loss=loss, optimizer=Adam(0.01), epochs=20, batch_size=None)
    if loss == "sse":  # a summed loss: the weights are divided by their mean
        np.testing.assert_allclose(np.array(h1.loss) * weights.sum() / len(y), h2.loss)
    else:
        np.testing.assert_allclose(h1.loss, h2.loss, rtol=1e-10)
        for a, b in zip(weighted.get_weights(), repeated.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_unit_weights_change_nothing():
    X, y = _data()
    a, b = _net(), _net()
    a.fit(X, y, loss="binary_crossentropy", optimizer=SGD(0.5), epochs=10, batch_size=5)
    b.fit(X, y, loss="binary_crossentropy", optimizer=SGD(0.5), epochs=10, batch_size=5,
          sample_weight=np.full(len(y), 3.0))
    for p, q in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(p, q, rtol=1e-12)


def test_weighted_loss_values():
    pred = np.array([[0.2], [0.7], [0.9]])
    target = np.array([[0.0], [1.0], [0.0]])
    w = np.array([[2.0], [0.0], [1.0]])
    for loss in (losses.MeanSquaredError(), losses.BinaryCrossentropy()):
        expanded = loss.value(pred[[0, 0, 2]], target[[0, 0, 2]])
        assert loss.value(pred, target, w) == pytest.approx(expanded)
    z = np.array([[1.0, -2.0], [0.5, 0.5], [3.0, 0.0]])
    onehot = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    cce = losses.CategoricalCrossentropy()
    assert cce.value_from_logits(z, onehot, w) == pytest.approx(
        cce.value_from_logits(z[[0, 0, 2]], onehot[[0, 0, 2]]))


@pytest.mark.parametrize("weights, message", [
    (np.ones(5), r"shape \(5,\)"),
    (-np.ones(24), "negative"),
    (np.zeros(24), "zero for every training row"),
    (np.r_[np.nan, np.ones(23)], "NaN"),
    (["a"] * 24, "numbers"),
])
def test_bad_weights_are_refused_before_training(weights, message):
    X, y = _data()
    net = _net()
    before = net.get_weights()
    with pytest.raises(ValueError, match=message):
        net.fit(X, y, loss="binary_crossentropy", sample_weight=weights)
    for a, b in zip(before, net.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_weights_with_minibatches_and_validation_split():
    X, y = _data(200)
    weights = np.where(y == 1, 5.0, 1.0)
    net = _net()
    history = net.fit(X, y, loss="binary_crossentropy", optimizer=Adam(0.05), epochs=30,
                      batch_size=16, validation_split=0.25, sample_weight=weights)
    assert len(history.val_loss) == 30
    favoured = (net.predict(X)[:, 0] > 0.5).mean()
    plain = _net()
    plain.fit(X, y, loss="binary_crossentropy", optimizer=Adam(0.05), epochs=30, batch_size=16,
              validation_split=0.25)
    assert favoured > (plain.predict(X)[:, 0] > 0.5).mean()
