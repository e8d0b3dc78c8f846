"""neuronet.tabular.scores: the rows a model is scored on, its outputs checked and turned into
answers, and the permutation importance the model's methods give."""

import numpy as np
import pandas as pd
import pytest
from test_tabular import messy

from neuronet import tabular
from neuronet.tabular import scores


@pytest.fixture(scope="module")
def models():
    frame = messy(160)
    return (frame, tabular.train(frame, "label", epochs=3, id="id"),
            tabular.train(frame, "size", epochs=3))


def test_scored_rows_leave_out_the_rows_without_a_target(models):
    frame, classifier, regressor = models
    holes = frame.copy()
    holes.loc[holes.index[:7], "label"] = None
    holes.loc[holes.index[:4], "size"] = np.nan
    rows, truth, dropped = scores.scored_rows(classifier, holes)
    assert dropped == 7 and len(rows) == len(truth) == len(frame) - 7
    assert list(truth) == list(frame["label"].iloc[7:])
    rows, truth, dropped = scores.scored_rows(regressor, holes)
    numbers = pd.to_numeric(holes["size"], errors="coerce")
    assert dropped == numbers.isna().sum() >= 4 and truth.dtype == np.float64
    np.testing.assert_array_equal(truth, numbers.dropna().to_numpy())
    with pytest.raises(tabular.DataError, match="no target column 'label'"):
        scores.scored_rows(classifier, frame.drop(columns="label"))
    with pytest.raises(tabular.DataError, match="no row has a value in the target column"):
        scores.scored_rows(classifier, frame.assign(label=None))


def test_outputs_from_logits_are_what_predict_gives(models):
    frame, classifier, regressor = models
    for model in (classifier, regressor):
        X = model.prepare(frame)
        # 128 training rows, 26 held out: an ensemble of 5 fold networks, averaged
        assert len(model.networks) == 5
        answers = np.mean([scores.outputs_from_logits(
            model, network.predict(X, logits=True), frame) for network in model.networks],
            axis=0)
        if model is classifier:
            np.testing.assert_allclose(answers, model.predict_proba(frame).to_numpy())
        else:
            np.testing.assert_allclose(answers, model.predicted_from_inputs(X))
    one = np.array([[0.25], [0.9]])
    np.testing.assert_allclose(scores.class_probabilities(one), [[0.75, 0.25], [0.1, 0.9]])
    three = np.full((2, 3), 1 / 3)
    assert scores.class_probabilities(three) is three


def test_outputs_that_overflowed_are_refused_by_row():
    frame = pd.DataFrame({"a": range(8)})
    outputs = np.zeros((8, 1))
    scores.check_finite_outputs(outputs, frame)  # finite: nothing to say
    outputs[[1, 6]] = [np.inf], [np.nan]
    with pytest.raises(ValueError, match="not finite .* for rows 1, 6; no prediction"):
        scores.check_finite_outputs(outputs, frame)


def test_feature_importance_is_the_models(models):
    frame, classifier, _ = models
    table = scores.feature_importance(classifier, frame, repeats=2, seed=3)
    again = classifier.feature_importance(frame, repeats=2, seed=3)
    pd.testing.assert_frame_equal(table, again)
    assert set(table["column"]) == set(classifier.preparation.columns)
    assert table.attrs["scoring"] == "accuracy" and table.attrs["rows"] == len(frame)
