"""neuronet.sklearn.validation: the checks of the estimators' settings, weights and outputs."""

import numpy as np
import pytest
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight

from neuronet.sklearn import NetClassifier, NetRegressor
from neuronet.sklearn.validation import (
    check_sample_weight,
    check_settings,
    class_sample_weight,
    one_of,
    refuse_non_finite,
)


def test_check_settings_returns_the_hidden_sizes():
    assert check_settings(NetClassifier()) == [100]
    assert check_settings(NetClassifier(hidden_layer_sizes=7)) == [7]
    assert check_settings(NetRegressor(hidden_layer_sizes=(4, 3))) == [4, 3]


@pytest.mark.parametrize("setting, message", [
    (dict(hidden_layer_sizes=(3, 0)), "hidden_layer_sizes"),
    (dict(hidden_layer_sizes="ten"), "hidden_layer_sizes"),
    (dict(activation="softplus"), "activation must be one of"),
    (dict(solver="newton"), "neuronet optimizer object"),
    (dict(max_iter=0), "max_iter"),
    (dict(max_fun=True), "max_fun"),
    (dict(n_iter_no_change=0.5), "n_iter_no_change"),
    (dict(batch_size=0), "batch_size"),
    (dict(alpha=-1.0), "alpha must be a finite number zero or more"),
    (dict(learning_rate_init=0.0), "greater than zero"),
    (dict(momentum=1.0), r"momentum must be a number in \[0, 1\)"),
    (dict(validation_fraction=0.0), "validation_fraction"),
    (dict(dtype="float16"), "dtype"),
])
def test_check_settings_names_what_is_wrong(setting, message):
    with pytest.raises(ValueError, match=message):
        check_settings(NetClassifier(**setting))


def test_n_iter_no_change_may_be_infinite():
    assert check_settings(NetClassifier(n_iter_no_change=np.inf)) == [100]


def test_one_of():
    one_of("adam", ("adam", "sgd"), "solver")
    with pytest.raises(ValueError, match="solver must be one of 'adam', 'sgd' or more; got 3"):
        one_of(3, ("adam", "sgd"), "solver", "or more")


def test_check_sample_weight():
    out = check_sample_weight([1, 0, 2], 3)
    assert out.dtype == np.float64 and out.tolist() == [1.0, 0.0, 2.0]
    with pytest.raises(ValueError, match=r"shape \(2,\); expected one weight per example"):
        check_sample_weight([1, 2], 3)
    with pytest.raises(ValueError, match="negative"):
        check_sample_weight([1, -1, 2], 3)
    with pytest.raises(ValueError, match="every sample_weight is zero"):
        check_sample_weight([0, 0, 0], 3)


def test_class_sample_weight_is_scikit_learns_for_a_dict_and_for_balanced():
    y = np.array(["a", "b", "b", "c", "c", "c"])
    classes = np.unique(y)
    for class_weight in ({"a": 3.0, "c": 0.5}, "balanced"):
        np.testing.assert_array_equal(class_sample_weight(class_weight, classes, y),
                                      compute_sample_weight(class_weight, y))


def test_balanced_counts_the_sample_weights_and_multiplies_them():
    y = np.array([0, 0, 0, 1])
    sw = np.array([1.0, 1.0, 2.0, 4.0])
    # The weighted counts are 4 and 4: both classes weigh 8 / (2 * 4) = 1.
    np.testing.assert_array_equal(class_sample_weight("balanced", np.array([0, 1]), y, sw), sw)
    expected = compute_class_weight("balanced", classes=np.array([0, 1]), y=y,
                                    sample_weight=sw)[y] * sw
    np.testing.assert_array_equal(class_sample_weight("balanced", np.array([0, 1]), y, sw),
                                  expected)


def test_class_sample_weight_without_class_weight_keeps_the_sample_weights():
    sw = np.array([1.0, 2.0])
    assert class_sample_weight(None, np.array([0, 1]), np.array([0, 1]), sw) is sw
    assert class_sample_weight(None, np.array([0, 1]), np.array([0, 1])) is None


@pytest.mark.parametrize("class_weight, message", [
    ("uniform", "class_weight must be a dict"),
    ({0: -1.0}, "zero or more"),
    ({0: float("nan")}, "zero or more"),
    ({0: 0.0, 1: 0.0}, "every example weighs zero"),
    ({5: 2.0}, r"The classes, \[0, 1\], are not in class_weight"),
])
def test_class_sample_weight_refuses(class_weight, message):
    with pytest.raises(ValueError, match=message):
        class_sample_weight(class_weight, np.array([0, 1]), np.array([0, 1, 1]))


def test_refuse_non_finite_names_the_rows():
    refuse_non_finite(np.zeros((3, 2)))
    outputs = np.zeros((8, 1))
    outputs[[1, 2, 3, 4, 5, 7]] = np.nan
    with pytest.raises(ValueError, match=r"for 6 row\(s\) of X: 1, 2, 3, 4, 5, \.\.\."):
        refuse_non_finite(outputs)
