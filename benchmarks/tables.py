"""`neuronet train FILE --target T` with its defaults beside gradient boosting and the best
default tabular network, on public tables with text columns, gaps, dates and IDs.

    .venv/bin/python benchmarks/tables.py                 # all tables, 3 splits (bench-tables)
    .venv/bin/python benchmarks/tables.py --quick         # 3 small tables, 1 split (make bench)
    .venv/bin/python benchmarks/tables.py --tables ames,diamonds --splits 5 \\
        --neuronet-args "--epochs 100"                    # another setting of neuronet's
    .venv/bin/python benchmarks/tables.py \\
        --reuse realmlp=benchmarks/results/tables-baseline.json  # a slow peer's earlier runs

The tables and why each is there: benchmarks/tables_catalogue.py. Each table is shuffled with a
seeded generator and cut into training rows (75 %) and held-out rows (25 %), split 0, 1, 2, ...,
and both parts are written as CSV files, as a user would have them. The splits and the peers'
seeds are fixed, so a peer's scores on a table are the same from run to run (``--reuse`` takes
them, and its times, from an earlier run's file after checking that its rows and splits
match). Every method gets the same files of the same splits:

- neuronet runs as a user runs it: ``neuronet train TRAIN.csv --target T --out model.npz`` (plus
  ``--seed SPLIT --quiet`` and whatever ``--neuronet-args`` adds), then ``neuronet predict
  model.npz TEST.csv --out predictions.csv`` (``--proba`` for classes), each in its own process:
  its time counts start-up, reading and writing. The training process's peak memory (max RSS)
  is recorded too.
- The peers (benchmarks/tables_peers.py: HistGradientBoosting, LightGBM, RealMLP-TD, scikit-learn's
  MLP) read the same files with pandas, get one shared preparation and their defaults; their
  time counts reading, preparing, fitting and predicting, in this process after their imports.

Every prediction is scored by the same code (benchmarks/tables_summary.py): accuracy, log loss
and ROC AUC for classes, R² and RMSE for numbers, on the held-out rows with a target value. A
method that fails on a split is reported as failed on that table with its error, never dropped.
The results go to a JSON file (``--out``, default benchmarks/results/tables-<time>.json),
rewritten after each table, and ``--markdown`` writes the tables of the report.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.metadata
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import recording  # beside this script, whose folder Python puts first on sys.path
from tables_catalogue import ROW_CAP, TABLES, select
from tables_peers import PEERS, label_text, run_peer, warm_up
from tables_summary import MAIN, markdown, overall, score, table_summary

METHODS = ["neuronet", *PEERS]
TEST_SIZE = 0.25


def split(frame: pd.DataFrame, seed: int):
    """Training and held-out rows of split ``seed``: a seeded shuffle cut at 75 %."""
    order = np.random.default_rng(seed).permutation(len(frame))
    cut = int(round(len(frame) * (1 - TEST_SIZE)))
    return frame.iloc[order[:cut]], frame.iloc[order[cut:]]


def neuronet_command() -> list[str]:
    """The `neuronet` command installed beside this Python, or the same through ``-c``."""
    script = Path(sys.executable).parent / "neuronet"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from neuronet.cli import main; sys.exit(main())"]


# A small Python process starts each neuronet command and reports its time and peak memory:
# measured from this process, the child's max RSS would include this process's own pages (the
# peers' libraries), which the child shares between fork and exec.
_LAUNCH = """
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
child.returncode = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as report:
    report.write(f"{time.perf_counter() - start} {usage.ru_maxrss} "
                 f"{usage.ru_utime + usage.ru_stime}")
