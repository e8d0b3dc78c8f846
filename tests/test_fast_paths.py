"""The shortcuts that make training fast compute what the plain algorithm computes."""

import numpy as np
import pytest

import neuronet
from neuronet import Network, activations, losses
from neuronet.optimizers import SGD, Adam


def test_fused_softmax_and_loss_equal_softmax_then_cross_entropy():
    rng = np.random.default_rng(0)
    z = rng.normal(scale=30, size=(50, 7))
    targets = rng.dirichlet(np.ones(7), size=50)  # soft targets, not only one-hot
    loss = losses.CategoricalCrossentropy()
    expected_value = loss.value_from_logits(z, targets)
    expected_out = activations.softmax(z)
    out = np.empty_like(z)
    value = loss.forward_from_logits(z.copy(), targets, out)
    assert value == pytest.approx(expected_value, rel=1e-12)
    np.testing.assert_allclose(out, expected_out, rtol=1e-12, atol=1e-300)


def test_the_default_fused_forward_is_the_activation_and_the_loss():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(20, 3))
    targets = (rng.random((20, 3)) > 0.5).astype(float)
    loss = losses.BinaryCrossentropy()
    out = np.empty_like(z)
    value = loss.forward_from_logits(z.copy(), targets, out)
    assert value == pytest.approx(loss.value_from_logits(z, targets))
    np.testing.assert_allclose(out, activations.sigmoid(z))


@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_sgd_with_the_learning_rate_folded_into_the_gradient_takes_the_same_step(weight_decay):
    rng = np.random.default_rng(2)
    params = [rng.normal(size=(4, 3)), rng.normal(size=3)]
    grads = [rng.normal(size=(4, 3)), rng.normal(size=3)]
    plain = [p.copy() for p in params]
    SGD(learning_rate=0.3, weight_decay=weight_decay).step(plain, [g.copy() for g in grads])
    optimizer = SGD(learning_rate=0.3, weight_decay=weight_decay)
    scale = optimizer.gradient_scale()
    assert scale == 0.3
    folded = [p.copy() for p in params]
    optimizer.step(folded, [g * scale for g in grads], scale=scale)
    for a, b in zip(plain, folded):
        np.testing.assert_allclose(a, b, rtol=1e-13)


@pytest.mark.parametrize("make", [lambda: SGD(0.1, momentum=0.9), lambda: Adam(0.01)])
def test_optimizers_with_state_undo_a_scale_they_are_handed(make):
    plain_optimizer, optimizer = make(), make()
    assert optimizer.gradient_scale() == (0.1 if isinstance(optimizer, SGD) else 1.0)
    rng = np.random.default_rng(3)
    start, grad = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    plain, scaled = [start.copy()], [start.copy()]
    for _ in range(3):
        plain_optimizer.step(plain, [grad.copy()])
        optimizer.step(scaled, [grad * 4.0], scale=4.0)
    np.testing.assert_allclose(plain[0], scaled[0], rtol=1e-12)


def _digits_like(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, 6))
    return X, (X[:, :3].sum(1) > X[:, 3:].sum(1)).astype(int) + (X[:, 0] > 0.8)


@pytest.mark.parametrize("hidden", ["relu", "sigmoid"])
def test_a_training_step_matches_a_hand_written_one(hidden):
    """One epoch of neuronet against the same algorithm written out in NumPy."""
    X, y = _digits_like()
    net = Network.mlp([6, 5, 3], hidden=hidden, seed=4)
    W = [w.copy() for w in net.get_weights()]
    net.fit(X, y, loss="categorical_crossentropy", optimizer=SGD(learning_rate=0.5),
            batch_size=300, epochs=1, shuffle=False, metrics=[])
    W1, b1, W2, b2 = W
    Y = np.eye(3)[y]
    z1 = X @ W1 + b1
    a1 = np.maximum(z1, 0) if hidden == "relu" else 1 / (1 + np.exp(-z1))
    z2 = a1 @ W2 + b2
    p = np.exp(z2 - z2.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    dz2 = (p - Y) / len(X)
    da1 = dz2 @ W2.T
    dz1 = da1 * (a1 > 0) if hidden == "relu" else da1 * a1 * (1 - a1)
    expected = [W1 - 0.5 * X.T @ dz1, b1 - 0.5 * dz1.sum(0), W2 - 0.5 * a1.T @ dz2,
                b2 - 0.5 * dz2.sum(0)]
    for got, want in zip(net.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    assert net.history.loss[0] == pytest.approx(-np.mean(np.log(p[np.arange(len(y)), y])))


def test_class_labels_and_one_hot_rows_train_bit_for_bit_alike():
    X, y = _digits_like()
    results = []
    for targets in (y, np.eye(3)[y]):
        net = Network.mlp([6, 5, 3], seed=5)
        history = net.fit(X, targets, loss="categorical_crossentropy",
                          optimizer=neuronet.SGD(learning_rate=0.2), batch_size=16, epochs=3,
                          validation_split=0.25)
        results.append((net.get_weights(), history.history))
    for a, b in zip(results[0][0], results[1][0]):
        np.testing.assert_array_equal(a, b)
    assert results[0][1] == results[1][1]
