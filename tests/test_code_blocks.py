"""Every code block of the README and of the documentation's pages runs as written, from any
folder: each page in a fresh empty folder, its blocks in the order a reader meets them.

A ```python block runs in one namespace per page (a later block uses what an earlier one
made), in a process of its own, so that a page that changes a setting of neuronet changes it
for itself alone. In a block without a language, every line that is a ``neuronet`` command
runs as ``python -m neuronet``; other lines (``make``, ``pip install``) and the blocks that show
what a command prints are read, not run. The shipped data comes from ``neuronet.datasets`` or
``neuronet data``, never from the repository, so the folder holds nothing but what the page
writes.

What cannot run here is named in NOT_RUN, with the reason: keep it short.
"""

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.md")
                              if "_build" not in p.parts)]

# (page, the start of the block or of the command line): why it is not run.
NOT_RUN = {
    ("docs/guide/dask.md", "import dask.array as da"):
        "needs a Dask scheduler's address and the reader's zarr files",
    ("docs/guide/dask.md", "import dask.dataframe as dd"):
        "needs a Dask scheduler's address and the reader's part files",
    ("docs/guide/dask.md", "import joblib"): "needs a running Dask client and the reader's X, y",
    ("docs/guide/dask.md", "neuronet train 'data/part-*.csv'"):
        "needs a Dask scheduler's address and the reader's part files",
    ("docs/guide/dask.md", "neuronet predict model.npz new-rows.csv"):
        "predicts with the model the two lines before it train on a cluster",
    ("docs/guide/playground.md", "neuronet playground"): "serves the page until stopped",
}

FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def blocks(page):
    """[(language, code)] of a page, in order."""
    return [(language, code) for language, code in
            FENCE.findall((ROOT / page).read_text(encoding="utf-8"))]


def _skipped(page, text):
    return any(page == where and text.lstrip().startswith(start)
               for where, start in NOT_RUN)


def steps(page):
    """What running the page does: ("python", code) and ("command", argv) in order."""
    found = []
    for language, code in blocks(page):
        if language == "python":
            if not _skipped(page, code):
                found.append(("python", code))
        elif not language:
            for line in code.splitlines():
                command = line.split("  #", 1)[0].strip()
                if command.startswith("neuronet ") and not _skipped(page, command):
                    found.append(("command", command))
    return found


# Runs the steps of one page in order: Python blocks in one namespace, commands as
# `python -m neuronet`, stopping at the first that fails, with what it was.
DRIVER = textwrap.dedent("""
    import json, shlex, subprocess, sys, traceback
    steps = json.load(open(sys.argv[1]))
    namespace = {"__name__": "__main__"}
    for number, (kind, text) in enumerate(steps, 1):
        if kind == "python":
            try:
                exec(compile(text, f"block {number}", "exec"), namespace)
            except BaseException:
                print(f"step {number} (python) failed:\\n{text}\\n{traceback.format_exc()}")
                sys.exit(1)
        else:
            argv = shlex.split(text)[1:]
            done = subprocess.run([sys.executable, "-m", "neuronet", *argv],
                                  capture_output=True, text=True)
            if done.returncode:
                print(f"step {number} ({text}) failed:\\n{done.stdout}{done.stderr}")
                sys.exit(1)
""")


def run_page(page, folder):
    plan = folder.parent / f"{folder.name}-steps.json"
    plan.write_text(json.dumps(steps(page)), encoding="utf-8")
    driver = folder.parent / f"{folder.name}-driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    env = dict(os.environ, PYTHONIOENCODING="utf-8", MPLBACKEND="Agg")
    return subprocess.run([sys.executable, str(driver), str(plan)], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("page", [p for p in PAGES if steps(p)])
def test_every_code_block_of_the_page_runs_as_written(page, tmp_path):
    folder = tmp_path / "reader"
    folder.mkdir()
    result = run_page(page, folder)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_blocks_not_run_are_few_and_still_there():
    assert len(NOT_RUN) <= 6
    for page, start in NOT_RUN:
        texts = [code for _, code in blocks(page)]
        assert any(start in code for code in texts), (page, start)


def test_no_block_reaches_into_the_repository():
    for page in PAGES:
        for _, code in blocks(page):
            assert "src/neuronet" not in code and "examples/" not in code, page


def test_the_readme_is_a_front_page():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) <= 170
    assert lines[3:5] == ["make demo    # sets up .venv, then shows neuronet at work: the "
                          "tutorial's neuron, XOR, handwritten digits",
                          "make test    # sets up .venv, then runs ruff, mypy and the whole "
                          "test suite"]
    assert "![The playground" in text
    for link in re.findall(r"\]\(((?:docs|examples)/[^)#]+)", text):
        assert (ROOT / link).exists(), link
    assert [language for language, _ in blocks("README.md")].count("python") == 2
