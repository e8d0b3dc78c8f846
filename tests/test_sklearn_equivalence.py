"""NetClassifier and NetRegressor take scikit-learn's steps: from the same random_state they start
from the same weights, and one step of each solver with each loss lands on the same weights as
MLPClassifier/MLPRegressor, to 1e-10. Also the behaviours that scikit-learn's test_mlp.py checks
through private attributes, here in neuronet's own terms."""

import re
import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

from neuronet import Dense, Network
from neuronet.sklearn import NetClassifier, NetRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 6))
TARGETS = {
    "binary": (X[:, 0] > 0).astype(int),
    "multiclass": np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5]),
    "multilabel": (X[:, :3] > 0).astype(int),
    "squared_error": X @ RNG.normal(size=6),
    "squared_error_3": X @ RNG.normal(size=(6, 3)),
    "poisson": RNG.poisson(np.exp(0.3 * X[:, 0])).astype(float),
}
SOLVERS = {
    "sgd": dict(solver="sgd", momentum=0.0),
    "sgd_momentum": dict(solver="sgd", momentum=0.9, nesterovs_momentum=False),
    "sgd_nesterov": dict(solver="sgd", momentum=0.9, nesterovs_momentum=True),
    "adam": dict(solver="adam"),
    "lbfgs": dict(solver="lbfgs"),
}


def _pair(task, **settings):
    if task in ("binary", "multiclass", "multilabel"):
        return MLPClassifier(**settings), NetClassifier(**settings)
    loss = "poisson" if task == "poisson" else "squared_error"
    return MLPRegressor(loss=loss, **settings), NetRegressor(loss=loss, **settings)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("task", TARGETS)
@pytest.mark.parametrize("weighted", [False, True])
def test_one_step_equals_scikit_learns(task, solver, weighted):
    if task == "squared_error_3" and solver == "lbfgs":
        pytest.skip("scikit-learn's L-BFGS objective for several targets reports the mean over "
                    "targets but follows the gradient of their sum; neuronet keeps the two "
                    "consistent (the sum), so its line search sees other values")
    settings = dict(hidden_layer_sizes=(5,), activation="tanh", alpha=0.01, max_iter=1,
                    batch_size=len(X), shuffle=False, random_state=3, learning_rate_init=0.1,
                    **SOLVERS[solver])
    theirs, ours = _pair(task, **settings)
    y = TARGETS[task]
    weights = RNG.integers(1, 4, size=len(X)).astype(float) if weighted else None
    theirs.fit(X, y, sample_weight=weights)
    ours.fit(X, y, sample_weight=weights)
    for a, b in zip(theirs.coefs_ + theirs.intercepts_, ours.coefs_ + ours.intercepts_):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-10)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-10, abs=1e-12)
    assert ours.n_iter_ == theirs.n_iter_ and ours.t_ == theirs.t_


@pytest.mark.parametrize("Theirs, Ours, y", [
    (MLPClassifier, NetClassifier, TARGETS["multiclass"]),
    (MLPRegressor, NetRegressor, TARGETS["squared_error"]),
])
@pytest.mark.parametrize("settings", [
    # (with momentum, scikit-learn's velocity holds past steps, neuronet's PyTorch-style buffer
    # past gradients: the same while the learning rate stays, not once it changes)
    dict(solver="sgd", learning_rate="invscaling", batch_size=8, momentum=0),
    dict(solver="sgd", learning_rate="adaptive", batch_size=8, tol=0.5, momentum=0),
    dict(solver="sgd", batch_size=8, momentum=0.9),
    dict(solver="adam", batch_size=8, early_stopping=True),
    dict(solver="lbfgs"),
])
def test_whole_fits_follow_scikit_learns(Theirs, Ours, y, settings):
    # The same RandomState draws (starting weights, validation split, orders of examples):
    # the whole fit retraces scikit-learn's, shuffled mini-batches and stopping rule included.
    settings = dict(hidden_layer_sizes=(7,), random_state=0, max_iter=30, **settings)
    theirs, ours = Theirs(**settings).fit(X, y), Ours(**settings).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_
    for a, b in zip(theirs.coefs_, ours.coefs_):
        np.testing.assert_allclose(b, a, rtol=1e-8, atol=1e-10)
    if settings.get("early_stopping"):
        np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_)


