"""neuronet side by side with scikit-learn's MLPClassifier, PyTorch and a hand-written NumPy loop.

    .venv/bin/python benchmarks/run.py            # every task, full sizes (``make bench``)
    .venv/bin/python benchmarks/run.py --quick    # tiny sizes: checks that the script works
    .venv/bin/python benchmarks/run.py --tasks digits-relu,large --repeats 9

Every task runs each implementation several times, interleaved (the order rotates from one
round to the next), on the same data with the same settings. It prints a table of medians and
min-max, the ratios neuronet/peer of the medians, and the project's targets; the full record,
with the BLAS and thread settings, goes to benchmarks/results/<time>.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import engine_tasks  # noqa: E402
import peers  # noqa: E402
import recording  # noqa: E402
from reference import TUTORIAL_INPUTS, TUTORIAL_OUTPUTS, TutorialNeuron  # noqa: E402

import neuronet  # noqa: E402

TASKS = ("neuron", "digits-relu", "digits-sigmoid", "estimator-sgd", "estimator-lbfgs",
         "layout", "large", "predict", "memory", "read-csv", "train-csv", "interrupt")


# --- what the machine is -------------------------------------------------------------------------


def machine() -> dict:
    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "numpy": np.__version__,
        "neuronet": neuronet.__version__,
        "environment": {k: v for k, v in sorted(os.environ.items())
                        if k.startswith(("OPENBLAS", "OMP", "MKL", "GOTO", "KMP"))},
    }
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = threadpool_info()
    except ImportError:
        info["threadpools"] = "threadpoolctl not installed (pip install 'neuronet[bench]')"
    for module in ("sklearn", "torch"):
        try:
            info[module] = __import__(module).__version__
        except ImportError:
            info[module] = None
    if info["torch"]:
        import torch

        info["torch_threads"] = torch.get_num_threads()
    return info


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# --- running implementations side by side --------------------------------------------------------


#: Seconds of rest before each timed run. PyTorch's worker threads keep spinning for a while
#: after its runs and would otherwise steal the cores from whatever runs next.
SETTLE = 0.3


def interleave(runners: dict, repeats: int) -> dict:
    """Run each of ``runners`` (name -> function returning a dict with "seconds") ``repeats``
    times, rotating their order every round; one untimed warm-up round first."""
    names = list(runners)
    for name in names:
        runners[name]()
    records = {name: [] for name in names}
    for r in range(repeats):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            time.sleep(SETTLE)
            records[name].append(runners[name]())
    return {name: _summary(runs) for name, runs in records.items()}


def _summary(runs: list) -> dict:
    seconds = [run["seconds"] for run in runs]
    summary = {"median": statistics.median(seconds), "min": min(seconds), "max": max(seconds),
               "seconds": seconds}
    extras = {key for run in runs for key in run} - {"seconds"}
    for key in sorted(extras):
        values = [run[key] for run in runs]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            summary[key] = statistics.median(values)
        else:
            summary[key] = values[0] if all(v == values[0] for v in values) else values
    return summary


def ratio(results, a, b):
    if a not in results or b not in results:
        return None
    return results[a]["median"] / results[b]["median"]


# --- the tasks ----------------------------------------------------------------------------------


def task_neuron(quick: bool, repeats: int) -> dict:
    iterations = 300 if quick else 10_000

    def ours():
        neuron = neuronet.Neuron()
        start = time.perf_counter()
        neuron.train(TUTORIAL_INPUTS, TUTORIAL_OUTPUTS, iterations)
        seconds = time.perf_counter() - start
        reference = TutorialNeuron()
        reference.train(TUTORIAL_INPUTS, TUTORIAL_OUTPUTS, iterations)
        return {"seconds": seconds, "bit_identical": bool(np.array_equal(neuron.weights,
                                                                           reference.weights))}

    def tutorial():
        neuron = TutorialNeuron()
        start = time.perf_counter()
        neuron.train(TUTORIAL_INPUTS, TUTORIAL_OUTPUTS, iterations)
        return {"seconds": time.perf_counter() - start}

    results = interleave({"neuronet": ours, "tutorial": tutorial}, repeats)
    return {
        "settings": {"iterations": iterations},
        "results": results,
        "targets": [("neuronet / tutorial's loop", ratio(results, "neuronet", "tutorial"), "<=",
                     0.8),
                    ("weights bit-identical", results["neuronet"]["bit_identical"], "==", True)],
    }


def _mlp_runner(cls, sizes, hidden, settings, X, y, X_test, y_test, seeds):
    def run():
        model = cls(sizes, hidden, seed=next(seeds), **settings)
        seconds = model.fit(X, y)
        accuracy = float(np.mean(model.predict(X_test).argmax(axis=1) == y_test))
        return {"seconds": seconds, "accuracy": accuracy}

    return run


def _seeds():
    seed = 0
    while True:
        yield seed
        seed += 1


def _available(skip_torch: bool) -> tuple[list, str | None]:
    names = ["neuronet", "numpy", "sklearn", "torch"]
    why = "skipped (--no-torch)" if skip_torch else peers.torch_available()
    if why:
        names.remove("torch")
    return names, why


def task_digits(hidden: str, quick: bool, repeats: int, skip_torch: bool) -> dict:
    from neuronet import datasets

    X, y = datasets.digits()
    X_train, X_test, y_train, y_test = datasets.split(X, y, test_size=0.25, seed=0)
    sizes = [64, 32, 10]
    settings = dict(learning_rate=0.1, batch_size=32, epochs=2 if quick else 50,
                    dtype=np.float64)
    names, note = _available(skip_torch)
    runners = {name: _mlp_runner(peers.IMPLEMENTATIONS[name], sizes, hidden, settings, X_train,
                                 y_train, X_test, y_test, _seeds()) for name in names}
    results = interleave(runners, repeats)
    # The same accuracy within one point: the medians over the same seeds.
    gap = results["neuronet"]["accuracy"] - results["sklearn"]["accuracy"]
    targets = [("neuronet / numpy", ratio(results, "neuronet", "numpy"), "<=", 1.1),
               ("neuronet / sklearn", ratio(results, "neuronet", "sklearn"), "<=", 0.3),
               ("test accuracy neuronet - sklearn (points)", 100 * gap, "abs<=", 1.0)]
    return {"settings": {"sizes": sizes, "hidden": hidden, "train_rows": len(X_train),
                         "test_rows": len(X_test), **_jsonable(settings)},
            "results": results, "targets": targets, "note": note}


def _estimator_runner(cls, settings, X, y, X_test, y_test):
    def run():
        model = cls(**settings)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning: the iterations are fixed
            start = time.perf_counter()
            model.fit(X, y)
            seconds = time.perf_counter() - start
        return {"seconds": seconds, "accuracy": float(model.score(X_test, y_test)),
                "iterations": int(model.n_iter_)}

    return run


def task_estimator_sgd(quick: bool, repeats: int) -> dict:
    """NetClassifier against MLPClassifier with the same settings (their defaults but for the
    solver, batch and iterations; the same random_state, so the very same training)."""
    from sklearn.neural_network import MLPClassifier

    from neuronet import datasets
    from neuronet.sklearn import NetClassifier

    X, y = datasets.digits()
    X_train, X_test, y_train, y_test = datasets.split(X, y, test_size=0.25, seed=0)
    settings = dict(hidden_layer_sizes=(32,), solver="sgd", batch_size=32,
                    learning_rate_init=0.1, max_iter=2 if quick else 50, tol=0,
                    n_iter_no_change=np.inf, random_state=0)
    runners = {"NetClassifier": _estimator_runner(NetClassifier, settings, X_train, y_train,
                                                  X_test, y_test),
               "MLPClassifier": _estimator_runner(MLPClassifier, settings, X_train, y_train,
                                                  X_test, y_test)}
    results = _renamed(interleave(runners, repeats))
    gap = results["neuronet"]["accuracy"] - results["sklearn"]["accuracy"]
    return {"settings": {"sizes": [64, 32, 10], **_jsonable(settings)}, "results": results,
            "targets": [("NetClassifier / MLPClassifier", ratio(results, "neuronet", "sklearn"),
                         "<=", 0.3),
                        ("test accuracy NetClassifier - MLPClassifier (points)", 100 * gap,
                         "abs<=", 0.0)]}


def task_estimator_lbfgs(quick: bool, repeats: int) -> dict:
    """L-BFGS on a 1,000 x 20 table: NetClassifier(solver="lbfgs") against MLPClassifier's,
    the same iterations from the same starting weights."""
    from sklearn.datasets import make_classification
    from sklearn.neural_network import MLPClassifier

    from neuronet.sklearn import NetClassifier

    X, y = make_classification(n_samples=1250, n_features=20, n_informative=10, n_classes=3,
                               random_state=0)
    X_train, X_test, y_train, y_test = X[:1000], X[1000:], y[:1000], y[1000:]
    settings = dict(hidden_layer_sizes=(32,), solver="lbfgs", max_iter=10 if quick else 200,
                    tol=0, random_state=0)
    runners = {"NetClassifier": _estimator_runner(NetClassifier, settings, X_train, y_train,
                                                  X_test, y_test),
               "MLPClassifier": _estimator_runner(MLPClassifier, settings, X_train, y_train,
                                                  X_test, y_test)}
    results = _renamed(interleave(runners, repeats))
    same = results["neuronet"]["iterations"] == results["sklearn"]["iterations"]
    return {"settings": {"rows": 1000, "columns": 20, **_jsonable(settings)},
            "results": results,
            "targets": [("NetClassifier / MLPClassifier (lbfgs)",
                         ratio(results, "neuronet", "sklearn"), "<=", 0.7),
                        ("the same iterations", same, "==", True)]}


def _renamed(results: dict) -> dict:
    # The report's first column is "neuronet"; the estimators keep their names beside it.
    names = {"NetClassifier": "neuronet", "MLPClassifier": "sklearn"}
    return {names.get(k, k): v for k, v in results.items()}


def task_layout(quick: bool, repeats: int) -> dict:
    """fit from a DataFrame and a Fortran-ordered array against the same rows C-ordered, at two
    sizes: each layout costs one copy at most, and time grows linearly with the rows."""
    import pandas as pd

    sizes = (20_000, 200_000) if quick else (100_000, 1_000_000)
    rng = np.random.default_rng(0)
    results, per_row = {}, {}
    for n in sizes:
        X = rng.standard_normal((n, 20))
        y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int)
        inputs = {"C-ordered": np.ascontiguousarray(X), "Fortran": np.asfortranarray(X),
                  "DataFrame": pd.DataFrame(X, columns=[f"x{i}" for i in range(20)])}

        def runner(data, targets=y):
            def run():
                net = neuronet.Network.mlp([20, 16, 2], seed=0)
                start = time.perf_counter()
                net.fit(data, targets, loss="categorical_crossentropy",
                        optimizer=neuronet.SGD(learning_rate=0.1), epochs=1)
                return {"seconds": time.perf_counter() - start}

            return run

        measured = interleave({name: runner(data) for name, data in inputs.items()},
                              max(3, repeats // 2) if n == sizes[-1] else repeats)
        for name, record in measured.items():
            results[f"{name} {n:,}"] = record
        per_row[n] = measured["C-ordered"]["median"] / n
    big = sizes[-1]
    results = {"neuronet": results.pop(f"DataFrame {big:,}"), **results}
    targets = [
        (f"DataFrame / C-ordered, {big:,} rows",
         results["neuronet"]["median"] / results[f"C-ordered {big:,}"]["median"], "<=", 1.2),
        (f"Fortran / C-ordered, {big:,} rows",
         results[f"Fortran {big:,}"]["median"] / results[f"C-ordered {big:,}"]["median"], "<=",
         1.2),
        (f"time per row, {big:,} / {sizes[0]:,} rows", per_row[big] / per_row[sizes[0]], "<=",
         1.2),
    ]
    return {"settings": {"rows": list(sizes), "sizes": [20, 16, 2], "batch_size": 32,
                         "epochs": 1, "metrics": "default"},
            "results": results, "targets": targets}


def synthetic(n_rows: int, n_inputs: int, n_classes: int, seed: int = 0):
    """Random float32 inputs, labelled by a random linear teacher so there is something to learn."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, n_inputs), dtype=np.float32)
    teacher = rng.standard_normal((n_inputs, n_classes), dtype=np.float32)
    return X, (X @ teacher).argmax(axis=1)


