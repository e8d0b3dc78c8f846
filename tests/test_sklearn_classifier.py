"""neuronet.sklearn.classifier: NetClassifier's own parts, its class weights and its fitted
description of the targets."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils.class_weight import compute_sample_weight

from neuronet.sklearn import NetClassifier


@pytest.fixture(scope="module")
def unbalanced():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = np.where(X[:, 0] + 0.5 * rng.normal(size=120) > 1.0, "rare", "common")
    return X, y


SETTINGS = dict(hidden_layer_sizes=(6,), max_iter=20, random_state=0)


@pytest.mark.parametrize("class_weight", [{"rare": 5.0}, {"rare": 2.0, "common": 0.5},
                                          "balanced"])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_class_weight_is_the_sample_weight_scikit_learn_gives(unbalanced, class_weight, solver):
    X, y = unbalanced
    weighted = NetClassifier(class_weight=class_weight, solver=solver, **SETTINGS).fit(X, y)
    by_hand = NetClassifier(solver=solver, **SETTINGS).fit(
        X, y, sample_weight=compute_sample_weight(class_weight, y))
    for ours, theirs in zip(weighted.coefs_ + weighted.intercepts_,
                            by_hand.coefs_ + by_hand.intercepts_):
        np.testing.assert_array_equal(ours, theirs)


def test_class_weight_multiplies_the_sample_weight_and_balanced_counts_it(unbalanced):
    X, y = unbalanced
    sw = np.random.default_rng(1).uniform(0.5, 2.0, size=len(y))
    counts = {c: sw[y == c].sum() for c in ("common", "rare")}
    expected = sw * np.array([sw.sum() / (2 * counts[c]) for c in y])
    weighted = NetClassifier(class_weight="balanced", **SETTINGS).fit(X, y, sample_weight=sw)
    by_hand = NetClassifier(**SETTINGS).fit(X, y, sample_weight=expected)
    np.testing.assert_allclose(weighted.coefs_[0], by_hand.coefs_[0], rtol=1e-12)
    # The same weights as scikit-learn's own classifiers give: LogisticRegression agrees.
    lr_weighted = LogisticRegression(class_weight="balanced").fit(X, y, sample_weight=sw)
    lr_by_hand = LogisticRegression().fit(X, y, sample_weight=expected)
    np.testing.assert_allclose(lr_weighted.coef_, lr_by_hand.coef_, rtol=1e-6)


def test_class_weight_moves_the_predictions_toward_the_rare_class(unbalanced):
    X, y = unbalanced
    settings = dict(hidden_layer_sizes=(8,), max_iter=300, random_state=0)
    plain = NetClassifier(**settings).fit(X, y)
    balanced = NetClassifier(class_weight="balanced", **settings).fit(X, y)
    assert (balanced.predict(X) == "rare").sum() > (plain.predict(X) == "rare").sum()


def test_class_weight_is_a_parameter_scikit_learn_can_set_and_clone():
    clf = NetClassifier(class_weight={0: 2.0})
    assert clf.get_params()["class_weight"] == {0: 2.0}
    assert clone(clf.set_params(class_weight="balanced")).class_weight == "balanced"


def test_partial_fit_takes_a_dict_and_refuses_balanced(unbalanced):
    X, y = unbalanced
    classes = ["common", "rare"]
    weights = {"rare": 3.0}
    online = NetClassifier(class_weight=weights, **SETTINGS)
    online.partial_fit(X, y, classes=classes)
    by_hand = NetClassifier(**SETTINGS)
    by_hand.partial_fit(X, y, classes=classes, sample_weight=compute_sample_weight(weights, y))
    np.testing.assert_array_equal(online.coefs_[0], by_hand.coefs_[0])
    with pytest.raises(ValueError, match="class_weight='balanced' needs the counts"):
        NetClassifier(class_weight="balanced").partial_fit(X, y, classes=classes)


def test_class_weight_is_refused_for_a_label_indicator_matrix():
    X = np.arange(12.0).reshape(6, 2)
    Y = np.array([[0, 1], [1, 0], [1, 1], [0, 0], [1, 0], [0, 1]])
    with pytest.raises(ValueError, match="not to a label indicator matrix"):
        NetClassifier(class_weight="balanced", max_iter=1).fit(X, Y)


def test_multilabel_tells_whether_the_targets_were_an_indicator_matrix():
    X = np.arange(12.0).reshape(6, 2)
    Y = np.array([[0, 1], [1, 0], [1, 1], [0, 0], [1, 0], [0, 1]])
    multi = NetClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0).fit(X, Y)
    assert multi.multilabel_ is True
    assert multi.predict(X).shape == (6, 2) and multi.decision_function(X).shape == (6, 2)
    single = NetClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0).fit(
        X, [0, 1, 0, 1, 1, 0])
    assert single.multilabel_ is False
    assert single.predict(X).shape == (6,) and single.decision_function(X).shape == (6,)
    assert single.predict_proba(X).shape == (6, 2)
    with pytest.raises(ValueError, match="fitted on labels with 2 classes"):
        single.set_params(warm_start=True).fit(X, Y)
