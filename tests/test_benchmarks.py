"""The benchmark script keeps working: one run on tiny sizes. It measures; nothing here asserts
a time."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_script_runs_on_tiny_sizes_and_writes_json(tmp_path):
    pytest.importorskip("sklearn")
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--no-torch",
         "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())
    assert set(results["tasks"]) == {"neuron", "digits-relu", "digits-sigmoid", "estimator-sgd",
                                     "estimator-lbfgs", "layout", "large", "predict", "memory",
                                     "read-csv"}
    reading = results["tasks"]["read-csv"]["results"]
    assert set(reading) == {"neuronet", "pandas"} and reading["neuronet"]["shape_ok"] is True
    assert results["quick"] is True
    assert isinstance(results["machine"]["threadpools"], list)  # BLAS and threads recorded
    neuron = results["tasks"]["neuron"]["results"]
    assert neuron["neuronet"]["bit_identical"] is True
    digits = results["tasks"]["digits-relu"]["results"]
    assert set(digits) == {"neuronet", "numpy", "sklearn"}
    for record in digits.values():
        assert 0 <= record["accuracy"] <= 1
        assert record["min"] <= record["median"] <= record["max"]
    assert "matmul floor" in results["tasks"]["large"]["results"]
    assert results["tasks"]["large"]["note"] == "skipped (--no-torch)"
    memory = results["tasks"]["memory"]["runs"][0]
    assert memory["rows"] > 0 and memory["anon_peak_mb"] >= memory["anon_before_mb"]
    for task in ("estimator-sgd", "estimator-lbfgs"):
        records = results["tasks"][task]["results"]
        assert records["neuronet"]["iterations"] == records["sklearn"]["iterations"]
    assert "C-ordered 200,000" in results["tasks"]["layout"]["results"]
    for line in ("== digits-relu", "neuronet / numpy", "target:", "matmul floor",
                 "NetClassifier / MLPClassifier (lbfgs)", "DataFrame / C-ordered"):
        assert line in done.stdout


def test_table_comparison_script_runs_on_two_small_tables(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("palmerpenguins")
    pytest.importorskip("statsmodels")
    out = tmp_path / "tables.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "tables.py"), "--quick", "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(out.read_text())
    assert [(t["table"], t["target"]) for t in results["tables"]] == [
        ("penguins", "species"), ("statsmodels spector", "GRADE")]
    for table in results["tables"]:
        assert 0 <= table["neuronet"] <= 1 and 0 <= table["sklearn"] <= 1
        assert table["task"] == "classification"
    assert "neuronet at or above scikit-learn on" in done.stdout
