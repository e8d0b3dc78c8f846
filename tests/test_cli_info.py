import re
import zipfile

import numpy as np
import pytest

from neuronet import Dense, Dropout, Network


@pytest.fixture
def model_file(tmp_path):
    net = Network([
        Dense(64, 32, "leaky_relu", init="he_normal"),
        Dropout(0.2),
        Dense(32, 10, "softmax", bias=False),
    ], seed=0, dtype=np.float32)
    net.loss = "categorical_crossentropy"
    path = tmp_path / "digits.npz"
    net.save(path, metadata={
        "task": "classification",
        "feature_names": [f"pixel{i}" for i in range(64)],
        "target_name": "digit",
        "classes": list(range(10)),
        "input_mean": [0.5] * 64,
        "input_scale": [2.0] * 64,
        "source": "scikit-learn digits",
    })
    return path


def test_info_prints_the_model_card(run_cli, model_file):
    result = run_cli("info", model_file)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    size = model_file.stat().st_size
    assert lines[0] == (f"{model_file}: neuronet model, format version 1, saved by neuronet "
                        f"0.1.0, {size:,} bytes")
    table = "\n".join(lines[2:9])
    assert table == (
        "#  layer         inputs  outputs  activation  parameters\n"
        "--------------------------------------------------------\n"
        "1  Dense             64       32  leaky_relu       2,080\n"
        "2  Dropout(0.2)                                        0\n"
        "3  Dense             32       10  softmax            320\n"
        "--------------------------------------------------------\n"
        "2,400 parameters, float32"
    )
    text = result.stdout
    assert "  layer 1: leaky_relu alpha 0.01, initialized with he_normal\n" in text
    assert "  layer 3: no bias\n" in text
    assert "trained with loss: categorical_crossentropy\n" in text
    assert "  task: classification\n" in text
    assert ("  features (64): pixel0, pixel1, pixel2, pixel3, pixel4, pixel5, pixel6, pixel7, "
            "pixel8, pixel9, ... (54 more)\n") in text
    assert "  target: digit\n" in text
    assert "  classes (10): 0, 1, 2, 3, 4, 5, 6, 7, 8, 9\n" in text
    assert "  input scaling: mean and scale for each of the 64 inputs" in text
    assert '  source: "scikit-learn digits"\n' in text


def test_info_without_metadata(run_cli, tmp_path):
    path = Network.mlp([2, 1], output="sigmoid", seed=0).save(tmp_path / "m.npz")
    result = run_cli("info", path)
    assert result.returncode == 0
    assert result.stdout.endswith("\nmetadata: none\n")


def test_info_on_what_is_not_a_model_is_one_line(run_cli, tmp_path, model_file):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    cut = tmp_path / "cut.npz"
    cut.write_bytes(model_file.read_bytes()[:-40])
    newer = tmp_path / "newer.npz"
    with zipfile.ZipFile(model_file) as old, zipfile.ZipFile(newer, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "header.npy":  # same length, so the .npy header still fits
                data = data.replace(b'"format_version": 1', b'"format_version": 7')
            new.writestr(info.filename, data)
    cases = {
        tmp_path / "missing.npz": "no such file",
        tmp_path: "is a directory, not a model file",
        junk: "not a neuronet model file (not a zip archive, or a truncated one)",
        cut: "not a neuronet model file (not a zip archive, or a truncated one)",
    }
    for path, problem in cases.items():
        result = run_cli("info", path)
        assert result.returncode == 1
        assert result.stdout == ""
        assert result.stderr == f"neuronet: error: {path}: {problem}\n"
    result = run_cli("info", newer)
    assert result.returncode == 1
    assert result.stderr == (f"neuronet: error: {newer}: written in model format version 7 "
                             "(by neuronet 0.1.0); this neuronet (0.1.0) reads version 2: "
                             "upgrade neuronet to load it\n")


def test_info_needs_a_file(run_cli):
    result = run_cli("info")
    assert result.returncode == 2
    assert "the following arguments are required: model" in result.stderr


# What a terminal acts on: C0 controls but the line ends print() writes, DEL, C1 controls,
# and the direction overrides that make text read other than it is.
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_info_shows_text_from_the_file_with_controls_escaped(run_cli, rewrite_header, tmp_path):
    path = tmp_path / "hostile.npz"
    Network.mlp([2, 3, 2], seed=0).save(path)

    def edit(header):
        header["neuronet_version"] = "0.1.0\x1b]0;owned\x07"
        header["metadata"] = {
            "task": "classification",
            "feature_names": ["\x1b[2Jclear", "rtl\u202eevil"],
            "target_name": "line\nbreak",
            "classes": ["\x9b31mred", "nul\x00"],
            "note\x1b[5m": "c1\x85 del\x7f",
        }

    rewrite_header(path, edit)
    result = run_cli("info", path)
    assert result.returncode == 0, result.stderr
    assert not CONTROL.search(result.stdout)
    text = result.stdout
    assert "saved by neuronet 0.1.0\\x1b]0;owned\\x07, " in text
    assert "  features (2): \\x1b[2Jclear, rtl\\u202eevil\n" in text
    assert "  target: line\\x0abreak\n" in text
    assert "  classes (2): \\x9b31mred, nul\\x00\n" in text
    assert '  note\\x1b[5m: "c1\\x85 del\\x7f"\n' in text


def test_errors_quoting_the_file_are_escaped(run_cli, tmp_path):
    path = tmp_path / "evil.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("header.npy", b"x")
        archive.writestr("\x1b[2Jevil\u202e.npy", b"x", compress_type=zipfile.ZIP_DEFLATED)
    result = run_cli("info", path)
    assert result.returncode == 1
    assert result.stderr == (f"neuronet: error: {path}: the member \\x1b[2Jevil\\u202e.npy "
                             "is compressed; model files store arrays as they are\n")
