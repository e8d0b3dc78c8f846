"""neuronet.tabular.target: the task a target asks for, and the target as the network learns it."""

import numpy as np
import pandas as pd
import pytest

from neuronet import tabular
from neuronet.tabular import (
    DataError,
    infer_task,
)
from neuronet.tabular.target import TargetCoding, coded, has_target, targets


def test_task_inference_rule():
    assert infer_task(pd.Series(["a", "b", "a"])) == "classification"
    assert infer_task(pd.Series([True, False])) == "classification"
    assert infer_task(pd.Series([0, 1, 1, 0])) == "classification"
    assert infer_task(pd.Series(np.arange(150) % 3)) == "classification"
    assert infer_task(pd.Series([0.5, 1.5, 2.25])) == "regression"
    # A 16-row economic table: 12 distinct whole numbers are amounts, not classes.
    employed = [60323, 61122, 60171, 61187, 63221, 63639, 64989, 63761, 66019, 67857, 68169,
                66513, 68655, 69564, 69331, 70551]
    assert infer_task(pd.Series(employed)) == "regression"
    assert infer_task(pd.Series(np.arange(16) % 12)) == "regression"
    assert "whole numbers" in tabular.TASK_RULE


def test_which_rows_have_a_target():
    frame = pd.DataFrame({"t": ["a", None, " NA ", "b", np.nan], "n": [1.0, np.nan, 2, 3, 4]})
    assert has_target(frame, "t").tolist() == [True, False, False, True, False]
    assert has_target(frame, "n").tolist() == [True, False, True, True, True]


def test_classes_are_coded_as_their_index_among_the_sorted_classes():
    frame = pd.DataFrame({"t": [2.0, 1.0, 2.0, 10.0]})
    y, coding = targets(frame, "t", "classification")
    assert coding == TargetCoding("classification", [1, 2, 10], ["1", "2", "10"])
    assert y.tolist() == [1, 0, 1, 2] and y.dtype == np.int64
    np.testing.assert_array_equal(coded(frame["t"], coding, frame, "t"), y)
    flags = pd.DataFrame({"t": [True, False, True]})
    _, coding = targets(flags, "t", "classification")
    assert (coding.classes, coding.texts) == ([False, True], ["False", "True"])
    with pytest.raises(DataError, match=r"the target 't' has only one value \('x'\); a "
                       "classifier needs at least two classes"):
        targets(pd.DataFrame({"t": ["x", "x"]}), "t", "classification")


def test_numbers_are_standardized_and_given_back_by_their_center_and_scale():
    frame = pd.DataFrame({"t": [10.0, 20.0, 30.0, 40.0]})
    y, coding = targets(frame, "t", "regression")
    assert coding.task == "regression" and coding.classes is None
    assert coding.center == 25.0 and coding.scale == pytest.approx(np.std([10, 20, 30, 40]))
    np.testing.assert_allclose(y * coding.scale + coding.center, frame["t"])
    np.testing.assert_allclose(coded(frame["t"], coding, frame, "t"), y)
    with pytest.raises(DataError, match=r"the target 't' has only one value \(5\); there is "
                       "nothing to learn"):
        targets(pd.DataFrame({"t": [5.0, 5.0]}), "t", "regression")
    with pytest.raises(DataError, match="'many' is not a number, which regression needs"):
        targets(pd.DataFrame({"t": ["1", "many"]}), "t", "regression")


def test_the_log_is_taken_of_a_skewed_target_that_it_makes_nearly_symmetric():
    from neuronet.tabular.target import skewed, skewness

    rng = np.random.default_rng(0)
    price = np.exp(rng.normal(10, 0.8, 2000))  # log-normal: skewed, its log symmetric
    assert skewness(price) > 1 and skewed(price)
    assert not skewed(rng.normal(10, 1, 2000))  # not skewed
    assert not skewed(price - price.mean())  # negative values
    income = np.where(rng.random(2000) < 0.1, 0.0, price)  # zeros: a log with a long left tail
    assert skewness(income) > 1 and skewness(np.log1p(income)) < -1 and not skewed(income)