def test_the_worked_example_of_test_fit():
    # scikit-learn's test_fit: one sgd step of a 3-2-1 logistic network, alpha 0.1, worked out
    # by hand. There the weights are assigned to private arrays; here to the network.
    X1, y1 = np.array([[0.6, 0.8, 0.7]]), np.array([0])
    clf = NetClassifier(solver="sgd", learning_rate_init=0.1, alpha=0.1, activation="logistic",
                        random_state=1, max_iter=1, hidden_layer_sizes=2, momentum=0)
    clf.partial_fit(X1, y1, classes=[0, 1])
    clf.network_.set_weights([[[0.1, 0.2], [0.3, 0.1], [0.5, 0]], [0.1, 0.1],
                              [[0.1], [0.2]], [1.0]])
    clf.partial_fit(X1, y1)
    np.testing.assert_almost_equal(
        clf.coefs_[0], [[0.098, 0.195756], [0.2956664, 0.096008], [0.4939998, -0.002244]], 3)
    np.testing.assert_almost_equal(clf.coefs_[1], [[0.04706], [0.154089]], 3)
    np.testing.assert_almost_equal(clf.intercepts_[0], [0.098333, 0.09626], 3)
    np.testing.assert_almost_equal(clf.intercepts_[1], [0.9235], 3)
    assert clf.predict_proba(X1)[0, 1] == pytest.approx(0.739, abs=1e-3)


@pytest.mark.parametrize("activation", ["identity", "sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("output, loss, n_out", [
    ("sigmoid", "binary_crossentropy", 1), ("softmax", "categorical_crossentropy", 3),
    ("identity", "mse", 2), ("exp", "poisson", 2), ("sigmoid", "mse", 1)])
def test_loss_and_gradient_with_alpha_matches_finite_differences(activation, output, loss,
                                                                 n_out):
    # scikit-learn's test_gradient, on the public loss_and_gradient: the L-BFGS objective is
    # the total divided by the rows plus 0.5 * alpha * ||W||^2 / n on the weight matrices.
    rng = np.random.default_rng(1)
    Xs = rng.random((5, 4))
    if output == "softmax":
        y = np.arange(5) % 3
    elif output == "sigmoid":
        y = (rng.random((5, n_out)) > 0.5).astype(float)
    else:
        y = rng.poisson(2.0, size=(5, n_out)).astype(float)
    net = Network([Dense(4, 6, activation), Dense(6, n_out, output)], seed=2)
    alpha, n = 1e-2, len(Xs)
    shapes = [p.shape for p in net.parameters()]
    mask = np.concatenate([np.full(int(np.prod(s)), len(s) == 2, dtype=float) for s in shapes])

    def objective(theta):
        net.set_flat_weights(theta)
        total, grad = net.loss_and_gradient(Xs, y, loss)
        return (total / n + 0.5 * alpha * np.sum(mask * theta**2) / n,
                grad / n + alpha * mask * theta / n)

    theta = net.get_flat_weights()
    value, grad = objective(theta)
    step = 1e-6
    numeric = [(objective(theta + step * e)[0] - objective(theta - step * e)[0]) / (2 * step)
               for e in np.eye(len(theta))]
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


def test_partial_fit_with_changed_classes_and_warm_start_with_other_classes_are_refused():
    clf = NetClassifier(solver="sgd").partial_fit([[3, 2]], [0], classes=[0, 1])
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit([[3, 2]], [0], classes=[1, 2])
    clf.partial_fit([[3, 2]], [1], classes=[0, 1])  # the same classes again are fine
    warm = NetClassifier((2,), solver="lbfgs", warm_start=True, random_state=0)
    warm.fit(X, TARGETS["multiclass"])
    with pytest.raises(ValueError, match=re.escape("Previously got [0 1 2], `y` has [0 1]")):
        warm.fit(X, TARGETS["binary"])


