"""`neuronet train`, `predict` and `evaluate` on CSV files, run as a user runs them."""

import csv
import hashlib

import numpy as np
import pytest

sklearn_datasets = pytest.importorskip("sklearn.datasets")
pytest.importorskip("neuronet.serialization")


def _write_csv(path, header, rows, bom=False):
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def iris(tmp_path_factory):
    """Iris with its string class names, split into a training and a test CSV; the test file
    has its columns in another order and an extra column."""
    data = sklearn_datasets.load_iris()
    names = ["sepal length", "sepal width", "petal length", "petal width"]
    species = data.target_names[data.target]
    order = np.random.default_rng(0).permutation(len(species))
    train, test = order[:110], order[110:]
    folder = tmp_path_factory.mktemp("iris")
    train_csv = _write_csv(folder / "train.csv", [*names, "species"],
                           [[*data.data[i], species[i]] for i in train], bom=True)
    test_csv = _write_csv(folder / "test.csv", ["id", "species", *reversed(names)],
                          [[f"#{i}", species[i], *reversed(data.data[i])] for i in test])
    return train_csv, test_csv, species[test]


@pytest.fixture(scope="module")
def iris_model(iris, tmp_path_factory):
    from neuronet.cli import main

    model = tmp_path_factory.mktemp("model") / "iris.npz"
    status = main(["train", str(iris[0]), "--target", "species", "--out", str(model),
                   "--hidden", "16", "--epochs", "150", "--learning-rate", "0.01", "--quiet"])
    assert status == 0
    return model


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_train_predict_evaluate_iris(run_cli, iris, tmp_path):
    train_csv, test_csv, truth = iris
    model = tmp_path / "iris.npz"
    result = run_cli("train", train_csv, "--target", "species", "--out", model,
                     "--hidden", "16", "--epochs", "150", "--learning-rate", "0.01")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "110 examples, 4 features" in out
    assert "classification (inferred, 3 classes: setosa, versicolor, virginica)" in out
    assert "epochs run: 150" in out and "validation:" in out
    assert f"written to {model}" in out
    assert "loss=" in result.stderr  # the progress bar
    assert model.exists()

    result = run_cli("predict", model, test_csv)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(result.stdout.splitlines()))
    assert rows[0] == ["species"]
    predicted = [row[0] for row in rows[1:]]
    assert len(predicted) == len(truth)
    assert set(predicted) <= {"setosa", "versicolor", "virginica"}
    assert np.mean(np.array(predicted) == truth) >= 0.9

    proba_csv = tmp_path / "proba.csv"
    result = run_cli("predict", model, test_csv, "--out", proba_csv, "--proba")
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(proba_csv.read_text().splitlines()))
    assert rows[0] == ["species", "probability_setosa", "probability_versicolor",
                       "probability_virginica"]
    probs = np.array([[float(v) for v in row[1:]] for row in rows[1:]])
    np.testing.assert_allclose(probs.sum(axis=1), 1, atol=1e-4)

    result = run_cli("evaluate", model, test_csv)
    assert result.returncode == 0, result.stderr
    accuracy = float(result.stdout.split("accuracy")[1].split()[0])
    assert accuracy >= 0.9
    for word in ("precision", "recall", "confusion matrix", "setosa", "virginica"):
        assert word in result.stdout


def test_regression(run_cli, tmp_path):
    data = sklearn_datasets.load_diabetes()
    names = list(data.feature_names)
    rows = [[*x, t] for x, t in zip(data.data, data.target)]
    train_csv = _write_csv(tmp_path / "train.csv", [*names, "progression"], rows[:350])
    test_csv = _write_csv(tmp_path / "test.csv", [*names, "progression"], rows[350:])
    model = tmp_path / "diabetes.npz"
    result = run_cli("train", train_csv, "--target", "progression", "--out", model,
                     "--hidden", "16", "--epochs", "100", "--learning-rate", "0.01",
                     "--early-stopping", "10", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "regression (inferred)" in result.stdout
    result = run_cli("evaluate", model, test_csv)
    assert result.returncode == 0, result.stderr
    r2 = float(result.stdout.split("R²")[1].split()[0])
    assert r2 > 0.3  # a linear model gets about 0.5 on this set
    result = run_cli("predict", model, test_csv)
    values = np.array([float(r) for r in result.stdout.splitlines()[1:]])
    assert len(values) == len(rows) - 350 and 25 < values.mean() < 350


def test_classes_from_a_few_whole_numbers_and_task_override(run_cli, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] > 0).astype(int) + 1  # classes 1 and 2
    data = _write_csv(tmp_path / "d.csv", ["a", "b", "label"], [[*x, t] for x, t in zip(X, y)])
    model = tmp_path / "m.npz"
    result = run_cli("train", data, "--target", "label", "--out", model, "--quiet",
                     "--epochs", "30", "--learning-rate", "0.01")
    assert "classification (inferred, 2 classes: 1, 2)" in result.stdout
    predicted = run_cli("predict", model, data).stdout.splitlines()
    assert set(predicted[1:]) == {"1", "2"}
    result = run_cli("train", data, "--target", "label", "--out", model, "--quiet",
                     "--epochs", "2", "--task", "regression")
    assert "regression (as asked)" in result.stdout


