import numpy as np
import pytest

import neuronet
from neuronet import SGD, Dense, Dropout, Network, Neuron, datasets

TUTORIAL_TRAINED = [9.67341006, -0.20852727, -4.62943754]


def test_tutorial_neuron_is_a_one_layer_network():
    inputs, outputs, test_input = datasets.tutorial()
    layer = Dense(3, 1, "sigmoid", bias=False)
    net = Network([layer])
    layer.weights[...] = Neuron().weights
    net.fit(inputs, outputs, loss="sse", optimizer=SGD(learning_rate=1.0), epochs=10_000,
            batch_size=len(inputs), shuffle=False)
    np.testing.assert_allclose(layer.weights.ravel(), TUTORIAL_TRAINED, atol=1e-8)
    np.testing.assert_allclose(net.predict(test_input), [0.99993707], atol=1e-8)


def test_single_neuron_cannot_learn_xor_but_a_hidden_layer_can():
    X, y = datasets.xor()
    neuron = Neuron().train(np.hstack([X, np.ones((4, 1))]), y, 10_000)
    neuron_accuracy = np.mean((neuron.run(np.hstack([X, np.ones((4, 1))])).ravel() > 0.5) == y)
    assert neuron_accuracy <= 0.75  # a line gets at most three of the four right
    for hidden in (2, 4):
        net = Network([Dense(2, hidden, "tanh"), Dense(hidden, 1, "sigmoid")], seed=0)
        net.fit(X, y, loss="binary_crossentropy", optimizer=SGD(learning_rate=0.5), epochs=2000,
                batch_size=4)
        assert np.array_equal(net.predict(X).ravel() > 0.5, y == 1), f"{hidden} hidden units"


def test_digits_reach_97_percent():
    pytest.importorskip("sklearn")
    from sklearn.model_selection import train_test_split

    X, y = datasets.digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    net = Network.mlp([64, 32, 10], seed=0)
    history = net.fit(X_train, y_train, loss="categorical_crossentropy",
                      optimizer=neuronet.Adam(learning_rate=0.01), epochs=50)
    assert history.epochs <= 100
    assert np.mean(net.predict(X_test).argmax(axis=1) == y_test) >= 0.97


def test_mlp_shortcut():
    net = Network.mlp([4, 8, 6, 3], hidden="tanh", output="sigmoid", seed=1, dtype=np.float32)
    kinds = [(layer.n_inputs, layer.n_outputs, layer.activation.name) for layer in net.layers]
    assert kinds == [(4, 8, "tanh"), (8, 6, "tanh"), (6, 3, "sigmoid")]
    assert net.dtype == np.float32 and net.n_inputs == 4 and net.n_outputs == 3


def test_repr_and_summary():
    net = Network([Dense(2, 4, "tanh"), Dropout(0.25), Dense(4, 1, "sigmoid", bias=False)],
                  seed=0)
    assert repr(net) == (
        "Network([\n"
        '    Dense(2, 4, activation="tanh"),\n'
        "    Dropout(0.25),\n"
        '    Dense(4, 1, activation="sigmoid", bias=False),\n'
        "], seed=0)"
    )
    summary = net.summary()
    assert "tanh" in summary and "sigmoid" in summary and "Dropout(0.25)" in summary
    assert "16 parameters, float64" in summary  # 2*4 + 4 + 4*1
    assert net.n_parameters() == 16


def test_predict_one_example_and_in_chunks():
    net = Network.mlp([3, 5, 2], seed=0)
    X = np.random.default_rng(0).normal(size=(10, 3))
    full = net.predict(X)
    # BLAS may sum in another order for other shapes: equal to the last bit or two.
    np.testing.assert_allclose(net.predict(X, batch_size=3), full, rtol=1e-12)
    np.testing.assert_allclose(net.predict(X[0]), full[0], rtol=1e-12)
    assert net.predict(X[0]).shape == (2,)
    np.testing.assert_allclose(full.sum(axis=1), 1)


