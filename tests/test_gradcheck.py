"""neuronet.gradient_check: backpropagation against central differences."""

import numpy as np
import pytest

import neuronet
from neuronet import Dense, Dropout, Network
from neuronet.activations import Activation, Tanh
from neuronet.gradcheck import GradientCheck

RNG = np.random.default_rng(0)
X = RNG.normal(size=(8, 3))


class WrongTanh(Activation):
    """tanh with a wrong derivative: 1 - a instead of 1 - a^2."""

    name = "wrong_tanh"

    def forward(self, z, out=None):
        return np.tanh(z, out=out)

    def derivative(self, a):
        return 1 - a


@pytest.mark.parametrize("hidden, output, loss, y", [
    ("tanh", "sigmoid", "binary_crossentropy", RNG.integers(0, 2, 8)),
    ("sigmoid", "sigmoid", "sse", RNG.integers(0, 2, 8)),
    ("leaky_relu", "identity", "mse", RNG.normal(size=8)),
    ("tanh", "softmax", "categorical_crossentropy", RNG.integers(0, 3, 8)),
    ("exp", "exp", "poisson", RNG.poisson(2, 8)),
    ("softmax", "tanh", "mse", RNG.normal(size=8)),
])
def test_a_sound_network_agrees_to_about_1e_9(hidden, output, loss, y):
    k = 3 if output == "softmax" else 1
    network = Network.mlp([3, 5, 4, k], hidden=hidden, output=output, seed=1)
    before = network.get_weights()
    check = neuronet.gradient_check(network, X, y, loss=loss)
    assert isinstance(check, GradientCheck)
    assert check.worst < 1e-8 and check.agrees() and check.suspect is None
    assert len(check.weight_errors) == 3 and len(check.bias_errors) == 3
    for numeric, backprop in zip(check.numeric, check.backprop):
        np.testing.assert_allclose(numeric, backprop, rtol=1e-5, atol=1e-9)
    assert all(np.array_equal(a, b) for a, b in zip(network.get_weights(), before))
    text = str(check)
    assert "agrees" in text and "DISAGREES" not in text
    assert len(text.splitlines()) == 6


def test_a_broken_derivative_is_caught_in_its_layer():
    network = Network([Dense(3, 4, "sigmoid"), Dense(4, 4, WrongTanh()),
                       Dense(4, 1, "sigmoid")], seed=2)
    check = neuronet.gradient_check(network, X, RNG.integers(0, 2, 8),
                                    loss="binary_crossentropy")
    assert not check.agrees()
    # the layer whose derivative is wrong, and the one before it that learns through it
    assert check.weight_errors[1] > 1e-2 and check.weight_errors[0] > 1e-2
    assert check.weight_errors[2] < 1e-8
    assert check.suspect == 2
    assert "DISAGREES" in str(check) and "in layer 2 (wrong_tanh)" in " ".join(str(check).split())
    network.dense_layers[1].activation = Tanh()
    assert neuronet.gradient_check(network, X, RNG.integers(0, 2, 8),
                                   loss="binary_crossentropy").agrees()


def test_a_layer_without_bias_has_no_bias_error():
    network = Network([Dense(3, 1, "sigmoid", bias=False)], seed=0)
    check = neuronet.gradient_check(network, X, RNG.integers(0, 2, 8), loss="sse")
    assert np.isnan(check.bias_errors[0]) and check.layer_errors[0] == check.weight_errors[0]
    assert "  -" in str(check)


def test_bad_input_says_what_was_wrong():
    network = Network([Dense(3, 4), Dropout(0.5), Dense(4, 1)], seed=0)
    with pytest.raises(ValueError, match="Dropout"):
        neuronet.gradient_check(network, X, RNG.integers(0, 2, 8), loss="sse")
    network = Network.mlp([3, 1], output="sigmoid")
    with pytest.raises(ValueError, match="epsilon"):
        neuronet.gradient_check(network, X, RNG.integers(0, 2, 8), loss="sse", epsilon=0)
    with pytest.raises(ValueError, match="needs a loss"):
        neuronet.gradient_check(network, X, RNG.integers(0, 2, 8))
