import io
import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import neuronet
from neuronet.sklearn import NetClassifier, NetRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _float32_limits(estimator):
    # Two checks compare a fit with integer sample weights and a fit on repeated rows to
    # rtol=1e-7: float32 arithmetic itself rounds at 6e-8, and 200 epochs of Adam carry those
    # roundings to about 1e-5 (test_float32_sample_weight_equivalence checks that bound).
    if estimator.dtype != "float32":
        return {}
    reason = "float32 arithmetic cannot agree to rtol=1e-7 after 200 epochs"
    return {"check_sample_weight_equivalence_on_dense_data": reason,
            "check_sample_weight_equivalence_on_sparse_data": reason}


@parametrize_with_checks([NetClassifier(), NetRegressor(), NetClassifier(dtype="float32"),
                          NetRegressor(dtype="float32"), NetRegressor(solver="sgd")],
                         expected_failed_checks=_float32_limits)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("Estimator", [NetClassifier, NetRegressor])
def test_float32_sample_weight_equivalence(Estimator):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) if Estimator is NetClassifier else X @ [1, 2, 0, -1]
    weights = rng.integers(0, 3, size=60)
    settings = dict(hidden_layer_sizes=(8,), dtype="float32", random_state=0, shuffle=False)
    weighted = Estimator(**settings).fit(X, y, sample_weight=weights)
    repeated = Estimator(**settings).fit(X.repeat(weights, axis=0), y.repeat(weights))
    out = "predict_proba" if Estimator is NetClassifier else "predict"
    np.testing.assert_allclose(getattr(weighted, out)(X), getattr(repeated, out)(X), rtol=1e-4,
                               atol=1e-6)


def test_pipeline_with_scaler_and_cross_val_score_on_real_data():
    X, y = load_breast_cancer(return_X_y=True)  # unscaled: features range over 1e-3..1e3
    model = make_pipeline(StandardScaler(), NetClassifier((16,), max_iter=100, random_state=0))
    scores = cross_val_score(model, X, y, cv=3)
    assert scores.mean() > 0.93
    model.fit(X, y)
    assert model.predict(X[:5]).tolist() == y[:5].tolist()


def test_grid_search_in_two_processes(iris):
    X, y = iris
    model = Pipeline([("scale", StandardScaler()), ("net", NetClassifier(max_iter=40,
                                                                          random_state=0))])
    grid = {"net__hidden_layer_sizes": [(4,), (16,)], "net__learning_rate_init": [0.001, 0.03]}
    search = GridSearchCV(model, grid, cv=3, n_jobs=2).fit(X, y)
    assert search.best_params_["net__learning_rate_init"] == 0.03
    assert search.best_score_ > 0.85
    assert search.score(X, y) > 0.9


def test_predict_proba_columns_follow_classes_for_string_labels(iris):
    X, y = iris
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = NetClassifier((16,), max_iter=60, learning_rate_init=0.02, random_state=0)
    clf.fit(X, labels)
    assert clf.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    predicted = clf.predict(X)
    assert predicted.dtype == labels.dtype
    assert (predicted == clf.classes_[proba.argmax(axis=1)]).all()
    assert np.mean(predicted == labels) > 0.9
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba))


@pytest.mark.parametrize("labels", [[-1, 7], ["no", "yes"], [False, True], [0.0, 3.0]])
def test_binary_labels_of_any_kind(iris, labels):
    X, y = iris
    target = np.array(labels)[(y == 0).astype(int)]
    clf = NetClassifier((8,), max_iter=50, learning_rate_init=0.02, random_state=0).fit(X, target)
    assert clf.classes_.tolist() == sorted(labels)
    assert clf.n_outputs_ == 1 and clf.out_activation_ == "logistic"
    assert clf.predict_proba(X).shape == (150, 2)
    assert clf.score(X, target) == 1.0  # setosa is linearly separable


def test_multilabel_indicator_targets(iris):
    X, y = iris
    Y = np.column_stack([y == 0, y == 2, X[:, 0] > 0]).astype(np.int64)
    clf = NetClassifier((16,), max_iter=100, learning_rate_init=0.02, random_state=0).fit(X, Y)
    predicted = clf.predict(X)
    assert predicted.shape == Y.shape and predicted.dtype == Y.dtype
    assert (predicted == Y).mean() > 0.9
    assert clf.predict_proba(X).shape == (150, 3)