def test_features_option_and_quoted_fields(run_cli, tmp_path):
    data = tmp_path / "q.csv"
    rows = "".join(f'"{i}","{i % 2}",noise {i},"{"yes" if i % 2 else "no, not"}"\n'
                   for i in range(60))
    data.write_text('"x","parity","comment","answer"\n' + rows)
    model = tmp_path / "m.npz"
    result = run_cli("train", data, "--target", "answer", "--features", "parity", "--out",
                     model, "--quiet", "--epochs", "60", "--learning-rate", "0.05")
    assert result.returncode == 0, result.stderr
    assert "1 features" in result.stdout and "classes: no, not, yes" in result.stdout
    predicted = list(csv.reader(run_cli("predict", model, data).stdout.splitlines()))[1:]
    assert [row[0] for row in predicted[:2]] == ["no, not", "yes"]


def test_info_of_a_trained_model_names_its_columns(run_cli, iris_model):
    result = run_cli("info", iris_model)
    if result.returncode == 2 and "invalid choice: 'info'" in result.stderr:
        pytest.skip("neuronet info is not part of this build")
    assert result.returncode == 0, result.stderr
    assert "species" in result.stdout and "petal width" in result.stdout


# --- errors: one line, the right status, nothing written or clobbered ---------------------------


def _expect_error(result, status, *fragments):
    assert result.returncode == status, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("neuronet: error: "), lines[0]
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


BAD_FILES = {
    "empty.csv": ("", ["empty.csv: the file is empty"]),
    "header_only.csv": ("a,b,y\n", ["header_only.csv: the file has a header but no data rows"]),
    "ragged.csv": ("a,b,y\n1,2,0\n3,1\n", ["ragged.csv: row 3 has 2 fields, but the header has 3"]),
    "text.csv": ("a,b,y\n1,2,0\n1,two,1\n", ["text.csv: row 3, column 'b': 'two' is not a number"]),
    "missing.csv": ("a,b,y\n1,2,0\n1,,1\n", ["missing.csv: row 3, column 'b': missing value"]),
    "nan.csv": ("a,b,y\n1,2,0\n1,nan,1\n", ["nan.csv: row 3, column 'b': 'nan' is not a finite"]),
    "no_target.csv": ("a,b,y\n1,2,\n1,3,1\n", ["no_target.csv: row 2, column 'y': missing value"]),
    "one_class.csv": ("a,b,y\n1,2,cat\n2,3,cat\n", ["one_class.csv: the target 'y' has only one"]),
    "latin1.csv": (None, ["latin1.csv: not a UTF-8 text file"]),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_training_files(run_cli, tmp_path, name):
    text, fragments = BAD_FILES[name]
    path = tmp_path / name
    if text is None:
        path.write_bytes("a,b,y\n1,2,caf\xe9\n".encode("latin-1"))
    else:
        path.write_text(text)
    out = tmp_path / "model.npz"
    out.write_bytes(b"an older model")
    _expect_error(run_cli("train", path, "--target", "y", "--out", out, "--quiet"), 1,
                  *fragments)
    assert out.read_bytes() == b"an older model"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "model.npz"])


def test_missing_file_unknown_columns_and_usage(run_cli, iris, tmp_path):
    train_csv = iris[0]
    out = tmp_path / "m.npz"
    _expect_error(run_cli("train", tmp_path / "nope.csv", "--target", "y", "--out", out), 1,
                  "nope.csv: no such file")
    _expect_error(run_cli("train", tmp_path, "--target", "y", "--out", out), 1,
                  "is a directory")
    _expect_error(run_cli("train", train_csv, "--target", "colour", "--out", out), 1,
                  "train.csv: no target column 'colour'; the columns are: sepal length")
    _expect_error(run_cli("train", train_csv, "--target", "species", "--features", "petal width, x",
                          "--out", out), 1, "no feature column 'x'")
    _expect_error(run_cli("train", train_csv, "--target", "species", "--out", out,
                          "--epochs", "0"), 2, "argument --epochs: expected at least 1")
    _expect_error(run_cli("train", train_csv, "--out", out), 2,
                  "the following arguments are required: --target")
    _expect_error(run_cli("train", train_csv, "--target", "species", "--out", out,
                          "--hidden", "32,x"), 2, "expected sizes like 32,16")
    _expect_error(run_cli("train", train_csv, "--target", "species", "--out", out,
                          "--validation-split", "1"), 2, "expected a fraction in [0, 1)")
    _expect_error(run_cli("train", train_csv, "--target", "species", "--out",
                          tmp_path / "no" / "m.npz"), 1, "does not exist")
    assert not out.exists()


