"""neuronet.tabular.model: TabularModel predicts, scores, saves and loads as one object; its
section of a model file is checked field by field when loaded (classes that no prediction
could match, or that come twice, are refused by name)."""

import numpy as np
import pandas as pd
import pytest
from test_tabular import messy

import neuronet
from neuronet import ModelFileError, tabular
from neuronet.metrics import ClassificationReport, RegressionReport
from neuronet.tabular import (
    DataError,
    TabularModel,
)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    frame = messy(300)
    model = tabular.train(frame.iloc[:240], "label", epochs=80, id="id")
    path = model.save(tmp_path_factory.mktemp("m") / "model.npz")
    return frame, model, path


def test_predict_proba_and_evaluate(trained):
    frame, model, _ = trained
    test = frame.iloc[240:]
    labels = model.predict(test)
    assert set(labels) <= {"big", "small"} and len(labels) == 60
    assert np.mean(labels == test["label"].to_numpy()) >= 0.85
    proba = model.predict_proba(test)
    assert isinstance(proba, pd.DataFrame) and list(proba.columns) == ["big", "small"]
    assert (proba.index == test.index).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert (proba.columns[proba.to_numpy().argmax(axis=1)] == labels).all()
    scores = model.evaluate(test)
    assert scores["rows"] == 60 and scores["accuracy"] == np.mean(labels == test["label"])
    # a class the model never saw counts as wrong, and scoring goes on
    odd = test.copy()
    odd.iloc[:6, odd.columns.get_loc("label")] = "medium"
    scores = model.evaluate(odd)
    assert scores["unseen"] == 6 and scores["unseen_classes"] == ["medium"]
    assert scores["accuracy"] == np.mean(labels[6:] == test["label"].to_numpy()[6:]) * 54 / 60


def test_data_as_dataframe_dict_or_csv_gives_the_same_predictions(trained, tmp_path):
    frame, model, _ = trained
    test = frame.iloc[240:].reset_index(drop=True)
    path = tmp_path / "test.csv"
    test.to_csv(path, index=False, sep=";")
    expected = model.predict(test)
    np.testing.assert_array_equal(model.predict(path), expected)
    np.testing.assert_array_equal(model.predict(test.to_dict("list")), expected)
    shuffled = test[list(reversed(test.columns))].assign(extra=1)  # order and extras ignored
    np.testing.assert_array_equal(model.predict(shuffled), expected)
    with pytest.raises(DataError, match="no column 'size', which the model needs"):
        model.predict(test.drop(columns="size"))


def test_save_and_load(trained):
    frame, model, path = trained
    loaded = neuronet.load(path)
    assert isinstance(loaded, neuronet.TabularModel) and isinstance(loaded, TabularModel)
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))
    np.testing.assert_array_equal(loaded.predict_proba(frame), model.predict_proba(frame))
    assert loaded.id_column == "id" and loaded.classes == ["big", "small"]
    text = loaded.summary()
    for fragment in ("classification of 'label'", "colour: category", "when: date",
                     "constant (constant)", "Dense"):
        assert fragment in text
    plain = neuronet.Network.mlp([2, 3]).save(path.parent / "plain.npz")
    assert isinstance(neuronet.load(plain), neuronet.Network)