def test_weights_are_glorot_by_default_and_other_initializers_by_name():
    net = Network([Dense(100, 50, init=None), Dense(50, 10, init="uniform"),
                   Dense(10, 10, init="he")], seed=0)
    glorot, uniform, he = (layer.weights for layer in net.layers)
    assert np.abs(glorot).max() <= np.sqrt(6 / 150)
    assert np.abs(uniform).max() > 0.9
    assert abs(he.std() - np.sqrt(2 / 10)) < 0.1
    assert all(np.all(layer.bias == 0) for layer in net.layers)


def test_float32_network_stays_float32():
    X, y = datasets.xor()
    net = Network([Dense(2, 4, "relu"), Dense(4, 1, "sigmoid")], seed=0, dtype=np.float32)
    net.fit(X, y, loss="binary_crossentropy", optimizer=neuronet.Adam(), epochs=3, batch_size=2)
    arrays = net.parameters() + net.gradients()
    arrays += [net.layers[0].z, net.layers[0].outputs, net.layers[1].z, net._grad_buffer]
    assert all(a.dtype == np.float32 for a in arrays)
    assert net.predict(X).dtype == np.float32


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Network([]), "at least one layer"),
        (lambda: Network([Dense(2, 3), Dense(4, 1)]),
         "layer 2 (Dense(4, 1, activation=\"sigmoid\")) takes 4 inputs, but layer 1"),
        (lambda: Network([Dense(2, 3), Dropout(0.5), Dense(4, 1)]), "takes 4 inputs"),
        (lambda: Network(["dense"]), "not a neuronet layer"),
        (lambda: Network([Dropout(0.5)]), "at least one Dense layer"),
        (lambda: Network([Dense(2, 1)], dtype=np.int32), "dtype must be np.float32 or np.float64"),
        (lambda: Dense(2, 1, activation="swish"), "unknown activation 'swish'; expected one of"),
        (lambda: Dense(2, 1, init="zeros"), "unknown initializer 'zeros'"),
        (lambda: Dense(0, 1), "n_inputs must be at least 1"),
        (lambda: Dropout(1.0), "Dropout rate must be a number in [0, 1)"),
        (lambda: Network.mlp([3]), "at least two sizes"),
    ],
)
def test_bad_construction(make, message):
    with pytest.raises(ValueError) as info:
        make()
    assert message in str(info.value)


@pytest.mark.parametrize(
    "X, message",
    [
        (np.ones((2, 5)), "X has 5 columns, but the network expects 3"),
        (np.ones((0, 3)), "X is empty"),
        (np.ones((2, 3, 1)), "X must be 2-D"),
        ([[1, 2, np.nan]], "NaN or infinity"),
        ([["a", "b", "c"]], "must hold numbers"),
    ],
)
def test_bad_predict_input(X, message):
    with pytest.raises(ValueError) as info:
        Network.mlp([3, 2]).predict(X)
    assert message in str(info.value)


def test_global_random_state_is_never_used():
    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    X, y = datasets.xor()
    net = Network([Dense(2, 3, "relu"), Dropout(0.3), Dense(3, 1, "sigmoid")], seed=1)
    net.fit(X, y, loss="binary_crossentropy", epochs=5, batch_size=2, validation_split=0.25)
    assert np.array_equal(np.random.get_state()[1], before)


def test_predict_gives_logits_when_asked():
    net = Network([Dense(3, 4, "tanh"), Dense(4, 2, "softmax")], seed=0)
    X = np.random.default_rng(0).normal(size=(5, 3))
    z = net.predict(X, logits=True)
    np.testing.assert_allclose(net.predict(X), np.exp(z) / np.exp(z).sum(1, keepdims=True))
    # A sum that overflows is seen in the logits, where the sigmoid would hide it as 1.0.
    sigmoid = Network([Dense(3, 1, "sigmoid")], seed=0)
    sigmoid.layers[0].weights[:] = 1e308
    X = np.ones((1, 3))
    with np.errstate(over="ignore"):
        assert sigmoid.predict(X)[0, 0] == 1.0 and np.isinf(sigmoid.predict(X, logits=True)[0, 0])
    with pytest.raises(ValueError, match="logits are the sums of a last Dense layer"):
        Network([Dense(3, 2), Dropout(0.5)]).predict(X, logits=True)
