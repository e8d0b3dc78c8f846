"""neuronet.reports: the scores of predictions already made, as evaluate prints them."""

import numpy as np

from neuronet import metrics, reports


def test_the_reports_are_offered_by_metrics_too():
    for name in ("ClassificationReport", "RegressionReport", "classification_report",
                 "regression_report", "confusion_matrix", "log_loss", "roc_auc"):
        assert getattr(metrics, name) is getattr(reports, name)


def test_a_report_narrower_than_its_matrix_shows_the_classes_most_confused():
    rng = np.random.default_rng(0)
    classes = [f"a long class name {i:02d}" for i in range(19)]
    truth = rng.choice(classes, 2000)
    guess = truth.copy()
    wrong = rng.random(2000) < 0.2
    guess[wrong] = rng.choice(classes, wrong.sum())
    # One pair confused far more than any other: it must come first.
    swap = (truth == classes[3]) & (rng.random(2000) < 0.6)
    guess[swap] = classes[7]
    report = reports.classification_report(truth, guess, classes)
    whole = report.format()
    assert max(map(len, whole.splitlines())) > 170
    narrow = report.format(width=100)
    assert max(map(len, narrow.splitlines())) <= 100
    assert "confusion matrix (rows" not in narrow
    lines = narrow.split("classes most confused", 1)[1].splitlines()
    assert lines[-1] == "(a 19 x 19 matrix: too wide for 100 columns)"
    first = lines[1].split()
    matrix = report["confusion"]
    count = int(matrix[3, 7])
    assert " ".join(first) == (f"{classes[3]} -> {classes[7]} {count:,} "
                               f"{count / matrix[3].sum():.1%}")
    off = matrix.copy()
    np.fill_diagonal(off, 0)
    assert count == off.max()
    assert len(lines) == 1 + 10 + 1
    cut = report.format(width=50)
    assert max(map(len, cut.splitlines())) <= 50 and "a long class ..." in cut
    assert report.format(width=10_000) == whole == str(report)



def test_a_report_without_confusion_says_so_and_the_matrix_goes_to_a_table():
    report = reports.classification_report(["a", "b", "b"], ["a", "b", "b"], ["a", "b"])
    assert report.most_confused() == [
        "classes most confused: none (every row's class was predicted right)"]
    assert report.confusion_rows() == (["true class", "a", "b"], [["a", "b"], [1, 0], [0, 2]])
