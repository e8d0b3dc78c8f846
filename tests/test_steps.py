"""neuronet.trace.step: the numbers of one step of backpropagation are fit's, bit for bit, and
for the tutorial's neuron they are the tutorial's."""

import copy

import numpy as np
import pytest

from neuronet import SGD, Adam, Dense, Dropout, Network, Neuron, datasets, trace
from neuronet.activations import Activation
from neuronet.steps import LayerStep, StepTrace

INPUTS, OUTPUTS, _ = datasets.tutorial()
ELEMENTWISE = ["sigmoid", "tanh", "relu", "leaky_relu", "exp", "identity"]
# Each loss with the output activations it can score.
LOSS_OUTPUTS = [("mse", "identity"), ("mse", "tanh"), ("sse", "sigmoid"),
                ("binary_crossentropy", "sigmoid"), ("categorical_crossentropy", "softmax"),
                ("poisson", "exp")]


def _data(n_inputs, n_outputs, loss, rows=7, seed=0):
    rng = np.random.default_rng(seed)
    X = 0.5 * rng.normal(size=(rows, n_inputs))
    if loss == "categorical_crossentropy":
        y = rng.integers(0, n_outputs, rows)
    elif loss == "binary_crossentropy":
        y = rng.integers(0, 2, (rows, n_outputs)).astype(float)
    elif loss == "poisson":
        y = rng.poisson(2.0, (rows, n_outputs)).astype(float)
    else:
        y = rng.normal(size=(rows, n_outputs))
    return X, y


def _network(depth, hidden, output, n_outputs, seed=3):
    sizes = [3] + [4, 5, 3][:depth - 1] + [n_outputs]
    # Small weights keep exp's outputs and the sums of deep layers moderate.
    layers = [Dense(a, b, hidden if i < depth - 1 else output, init="glorot_normal")
              for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))]
    network = Network(layers, seed=seed)
    for layer in network.dense_layers:  # moderate sums, even through exp
        layer.weights *= 0.5
    return network


def _fit_once(network, X, y, loss, optimizer):
    reference = copy.deepcopy(network)
    reference.fit(X, y, loss=loss, optimizer=copy.deepcopy(optimizer), epochs=1,
                  batch_size=None, shuffle=False)
    return reference


def _same(arrays, others):
    return len(arrays) == len(others) and all(
        a.shape == b.shape and np.array_equal(a, b) for a, b in zip(arrays, others))


# A one-layer network has no hidden activation: one case of it per loss.
CASES = [(1, loss, output, None) for loss, output in LOSS_OUTPUTS] + [
    (depth, loss, output, hidden) for depth in (2, 3, 4) for loss, output in LOSS_OUTPUTS
    for hidden in ELEMENTWISE + ["softmax"]]


@pytest.mark.parametrize("depth, loss, output, hidden", CASES)
def test_a_step_is_one_batch_of_fit_bit_for_bit(depth, loss, output, hidden):
    k = 3 if output == "softmax" else 2
    network = _network(depth, hidden, output, k)
    X, y = _data(3, k, loss)
    start = network.get_weights()
    for optimizer in (Adam(learning_rate=0.01), SGD(learning_rate=0.1),
                      SGD(learning_rate=0.05, momentum=0.9, nesterov=True)):
        traced = trace.step(network, X, y, loss=loss, optimizer=optimizer)
        reference = _fit_once(network, X, y, loss, optimizer)
        assert _same(traced.weights_after, reference.get_weights())
        assert _same(traced.weights_before, start)
        assert _same(network.get_weights(), start)  # the network is left as it was
        if isinstance(optimizer, Adam):  # fit's gradients arrive unscaled: the same bits
            assert _same([layer.dW for layer in traced.layers],
                         [layer.grad_weights for layer in reference.dense_layers])
            assert _same([layer.db for layer in traced.layers],
                         [layer.grad_bias for layer in reference.dense_layers])
        assert traced.loss == reference.history.history["loss"][0]


