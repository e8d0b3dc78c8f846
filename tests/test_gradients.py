"""Backpropagation against central finite differences, for every layer, activation and loss."""

import itertools

import numpy as np
import pytest

from neuronet import Dense, Dropout, Network, losses

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "softmax", "identity"]
# Each loss with the output activations it makes sense after.
OUTPUTS = {
    "mse": ["sigmoid", "tanh", "relu", "leaky_relu", "softmax", "identity"],
    "sse": ["sigmoid", "tanh", "identity"],
    "binary_crossentropy": ["sigmoid", "softmax"],
    "categorical_crossentropy": ["softmax", "sigmoid"],
}
CASES = [
    (hidden, output, loss)
    for loss, outputs in OUTPUTS.items()
    for hidden, output in itertools.product(HIDDEN, outputs)
]


def _targets(rng, loss, outputs_shape):
    n, k = outputs_shape
    if loss == "categorical_crossentropy":
        return np.eye(k)[rng.integers(0, k, n)]
    if loss == "binary_crossentropy":
        return rng.random((n, k))  # soft targets exercise the general formula
    return rng.normal(size=(n, k))


def _loss_of(net, loss, X, Y, rng_state=None):
    if rng_state is not None:
        net.rng.bit_generator.state = rng_state
    outputs = net.forward(X, training=True)
    if net.fuses(loss):
        return loss.value_from_logits(net.layers[-1].z, Y)
    return loss.value(outputs, Y)


def _analytic(net, loss, X, Y, rng_state=None):
    if rng_state is not None:
        net.rng.bit_generator.state = rng_state
    outputs = net.forward(X, training=True)
    grad = np.empty_like(outputs)
    fused = net.fuses(loss)
    if fused:
        loss.gradient_from_logits(outputs, Y, out=grad)
    else:
        loss.gradient(outputs, Y, out=grad)
    net.backward(grad, through_activation=not fused)
    return [g.copy() for g in net.gradients()]


def _numeric(net, loss, X, Y, rng_state=None, h=1e-6):
    grads = []
    for param in net.parameters():
        grad = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            saved = param[index]
            param[index] = saved + h
            up = _loss_of(net, loss, X, Y, rng_state)
            param[index] = saved - h
            down = _loss_of(net, loss, X, Y, rng_state)
            param[index] = saved
            grad[index] = (up - down) / (2 * h)
        grads.append(grad)
    return grads


def _relative_error(a, b):
    a, b = np.concatenate([g.ravel() for g in a]), np.concatenate([g.ravel() for g in b])
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12)


@pytest.mark.parametrize("hidden, output, loss_name", CASES)
def test_backprop_matches_finite_differences(hidden, output, loss_name):
    rng = np.random.default_rng(7)
    loss = losses.get(loss_name)
    net = Network([Dense(3, 5, hidden), Dense(5, 4, output)], seed=1)
    X = rng.normal(size=(6, 3))
    Y = _targets(rng, loss_name, (6, 4))
    error = _relative_error(_analytic(net, loss, X, Y), _numeric(net, loss, X, Y))
    assert error < 1e-6, f"{hidden} -> {output} with {loss_name}: relative error {error:.2e}"


@pytest.mark.parametrize("loss_name", ["mse", "binary_crossentropy"])
def test_single_output_unit(loss_name):
    rng = np.random.default_rng(3)
    loss = losses.get(loss_name)
    net = Network([Dense(2, 3, "tanh"), Dense(3, 1, "sigmoid")], seed=2)
    X, Y = rng.normal(size=(5, 2)), rng.integers(0, 2, (5, 1)).astype(float)
    assert _relative_error(_analytic(net, loss, X, Y), _numeric(net, loss, X, Y)) < 1e-6


def test_dropout_and_layers_without_bias():
    rng = np.random.default_rng(4)
    loss = losses.get("categorical_crossentropy")
    net = Network(
        [Dense(4, 6, "relu"), Dropout(0.4), Dense(6, 5, "tanh", bias=False), Dropout(0.2),
         Dense(5, 3, "softmax")],
        seed=5,
    )
    X, Y = rng.normal(size=(7, 4)), np.eye(3)[rng.integers(0, 3, 7)]
    state = net.rng.bit_generator.state  # the same dropout masks for every evaluation
    analytic = _analytic(net, loss, X, Y, state)
    numeric = _numeric(net, loss, X, Y, state)
    assert _relative_error(analytic, numeric) < 1e-6
    assert any((layer._mask == 0).any() for layer in net.layers if isinstance(layer, Dropout))


