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