def test_the_traced_gradients_fed_to_the_optimizer_give_fits_weights():
    network = _network(3, "tanh", "sigmoid", 1)
    X, y = _data(3, 1, "binary_crossentropy")
    traced = trace.step(network, X, y, loss="binary_crossentropy", optimizer="adam")
    by_hand = copy.deepcopy(network)
    params = by_hand.parameters()
    grads = [g for layer in traced.layers for g in (layer.dW, layer.db)]
    Adam().step(params, grads)
    assert _same(by_hand.get_weights(), traced.weights_after)


def test_an_optimizer_with_state_continues_as_fit_would_and_is_left_alone():
    network = _network(2, "relu", "identity", 2)
    X, y = _data(3, 2, "mse")
    optimizer = Adam(learning_rate=0.05)
    network.fit(X, y, loss="mse", optimizer=optimizer, epochs=3, batch_size=None,
                shuffle=False)
    moments = [m.copy() for m in optimizer.state_arrays(network.packed()[0])]
    traced = trace.step(network, X, y, loss="mse", optimizer=optimizer)
    assert _same(optimizer.state_arrays(network.packed()[0]), moments)
    network.fit(X, y, loss="mse", optimizer=optimizer, epochs=1, batch_size=None,
                shuffle=False)
    assert _same(network.get_weights(), traced.weights_after)


def test_update_takes_the_step_on_the_network_itself():
    network = _network(2, "tanh", "sigmoid", 1)
    X, y = _data(3, 1, "sse")
    reference = _fit_once(network, X, y, "sse", SGD(learning_rate=0.5))
    optimizer = SGD(learning_rate=0.5)
    traced = trace.step(network, X, y, loss="sse", optimizer=optimizer, update=True)
    assert _same(network.get_weights(), reference.get_weights())
    assert _same(traced.weights_after, network.get_weights())
    # and the next step starts where this one ended
    assert _same(trace.step(network, X, y, loss="sse").weights_before, traced.weights_after)


def test_dropout_draws_the_masks_fit_draws():
    network = Network([Dense(3, 6, "relu"), Dropout(0.5), Dense(6, 1, "identity")], seed=4)
    X, y = _data(3, 1, "mse", rows=9)
    traced = trace.step(network, X, y, loss="mse", optimizer="sgd")
    reference = _fit_once(network, X, y, "mse", SGD())
    assert _same(traced.weights_after, reference.get_weights())
    assert traced.notes == [(1, "Dropout(0.5)")]
    # The blame the output layer passes back is masked by dropout before the hidden layer.
    hidden, out = traced.layers
    assert not np.array_equal(hidden.dL_da, out.passed_back)
    dropped = (out.inputs == 0) & (hidden.a != 0)
    assert dropped.any() and np.all(hidden.dL_da[dropped] == 0)


def test_the_numbers_follow_from_each_other_by_the_chain_rule():
    network = _network(3, "sigmoid", "sigmoid", 2)
    X, y = _data(3, 2, "mse")
    traced = trace.step(network, X, y, loss="mse")
    n, k = y.shape
    last = traced.layers[-1]
    np.testing.assert_allclose(last.dL_da, 2 * (last.a - y) / (n * k), rtol=1e-13)
    for layer in traced.layers:
        np.testing.assert_allclose(layer.z, layer.inputs @ layer.weights + layer.bias,
                                   rtol=1e-13)
        np.testing.assert_allclose(layer.a, 1 / (1 + np.exp(-layer.z)), rtol=1e-13)
        np.testing.assert_allclose(layer.da_dz, layer.a * (1 - layer.a), rtol=1e-13)
        np.testing.assert_allclose(layer.dL_dz, layer.dL_da * layer.da_dz, rtol=1e-13)
        np.testing.assert_allclose(layer.dW, layer.inputs.T @ layer.dL_dz, rtol=1e-12)
        np.testing.assert_allclose(layer.db, layer.dL_dz.sum(axis=0), rtol=1e-12)
    for before, after in zip(traced.layers[:-1], traced.layers[1:]):
        np.testing.assert_allclose(after.passed_back, after.dL_dz @ after.weights.T,
                                   rtol=1e-12)
        assert np.array_equal(before.dL_da, after.passed_back)
        assert np.array_equal(after.inputs, before.a)
    assert traced.layers[0].passed_back is None
    assert isinstance(traced.layers[0], LayerStep) and isinstance(traced, StepTrace)


