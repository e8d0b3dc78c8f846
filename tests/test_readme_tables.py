"""The README's example of tables runs as written: its commands on the shipped Palmer penguins,
then its Python (the same model from Python and from ONNX)."""

import csv
import re
import shlex
import shutil
from pathlib import Path

import pytest

import neuronet

README = Path(__file__).resolve().parent.parent / "README.md"


def _blocks():
    text = README.read_text(encoding="utf-8")
    section = text.split("## Tables of data from the command line", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(\w*)\n(.*?)```", section, re.S)


def test_readme_table_example_runs_as_written(run_cli, tmp_path, monkeypatch):
    pytest.importorskip("onnxruntime")
    blocks = _blocks()
    commands = [line for line in blocks[0][1].splitlines() if line.strip()]
    assert [shlex.split(line)[1] for line in commands] == ["train", "predict", "evaluate",
                                                           "info"]
    data = tmp_path / "src" / "neuronet" / "data"
    data.mkdir(parents=True)
    shutil.copy(neuronet.datasets.penguins_path(), data / "penguins.csv")
    outputs = []
    for line in commands:
        program, *args = shlex.split(line)
        assert program == "neuronet"
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 0, (line, result.stderr)
        outputs.append(result.stdout)
    train, _, evaluate, info = outputs
    shown = blocks[1][1].strip().splitlines()  # the excerpt of train's report in the README
    for line in shown:
        if "..." not in line and not line.startswith(("epochs:", "training:")):
            assert line in train.splitlines(), line
    with open(tmp_path / "predictions.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Individual ID", "Species"] and len(rows) == 345
    assert rows[1][0] == "N1A1"
    assert float(evaluate.split("accuracy")[1].split()[0]) >= 0.95
    assert "preparation (table section version 2)" in info and "Date Egg: date" in info

    python = next(code for language, code in blocks if language == "python")
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(python, str(README), "exec"), namespace)  # noqa: S102 - the README's own code
    assert list(namespace["labels"]) == [row[1] for row in rows[1:]]
    assert (tmp_path / "penguins.onnx").exists()