def task_large(quick: bool, repeats: int, skip_torch: bool) -> dict:
    n_rows, sizes = (2_000, [784, 64, 32, 10]) if quick else (60_000, [784, 256, 128, 10])
    X, y = synthetic(n_rows + n_rows // 6, sizes[0], sizes[-1])
    X, X_test, y, y_test = X[:n_rows], X[n_rows:], y[:n_rows], y[n_rows:]
    settings = dict(learning_rate=0.01, batch_size=128, epochs=1, dtype=np.float32)
    names, note = _available(skip_torch)
    runners = {name: _mlp_runner(peers.IMPLEMENTATIONS[name], sizes, "relu", settings, X, y,
                                 X_test, y_test, _seeds()) for name in names}
    runners["matmul floor"] = lambda: {
        "seconds": peers.matmul_floor(X, sizes, settings["batch_size"], np.float32)}
    results = interleave(runners, repeats)
    n_weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    flop = 6 * n_weights * n_rows * settings["epochs"]
    for record in results.values():
        record["gflops"] = flop / record["median"] / 1e9
    targets = [("neuronet / torch", ratio(results, "neuronet", "torch"), "<=", 0.6),
               ("neuronet / matmul floor", ratio(results, "neuronet", "matmul floor"), "<=",
                1.35)]
    return {"settings": {"rows": n_rows, "sizes": sizes, "hidden": "relu",
                         "flop_per_epoch": flop, **_jsonable(settings)},
            "results": results, "targets": targets, "note": note}


def task_predict(quick: bool, repeats: int, skip_torch: bool) -> dict:
    n_rows, sizes = (2_000, [784, 64, 32, 10]) if quick else (60_000, [784, 256, 128, 10])
    X, y = synthetic(n_rows, sizes[0], sizes[-1], seed=1)
    fit_rows = min(n_rows, 2_000)
    settings = dict(learning_rate=0.01, batch_size=128, epochs=1, dtype=np.float32)
    names, note = _available(skip_torch)
    models = {}
    for name in names:
        models[name] = peers.IMPLEMENTATIONS[name](sizes, "relu", seed=0, **settings)
        models[name].fit(X[:fit_rows], y[:fit_rows])  # sklearn predicts only once fitted

    def runner(model):
        def run():
            start = time.perf_counter()
            model.predict(X)
            seconds = time.perf_counter() - start
            return {"seconds": seconds, "rows_per_second": n_rows / seconds}

        return run

    results = interleave({name: runner(model) for name, model in models.items()}, repeats)
    for record in results.values():
        record["rows_per_second"] = n_rows / record["median"]
    rows_ratio = None
    if "torch" in results:
        rows_ratio = results["neuronet"]["rows_per_second"] / results["torch"]["rows_per_second"]
    return {"settings": {"rows": n_rows, "sizes": sizes, "dtype": "float32"},
            "results": results,
            "targets": [("neuronet rows/s / torch rows/s", rows_ratio, ">=", 1.0)],
            "note": note}


def task_memory(quick: bool, large_file: bool) -> dict:
    """Peak anonymous memory of fit on a memmap file, each size in a fresh process."""
    sizes = [0.02] if quick else [0.5] + ([4.0] if large_file else [])
    runs = []
    for gigabytes in sizes:
        command = [sys.executable, str(HERE / "memory.py"), "--gigabytes", str(gigabytes),
                   "--json"]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    growth = max(run["fit_anon_growth_mb"] for run in runs)
    note = None if large_file or quick else "the 4 GB file is opt-in: --large-file"
    return {"settings": {"file_gigabytes": sizes}, "runs": runs,
            "targets": [("fit's peak RssAnon growth, MB", growth, "<=", 100)], "note": note}


def task_read_csv(quick: bool, repeats: int) -> dict:
    """neuronet's CSV reader (separator detection, missing-value spellings, checks) against
    pandas.read_csv alone on the same numeric file."""
    import tempfile

    import pandas as pd

    from neuronet.tabular import read_csv

    rows, columns = (20_000, 20) if quick else (1_000_000, 20)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "numbers.csv"
        frame = pd.DataFrame(rng.normal(size=(rows, columns)).round(6),
                             columns=[f"x{i}" for i in range(columns)])
        frame.to_csv(path, index=False)
        size = path.stat().st_size
        del frame

        def timed(read):
            def run():
                start = time.perf_counter()
                table = read(path)
                seconds = time.perf_counter() - start
                return {"seconds": seconds, "shape_ok": table.shape == (rows, columns)}

            return run

        results = interleave({"neuronet": timed(read_csv), "pandas": timed(pd.read_csv)},
                             repeats)
    return {"settings": {"rows": rows, "columns": columns, "megabytes": round(size / 1e6, 1)},
            "results": results,
            "targets": [("neuronet read_csv / pandas.read_csv",
                         ratio(results, "neuronet", "pandas"), "<=", 1.5)]}


def _jsonable(settings: dict) -> dict:
    return {k: (np.dtype(v).name if k == "dtype" else v) for k, v in settings.items()}


# --- the report ---------------------------------------------------------------------------------

#: The project's speed goals, gathered at the end of the report: (task, the start of a target's
#: name). Each is a ratio measured in this run, interleaved with its peer.
GOALS = (("large", "neuronet / torch"), ("large", "neuronet / matmul floor"),
         ("layout", "DataFrame / C-ordered"), ("train-csv", "neuronet train / pandas"),
         ("estimator-sgd", "NetClassifier / MLPClassifier"))


def _met(value, op, goal) -> bool | None:
    if value is None:
        return None
    if op == "<=":
        return value <= goal
    if op == ">=":
        return value >= goal
    if op == "abs<=":
        return abs(value) <= goal
    return value == goal


def report(results: dict) -> str:
    lines = []
    for task, data in results["tasks"].items():
        lines.append("")
        lines.append(f"== {task}  {json.dumps(data['settings'])}")
        if "results" in data:
            rows = data["results"]
            lines.append(f"  {'implementation':<14}{'median s':>10}{'min-max s':>20}"
                         f"{'neuronet/x':>12}{'(of mins)':>10}  extra")
            for name, record in rows.items():
                share = rows["neuronet"]["median"] / record["median"]
                of_mins = rows["neuronet"]["min"] / record["min"]
                r = "" if name == "neuronet" else f"{share:.2f}{of_mins:>10.2f}"
                extra = []
                if "accuracy" in record:
                    extra.append(f"accuracy {record['accuracy']:.4f}")
                if "gflops" in record:
                    extra.append(f"{record['gflops']:.1f} GFLOP/s")
                if "rows_per_second" in record:
                    extra.append(f"{record['rows_per_second']:,.0f} rows/s")
                if "iterations" in record:
                    extra.append(f"{record['iterations']} iterations")
                if "bit_identical" in record:
                    extra.append(f"bit-identical {record['bit_identical']}")
                spread = f"{record['min']:.4f}-{record['max']:.4f}"
                lines.append(f"  {name:<14}{record['median']:>10.4f}{spread:>20}{r:>22}  "
                             + ", ".join(extra))
        for run in data.get("runs", []):
            lines.append(f"  file {run['file_gb']:.2f} GB ({run['rows']:,} rows): RssAnon before "
                         f"fit {run['anon_before_mb']:.1f} MB, peak during fit "
                         f"{run['anon_peak_mb']:.1f} MB (+{run['fit_anon_growth_mb']:.1f} MB), "
                         f"fit {run['fit_seconds']:.1f} s")
        for name, value, op, goal in data["targets"]:
            met = data.setdefault("met", {})[name] = _met(value, op, goal)
            shown = "n/a" if value is None else (f"{value:.3f}" if isinstance(value, float)
                                                 else str(value))
            verdict = {True: "met", False: "NOT met", None: "not measured"}[met]
            lines.append(f"  target: {name} = {shown}  (goal {op} {goal}): {verdict}")
        if data.get("note"):
            lines.append(f"  note: {data['note']}")
    goals = [(task, *target) for task, start in GOALS if task in results["tasks"]
             for target in results["tasks"][task]["targets"] if target[0].startswith(start)]
    if goals:
        lines += ["", "== the speed goals (ratios of medians in this run)"]
        for task, name, value, op, goal in goals:
            verdict = {True: "met", False: "NOT met", None: "not measured"}[_met(value, op, goal)]
            shown = "n/a" if value is None else f"{value:.3f}"
            lines.append(f"  {task}: {name} = {shown}  (goal {op} {goal}): {verdict}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one round")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed rounds per task (default 7, 1 with --quick)")
    parser.add_argument("--tasks", default=",".join(TASKS),
                        help=f"comma-separated, from {', '.join(TASKS)}")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument("--large-file", action="store_true",
                        help="the memory task also trains on a 4 GB file")
    parser.add_argument("--out", type=Path, default=None, help="JSON file to write")
    args = parser.parse_args(argv)
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = [t for t in tasks if t not in TASKS]
    if unknown:
        parser.error(f"unknown task {unknown[0]!r}; expected some of {', '.join(TASKS)}")
    repeats = args.repeats or (1 if args.quick else 7)
    global SETTLE
    SETTLE = 0.0 if args.quick else SETTLE

    results = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
               "command": " ".join([Path(sys.executable).name, *sys.argv]),
               "quick": args.quick, "repeats": repeats, "machine": machine(), "tasks": {}}
    runs = {
        "neuron": lambda: task_neuron(args.quick, repeats),
        "digits-relu": lambda: task_digits("relu", args.quick, repeats, args.no_torch),
        "digits-sigmoid": lambda: task_digits("sigmoid", args.quick, repeats, args.no_torch),
        "estimator-sgd": lambda: task_estimator_sgd(args.quick, repeats),
        "estimator-lbfgs": lambda: task_estimator_lbfgs(args.quick, repeats),
        "layout": lambda: task_layout(args.quick, repeats),
        "large": lambda: task_large(args.quick, repeats, args.no_torch),
        "predict": lambda: task_predict(args.quick, repeats, args.no_torch),
        "memory": lambda: task_memory(args.quick, args.large_file),
        "read-csv": lambda: task_read_csv(args.quick, repeats),
        "train-csv": lambda: engine_tasks.task_train_csv(args.quick, repeats, interleave, ratio),
        "interrupt": lambda: engine_tasks.task_interrupt(args.quick, repeats, interleave),
    }
    pools = results["machine"]["threadpools"]
    if isinstance(pools, list):
        for pool in pools:
            print(f"{pool.get('internal_api')} {pool.get('version')} "
                  f"{pool.get('architecture', '')}, {pool.get('num_threads')} threads")
    for task in tasks:
        print(f"running {task}...", file=sys.stderr, flush=True)
        results["tasks"][task] = runs[task]()
    print(report(results))
    print(f"\nwritten: {recording.write(results, '', args.quick, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
