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