def test_labels_keep_their_type_and_regression_its_units(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    frame = pd.DataFrame({"x": x, "digit": (x > 0).astype(int) * 7 + 1,
                          "price": 1000 + 500 * x, "flag": x > 0.3})
    model = tabular.train(frame, "digit", epochs=30, exclude=["price", "flag"])
    assert model.predict(frame).dtype.kind == "i" and set(model.predict(frame)) <= {1, 8}
    flag = tabular.train(frame, "flag", epochs=30, exclude=["price", "digit"])
    assert flag.predict(frame).dtype == bool
    price = tabular.train(frame, "price", epochs=200, exclude=["digit", "flag"])
    assert price.task == "regression"
    values = price.predict(frame)
    assert abs(values.mean() - 1000) < 50 and price.evaluate(frame)["r2"] > 0.95
    loaded = neuronet.load(price.save(tmp_path / "price.npz"))
    np.testing.assert_array_equal(loaded.predict(frame), values)


def test_non_finite_outputs_are_never_labelled(trained):
    frame, model, path = trained
    broken = neuronet.load(path)
    for layer in broken.network.dense_layers:
        layer.weights[:] = 1e300  # finite weights whose outputs overflow
    with pytest.raises(ValueError, match="the model's outputs are not finite .* for rows 0, 1"):
        broken.predict(frame)
    with pytest.raises(ValueError, match="not finite"):
        broken.predict_proba(frame)


def test_the_table_section_is_versioned_and_checked_at_load(trained, rewrite_header, tmp_path):
    _, model, path = trained
    newer = tmp_path / "newer.npz"
    newer.write_bytes(path.read_bytes())
    rewrite_header(newer, lambda h: h["section"]["fields"].update(version=4))
    with pytest.raises(neuronet.ModelFileError, match="written in version 4 of the table "
                       "section; this neuronet reads version 3: upgrade neuronet"):
        neuronet.load(newer)
    lying = tmp_path / "lying.npz"
    lying.write_bytes(path.read_bytes())
    rewrite_header(lying, lambda h: h["section"]["arrays"]["numbers.fill"].update(shape=[9]))
    with pytest.raises(neuronet.ModelFileError, match="numbers.fill"):
        neuronet.load(lying)
    arrays = model.to_section()[1]
    assert all(isinstance(a, np.ndarray) for a in arrays.values())  # arrays, not JSON lists
    assert "inputs.column.utf8" in arrays and "categories.value.utf8" in arrays


def test_predict_with_proba_reads_the_rows_once_and_agrees_with_predict_proba(trained, tmp_path):
    frame, model, _ = trained
    test = frame.iloc[240:]
    labels, proba = model.predict(test, proba=True)
    np.testing.assert_array_equal(labels, model.predict(test))
    pd.testing.assert_frame_equal(proba, model.predict_proba(test))
    path = tmp_path / "test.csv"
    test.assign(note="x").to_csv(path, index=False)
    rows = model.read_rows(path, extra=["note"])  # the file read once, for every use
    # the columns it needs, the target and the ID, and the extra: not the constant, unused
    assert set(rows.columns) == {*model.preparation.columns, "label", "id", "note"}
    assert "constant" not in rows.columns
    assert rows["id"].tolist() == test["id"].tolist()
    np.testing.assert_array_equal(model.predict(rows), labels)
    with pytest.raises(ValueError, match="predict_proba needs a classifier"):
        tabular.train(test.assign(n=np.arange(60.0)), "n", epochs=1,
                      validation_split=0).predict(test, proba=True)


def test_evaluate_gives_a_report_that_prints_as_the_command_shows_it(trained):
    frame, model, _ = trained
    test = frame.iloc[240:]
    report = model.evaluate(test)
    assert isinstance(report, ClassificationReport) and report["dropped"] == 0
    proba = model.predict_proba(test).to_numpy()
    truth = (test["label"] == "small").to_numpy().astype(int)
    assert report["log_loss"] == pytest.approx(-np.mean(np.log(proba[np.arange(60), truth])))
    assert 0.5 < report["roc_auc"] <= 1
    lines = str(report).splitlines()
    assert lines[0] == f"accuracy  {report['accuracy']:.4f}"
    assert lines[1] == f"log loss  {report['log_loss']:.4f}"
    assert lines[2] == f"ROC AUC   {report['roc_auc']:.4f}"
    assert lines[3] == f"calibration error (ECE) {report['ece']:.4f}"
    assert lines[5].split() == ["class", "precision", "recall", "support"]
    matrix = report["confusion"]
    assert lines[6].split()[0] == "big" and int(lines[6].split()[-1]) == matrix[0].sum()
    assert report["precision"][0] == matrix[0, 0] / matrix[:, 0].sum()
    assert report["recall"][1] == matrix[1, 1] / matrix[1].sum()


def test_a_regression_report_in_the_target_s_units():
    rng = np.random.default_rng(4)
    x = rng.normal(size=200)
    frame = pd.DataFrame({"x": x, "price": 1000 + 300 * x})
    model = tabular.train(frame, "price", epochs=100, validation_split=0)
    report = model.evaluate(frame.assign(price=frame["price"].where(x < 1.5)))
    assert isinstance(report, RegressionReport)
    kept = x < 1.5
    errors = model.predict(frame)[kept] - frame["price"].to_numpy()[kept]
    assert report["dropped"] == int((~kept).sum()) > 0 and report["rows"] == kept.sum()
    assert report["mse"] == pytest.approx(np.mean(errors**2))
    assert report["rmse"] == pytest.approx(np.sqrt(report["mse"]))
    assert str(report).splitlines()[1] == f"RMSE  {report['rmse']:.6g}"


def _classifier(folder, target_values, name="model.npz"):
    rng = np.random.default_rng(0)
    n = len(target_values)
    frame = pd.DataFrame({"x": rng.normal(size=n), "colour": rng.choice(["red", "blue"], n),
                          "t": target_values})
    model = tabular.train(frame, "t", task="classification", epochs=1, validation_split=0,
                          hidden=[])
    return model, model.save(folder / name)


CLASSES = {
    "float NaN twice": ([0.5, 1.5, 2.5], ["nan", "nan", "1.5"],
                        "target.classes holds nan, which is not a class label"),
    "float NaN once": ([0.5, 1.5, 2.5], ["0.5", "nan", "2.5"], "target.classes holds nan"),
    "float infinity": ([0.5, 1.5, 2.5], ["0.5", "inf", "2.5"], "target.classes holds inf"),
    "float twice": ([0.5, 1.5, 2.5], ["1.5", "1.50", "2.5"],
                    "target.classes holds the class 1.5 twice"),
    "integer twice": ([1, 2, 3], ["1", "01", "3"], "target.classes holds the class 1 twice"),
    "text twice": (["a", "b", "c"], ["a", "b", "a"], "target.classes holds the class 'a' twice"),
    "boolean twice": ([True, False, True], ["True", "True"], "the class True twice"),
}


@pytest.mark.parametrize("case", list(CLASSES))
def test_classes_that_are_no_labels_or_come_twice_are_refused(tmp_path, section_file, case):
    values, texts, message = CLASSES[case]
    model, path = _classifier(tmp_path, values * 20)
    assert neuronet.load(path).classes == model.classes  # sound as saved
    section_file.rewrite(path, lambda fields, arrays: section_file.texts(
        arrays, "target.classes", texts))
    with pytest.raises(ModelFileError) as error:
        neuronet.load(path)
    assert str(error.value) == f"{path}: the tabular section is not sound: {message}" or \
        message in str(error.value)
    assert "target.classes" in str(error.value)


def test_a_lone_surrogate_among_the_classes_is_refused_by_the_load(tmp_path, section_file):
    _, path = _classifier(tmp_path, ["a", "b"] * 20)
    half = "\ud800".encode("utf-8", "surrogatepass")
    section_file.rewrite(path, lambda fields, arrays: section_file.texts(
        arrays, "target.classes", [b"a" + half, b"b"]))
    with pytest.raises(ModelFileError, match="the array target.classes.utf8 holds a lone "
                       "surrogate"):
        neuronet.load(path)


def test_a_class_that_no_file_can_hold_is_refused_by_the_save(tmp_path):
    # pandas' own strings cannot hold a lone surrogate; a list of Python's can.
    model, path = _classifier(tmp_path, ["a", "b"] * 20)
    model.classes = ["a\udcff", "b"]
    with pytest.raises(ValueError, match=r"cannot save: the target.classes text 'a\\udcff' "
                       r"holds a lone surrogate"):
        model.save(tmp_path / "other.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]