def test_multi_output_regression():
    X, Y = make_regression(n_samples=200, n_features=5, n_targets=3, noise=0.1, random_state=0)
    Y = Y / Y.std(axis=0)
    reg = NetRegressor(hidden_layer_sizes=(32,), max_iter=300, learning_rate_init=0.01,
                       random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (200, 3)
    assert reg.score(X, Y) > 0.98
    single = NetRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(X, Y[:, 0])
    assert single.predict(X).shape == (200,)
    column = NetRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(X, Y[:, :1])
    assert column.predict(X).shape == (200,)  # as MLPRegressor: one target, one column


def test_partial_fit_learns_batch_by_batch(iris):
    X, y = iris
    order = np.random.default_rng(0).permutation(len(y))
    X, y = X[order], y[order]
    clf = NetClassifier((16,), learning_rate_init=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X[:50], y[:50])
    clf.partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    network = clf.network_
    start = clf.network_.get_weights()
    first_score = clf.score(X, y)
    for _ in range(40):
        for part in range(0, 150, 50):
            clf.partial_fit(X[part:part + 50], y[part:part + 50])
    assert clf.network_ is network  # continued, not started afresh
    assert not all(np.array_equal(a, b) for a, b in zip(start, network.get_weights()))
    assert clf.n_iter_ == 121 and len(clf.loss_curve_) == 121
    assert clf.t_ == 121 * 50
    assert clf.score(X, y) > max(first_score, 0.9)
    with pytest.raises(ValueError, match="not among the classes"):
        clf.partial_fit(X[:3], [0, 1, 5])
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[:3, :2], y[:3])


def test_partial_fit_of_a_batch_holding_one_class(iris):
    X, y = iris
    clf = NetClassifier((8,), random_state=0).partial_fit(X[:10], y[:10], classes=[2, 0, 1])
    assert set(y[:10]) == {0}
    assert clf.classes_.tolist() == [0, 1, 2]
    assert clf.predict_proba(X).shape == (150, 3)


def test_regressor_partial_fit_continues():
    X, y = make_regression(n_samples=100, n_features=4, noise=0.1, random_state=1)
    y = y / y.std()
    reg = NetRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
    reg.partial_fit(X, y)
    before = reg.loss_
    for _ in range(50):
        reg.partial_fit(X, y)
    assert reg.loss_ < before / 10 and reg.n_iter_ == 51


def test_integer_sample_weight_equals_repeating_rows(iris):
    X, y = iris
    weights = np.random.default_rng(3).integers(0, 4, size=len(y))
    settings = dict(hidden_layer_sizes=(8,), max_iter=30, random_state=0, batch_size=1000)
    weighted = NetClassifier(**settings).fit(X, y, sample_weight=weights)
    repeated = NetClassifier(**settings).fit(X.repeat(weights, axis=0), y.repeat(weights))
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-9)
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-9)


def test_sample_weight_shifts_the_decision(iris):
    X, y = iris
    both = y != 0
    X, y = X[both], y[both]
    settings = dict(hidden_layer_sizes=(8,), max_iter=100, learning_rate_init=0.02, random_state=0)
    plain = NetClassifier(**settings).fit(X, y)
    favour_2 = NetClassifier(**settings).fit(X, y, sample_weight=np.where(y == 2, 10.0, 1.0))
    assert (favour_2.predict(X) == 2).sum() > (plain.predict(X) == 2).sum()


@pytest.mark.parametrize("weights, message", [
    (-np.ones(150), "negative"),
    (np.zeros(150), "zero"),
    (np.ones(149), "shape"),
])
def test_bad_sample_weight(iris, weights, message):
    X, y = iris
    with pytest.raises(ValueError, match=message):
        NetClassifier((4,), max_iter=1).fit(X, y, sample_weight=weights)


