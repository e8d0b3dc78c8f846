"""neuronet.cli.trace: `neuronet trace` and `neuronet check-gradients` in a terminal."""

import csv

import numpy as np
import pytest

import neuronet
from neuronet import SGD, Dense, Network, Neuron, datasets, trace
from neuronet.cli import main
from neuronet.cli.trace import BOLD, YELLOW, coloured


def _run(capsys, *args):
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def _write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_without_options_it_traces_the_tutorials_neuron(capsys):
    status, out, err = _run(capsys, "trace")
    assert status == 0 and err == ""
    inputs, outputs, _ = datasets.tutorial()
    layer = Dense(3, 1, "sigmoid", bias=False)
    layer.weights = Neuron().weights.copy()
    expected = trace.step(Network([layer]), inputs, outputs, loss="sse",
                          optimizer=SGD(learning_rate=1))
    assert out == str(expected) + "\n"
    assert "the tutorial's confidence" in out and "\x1b[" not in out  # no colour in a pipe


def test_a_random_network_on_xor_with_a_neuron_explained(capsys):
    status, out, err = _run(capsys, "trace", "--network", "2-4-4-1", "--hidden-activation", "tanh",
                            "--row", "2", "--explain", "2:3", "--seed", "5")
    assert status == 0, err
    network = Network([Dense(2, 4, "tanh"), Dense(4, 4, "tanh"), Dense(4, 1, "sigmoid")],
                      seed=5)
    X, y = datasets.xor()
    step = trace.step(network, X, y, loss="sse", optimizer=SGD(learning_rate=1))
    assert out == step.words(row=1) + "\n\n" + step.explain(row=1, neuron=(2, 2)) + "\n"
    assert "Row 2 of 4, layer 2 (hidden, 4 tanh neurons), neuron 3." in out


def test_colour_on_request_and_never_by_default_in_a_pipe(capsys, run_cli):
    status, out, _ = _run(capsys, "trace", "--network", "2-2-1", "--color", "always")
    assert status == 0 and BOLD in out and YELLOW in out
    assert coloured("Forward:\n  error -0.5; more") == \
        f"{BOLD}Forward:\x1b[0m\n  {YELLOW}error -0.5\x1b[0m; more"
    result = run_cli("trace", "--network", "2-2-1")
    assert result.returncode == 0 and "\x1b[" not in result.stdout and result.stderr == ""


def test_a_csv_of_numbers_and_the_table_and_the_drawing(capsys, tmp_path):
    rng = np.random.default_rng(0)
    rows = [[*rng.normal(size=3).round(3), int(rng.integers(0, 2))] for _ in range(6)]
    data = _write(tmp_path / "rows.csv", ["a", "b", "c", "label"], rows)
    svg = tmp_path / "step.svg"
    status, out, err = _run(capsys, "trace", "--network", "3-2-1", "--data", data,
                            "--loss", "binary_crossentropy", "--optimizer", "adam", "--table",
                            "-o", svg, "--rows", "5")
    assert status == 0, err
    assert "One step of learning on 5 rows with Adam(learning_rate=0.001)" in out
    assert "binary cross-entropy" in out and "layer  neuron  row" in out
    assert svg.read_text().startswith("<svg") and "Drew the step in" in err


def test_a_model_file_with_its_csv(capsys, tmp_path):
    network = Network.mlp([3, 4, 2], hidden="relu", output="softmax", seed=1)
    network.loss = "categorical_crossentropy"
    model = tmp_path / "model.npz"
    network.save(model, metadata={"feature_names": ["x", "y", "z"]})
    rows = [[0, 1.5, -1, 2, 0.5], [1, 0.5, 2, 1, 0.1], [0, -1, 0, 3, 0.2]]
    data = _write(tmp_path / "rows.csv", ["class", "z", "x", "y", "extra"], rows)
    status, out, err = _run(capsys, "trace", "--model", model, "--data", data,
                            "--target", "class")
    assert status == 0, err
    X = np.array([[r[2], r[3], r[1]] for r in rows], dtype=float)  # by the saved names
    step = trace.step(network, X, [r[0] for r in rows], loss="categorical_crossentropy",
                      optimizer=SGD(learning_rate=1))
    assert out == str(step) + "\n"
    status, out, err = _run(capsys, "check-gradients", "--model", model, "--data", data,
                            "--target", "class")
    assert status == 0 and "agrees" in out


