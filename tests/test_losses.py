import warnings

import numpy as np
import pytest

from neuronet import activations, losses


def test_definitions_mean_reduced_as_pytorch_and_keras():
    pred = np.array([[0.2, 0.7], [0.9, 0.4]])
    target = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert losses.get("mse").value(pred, target) == pytest.approx(np.mean((pred - target) ** 2))
    sse = 0.5 * np.sum((pred - target) ** 2)
    assert losses.get("sse").value(pred, target) == pytest.approx(sse)
    bce = -np.mean(target * np.log(pred) + (1 - target) * np.log(1 - pred))
    assert losses.get("binary_crossentropy").value(pred, target) == pytest.approx(bce)
    probs = pred / pred.sum(axis=1, keepdims=True)
    cce = np.mean(-np.sum(target * np.log(probs), axis=1))
    assert losses.get("categorical_crossentropy").value(probs, target) == pytest.approx(cce)


def test_from_logits_agrees_with_the_probabilities():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(5, 3))
    t_binary = rng.integers(0, 2, (5, 3)).astype(float)
    t_onehot = np.eye(3)[rng.integers(0, 3, 5)]
    bce, cce = losses.get("binary_crossentropy"), losses.get("categorical_crossentropy")
    assert bce.value_from_logits(z, t_binary) == pytest.approx(
        bce.value(activations.sigmoid(z), t_binary), rel=1e-12)
    assert cce.value_from_logits(z, t_onehot) == pytest.approx(
        cce.value(activations.softmax(z), t_onehot), rel=1e-12)


@pytest.mark.parametrize("scale", [1e3, -1e3])
def test_huge_logits_give_finite_values_and_gradients_without_warnings(scale):
    z = np.array([[1.0, -1.0, 0.5], [-0.3, 1.0, 0.0]]) * scale
    t = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for loss, act in ((losses.get("binary_crossentropy"), activations.Sigmoid()),
                          (losses.get("categorical_crossentropy"), activations.Softmax())):
            value = loss.value_from_logits(z, t)
            pred = act.forward(z.copy())
            grad = loss.gradient_from_logits(pred, t)
            assert np.isfinite(value) and value > 100  # confidently wrong costs a lot
            assert np.isfinite(pred).all() and np.isfinite(grad).all()
            assert np.abs(grad).max() <= 1


def test_gradient_from_logits_is_prediction_minus_target_over_n():
    pred = np.array([[0.2, 0.8], [0.6, 0.4]])
    t = np.array([[0.0, 1.0], [1.0, 0.0]])
    cce = losses.get("categorical_crossentropy")
    np.testing.assert_allclose(cce.gradient_from_logits(pred, t), (pred - t) / 2)
    bce = losses.get("binary_crossentropy")
    np.testing.assert_allclose(bce.gradient_from_logits(pred, t), (pred - t) / 4)


def test_unknown_loss():
    with pytest.raises(ValueError, match="unknown loss 'l1'"):
        losses.get("l1")


def test_activation_derivatives_in_terms_of_the_output():
    z = np.linspace(-3, 3, 13) + 0.01  # keep clear of relu's kink at 0
    h = 1e-6
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "identity"):
        act = activations.get(name)
        numeric = (act.forward(z + h) - act.forward(z - h)) / (2 * h)
        np.testing.assert_allclose(act.derivative(act.forward(z.copy())), numeric, atol=1e-8,
                                   err_msg=name)


def test_activation_values():
    z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_allclose(activations.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-14)
    np.testing.assert_allclose(activations.relu(z), [[0, 0, 3]])
    np.testing.assert_allclose(activations.leaky_relu(z), [[-0.02, 0, 3]])
    np.testing.assert_allclose(activations.softmax(z), np.exp(z) / np.exp(z).sum())
    np.testing.assert_allclose(activations.tanh(z), np.tanh(z))
    assert activations.identity(z) is z
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert activations.sigmoid(np.array([-1e4, 1e4])).tolist() == [0.0, 1.0]
        assert np.isfinite(activations.softmax(np.array([1e4, -1e4]))).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("z", [
    [[1000.0, 0.0, -5.0], [-1000.0, -999.0, -1001.0], [0.5, 0.2, 0.1]],  # shifted row by row
    [[30.0, 0.0, -5.0], [-20.0, -19.0, -21.0], [0.5, 0.2, 0.1]],  # e^z safe: no shift
])
def test_softmax_training_path_as_precise_as_row_by_row(dtype, z):
    z = np.array(z, dtype=dtype)
    target = np.eye(3, dtype=dtype)[[0, 1, 2]]
    loss = losses.get("categorical_crossentropy")
    out = np.empty_like(z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss.forward_from_logits(z.copy(), target, out=out)
    shifted = z.astype(np.float64) - z.max(axis=1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rtol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(out, np.exp(log_softmax), rtol=rtol, atol=1e-300)
    np.testing.assert_allclose(value, -np.mean(np.sum(target * log_softmax, axis=1)), rtol=rtol)