sys.exit(child.returncode)
"""


def _child_environment(threads):
    """This process's environment, as an installed neuronet runs in it
    (``recording.installed_environment``), with the thread pools of NumPy's BLAS limited to
    ``threads`` (the peers get the same limit through threadpoolctl)."""
    limits = {name: str(threads) for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                             "MKL_NUM_THREADS")}
    return {**recording.installed_environment(), **limits}


def _run(command, timeout, threads):
    """Run ``command``; returns (exit code, stdout, stderr, seconds, peak RSS in MB, CPU
    seconds: its user and system time, which other jobs on the machine disturb less than
    the wall time)."""
    with tempfile.TemporaryDirectory() as folder:
        report, out, err = (Path(folder) / name for name in ("report", "out", "err"))
        with out.open("wb") as stdout, err.open("wb") as stderr:
            try:
                code = subprocess.run([sys.executable, "-c", _LAUNCH, str(report), *command],
                                      stdout=stdout, stderr=stderr, timeout=timeout,
                                      env=_child_environment(threads)).returncode
            except subprocess.TimeoutExpired:
                return (-1, "", f"stopped after {timeout:.0f} s", timeout, float("nan"),
                        float("nan"))
        seconds, max_rss_kb, cpu = (float(v) for v in report.read_text().split()) \
            if report.exists() else (float("nan"),) * 3
        return (code, out.read_text(errors="replace"), err.read_text(errors="replace"),
                seconds, max_rss_kb / 1024, cpu)


def _failure(what, code, stderr):
    last = [line for line in stderr.strip().splitlines() if line.strip()]
    return RuntimeError(f"{what} exited with {code}: {last[-1] if last else 'no message'}")


def run_neuronet(train_csv, test_csv, target, task, seed, folder, extra, timeout, threads):
    """Train and predict through neuronet's command line; returns predictions and measures."""
    model, predictions = Path(folder) / "model.npz", Path(folder) / "predictions.csv"
    code, stdout, stderr, train_seconds, peak_mb, train_cpu = _run(
        [*neuronet_command(), "train", str(train_csv), "--target", target, "--out", str(model),
         "--seed", str(seed), "--quiet", *extra], timeout, threads)
    if code != 0:
        raise _failure("neuronet train", code, stderr)
    inferred = re.search(r"^task:\s+(\w+)", stdout, re.MULTILINE)
    if inferred and inferred.group(1) != task:
        raise RuntimeError(f"neuronet took the task as {inferred.group(1)}; the table's is {task}")
    command = [*neuronet_command(), "predict", str(model), str(test_csv), "--out",
               str(predictions)] + (["--proba"] if task == "classification" else [])
    code, _, stderr, predict_seconds, _, predict_cpu = _run(command, timeout, threads)
    if code != 0:
        raise _failure("neuronet predict", code, stderr)
    frame = pd.read_csv(predictions, dtype={target: str} if task == "classification" else None)
    measures = {"seconds": train_seconds + predict_seconds, "train_seconds": train_seconds,
                "predict_seconds": predict_seconds, "peak_mb": peak_mb,
                "cpu_seconds": train_cpu + predict_cpu}
    if task == "regression":
        return {"values": frame[target].to_numpy(dtype=float)}, measures
    proba = frame[[c for c in frame.columns if c.startswith("probability_")]]
    proba.columns = [str(label_text([c[len("probability_"):]])[0]) for c in proba.columns]
    return {"labels": label_text(frame[target]), "proba": proba}, measures


def _one(method, train_csv, test_csv, test, table, seed, folder, args):
    """One method on one split: its scores and time, or its error."""
    try:
        if method == "neuronet":
            prediction, measures = run_neuronet(train_csv, test_csv, table.target, table.task,
                                                seed, folder, args.extra, args.timeout,
                                                args.threads)
        else:
            start, cpu = time.perf_counter(), time.process_time()
            prediction = run_peer(method, train_csv, test_csv, table.target, table.task, seed,
                                  args.threads)
            measures = {"seconds": time.perf_counter() - start,
                        "cpu_seconds": time.process_time() - cpu}
        count = len(prediction.get("values", prediction.get("labels", [])))
        if count != len(test):
            raise RuntimeError(f"{count} predictions for {len(test)} held-out rows")
        return {"seed": seed, **score(table.task, test[table.target].reset_index(drop=True),
                                      prediction), **measures}
    except Exception as exc:  # a failure is reported beside the scores, never dropped
        return {"seed": seed, "error": f"{type(exc).__name__}: {exc}"}