def test_predict_errors(run_cli, iris, iris_model, tmp_path):
    _, test_csv, _ = iris
    not_a_model = tmp_path / "model.npz"
    not_a_model.write_text("hello")
    _expect_error(run_cli("predict", not_a_model, test_csv), 1, "model.npz")
    _expect_error(run_cli("predict", tmp_path / "none.npz", test_csv), 1, "none.npz")
    lacking = _write_csv(tmp_path / "lacking.csv", ["sepal length", "sepal width"], [[1, 2]])
    _expect_error(run_cli("predict", iris_model, lacking), 1,
                  "lacking.csv: no feature column 'petal length'")
    out = tmp_path / "predictions.csv"
    out.write_text("keep me")
    bad = _write_csv(tmp_path / "bad.csv", ["sepal length", "sepal width", "petal length",
                                            "petal width"], [[1, 2, 3, 4], [1, "x", 3, 4]])
    _expect_error(run_cli("predict", iris_model, bad, "--out", out), 1,
                  "bad.csv: row 3, column 'sepal width': 'x' is not a number")
    assert out.read_text() == "keep me"
    unseen = _write_csv(tmp_path / "unseen.csv", ["sepal length", "sepal width", "petal length",
                                                  "petal width", "species"], [[1, 2, 3, 4, "rose"]])
    _expect_error(run_cli("evaluate", iris_model, unseen), 1,
                  "unseen.csv: row 2, column 'species': class 'rose' is not one of the classes")
    no_target = _write_csv(tmp_path / "nt.csv", ["sepal length", "sepal width", "petal length",
                                                 "petal width"], [[1, 2, 3, 4]])
    _expect_error(run_cli("evaluate", iris_model, no_target), 1, "no target column 'species'")
    _expect_error(run_cli("predict", iris_model), 2, "required: data")


def test_ctrl_c_during_train_saves_the_model_so_far(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 3))
    data = _write_csv(tmp_path / "d.csv", ["a", "b", "c", "y"],
                      [[*x, int(x.sum() > 0)] for x in X])
    model = tmp_path / "m.npz"
    child = subprocess.Popen(
        [sys.executable, "-m", "neuronet", "train", str(data), "--target", "y", "--out",
         str(model), "--epochs", "100000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONIOENCODING="utf-8"),
    )
    stderr = ""
    deadline = time.monotonic() + 60
    while "loss=" not in stderr and time.monotonic() < deadline:  # an epoch has ended
        stderr += os.read(child.stderr.fileno(), 4096).decode(errors="replace")
    child.send_signal(signal.SIGINT)
    stdout, rest = child.communicate(timeout=60)
    assert child.returncode == 0, rest
    assert "interrupted: the model trained so far was written to" in stdout
    from neuronet import load

    assert load(model).metadata["target_name"] == "y"


def test_predict_with_a_model_saved_from_python_without_metadata(run_cli, tmp_path):
    from neuronet import Network

    net = Network.mlp([3, 4, 2], seed=0)
    model = net.save(tmp_path / "plain.npz")
    data = _write_csv(tmp_path / "d.csv", ["a", "b", "c"], [[0.1, 0.2, 0.3], [1, 2, 3]])
    result = run_cli("predict", model, data)
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()
    assert rows[0] == "prediction" and len(rows) == 3
    expected = net.predict(np.array([[0.1, 0.2, 0.3], [1, 2, 3]])).argmax(axis=1)
    assert [int(r) for r in rows[1:]] == expected.tolist()  # without class names: 0, 1, ...
    wide = _write_csv(tmp_path / "w.csv", ["a", "b", "c", "d"], [[1, 2, 3, 4]])
    _expect_error(run_cli("predict", model, wide), 1,
                  "w.csv: has 4 feature columns, but the model expects 3")
    regressor = Network.mlp([3, 4, 2], output="identity", seed=0)
    model = regressor.save(tmp_path / "two_outputs.npz")
    rows = list(csv.reader(run_cli("predict", model, data).stdout.splitlines()))
    assert rows[0] == ["prediction_0", "prediction_1"]
    np.testing.assert_allclose(np.array(rows[1:], dtype=float),
                               regressor.predict(np.array([[0.1, 0.2, 0.3], [1, 2, 3]])))
    _expect_error(run_cli("predict", model, data, "--proba"), 1, "--proba needs a classifier")
