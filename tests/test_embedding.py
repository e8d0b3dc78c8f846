"""The Embedding layer: lookups, the gradient of its tables, and what it refuses."""

import numpy as np
import pytest

from neuronet import Network
from neuronet.embedding import Embedding
from neuronet.layers import Dense, Dropout
from neuronet.optimizers import Adam


def _inputs(rng, n=7):
    # columns: a number, codes of 3, a number, codes of 5
    return np.column_stack([rng.normal(size=n), rng.integers(0, 3, n), rng.normal(size=n),
                            rng.integers(0, 5, n)]).astype(np.float64)


def test_forward_passes_numbers_and_looks_up_vectors():
    layer = Embedding(4, [1, 3], [3, 5], 2)
    layer.build(np.random.default_rng(0), np.float64)
    X = np.array([[0.5, 2.0, -1.0, 4.0], [1.5, 0.0, 2.0, 1.0]])
    out = layer.forward(X)
    assert out.shape == (2, 2 + 2 * 2) and layer.n_outputs == 6
    np.testing.assert_array_equal(out[:, :2], X[:, [0, 2]])
    np.testing.assert_array_equal(out[0, 2:4], layer.weights[2])
    np.testing.assert_array_equal(out[0, 4:], layer.weights[3 + 4])
    np.testing.assert_array_equal(out[1, 4:], layer.weights[3 + 1])


def test_codes_out_of_range_or_not_whole_read_as_zero():
    layer = Embedding(2, [1], [3], 2)
    layer.build(np.random.default_rng(0), np.float64)
    X = np.array([[0.0, 3.0], [0.0, -1.0], [0.0, 1.5], [0.0, np.nan], [0.0, 2.0]])
    rows = layer.codes(X)
    assert rows[:, 0].tolist() == [0, 0, 0, 0, 2]


def test_gradient_agrees_with_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    X = _inputs(rng, 9)
    y = rng.normal(size=(9, 1))
    net = Network([Embedding(4, [1, 3], [3, 5], 3), Dense(2 + 6, 4, "tanh"),
                   Dense(4, 1, "identity")], seed=2)
    emb, d1, d2 = net.layers
    out = net.forward(X, training=True)
    grad = 2 * (out - y) / len(y)  # mse
    net.backward(grad)

    table = torch.tensor(emb.weights, requires_grad=True)
    w1 = torch.tensor(d1.weights, requires_grad=True)
    codes = torch.tensor(X[:, [1, 3]].astype(np.int64) + np.array([0, 3]))
    vectors = table[codes].reshape(9, -1)
    h = torch.tanh(torch.cat([torch.tensor(X[:, [0, 2]]), vectors], 1) @ w1 +
                   torch.tensor(d1.bias))
    pred = h @ torch.tensor(d2.weights) + torch.tensor(d2.bias)
    loss = ((pred - torch.tensor(y)) ** 2).mean()
    loss.backward()
    np.testing.assert_allclose(emb.grad_weights, table.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(d1.grad_weights, w1.grad.numpy(), atol=1e-12)
    unused = np.setdiff1d(np.arange(8), codes.numpy().ravel())
    assert np.all(emb.grad_weights[unused] == 0)


def test_gradient_agrees_with_finite_differences():
    rng = np.random.default_rng(3)
    X = _inputs(rng, 6)
    y = rng.normal(size=(6, 1))
    net = Network([Embedding(4, [1, 3], [3, 5], 2), Dense(6, 1, "identity")], seed=4)
    net.forward(X, training=True)
    net.backward(2 * (net.forward(X, training=True) - y) / len(y))
    table = net.layers[0].weights
    analytic = net.layers[0].grad_weights.copy()
    numeric = np.zeros_like(table)
    for index in np.ndindex(*table.shape):
        kept = table[index]
        table[index] = kept + 1e-6
        up = np.mean((net.predict(X) - y) ** 2)
        table[index] = kept - 1e-6
        down = np.mean((net.predict(X) - y) ** 2)
        table[index] = kept
        numeric[index] = (up - down) / 2e-6
    np.testing.assert_allclose(analytic, numeric, atol=1e-7)


def test_training_learns_a_value_per_code():
    rng = np.random.default_rng(5)
    codes = rng.integers(0, 50, 2000)
    effect = rng.normal(size=50)
    X = np.column_stack([rng.normal(size=2000), codes]).astype(np.float64)
    y = (effect[codes] + 0.1 * X[:, 0])[:, None]
    net = Network([Embedding(2, [1], [50], 4), Dense(5, 16, "relu"), Dense(16, 1, "identity")],
                  seed=0)
    net.fit(X, y, loss="mse", optimizer=Adam(learning_rate=0.01), epochs=30, batch_size=64)
    residual = np.mean((net.predict(X) - y) ** 2) / np.var(y)
    assert residual < 0.05


def test_network_takes_the_embedding_inputs_and_checks_the_next_width():
    net = Network([Embedding(3, [0], [4], 2), Dense(4, 1)], seed=0)
    assert net.n_inputs == 3 and net.n_parameters() == 4 * 2 + 4 + 1
    with pytest.raises(ValueError, match="takes 5 inputs"):
        Network([Embedding(3, [0], [4], 2), Dense(5, 1)])


@pytest.mark.parametrize("args, message", [
    ((3, [], [], 2), "at least one column"),
    ((3, [0, 1], [4], 2), "one count per code column"),
    ((3, [1, 0], [4, 4], 2), "must increase"),
    ((3, [3], [4], 2), "below n_inputs"),
    ((3, [0], [0], 2), "count of codes"),
    ((3, [0], [4], 0), "dim"),
])
def test_refuses_wrong_settings(args, message):
    with pytest.raises(ValueError, match=message):
        Embedding(*args)


def test_the_input_gradient_is_that_of_the_passed_columns():
    layer = Embedding(3, [1], [4], 2)
    layer.build(np.random.default_rng(0), np.float64)
    X = np.array([[1.0, 2.0, 3.0]])
    layer.forward(X, training=True)
    back = layer.backward(np.array([[0.5, -0.5, 1.0, 2.0]]))
    np.testing.assert_array_equal(back, [[0.5, 0.0, -0.5]])
    assert layer.backward(np.array([[0.5, -0.5, 1.0, 2.0]]), need_input_grad=False) is None


def _embedded_network(dtype=np.float64):
    return Network([Embedding(4, [1, 3], [3, 5], 2, drop=0.1), Dense(6, 3, "relu"), Dropout(0.2),
                    Dense(3, 2, "softmax")], seed=0, dtype=dtype)


def test_saved_and_loaded_it_predicts_the_same(tmp_path):
    import neuronet

    net = _embedded_network()
    X = _inputs(np.random.default_rng(0), 20)
    path = net.save(tmp_path / "model.npz")
    loaded = neuronet.load(path)
    assert isinstance(loaded.layers[0], Embedding)
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))