def test_n_iter_no_change_counts_and_np_inf_never_stops():
    y = TARGETS["binary"]
    clf = NetClassifier((4,), solver="sgd", tol=0.01, n_iter_no_change=3, max_iter=3000,
                        random_state=0).fit(X, y)
    assert clf.n_iter_ < 3000
    assert clf._no_improvement_count == 4  # stopped when it passed n_iter_no_change
    never = NetClassifier((4,), solver="sgd", tol=1e9, n_iter_no_change=np.inf, max_iter=50,
                          random_state=0)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        never.fit(X, y)
    assert never.n_iter_ == 50 and len(never.loss_curve_) == 50


def test_n_iter_counts_each_fit_and_t_all_of_them():
    clf = NetRegressor(hidden_layer_sizes=3, solver="sgd", warm_start=True, max_iter=4,
                       n_iter_no_change=np.inf, random_state=0)
    clf.fit(X, TARGETS["squared_error"])
    clf.fit(X, TARGETS["squared_error"])
    assert clf.n_iter_ == 4 and clf.t_ == 8 * len(X) and len(clf.loss_curve_) == 8


def test_diverging_regressor_records_nan_and_keeps_the_best_weights():
    reg = NetRegressor(hidden_layer_sizes=50, activation="identity", solver="sgd",
                       learning_rate_init=1, max_iter=20, early_stopping=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg.fit(X * 100, TARGETS["squared_error"] * 100)
    assert np.isnan(reg.validation_scores_[-1])
    assert all(np.isfinite(c).all() for c in reg.coefs_)
    assert np.isfinite(reg.predict(X)).all()
    with pytest.raises(ValueError, match="non-finite parameter weights"):
        NetRegressor(solver="sgd", learning_rate_init=1, max_iter=20).fit(
            X * 1e200, TARGETS["squared_error"])


def test_too_small_validation_set_is_refused():
    with pytest.raises(ValueError, match="validation set is too small"):
        NetRegressor(early_stopping=True).fit(X[:5], TARGETS["squared_error"][:5])


def test_verbose_prints_scikit_learns_lines(capsys):
    NetClassifier((3,), solver="sgd", max_iter=2, verbose=True, early_stopping=True,
                  random_state=0).fit(X, TARGETS["binary"])
    out = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"Iteration 1, loss = \d+\.\d{8}", out[0])
    assert out[1].startswith("Validation score: ")
    assert out[2].startswith("Iteration 2, loss = ")


def test_sparse_input_trains_as_dense():
    y = TARGETS["multiclass"]
    Xs = np.where(np.abs(X) > 1, X, 0)
    for solver in ("lbfgs", "sgd"):
        settings = dict(hidden_layer_sizes=(6,), solver=solver, random_state=0, max_iter=20)
        dense = NetClassifier(**settings).fit(Xs, y)
        for fmt in (sparse.csr_matrix, sparse.csc_array):
            fitted = NetClassifier(**settings).fit(fmt(Xs), y)
            for a, b in zip(dense.coefs_, fitted.coefs_):
                np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(fitted.predict_proba(fmt(Xs)), dense.predict_proba(Xs),
                                       rtol=1e-10)


def test_non_finite_outputs_get_no_label():
    clf = NetClassifier((3,), max_iter=5, random_state=0).fit(X, TARGETS["binary"])
    clf.network_.layers[0].weights[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"not finite .* 40 row\(s\) of X: 0, 1, 2, 3, 4, \.\.\."):
        clf.predict(X)
    reg = NetRegressor(hidden_layer_sizes=3, max_iter=5, random_state=0)
    reg.fit(X, TARGETS["squared_error"])
    reg.network_.layers[-1].bias[0] = np.inf
    with pytest.raises(ValueError, match="not finite"):
        reg.predict(X)


def test_lbfgs_has_no_partial_fit():
    assert not hasattr(NetClassifier(solver="lbfgs"), "partial_fit")
    assert hasattr(NetClassifier(solver="sgd"), "partial_fit")
