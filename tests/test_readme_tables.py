"""The table example of the README (and of the guide's page on tables) prints what the page
shows: its commands run in an empty folder on the shipped Palmer penguins, and the excerpt of
``train``'s report on the page is what ``train`` prints. (tests/test_code_blocks.py runs every
block of every page; this test reads what the commands print.)"""

import csv
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _blocks(page, heading):
    text = (ROOT / page).read_text(encoding="utf-8")
    section = text.split(heading, 1)[1].split("\n## ", 1)[0] if heading else text
    return re.findall(r"^```(\w*)\n(.*?)^```", section, re.S | re.M)


@pytest.mark.parametrize("page, heading", [("README.md", "## A table, from the command line"),
                                           ("docs/guide/tables.md", None)])
def test_the_table_example_prints_what_the_page_shows(run_cli, tmp_path, page, heading):
    blocks = _blocks(page, heading)
    commands = [line for line in blocks[0][1].splitlines() if line.strip()]
    assert [shlex.split(line)[1] for line in commands] == ["data", "train", "predict",
                                                           "evaluate", "info"]
    outputs = []
    for line in commands:
        program, *args = shlex.split(line)
        assert program == "neuronet"
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 0, (line, result.stderr)
        outputs.append(result.stdout)
    _, train, _, evaluate, info = outputs
    shown = blocks[1][1].strip().splitlines()  # the excerpt of train's report on the page
    for line in shown:
        if "..." not in line and not line.startswith(("epochs:", "training:")):
            assert line in train.splitlines(), line
    with open(tmp_path / "predictions.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Individual ID", "Species"] and len(rows) == 345
    assert rows[1][0] == "N1A1"
    assert float(evaluate.split("accuracy")[1].split()[0]) >= 0.95
    assert "preparation (table section version 3)" in info and "Date Egg: date" in info
    assert sorted(p.name for p in tmp_path.iterdir()) == ["penguins.csv", "penguins.npz",
                                                          "predictions.csv"]
