"""neuronet.sklearn.regressor: NetRegressor's own parts, its losses and the shape of its
predictions."""

import numpy as np
import pytest

from neuronet.sklearn import NetRegressor


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    return X, X @ [1.0, -2.0, 0.5]


def test_y_ndim_follows_the_targets_and_shapes_the_predictions(data):
    X, y = data
    one = NetRegressor(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(X, y)
    assert one.y_ndim_ == 1 and one.predict(X).shape == (40,)
    column = NetRegressor(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(
        X, y[:, None])
    # As MLPRegressor: a single column is one target, predicted as shape (n_samples,).
    assert column.y_ndim_ == 1 and column.predict(X).shape == (40,)
    two = NetRegressor(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(
        X, np.column_stack([y, -y]))
    assert two.y_ndim_ == 2 and two.n_outputs_ == 2 and two.predict(X).shape == (40, 2)
    np.testing.assert_array_equal(one.predict(X), column.predict(X))


def test_the_reported_loss_is_scikit_learns_half_squared_error_per_target(data):
    X, y = data
    Y = np.column_stack([y, 2 * y])
    reg = NetRegressor(hidden_layer_sizes=(4,), max_iter=1, random_state=0, alpha=0.0,
                       solver="lbfgs").fit(X, Y)
    outputs = reg.network_.predict(X)
    # lbfgs reports the loss at its last weights' evaluation: close to those it ends on.
    half_mse = ((outputs - Y) ** 2).sum(axis=1).mean() / 2 / 2
    assert reg.loss_ == pytest.approx(half_mse, rel=0.5)


def test_poisson_learns_counts_and_refuses_negative_targets(data):
    X, _ = data
    counts = np.random.default_rng(1).poisson(np.exp(0.5 * X[:, 0]))
    reg = NetRegressor(loss="poisson", hidden_layer_sizes=(4,), max_iter=50,
                       random_state=0).fit(X, counts)
    assert reg.out_activation_ == "exp" and (reg.predict(X) > 0).all()
    with pytest.raises(ValueError, match="needs targets of zero or more"):
        NetRegressor(loss="poisson").fit(X, counts - 5.0)
    with pytest.raises(ValueError, match="loss must be one of 'squared_error', 'poisson'"):
        NetRegressor(loss="absolute_error").fit(X, counts)


def test_partial_fit_keeps_the_number_of_targets(data):
    X, y = data
    reg = NetRegressor(hidden_layer_sizes=(4,), random_state=0)
    reg.partial_fit(X, y)
    reg.partial_fit(X, y)
    assert reg.n_iter_ == 2
    with pytest.raises(ValueError, match="y has 2 targets, but the regressor was fitted on 1"):
        reg.partial_fit(X, np.column_stack([y, y]))
