"""Each activation's value and derivative: against the formulas, finite differences and
PyTorch's own functions where it has them."""

import numpy as np
import pytest

from neuronet import activations

NAMES = ["sigmoid", "tanh", "relu", "leaky_relu", "softmax", "exp", "identity"]


@pytest.mark.parametrize("name", NAMES)
def test_backward_is_the_chain_rule_of_forward(name):
    rng = np.random.default_rng(0)
    z = rng.standard_normal((5, 4)) * 2
    z[np.abs(z) < 1e-3] = 0.5  # away from relu's kink, where no slope is the slope
    grad = rng.standard_normal((5, 4))
    activation = activations.get(name)
    a = activation.forward(z.copy())
    analytic = activation.backward(a, grad.copy())
    eps = 1e-6
    numeric = np.zeros_like(z)
    for i, j in np.ndindex(*z.shape):
        plus, minus = z.copy(), z.copy()
        plus[i, j] += eps
        minus[i, j] -= eps
        numeric[i, j] = np.sum(grad * (activation.forward(plus) - activation.forward(minus)))
    np.testing.assert_allclose(analytic, numeric / (2 * eps), rtol=1e-6, atol=1e-8)


def test_values_are_the_formulas_and_pytorchs():
    torch = pytest.importorskip("torch")
    z = np.linspace(-40, 40, 81).reshape(9, 9)
    t = torch.from_numpy(z)
    expected = {
        "sigmoid": torch.sigmoid(t), "tanh": torch.tanh(t), "relu": torch.relu(t),
        "leaky_relu": torch.nn.functional.leaky_relu(t, 0.01),
        "softmax": torch.softmax(t, dim=1), "exp": torch.exp(t), "identity": t,
    }
    for name, value in expected.items():
        np.testing.assert_allclose(activations.get(name).forward(z.copy()), value.numpy(),
                                   rtol=1e-12, atol=1e-300)


def test_softmax_is_finite_for_huge_sums_and_each_row_sums_to_one():
    z = np.array([[1000.0, 1001.0, -1000.0], [-1e308, 0.0, 1e308]])
    a = activations.softmax(z)
    assert np.isfinite(a).all()
    np.testing.assert_allclose(a.sum(axis=1), 1.0)
    assert a[1].tolist() == [0.0, 0.0, 1.0]
    with pytest.raises(NotImplementedError, match="use backward"):
        activations.get("softmax").derivative(a)


def test_sigmoid_does_not_overflow_and_leaky_relu_takes_its_slope():
    assert activations.sigmoid(np.array([-1000.0, 1000.0])).tolist() == [0.0, 1.0]
    leaky = activations.LeakyReLU(0.2)
    assert leaky.forward(np.array([-1.0, 2.0])).tolist() == [-0.2, 2.0]
    assert leaky.derivative(leaky.forward(np.array([-1.0, 2.0]))).tolist() == [0.2, 1.0]


def test_activations_by_name_and_errors():
    assert activations.get("tanh") is activations.get("tanh") or \
        type(activations.get("tanh")) is activations.Tanh
    assert set(activations.ACTIVATIONS) == set(NAMES)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        activations.get("swish")