def test_a_model_of_a_table(capsys, tmp_path):
    pytest.importorskip("pandas")
    rng = np.random.default_rng(2)
    colours = ["red", "green", "blue"]
    rows = [[round(float(rng.normal()), 3), colours[i % 3], "yes" if i % 2 else "no"]
            for i in range(30)]
    data = _write(tmp_path / "table.csv", ["size", "colour", "answer"], rows)
    model = tmp_path / "table.npz"
    assert main(["train", str(data), "--target", "answer", "--out", str(model), "--epochs",
                 "2", "--quiet"]) == 0
    capsys.readouterr()
    status, out, err = _run(capsys, "trace", "--model", model, "--data", data, "--rows", "8")
    assert status == 0, err
    assert "One step of learning on 8 rows" in out
    status, out, err = _run(capsys, "check-gradients", "--model", model, "--data", data,
                            "--rows", "8")
    assert status == 0 and "agrees" in out, err
    # A table model drops 10% of its hidden outputs while training: checked without Dropout.
    assert "Dropout" in repr(neuronet.load(model).network)
    assert err == "neuronet: note: the model's Dropout layers are left out of the check (they " \
        "would make every loss random)\n"


def test_check_gradients_prints_the_table(capsys):
    status, out, err = _run(capsys, "check-gradients", "--network", "2-4-4-1",
                            "--hidden-activation", "tanh")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("Gradient check: backpropagation against central differences")
    assert len(lines) == 6 and "agrees" in lines[-1]
    errors = [float(line.split()[2]) for line in lines[2:5]]
    assert max(errors) < 1e-8


@pytest.mark.parametrize("args, message", [
    (["trace", "--network", "2-x-1"], "--network must be layer sizes joined by '-'"),
    (["trace", "--network", "2"], "at least two sizes"),
    (["trace", "--network", "3-2-1"], "XOR has 2 inputs and 1 output"),
    (["trace", "--network", "2-2-1", "--model", "m.npz"], "not both"),
    (["trace", "--data", "x.csv"], "--data needs --network or --model"),
    (["trace", "--model", "m.npz"], "--model needs --data"),
    (["trace", "--network", "2-2-1", "--row", "5"], "--row 5: the batch has 4 rows"),
    (["trace", "--network", "2-2-1", "--row", "0"], "counts rows from 1"),
    (["trace", "--network", "2-2-1", "--explain", "2"], "LAYER:NEURON"),
    (["trace", "--network", "2-2-1", "--explain", "3:1"], "numbered 1 to 2"),
    (["trace", "--network", "2-2-1", "--explain", "2:2"], "neurons 0 to 0"),
    (["trace", "--network", "2-2-1", "--rows", "0"], "--rows must be at least 1"),
    (["trace", "--network", "2-2-1", "--learning-rate", "0"], "--learning-rate must be more"),
    (["trace", "--network", "2-2-1", "--output-activation", "identity", "--loss",
      "binary_crossentropy"], "needs probabilities"),
    (["check-gradients", "--network", "2-2-1", "--epsilon", "0"], "--epsilon must be more"),
    (["trace", "--network", "2-2-1", "--data", "missing.csv"], "missing.csv: no such file"),
    (["trace", "--model", "missing.npz", "--data", "missing.csv"], "missing.npz"),
])
def test_bad_input_is_one_line(capsys, args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = _run(capsys, *args)
    assert status != 0
    assert err.startswith("neuronet: error: ") and err.count("\n") == 1, err
    assert message in err


def test_bad_csv_files_are_one_line(capsys, tmp_path):
    text = _write(tmp_path / "text.csv", ["a", "b", "y"], [[1, "x", 0], [2, "y", 1]])
    few = _write(tmp_path / "few.csv", ["a", "b", "y"], [[1, 2, 0]])
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    for args, message in [
        (["--network", "2-1", "--data", text], "column 'b' holds text"),
        (["--network", "2-1", "--data", few, "--target", "q"], "no column 'q'"),
        (["--network", "3-1", "--data", few],
         "2 input columns besides the target 'y', but the network takes 3"),
        (["--network", "2-1", "--data", empty], "not a CSV file of numbers"),
    ]:
        status, _, err = _run(capsys, "trace", *args)
        assert status == 1, err
        assert err.startswith("neuronet: error: ") and err.count("\n") == 1 and message in err
