"""neuronet.sklearn.base: what the classifier and the regressor share."""

import numpy as np
import pytest

import neuronet.sklearn
from neuronet.optimizers import SGD
from neuronet.sklearn import NetClassifier, NetRegressor
from neuronet.sklearn.base import OUT_ACTIVATIONS, NetEstimator, is_stochastic
from neuronet.sklearn.classifier import NetClassifier as DefinedClassifier
from neuronet.sklearn.regressor import NetRegressor as DefinedRegressor


def test_the_package_offers_the_estimators_defined_in_its_modules():
    assert NetClassifier is DefinedClassifier and NetRegressor is DefinedRegressor
    assert neuronet.sklearn.__all__ == ["NetClassifier", "NetRegressor"]
    assert issubclass(NetClassifier, NetEstimator) and issubclass(NetRegressor, NetEstimator)


def test_is_stochastic_follows_the_solver():
    assert is_stochastic(NetClassifier(solver="adam"))
    assert is_stochastic(NetRegressor(solver="sgd"))
    assert not is_stochastic(NetClassifier(solver="lbfgs"))
    assert is_stochastic(NetRegressor(solver=SGD(0.1)))
    assert hasattr(NetClassifier(), "partial_fit")
    assert not hasattr(NetClassifier(solver="lbfgs"), "partial_fit")


def test_a_subclass_that_says_how_targets_become_outputs_is_an_estimator():
    from sklearn.base import RegressorMixin

    from neuronet import losses

    class HalfTarget(RegressorMixin, NetEstimator):
        """Learns y / 2 through the base's loop (a test's estimator)."""

        _output_activation = "identity"
        _loss_divisor = 1.0

        def _prepare_targets(self, y, first, incremental, classes, sample_weight):
            return np.asarray(y, dtype=float)[:, None] / 2, sample_weight

        def _loss_object(self):
            return losses.MeanSquaredError()

        def _validation_score(self, X, y, sample_weight):
            return 0.0

        def fit(self, X, y):
            return self._fit(X, y, None, incremental=False)

    X = np.linspace(0, 1, 20)[:, None]
    est = HalfTarget(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=200, random_state=0)
    est.fit(X, 4 * X[:, 0])
    np.testing.assert_allclose(est.network_.predict(X)[:, 0], 2 * X[:, 0], atol=0.05)
    with pytest.raises(NotImplementedError):
        NetEstimator()._prepare_targets(None, True, False, None, None)


@pytest.mark.parametrize("Estimator, y, expected", [
    (NetClassifier, [0, 1, 0, 1], "logistic"),
    (NetClassifier, [0, 1, 2, 1], "softmax"),
    (NetRegressor, [0.5, 1.0, 2.0, 3.0], "identity"),
])
def test_fitted_attributes_describe_the_network(Estimator, y, expected):
    X = np.arange(8.0).reshape(4, 2)
    est = Estimator(hidden_layer_sizes=(5, 3), max_iter=2, random_state=0).fit(X, y)
    assert est.out_activation_ == expected
    assert OUT_ACTIVATIONS[est.network_.output_activation] == expected
    assert est.n_layers_ == 4 and est.n_iter_ == 2 and est.t_ == 8
    assert [w.shape for w in est.coefs_] == [(2, 5), (5, 3), (3, est.n_outputs_)]
    assert [b.shape for b in est.intercepts_] == [(5,), (3,), (est.n_outputs_,)]
    assert len(est.loss_curve_) == 2 and est.loss_ == est.loss_curve_[-1]



def test_warm_start_continues_from_the_weights_and_a_new_fit_starts_afresh():
    X = np.arange(16.0).reshape(8, 2) / 10
    y = X.sum(axis=1)
    cold = NetRegressor(hidden_layer_sizes=(3,), max_iter=3, random_state=0, shuffle=False)
    first = [w.copy() for w in cold.fit(X, y).coefs_]
    np.testing.assert_array_equal(cold.fit(X, y).coefs_[0], first[0])
    warm = NetRegressor(hidden_layer_sizes=(3,), max_iter=3, random_state=0, shuffle=False,
                        warm_start=True).fit(X, y)
    longer = NetRegressor(hidden_layer_sizes=(3,), max_iter=6, random_state=0, shuffle=False,
                          n_iter_no_change=100).fit(X, y)
    warm.fit(X, y)
    assert not np.array_equal(warm.coefs_[0], first[0])
    assert warm.t_ == longer.t_
