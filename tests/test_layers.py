"""Dense and Dropout on their own: shapes, sums, what they keep for backward, settings."""

import numpy as np
import pytest

from neuronet import Dense, Dropout, Network


def test_dense_shapes_and_forward():
    layer = Dense(3, 2, "identity")
    net = Network([layer], seed=0)
    assert layer.weights.shape == (3, 2) and layer.bias.shape == (2,)
    assert net.layers == [layer]
    layer.bias[:] = [1.0, -1.0]
    X = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(net.predict(X), X @ layer.weights + layer.bias)


def test_dense_without_bias():
    layer = Dense(3, 2, bias=False)
    Network([layer])
    assert layer.bias is None
    assert layer.parameters() == [layer.weights]


def test_dense_backward_is_the_conventions_of_the_design():
    layer = Dense(3, 2, "identity")
    Network([layer], seed=1)
    X = np.arange(12.0).reshape(4, 3)
    layer.forward(X, training=True)
    dz = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [-1.0, 0.5]])
    dx = layer.backward(dz.copy())
    np.testing.assert_allclose(layer.grad_weights, X.T @ dz)
    np.testing.assert_allclose(layer.grad_bias, dz.sum(axis=0))
    np.testing.assert_allclose(dx, dz @ layer.weights.T)


def test_dense_weights_given_are_checked():
    layer = Dense(3, 2)
    layer.weights = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"weights have shape \(2, 3\), expected \(3, 2\)"):
        Network([layer])
    with pytest.raises(ValueError, match="n_outputs must be at least 1"):
        Dense(3, 0)


def test_dense_config_and_repr_rebuild_it():
    layer = Dense(4, 2, "leaky_relu", bias=False, init="he_normal")
    assert layer.config() == {"type": "Dense", "n_inputs": 4, "n_outputs": 2,
                              "activation": "leaky_relu", "bias": False, "init": "he_normal",
                              "alpha": 0.01}
    assert repr(layer) == 'Dense(4, 2, activation="leaky_relu", bias=False, init=\'he_normal\')'


def test_dropout_silences_and_rescales_while_training_only():
    dropout = Dropout(0.25)
    net = Network([Dense(1000, 1000, "identity"), dropout], seed=0)
    X = np.ones((4, 1000))
    assert dropout.forward(X) is X  # predicting: nothing changes
    out = dropout.forward(X, training=True)
    kept = out != 0
    assert 0.70 < kept.mean() < 0.80
    np.testing.assert_allclose(out[kept], 1 / 0.75)
    grad = dropout.backward(np.ones_like(X))
    np.testing.assert_array_equal(grad != 0, kept)
    assert net.n_parameters() == 1000 * 1000 + 1000 and dropout.config() == {
        "type": "Dropout", "rate": 0.25}
    with pytest.raises(ValueError, match=r"Dropout rate must be a number in \[0, 1\)"):
        Dropout(1.0)


def test_a_layer_pickled_without_the_buffer_views_still_trains():
    import pickle

    import neuronet

    net = neuronet.Network.mlp([3, 4, 2], seed=0)
    X, y = np.ones((6, 3)), np.array([0, 1, 0, 1, 0, 1])
    net.fit(X, y, loss="categorical_crossentropy", epochs=1, batch_size=4)
    state = net.layers[0].__getstate__()
    del state["_views"]  # as an earlier version wrote it
    layer = Dense.__new__(Dense)
    layer.__setstate__(pickle.loads(pickle.dumps(state)))
    assert layer._views == {}
    before = layer.weights.copy()
    layer.forward(X[:4], training=True)
    assert layer._views and np.array_equal(layer.weights, before)


def test_buffers_follow_the_batch_shape_and_stay_bounded():
    import neuronet

    net = neuronet.Network.mlp([3, 4, 2], seed=0)
    layer = net.layers[0]
    big = layer._buffer("z", (8, 4))
    small = layer._buffer("z", (3, 4))
    assert small.base is big and layer._buffer("z", (3, 4)) is small
    bigger = layer._buffer("z", (16, 4))  # a new buffer: the views of the old one are dropped
    assert layer._buffer("z", (3, 4)).base is bigger
    for rows in range(1, 17):
        layer._buffer("z", (rows, 4))
    assert len(layer._views) <= 65
