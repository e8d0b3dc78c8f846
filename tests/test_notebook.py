"""The example notebook runs from top to bottom, headless, in this Python (the venv's)."""

import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")

NOTEBOOK = Path(__file__).parent.parent / "examples" / "quick_dive.ipynb"
BACKPROP = Path(__file__).parent.parent / "examples" / "backprop.ipynb"


@pytest.fixture
def kernel_of_this_python(tmp_path, monkeypatch):
    """A kernelspec that runs this very interpreter, found before any kernel installed
    globally, so that the notebook sees the neuronet under test."""
    spec = tmp_path / "jupyter" / "kernels" / "neuronet-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "neuronet tests",
        "language": "python",
    }))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return "neuronet-test"


def test_quick_dive_notebook_runs_without_errors(kernel_of_this_python):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook, kernel_name=kernel_of_this_python, timeout=300,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails

    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    kinds = [kind for o in outputs for kind in o.get("data", {})]
    # The neuron twice, the XOR net, the deep net and the digits net are drawn as SVG...
    assert kinds.count("image/svg+xml") == 5
    # ...and the trace, two XOR boundaries, the spirals, curves, confusion, digits as PNG.
    assert kinds.count("image/png") == 7
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "9.6734" in printed and "0.99993707" in printed


def _run(path, kernel):
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook, kernel_name=kernel, timeout=300,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    return [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]


def test_the_backpropagation_notebook_runs_and_shows_what_it_says(kernel_of_this_python):
    outputs = _run(BACKPROP, kernel_of_this_python)
    assert not [o for o in outputs if o.output_type == "error"]
    kinds = [kind for o in outputs for kind in o.get("data", {})]
    assert kinds.count("image/svg+xml") == 1  # the traced XOR step, drawn
    assert kinds.count("text/html") == 1  # its table
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    # The tutorial's numbers, from the tutorial's loop and from the traced step.
    assert "confidence  [-0.06    0.1472  0.1358 -0.0259]" in printed
    assert "False" not in printed  # every comparison of the two holds
    assert printed.count("equal: True") == 4 and "bit for bit: True" in printed
    assert "the tutorial's confidence" in printed
    checks = [line for line in printed.splitlines() if line.startswith("Backpropagation")]
    assert checks[0].startswith("Backpropagation agrees")
    assert checks[1].startswith("Backpropagation DISAGREES")
    assert "in layer 1" in checks[1]
