"""The distributed benchmark keeps working: one run on tiny sizes. It measures; nothing here
asserts a time."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_dask_benchmark_runs_on_tiny_sizes_and_writes_json(tmp_path):
    pytest.importorskip("distributed")
    pytest.importorskip("threadpoolctl")
    out = tmp_path / "dask.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "dask_bench.py"), "--quick", "--out",
         str(out)], capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert set(report["results"]) == {"in-process, 1 BLAS thread", "in-process, all BLAS threads",
                                      "dask, 1 worker", "dask, 2 workers"}
    for name, record in report["results"].items():
        # The same L-BFGS path whichever way it ran: same evaluations, same weights.
        assert record["evaluations"] == report["results"]["dask, 1 worker"]["evaluations"]
        assert record["weights_relative_difference"] < 1e-8
        if name.startswith("dask"):
            assert record["bytes_sent_per_evaluation"] > report["payload_bytes_per_vector"]
    assert report["payload_bytes_per_vector"] == 8 * (20 * 32 + 32 + 32 + 1)
    assert [p["workers"] for p in report["projection"]] == [10, 10, 100, 100, 1000, 1000]
    for line in ("== dask-lbfgs", "target: dask with 1 worker", "projection"):
        assert line in done.stdout