def test_a_fused_output_layer_gives_the_blame_straight_from_z():
    network = _network(2, "tanh", "softmax", 3)
    X, y = _data(3, 3, "categorical_crossentropy")
    traced = trace.step(network, X, y, loss="categorical_crossentropy")
    last = traced.layers[-1]
    assert last.fused and last.da_dz is None
    np.testing.assert_allclose(last.dL_dz, (last.a - np.eye(3)[y]) / len(y), rtol=1e-12)
    np.testing.assert_allclose(last.dL_da, -np.eye(3)[y] / last.a / len(y), rtol=1e-12)
    np.testing.assert_array_equal(traced.targets, np.eye(3)[y])


def test_the_tutorials_neuron_gives_the_tutorials_numbers():
    """Output, error, confidence and adjustment of trace.record's first iteration, from a
    one-layer sigmoid network without bias and the loss "sse" with SGD(learning_rate=1):
    dL/da = -error, dL/dz = -confidence, dW = -adjustment, new weights = W + adjustment."""
    neuron = Neuron()
    layer = Dense(3, 1, "sigmoid", bias=False)
    layer.weights = neuron.weights.copy()
    network = Network([layer])
    traced = trace.step(network, INPUTS, OUTPUTS, loss="sse", optimizer=SGD(learning_rate=1))
    tutorial = trace.record(neuron, INPUTS, OUTPUTS, 1, at=[1])[1]
    (only,) = traced.layers
    np.testing.assert_array_equal(only.a, tutorial.output)  # the same sigmoid, the same bits
    np.testing.assert_array_equal(only.dL_da, -tutorial.error)
    np.testing.assert_allclose(only.da_dz, tutorial.output * (1 - tutorial.output), rtol=0)
    np.testing.assert_allclose(only.dL_dz, -tutorial.confidence, rtol=1e-14, atol=0)
    np.testing.assert_allclose(only.dW, -tutorial.adjustment, rtol=1e-14, atol=0)
    np.testing.assert_allclose(traced.weights_after[0], tutorial.new_weights, rtol=1e-14)
    assert only.db is None and only.bias is None
    np.testing.assert_allclose(traced.loss, 0.5 * np.sum(tutorial.error ** 2), rtol=1e-14)


def test_the_mean_squared_error_is_the_tutorials_numbers_times_minus_two_over_n():
    neuron = Neuron()
    layer = Dense(3, 1, "sigmoid", bias=False)
    layer.weights = neuron.weights.copy()
    traced = trace.step(Network([layer]), INPUTS, OUTPUTS, loss="mse")
    tutorial = trace.record(neuron, INPUTS, OUTPUTS, 1, at=[1])[1]
    factor = -2 / len(INPUTS)
    np.testing.assert_allclose(traced.layers[0].dL_dz, factor * tutorial.confidence,
                               rtol=1e-14)
    np.testing.assert_allclose(traced.layers[0].dW, factor * tutorial.adjustment, rtol=1e-14)