@pytest.mark.parametrize("dump, load", [
    (pickle.dumps, pickle.loads),
    (lambda obj: _joblib_bytes(obj), lambda data: joblib.load(io.BytesIO(data))),
])
def test_pickle_and_joblib_round_trips(iris, dump, load):
    X, y = iris
    clf = NetClassifier((8,), max_iter=20, random_state=0).fit(X, y)
    copy = load(dump(clf))
    np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))
    assert copy.get_params() == clf.get_params()
    # Training goes on as it would have: the solver's moment estimates came along too.
    copy.partial_fit(X, y)
    clf.partial_fit(X, y)
    assert copy.n_iter_ == clf.n_iter_
    np.testing.assert_array_equal(copy.coefs_[0], clf.coefs_[0])
    momentum = NetClassifier((8,), solver="sgd", max_iter=5, random_state=0).fit(X, y)
    copy = load(dump(momentum))
    momentum.partial_fit(X, y)
    copy.partial_fit(X, y)
    np.testing.assert_array_equal(copy.coefs_[0], momentum.coefs_[0])
    reg = NetRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(X[:, 1:], X[:, 0])
    np.testing.assert_array_equal(load(dump(reg)).predict(X[:, 1:]), reg.predict(X[:, 1:]))


def _joblib_bytes(obj):
    buffer = io.BytesIO()
    joblib.dump(obj, buffer)
    return buffer.getvalue()


def test_same_random_state_same_model_and_global_state_untouched(iris):
    X, y = iris
    np.random.seed(5)
    before = np.random.get_state()[1].copy()
    a = NetClassifier((8,), max_iter=10, random_state=4).fit(X, y)
    b = NetClassifier((8,), max_iter=10, random_state=4).fit(X, y)
    c = NetClassifier((8,), max_iter=10, random_state=5).fit(X, y)
    NetClassifier((8,), max_iter=2).fit(X, y)  # random_state=None: fresh entropy
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_stops_when_the_loss_settles_and_warns_when_it_does_not(iris):
    X, y = iris
    settled = NetClassifier((16,), max_iter=2000, learning_rate_init=0.05, tol=1e-3,
                            n_iter_no_change=5, random_state=0).fit(X, y)
    assert settled.n_iter_ < 2000
    assert settled.best_loss_ == min(settled.loss_curve_)
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\)"):
        NetClassifier((4,), max_iter=3, random_state=0).fit(X, y)


def test_early_stopping_keeps_the_best_validation_epoch(iris):
    X, y = iris
    clf = NetClassifier((16,), max_iter=500, early_stopping=True, validation_fraction=0.2,
                        learning_rate_init=0.05, n_iter_no_change=5, random_state=0).fit(X, y)
    assert clf.n_iter_ < 500
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_) >= 0.9
    assert clf.best_loss_ is None
    reg = NetRegressor(hidden_layer_sizes=(8,), max_iter=200, early_stopping=True, random_state=0)
    reg.fit(X[:, 1:], X[:, 0])
    assert reg.best_validation_score_ == max(reg.validation_scores_)


def test_optimizer_settings(iris):
    X, y = iris
    sgd = NetClassifier((16,), solver="sgd", learning_rate_init=0.1, momentum=0.9,
                        max_iter=50, random_state=0).fit(X, y)
    assert sgd.score(X, y) > 0.9
    given = neuronet.SGD(learning_rate=0.1, momentum=0.9)
    clf = NetClassifier((16,), solver=given, max_iter=50, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9
    assert given._params is None  # the setting itself was not used up by fit
    assert clone(clf).get_params()["solver"] is not None
    tanh = NetClassifier((16, 8), activation="tanh", max_iter=60, learning_rate_init=0.02,
                         random_state=0).fit(X, y)
    assert [layer.activation.name for layer in tanh.network_.layers] == \
        ["tanh", "tanh", "softmax"]
    assert [w.shape for w in tanh.coefs_] == [(4, 16), (16, 8), (8, 3)]
    assert [b.shape for b in tanh.intercepts_] == [(16,), (8,), (3,)]
    assert tanh.n_layers_ == 4


def test_warm_start_continues_from_the_current_weights(iris):
    X, y = iris
    clf = NetClassifier((8,), max_iter=5, warm_start=True, random_state=0).fit(X, y)
    network = clf.network_
    clf.fit(X, y)
    # As MLPClassifier: n_iter_ counts the epochs of the last fit, t_ the examples of all.
    assert clf.network_ is network and clf.n_iter_ == 5 and clf.t_ == 10 * 150
    cold = NetClassifier((8,), max_iter=5, random_state=0).fit(X, y)
    cold.fit(X, y)
    assert cold.n_iter_ == 5


def test_float32_estimator(iris):
    X, y = iris
    clf = NetClassifier((16,), max_iter=60, learning_rate_init=0.02, dtype="float32",
                        random_state=0).fit(X, y)
    assert clf.network_.dtype == np.float32
    # Predictions follow the input's precision, as scikit-learn's estimators' do.
    assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba, clf.network_.predict(X), rtol=1e-5, atol=1e-6)
    # Computed in float64 from the float32 logits, confident probabilities do not tie at 1.
    z = clf.decision_function(X)
    assert z.dtype == np.float64
    assert np.array_equal(np.argsort(-z, axis=1, kind="stable"),
                          np.argsort(-proba, axis=1, kind="stable"))
    assert clf.score(X, y) > 0.9