def compare(table, frame, methods, splits, args) -> dict:
    """Every method on every split of ``table`` (loaded as ``frame``); the table's record."""
    given = frame[table.target].dropna()
    record = {"name": table.name, "source": table.source, "target": table.target,
              "task": table.task, "rows": len(frame), "columns": frame.shape[1],
              "real": table.real, "licence": table.licence,
              "classes": given.nunique() if table.task == "classification" else None,
              "methods": {method: {"splits": []} for method in methods}}
    with tempfile.TemporaryDirectory() as folder:
        for seed in range(splits):
            train, test = split(frame, seed)
            train_csv, test_csv = Path(folder) / "train.csv", Path(folder) / "test.csv"
            train.to_csv(train_csv, index=False)
            test.to_csv(test_csv, index=False)
            # Read back as every method reads it, so the truth has the file's own types.
            truth = pd.read_csv(test_csv)
            for method in methods:
                if method in args.reused:
                    continue
                run = _one(method, train_csv, test_csv, truth, table, seed, folder, args)
                record["methods"][method]["splits"].append(run)
    for method, reused in args.reused.items():
        try:
            runs = _reused_runs(method, reused, table, frame, splits, args.row_cap or None)
        except RuntimeError as exc:
            runs = [{"seed": seed, "error": str(exc)} for seed in range(splits)]
        record["methods"][method]["splits"] = runs
    table_summary(record)
    return record


def _line(record, methods):
    metric = MAIN[record["task"]]
    cells = []
    for method in methods:
        entry = record["methods"][method]
        cells.append("failed" if entry["error"] else f"{entry['score']:.4f}")
    return (f"{record['name']:<18}{record['task'][:5] + ' ' + metric:<16}{record['rows']:>7}  "
            + "".join(f"{cell:>13}" for cell in cells))


def _machine(threads):
    info = {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "threads": threads,
            "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE")}
    for name in ("numpy", "pandas", "sklearn", "lightgbm", "torch", "pytabkit", "neuronet"):
        try:
            module = importlib.import_module(name)
            # pytabkit has no __version__: its installed distribution's version says it.
            info[name] = getattr(module, "__version__", None) or importlib.metadata.version(name)
        except Exception as exc:  # a missing peer shows up as its failures, and here
            info[name] = f"not importable: {type(exc).__name__}"
    return info


def _previous(args, results) -> dict:
    """The tables of an earlier run in ``args.out`` made with the same settings, by name."""
    if not args.out.exists():
        return {}
    earlier = json.loads(args.out.read_text())
    same = all(earlier.get(key) == results[key]
               for key in ("splits", "methods", "row_cap", "neuronet_args", "test_size"))
    if not same:
        print(f"--resume: {args.out} was run with other settings; every table runs again")
        return {}
    results["resumed_from"] = earlier.get("date")
    return {record["name"]: record for record in earlier["tables"]}


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="three small tables (one of each kind), one split")
    parser.add_argument("--tables", default=None,
                        help="comma-separated table names (default: all; see --list)")
    parser.add_argument("--list", action="store_true", help="list the tables and stop")
    parser.add_argument("--splits", type=int, default=None, help="default 3 (1 with --quick)")
    parser.add_argument("--methods", default=",".join(METHODS),
                        help=f"comma-separated, from {','.join(METHODS)} (default: all)")
    parser.add_argument("--neuronet-args", default="",
                        help='extra flags for neuronet train, e.g. '
                             '--neuronet-args="--epochs 100 --batch-size 128"')
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="threads of every method: BLAS and OpenMP pools (neuronet's "
                             "through OMP/OPENBLAS_NUM_THREADS, the peers' through threadpoolctl), "
                             "LightGBM's n_jobs, RealMLP-TD's torch.set_num_threads "
                             "(default: the machine's cores)")
    parser.add_argument("--timeout", type=float, default=3600,
                        help="seconds one neuronet command may take before it is stopped")
    parser.add_argument("--row-cap", type=int, default=ROW_CAP,
                        help=f"cut larger tables to a fixed sample of this many rows (default "
                             f"{ROW_CAP:,}; 0: keep every row)")
    parser.add_argument("--out", type=Path, default=None, help="JSON file to write")
    parser.add_argument("--resume", action="store_true",
                        help="keep the tables already in --out that were run with the same "
                             "splits, methods, row cap and neuronet flags, and run the rest")
    parser.add_argument("--reuse", default="",
                        help="METHOD=FILE,...: take these peers' scores and times from an "
                             "earlier run's JSON (same tables, rows, splits and row cap) "
                             "instead of running them again, e.g. realmlp=benchmarks/results/"
                             "tables-baseline.json; the report says which were reused")
    parser.add_argument("--markdown", type=Path, default=None,
                        help="also write the report's tables to this markdown file")
    args = parser.parse_args(argv)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in methods if m not in METHODS]
    if unknown or "neuronet" not in methods:
        parser.error(f"--methods takes neuronet and any of {', '.join(METHODS[1:])}; "
                     f"got {args.methods!r}")
    if args.splits is not None and args.splits < 1:
        parser.error("--splits must be at least 1")
    if args.resume and args.out is None:
        parser.error("--resume needs --out, the file of the run to go on with")
    try:
        args.chosen = select(args.tables, args.quick)
    except ValueError as exc:
        parser.error(str(exc))
    args.methods_list, args.extra = methods, shlex.split(args.neuronet_args)
    try:
        args.reused = _reused(args.reuse, methods)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def _reused(text: str, methods: list[str]) -> dict:
    """``--reuse``'s {method: (the earlier run's date, {table: record})}."""
    reused = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        method, equals, file = part.partition("=")
        if not equals or method not in methods or method == "neuronet":
            raise ValueError(f"--reuse takes PEER=FILE with a peer of --methods, got {part!r}")
        try:
            earlier = json.loads(Path(file).read_text())
        except (OSError, ValueError) as exc:
            raise ValueError(f"--reuse {method}: cannot read {file}: {exc}") from None
        if method not in earlier.get("methods", []):
            raise ValueError(f"--reuse {method}: {file} has no runs of {method}")
        reused[method] = (earlier.get("date"), earlier.get("row_cap"),
                          {record["name"]: record for record in earlier["tables"]})
    return reused