def test_a_file_with_an_embedding_is_of_format_version_2(tmp_path):
    from neuronet.serialization.network import network_header

    assert network_header(_embedded_network(), {})["format_version"] == 2
    plain = Network([Dense(2, 1)], seed=0)
    assert network_header(plain, {})["format_version"] == 1


def test_an_embedding_that_is_not_first_cannot_be_saved(tmp_path):
    net = Network([Dense(3, 4), Embedding(4, [0], [2], 2), Dense(5, 1)], seed=0)
    with pytest.raises(ValueError, match="an Embedding as the first layer"):
        net.save(tmp_path / "model.npz")


@pytest.mark.parametrize("field, value, message", [
    ("columns", [3, 1], "expected increasing positions"),
    ("columns", [1, 9], "expected increasing positions"),
    ("counts", [3], "one count from 1"),
    ("counts", [3, 0], "one count from 1"),
    ("dim", 0, "has dim 0"),
    ("dim", 3, "takes 6 inputs, but the Embedding layer before it gives 8"),
    ("extra", 1, "an Embedding layer has"),
    ("drop", 1.0, "has drop 1.0"),
])
def test_a_malformed_embedding_in_a_file_is_refused(tmp_path, field, value, message):
    from neuronet.serialization.archive import Problem
    from neuronet.serialization.network import check_header, network_header

    header = network_header(_embedded_network(), {})
    header["layers"][0][field] = value
    with pytest.raises(Problem, match=message):
        check_header(header)
    header = network_header(_embedded_network(), {})
    header["format_version"] = 1
    with pytest.raises(Problem, match="may come first only, in a file of version 2"):
        check_header(header)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_onnx_computes_what_the_network_does(dtype):
    ort = pytest.importorskip("onnxruntime")
    net = _embedded_network(dtype)
    X = _inputs(np.random.default_rng(1), 50)
    X[0, 1], X[1, 3], X[2, 1] = 7.0, -1.0, 1.5  # out of range, negative, not whole: code 0
    model = net.to_onnx()
    session = ort.InferenceSession(model.SerializeToString())
    got = session.run(None, {"X": X.astype(dtype)})[0]
    np.testing.assert_allclose(got, net.predict(X.astype(dtype)), atol=1e-5)


def test_drop_reads_codes_as_other_while_training_only():
    layer = Embedding(1, [0], [5], 2, drop=0.5)
    layer.build(np.random.default_rng(0), np.float64)
    X = np.full((2000, 1), 3.0)
    trained = layer.forward(X, training=True)
    other = np.all(trained == layer.weights[0], axis=1)
    assert 0.45 < other.mean() < 0.55
    assert np.all(trained[~other] == layer.weights[3])
    assert np.all(layer.forward(X) == layer.weights[3])
    # the gradient goes to the rows that were read: "other" learns from the dropped codes
    layer.backward(np.ones((2000, 2)), need_input_grad=False)
    assert layer.grad_weights[0, 0] == other.sum() and layer.grad_weights[3, 0] == (~other).sum()
    with pytest.raises(ValueError, match="drop must be a number in"):
        Embedding(1, [0], [5], 2, drop=1.0)
