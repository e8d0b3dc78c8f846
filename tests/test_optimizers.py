"""The optimizers against PyTorch's documented update rules, written out step by step."""

import numpy as np
import pytest

from neuronet import SGD, Adam, Network, datasets, optimizers


def _gradients(steps, shape, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for _ in range(steps)]


def _run(optimizer, start, grads):
    param = start.copy()
    for g in grads:
        optimizer.step([param], [g.copy()])
    return param


@pytest.mark.parametrize("momentum, nesterov, decay", [(0, False, 0), (0.9, False, 0),
                                                        (0.9, True, 0), (0.5, False, 0.1)])
def test_sgd_follows_pytorch(momentum, nesterov, decay):
    lr, start, grads = 0.1, np.linspace(-1, 1, 6).reshape(2, 3), _gradients(5, (2, 3))
    # torch.optim.SGD, dampening 0: g += wd*p; b = m*b + g (b = g at first); g = g + m*b
    # (nesterov) or b; p -= lr*g
    expected, buf = start.copy(), None
    for g in grads:
        g = g + decay * expected
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + g
            g = g + momentum * buf if nesterov else buf
        expected = expected - lr * g
    got = _run(SGD(learning_rate=lr, momentum=momentum, nesterov=nesterov, weight_decay=decay),
               start, grads)
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("decay", [0.0, 0.01])
def test_adam_follows_pytorch(decay):
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    start, grads = np.linspace(-1, 1, 6), _gradients(7, (6,))
    # torch.optim.Adam: m, v running moments; p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
    expected, m, v = start.copy(), np.zeros(6), np.zeros(6)
    for t, g in enumerate(grads, 1):
        g = g + decay * expected
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        denom = np.sqrt(v) / np.sqrt(1 - b2**t) + eps
        expected = expected - lr / (1 - b1**t) * m / denom
    got = _run(Adam(learning_rate=lr, weight_decay=decay), start, grads)
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)


def test_state_starts_afresh_for_other_parameters():
    adam = Adam(learning_rate=0.1)
    a, b = np.ones(3), np.ones(3)
    adam.step([a], [np.ones(3)])
    adam.step([b], [np.ones(3)])
    np.testing.assert_array_equal(a, b)  # b's first step is a first step too


def test_float32_state():
    param = np.ones(4, dtype=np.float32)
    for opt in (Adam(), SGD(momentum=0.9, weight_decay=0.1)):
        opt.step([param], [np.ones(4, dtype=np.float32)])
        assert param.dtype == np.float32
    assert all(s.dtype == np.float32 for s in opt._velocity)


def test_defaults_and_names():
    assert repr(SGD()) == "SGD(learning_rate=0.01)"
    assert repr(Adam()) == "Adam(learning_rate=0.001)"
    assert isinstance(optimizers.get(None), Adam)
    assert isinstance(optimizers.get("sgd"), SGD)


@pytest.mark.parametrize("make, message", [
    (lambda: SGD(learning_rate=0), "learning_rate must be a finite number greater than zero"),
    (lambda: SGD(momentum=1.0), "momentum must be a number in [0, 1)"),
    (lambda: SGD(nesterov=True), "nesterov=True needs a momentum"),
    (lambda: SGD(weight_decay=-1), "weight_decay must be a finite number zero or more"),
    (lambda: Adam(beta1=1.0), "beta1 must be a number in [0, 1)"),
    (lambda: Adam(epsilon=0), "epsilon must be a finite number greater than zero"),
])
def test_bad_settings(make, message):
    with pytest.raises(ValueError) as info:
        make()
    assert message in str(info.value)


@pytest.mark.parametrize("make", [lambda: SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
                                  lambda: Adam(learning_rate=0.01)])
def test_a_pickled_optimizer_goes_on_with_its_state_on_the_unpickled_network(make):
    import pickle

    X, y = datasets.xor()
    net, optimizer = Network.mlp([2, 4, 1], output="sigmoid", seed=0), make()
    net.fit(X, y, loss="binary_crossentropy", optimizer=optimizer, epochs=5, batch_size=2)
    twice = pickle.dumps(pickle.loads(pickle.dumps((net, optimizer))))  # kept, then saved again
    net2, optimizer2 = pickle.loads(twice)
    for network, opt in ((net, optimizer), (net2, optimizer2)):
        network.fit(X, y, loss="binary_crossentropy", optimizer=opt, epochs=5, batch_size=2,
                    shuffle=False)
    np.testing.assert_array_equal(net2.get_flat_weights(), net.get_flat_weights())
    # Parameters of other shapes get a fresh state, never another network's.
    other = Network.mlp([2, 3, 1], output="sigmoid", seed=0)
    lone = pickle.loads(pickle.dumps(optimizer))
    assert not any(a.any() for a in lone.state_arrays(other.packed()[0]))