def test_the_gradients_are_pytorchs():
    torch = pytest.importorskip("torch")
    network = _network(3, "tanh", "sigmoid", 2)
    X, y = _data(3, 2, "binary_crossentropy", rows=11)
    traced = trace.step(network, X, y, loss="binary_crossentropy")
    params = [torch.tensor(p, requires_grad=True) for p in network.get_weights()]
    out = torch.tensor(X)
    for i in range(0, len(params), 2):
        out = out @ params[i] + params[i + 1]
        out = torch.sigmoid(out) if i == len(params) - 2 else torch.tanh(out)
    value = torch.nn.functional.binary_cross_entropy(out, torch.tensor(y))
    value.backward()
    np.testing.assert_allclose(traced.loss, value.item(), rtol=1e-12)
    for layer, w, b in zip(traced.layers, params[::2], params[1::2]):
        np.testing.assert_allclose(layer.dW, w.grad.numpy(), rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(layer.db, b.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_float32_networks_are_traced_in_float32():
    network = Network.mlp([2, 3, 1], hidden="tanh", output="sigmoid", seed=0, dtype=np.float32)
    X, y = _data(2, 1, "binary_crossentropy")
    traced = trace.step(network, X, y, loss="binary_crossentropy")
    reference = _fit_once(network, X, y, "binary_crossentropy", Adam())
    assert traced.layers[0].dW.dtype == np.float32
    assert _same(traced.weights_after, reference.get_weights())


def test_bad_input_says_what_was_wrong():
    network = Network.mlp([2, 3, 1], output="sigmoid", seed=0)
    X, y = _data(2, 1, "sse")
    with pytest.raises(ValueError, match="needs a loss"):
        trace.step(network, X, y)
    with pytest.raises(ValueError, match="columns"):
        trace.step(network, X[:, :1], y, loss="sse")
    with pytest.raises(ValueError, match="one target per row"):
        trace.step(network, X, y[:3], loss="sse")
    with pytest.raises(ValueError, match="probabilities"):
        trace.step(Network.mlp([2, 1], output="identity"), X, y, loss="binary_crossentropy")
    with pytest.raises(ValueError, match="no single step"):
        trace.step(network, X, y, loss="sse", optimizer="lbfgs")
    traced = trace.step(network, X, y, loss="sse")
    with pytest.raises(ValueError, match="numbered 1 to 2"):
        traced[3]
    assert traced[2] is traced.layers[-1]


def test_a_fitted_network_remembers_its_loss():
    network = Network.mlp([2, 3, 1], output="sigmoid", seed=0)
    X, y = _data(2, 1, "binary_crossentropy")
    network.fit(X, y, loss="binary_crossentropy", epochs=1)
    assert trace.step(network, X, y).loss_name == "binary_crossentropy"


def test_a_custom_activation_is_traced_with_its_own_derivative():
    class Cube(Activation):
        name = "cube"

        def forward(self, z, out=None):
            return np.power(z, 3, out=out)

        def derivative(self, a):
            return 3 * np.cbrt(a) ** 2

    network = Network([Dense(3, 2, Cube()), Dense(2, 1, "identity")], seed=0)
    X, y = _data(3, 1, "mse")
    traced = trace.step(network, X, y, loss="mse", optimizer="sgd")
    hidden = traced.layers[0]
    np.testing.assert_allclose(hidden.da_dz, 3 * hidden.z ** 2, rtol=1e-12)
    assert _same(traced.weights_after, _fit_once(network, X, y, "mse", SGD()).get_weights())


def test_a_scaled_loss_is_traced_as_fit_scales_it():
    from neuronet.losses import BinaryCrossentropy, MeanSquaredError

    for loss, output, k in [(MeanSquaredError(scale=1.5), "identity", 2),
                            (BinaryCrossentropy(scale=0.25), "sigmoid", 1)]:
        network = _network(2, "tanh", output, k)
        X, y = _data(3, k, loss.name)
        traced = trace.step(network, X, y, loss=loss, optimizer="adam")
        reference = _fit_once(network, X, y, loss, Adam())
        assert _same(traced.weights_after, reference.get_weights())
        assert traced.loss == reference.history.history["loss"][0]
        plain = trace.step(network, X, y, loss=loss.name, optimizer="adam")
        np.testing.assert_allclose(traced.layers[0].dW, loss.scale * plain.layers[0].dW,
                                   rtol=1e-12)
