"""What y becomes before the loss sees it, and sample weights."""

import numpy as np
import pytest

import neuronet
from neuronet import losses, targets


def _net(outputs, activation):
    return neuronet.Network([neuronet.Dense(2, outputs, activation)], seed=0)


def test_class_labels_stay_labels_and_one_hot_rows_stay_rows():
    net = _net(3, "softmax")
    loss = losses.get("categorical_crossentropy")
    found = targets.prepare(net, loss, [2, 0, 1, 2], 4)
    assert found.table.tolist() == np.eye(3).tolist() and found.codes.tolist() == [2, 0, 1, 2]
    assert found.codes.dtype == np.uint8
    assert found.rows(slice(0, 2)).tolist() == [[0, 0, 1], [1, 0, 0]]
    assert found.subset(np.array([3])).codes.tolist() == [2]
    assert found.dense().table.tolist() == np.eye(3)[[2, 0, 1, 2]].tolist()
    rows = targets.prepare(net, loss, np.eye(3)[[1, 1]], 2)
    assert rows.codes is None and rows.table.shape == (2, 3)


@pytest.mark.parametrize("y, loss, activation, outputs, message", [
    ([0.5, 1.0], "categorical_crossentropy", "softmax", 3, "not whole numbers from 0 to 2"),
    ([0, 3], "categorical_crossentropy", "softmax", 3, "not whole numbers from 0 to 2"),
    ([0, 2], "binary_crossentropy", "sigmoid", 1, "needs targets between 0 and 1"),
    ([-1, 2], "poisson", "exp", 1, "poisson needs targets of zero or more"),
    ([[0.5, 0.2, 0.1]] * 2, "categorical_crossentropy", "softmax", 3, "each row of y to sum"),
    ([[1, 2]] * 2, "mse", "identity", 3, "y has shape (2, 2), but the network has 3 outputs"),
    ([1, 2, 3], "mse", "identity", 1, "X has 2 rows but y has 3"),
])
def test_targets_that_do_not_fit_are_refused(y, loss, activation, outputs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        targets.prepare(_net(outputs, activation), losses.get(loss), y, 2)


def test_a_loss_that_does_not_fit_the_output():
    targets.check_loss_fits_output(_net(1, "sigmoid"), losses.get("binary_crossentropy"))
    targets.check_loss_fits_output(_net(3, "softmax"), losses.get("binary_crossentropy"))
    with pytest.raises(ValueError, match="poisson needs positive outputs from the last layer, "
                                         "but its activation is 'identity'; use activation='exp'"):
        targets.check_loss_fits_output(_net(1, "identity"), losses.get("poisson"))


def test_sample_weights_normalized_without_overflow_or_underflow():
    for scale in (1e-300, 1.0, 1e300):
        weights = targets.check_sample_weight(np.array([1.0, 3.0, 0.0, 4.0]) * scale, 4)
        column, unit = targets.normalized_weights(weights, None, np.float64)
        assert column[:, 0].tolist() == pytest.approx([0.5, 1.5, 0.0, 2.0])
        assert unit == pytest.approx(2.0 * scale)
    column, unit = targets.normalized_weights(np.array([1.0, 3.0, 5.0]), np.array([0, 1]),
                                              np.float32)
    assert column.dtype == np.float32 and column[:, 0].tolist() == pytest.approx([0.5, 1.5, 2.5])
    with pytest.raises(ValueError, match="negative weight"):
        targets.check_sample_weight([1, -1], 2)
    with pytest.raises(ValueError, match=r"expected one number per row of X, shape \(3,\)"):
        targets.check_sample_weight([1, 1], 3)
    with pytest.raises(ValueError, match="zero for every training row"):
        targets.normalized_weights(np.zeros(3), None, np.float64)


def test_class_weights_balanced_as_scikit_learn_and_by_name():
    from sklearn.utils.class_weight import compute_class_weight

    from neuronet.targets import class_weights

    codes = np.array([0, 0, 0, 0, 1, 2, 2, 0, 1, 0])
    np.testing.assert_allclose(class_weights("balanced", ["a", "b", "c"], codes),
                               compute_class_weight("balanced", classes=np.arange(3), y=codes))
    np.testing.assert_array_equal(class_weights(None, ["a", "b"], codes[codes < 2]), [1, 1])
    # a dict names classes by their label or their text; the others weigh 1
    assert class_weights({"b": 2.5}, ["a", "b", "c"], codes).tolist() == [1, 2.5, 1]
    assert class_weights({3: 0.5, "7": 4}, [3, 7], np.array([0, 1])).tolist() == [0.5, 4]
    assert class_weights({True: 3}, [False, True], np.array([0, 1]),
                         ["False", "True"]).tolist() == [1, 3]
    with pytest.raises(ValueError, match="names the class 1, which is not one"):
        class_weights({1: 3}, [False, True], np.array([0, 1]), ["False", "True"])


@pytest.mark.parametrize("weights, message", [
    ({"z": 1}, "names the class 'z', which is not one of the classes \\('a', 'b'\\)"),
    ({"a": -1}, "weight of 'a' must be a finite number of zero or more"),
    ({"a": "x"}, "weight of 'a' must be a number"),
    ({"a": 0, "b": 0}, "every class of the training rows a weight of 0"),
    ("even", "must be 'balanced' or a dict"),
])
def test_class_weights_that_are_wrong(weights, message):
    from neuronet.targets import class_weights

    with pytest.raises(ValueError, match=message):
        class_weights(weights, ["a", "b"], np.array([0, 1, 1]))