def test_input_gradient_of_dense_layer():
    rng = np.random.default_rng(0)
    layer = Dense(3, 2, "tanh")
    layer.build(rng, np.float64)
    X = rng.normal(size=(4, 3))
    upstream = rng.normal(size=(4, 2))
    layer.forward(X, training=True)
    dx = layer.backward(upstream.copy()).copy()
    numeric = np.zeros_like(X)
    h = 1e-6
    for index in np.ndindex(X.shape):
        up, down = X.copy(), X.copy()
        up[index] += h
        down[index] -= h
        numeric[index] = (np.vdot(layer.forward(up), upstream)
                          - np.vdot(layer.forward(down), upstream)) / (2 * h)
    np.testing.assert_allclose(dx, numeric, rtol=1e-6, atol=1e-9)


# --- PyTorch as the oracle ------------------------------------------------------------------------

TORCH_ACTIVATIONS = {
    "sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu", "identity": None,
    "leaky_relu": "leaky_relu", "softmax": "softmax", "exp": "exp",
}
TORCH_CASES = [("tanh", "identity", "mse"), ("relu", "sigmoid", "binary_crossentropy"),
               ("leaky_relu", "softmax", "categorical_crossentropy"),
               ("sigmoid", "exp", "poisson"), ("tanh", "identity", "sse"),
               ("relu", "softmax", "mse")]


def _torch_loss(torch, name, outputs, targets):
    functional = torch.nn.functional
    if name == "mse":
        return functional.mse_loss(outputs, targets)
    if name == "sse":
        return 0.5 * ((outputs - targets) ** 2).sum()
    if name == "binary_crossentropy":
        return functional.binary_cross_entropy(outputs, targets)
    if name == "categorical_crossentropy":
        return -(targets * torch.log(outputs)).sum(dim=1).mean()
    # PyTorch's poisson_nll_loss is p - t log(p + 1e-8); neuronet's, half the deviance,
    # p - t log p + t log t - t: the same gradient, written out here without the 1e-8.
    deviance = outputs - torch.special.xlogy(targets, outputs)
    return (deviance + torch.special.xlogy(targets, targets) - targets).mean()


@pytest.mark.parametrize("hidden, output, loss_name", TORCH_CASES)
def test_loss_and_gradient_equal_pytorchs_autograd(hidden, output, loss_name):
    """The same network, weights and rows in PyTorch: its autograd's loss and gradient are
    neuronet's, to rounding, for every layer (weights sampled-weighted too)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    net = Network([Dense(5, 6, hidden), Dense(6, 4, hidden), Dense(4, 3, output)], seed=3)
    X = rng.normal(size=(40, 5))
    Y = (rng.poisson(2.0, (40, 3)).astype(float) if loss_name == "poisson"
         else _targets(rng, loss_name, (40, 3)))
    weights = rng.random(40) + 0.5
    total, gradient = net.loss_and_gradient(X, Y, loss_name, sample_weight=weights)
    params = [torch.tensor(p, dtype=torch.float64, requires_grad=True)
              for p in net.parameters()]
    a = torch.from_numpy(X)
    for i, layer in enumerate(net.layers):
        a = a @ params[2 * i] + params[2 * i + 1]
        act = TORCH_ACTIVATIONS[layer.activation.name]
        if act == "softmax":
            a = torch.softmax(a, dim=1)
        elif act == "leaky_relu":
            a = torch.nn.functional.leaky_relu(a, 0.01)
        elif act is not None:
            a = getattr(torch, act)(a)
    targets = torch.from_numpy(Y)
    w = torch.from_numpy(weights)[:, None]
    per_row = [_torch_loss(torch, loss_name, a[i:i + 1], targets[i:i + 1]) for i in range(40)]
    # neuronet's total is each row's loss times its weight, summed.
    expected = sum(w[i, 0] * per_row[i] for i in range(40))
    expected.backward()
    assert total == pytest.approx(expected.item(), rel=1e-10)
    torch_gradient = np.concatenate([p.grad.numpy().ravel() for p in params])
    np.testing.assert_allclose(gradient, torch_gradient, rtol=1e-9, atol=1e-12)
