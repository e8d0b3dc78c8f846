"""neuronet.tabular.plain: a network saved without a preparation, used on a table of numbers —
its inputs by its metadata's feature names, its outputs read as classes or numbers — with the
predicting methods of a TabularModel."""

import numpy as np
import pandas as pd
import pytest
from test_tabular import messy

import neuronet
from neuronet import Network, tabular
from neuronet.metrics import ClassificationReport, RegressionReport
from neuronet.tabular import DataError, PlainNetwork, for_tables


def _classifier():
    net = Network.mlp([2, 4, 3], seed=0)
    net.metadata.update(classes=["a", "b", "c"], feature_names=["x", "z"], target_name="y")
    return net


def _rows(n=30, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"z": rng.normal(size=n), "other": "text", "x": rng.normal(size=n),
                         "y": rng.choice(["a", "b", "c", "d"], n)})


def test_a_classifier_reads_its_features_by_name_and_gives_its_classes():
    net = _classifier()
    model = PlainNetwork(net, "net.npz")
    assert (model.task, model.classes, model.target, model.id_column) == \
        ("classification", ["a", "b", "c"], "y", None)
    rows = _rows()
    outputs = net.predict(rows[["x", "z"]].to_numpy())  # the named columns, in that order
    labels = model.predict(rows)
    assert labels.tolist() == [["a", "b", "c"][i] for i in outputs.argmax(axis=1)]
    same, probabilities = model.predict(rows, proba=True)
    np.testing.assert_array_equal(same, labels)
    assert list(probabilities.columns) == ["a", "b", "c"]
    np.testing.assert_allclose(probabilities.to_numpy(), outputs)


def test_a_classifier_is_evaluated_with_every_score():
    model, rows = PlainNetwork(_classifier()), _rows()
    report = model.evaluate(rows)
    assert isinstance(report, ClassificationReport)
    labels = model.predict(rows)
    assert report["rows"] == 30 and report["dropped"] == 0
    assert report["accuracy"] == np.mean(labels == rows["y"].to_numpy())
    assert report["unseen"] == int((rows["y"] == "d").sum()) > 0  # a class it never knew
    assert "log_loss" in report and "ROC AUC" in str(report)


def test_one_sigmoid_output_is_two_classes_and_no_metadata_means_0_1():
    net = Network.mlp([3, 1], output="sigmoid", seed=1)
    net.metadata.update(task="classification")
    model = for_tables(net)
    assert model.classes == [0, 1]
    frame = pd.DataFrame(np.random.default_rng(2).normal(size=(6, 3)), columns=["a", "b", "c"])
    labels, probabilities = model.predict(frame, proba=True)
    p = net.predict(frame.to_numpy())[:, 0]
    np.testing.assert_allclose(probabilities[1], p)
    assert labels.tolist() == (p > 0.5).astype(int).tolist()


def test_a_regressor_gives_its_outputs_and_scores_them():
    net = Network.mlp([2, 3, 2], output="identity", seed=0)
    net.metadata.update(feature_names=["x", "z"], target_name="y")
    model = PlainNetwork(net)
    assert model.task == "regression" and model.classes is None
    rows = _rows().assign(y=np.arange(30.0))
    outputs = model.predict(rows)
    assert outputs.shape == (30, 2)
    report = model.evaluate(rows)
    assert isinstance(report, RegressionReport)
    assert report["mse"] == pytest.approx(np.mean((outputs[:, 0] - np.arange(30)) ** 2))
    with pytest.raises(ValueError, match="proba needs a classifier"):
        model.predict(rows, proba=True)
    with pytest.raises(DataError, match="the target column 'y' is not all numbers"):
        model.evaluate(rows.assign(y="many"))


def test_what_a_plain_network_cannot_read_is_refused_by_name():
    model = PlainNetwork(_classifier(), "net.npz")
    rows = _rows()
    with pytest.raises(DataError, match="no column 'z', which the model needs as an input"):
        model.predict(rows.drop(columns="z"))
    bad = rows.astype({"x": object})
    bad.loc[3, "x"] = "lots"
    with pytest.raises(DataError, match="row 3, column 'x': 'lots' is not a number"):
        model.predict(bad)
    with pytest.raises(DataError, match="no target column 'y' to evaluate against"):
        model.evaluate(rows.drop(columns="y"))
    unnamed = PlainNetwork(Network.mlp([2, 2], seed=0), "plain.npz")
    with pytest.raises(ValueError, match="plain.npz: the model does not name its target"):
        unnamed.evaluate(rows)
    with pytest.raises(DataError, match="has 3 feature columns, but the model expects 2"):
        unnamed.predict(rows.drop(columns="y"))
    scaled = Network.mlp([2, 2], seed=0)
    scaled.metadata.update(input_mean=[0.0, 1.0])
    with pytest.raises(ValueError, match="old.npz: holds input scaling as metadata"):
        PlainNetwork(scaled, "old.npz").predict(rows)
    broken = _classifier()
    for layer in broken.layers:
        layer.weights[:] = 1e300
    with pytest.raises(ValueError, match="the model's outputs are not finite"):
        PlainNetwork(broken).predict(rows)


def test_for_tables_leaves_a_table_model_as_it_is(tmp_path):
    model = tabular.train(messy(60), "label", epochs=2, validation_split=0)
    assert for_tables(model) is model
    loaded = neuronet.load(model.save(tmp_path / "m.npz"))
    assert isinstance(for_tables(loaded, "m.npz"), tabular.TabularModel)
    assert isinstance(for_tables(Network.mlp([2, 2])), PlainNetwork)