def test_dataframe_input_keeps_feature_names():
    data = load_iris(as_frame=True)
    X = (data.data - data.data.mean()) / data.data.std()
    clf = NetClassifier((8,), max_iter=20, random_state=0).fit(X, data.target)
    assert clf.feature_names_in_.tolist() == data.data.columns.tolist()
    assert clf.predict(X.iloc[:3]).shape == (3,)
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X.to_numpy()[:3])
    reg = NetRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    reg.fit(X.iloc[:, 1:], pd.Series(X.iloc[:, 0]))
    assert reg.n_features_in_ == 3


@pytest.mark.parametrize("setting, message", [
    ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": "wide"}, "hidden_layer_sizes"),
    ({"activation": "swish"}, "activation"),
    ({"solver": "rmsprop"}, "solver"),
    ({"max_iter": 0}, "max_iter"),
    ({"learning_rate": "cyclic"}, "learning_rate"),
    ({"n_iter_no_change": 0}, "n_iter_no_change"),
    ({"max_fun": 0}, "max_fun"),
    ({"batch_size": 0}, "batch_size"),
    ({"validation_fraction": 1.0}, "validation_fraction"),
    ({"dtype": "int32"}, "dtype"),
    ({"learning_rate_init": -1}, "learning_rate"),
])
def test_bad_settings_are_named_at_fit(iris, setting, message):
    X, y = iris
    clf = NetClassifier(**setting)  # scikit-learn's rule: no checks before fit
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)


def test_errors_a_user_meets(iris):
    X, y = iris
    with pytest.raises(NotFittedError):
        NetClassifier().predict(X)
    single = NetClassifier((4,), max_iter=2).fit(X, np.zeros(150))  # as MLPClassifier does
    assert (single.predict(X) == 0).all()
    with pytest.raises(ValueError, match="NaN"):
        NetRegressor().fit(np.where(X > 2, np.nan, X), y)
    with pytest.raises(ValueError, match="Unknown label type"):
        NetClassifier().fit(X, X[:, 0])
    clf = NetClassifier((4,), max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="4 features"):
        clf.predict(X[:, :3])


def test_missing_scikit_learn_names_the_extra(monkeypatch):
    import importlib
    import sys

    monkeypatch.setitem(sys.modules, "sklearn.base", None)
    monkeypatch.delitem(sys.modules, "neuronet.sklearn")
    with pytest.raises(ImportError, match=r"neuronet\[sklearn\]"):
        importlib.import_module("neuronet.sklearn")


def test_convergence_warning_is_scikit_learns():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        NetRegressor(hidden_layer_sizes=(2,), max_iter=1, random_state=0).fit([[0.0], [1.0]],
                                                                              [0.0, 1.0])
    assert any(issubclass(w.category, ConvergenceWarning) for w in caught)


def test_decision_function_gives_the_logits(iris):
    X, y = iris
    binary = NetClassifier((8,), max_iter=30, random_state=0).fit(X, y == 1)
    z = binary.decision_function(X)
    assert z.shape == (150,)
    np.testing.assert_allclose(binary.predict_proba(X)[:, 1], 1 / (1 + np.exp(-z)))
    assert ((z > 0) == binary.predict(X)).all()
    multi = NetClassifier((8,), max_iter=30, random_state=0).fit(X, y)
    z = multi.decision_function(X)
    expected = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(multi.predict_proba(X), expected)