def _reused_runs(method, reused, table, frame, splits, cap):
    """The earlier run's splits of ``method`` on this table, checked to be the same rows."""
    date, earlier_cap, records = reused
    record = records.get(table.name)
    runs = record["methods"][method]["splits"] if record else []
    if record is None or record["rows"] != len(frame) or earlier_cap != cap \
            or [run["seed"] for run in runs[:splits]] != list(range(splits)):
        raise RuntimeError(f"--reuse {method}: the run of {date} has not the same rows and "
                           f"splits of {table.name}; run {method} again")
    return [{**run, "reused_from": date} for run in runs[:splits]]


def main(argv=None) -> int:
    args = parse(argv)
    if args.list:
        for table in TABLES:
            print(f"{table.name:<18}{table.task:<16}{table.source:<40}{table.target}")
        return 0
    methods, splits = args.methods_list, args.splits or (1 if args.quick else 3)
    cap = args.row_cap or None
    # The peers run once on made-up rows before the clock starts, as in a user's session.
    warm_up(methods[1:], args.threads)
    started = datetime.datetime.now()
    results = {"date": started.isoformat(timespec="seconds"), "quick": args.quick,
               "splits": splits, "test_size": TEST_SIZE, "row_cap": cap,
               "methods": methods, "neuronet_args": args.extra,
               "command": " ".join(shlex.quote(a) for a in [sys.argv[0], *(sys.argv[1:])]),
               "machine": _machine(args.threads), "tables": []}
    if args.reused:
        results["reused"] = {method: date for method, (date, _, _) in args.reused.items()}
    print(f"{'table':<18}{'task':<16}{'rows':>7}  " + "".join(f"{m:>13}" for m in methods))
    path, done = None, _previous(args, results) if args.resume else {}
    for table in args.chosen:
        try:
            frame = table.load(cap)
        except Exception as exc:  # the table itself would not load: reported, the rest run
            print(f"{table.name:<18}FAILED to load: {type(exc).__name__}: {exc}", flush=True)
            results.setdefault("unloaded", []).append({"name": table.name, "error": str(exc)})
            continue
        previous = done.get(table.name)
        if previous is not None and previous["rows"] == len(frame):
            record = previous
        else:
            record = compare(table, frame, methods, splits, args)
        results["tables"].append(record)
        print(_line(record, methods), flush=True)
        path = recording.write(results, "tables", args.quick, args.out or path)
    results["summary"] = overall(results["tables"])
    results["minutes"] = (datetime.datetime.now() - started).total_seconds() / 60
    report = markdown(results["tables"], methods, results["summary"])
    if args.reused:
        report += "\n\nReused from earlier runs (their scores and seconds, not run again): " + \
            ", ".join(f"{method} from the run of {date}"
                      for method, date in results["reused"].items()) + "."
    print("\n" + report)
    print(f"\n{len(results['tables'])} tables, {splits} split{'s' * (splits > 1)} each, "
          f"{results['minutes']:.1f} minutes")
    print(f"written: {recording.write(results, 'tables', args.quick, args.out or path)}")
    if args.markdown:
        args.markdown.write_text(report + "\n")
    failed = results["summary"]["failures"] or results.get("unloaded")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
