"""`neuronet train FILE --target T` with its defaults beside scikit-learn's MLP on public
tables with text columns, gaps and dates.

    .venv/bin/python benchmarks/tables.py            # every table, 5 splits (``make bench``)
    .venv/bin/python benchmarks/tables.py --quick    # two small tables, one split

Each table comes from a package that ships it (palmerpenguins, vega_datasets,
statsmodels.datasets; ``pip install 'neuronet[tables]'``), is shuffled and cut into training
rows (75 %) and held-out rows (25 %), and both are written as CSV files, as a user would have
them. neuronet trains through its command line on the training file with nothing but
``--target`` (and ``--seed``), and the model it writes scores the held-out file. The peer is
scikit-learn's MLPClassifier / MLPRegressor with the same hidden layer (32 units), behind
SimpleImputer + StandardScaler for the numeric columns and SimpleImputer + OneHotEncoder for
the others (regression targets standardized too, which its MLPRegressor needs), trained on the
same rows read by pandas. Scores: accuracy for classes, R² for numbers, on the held-out rows
with a target value, averaged over the splits.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import recording  # beside this script, whose folder Python puts first on sys.path

import neuronet
from neuronet.cli import main as neuronet_main

HIDDEN = 32


def _penguins():
    from palmerpenguins import load_penguins

    return load_penguins()


def _penguins_raw():
    return pd.read_csv(neuronet.datasets.penguins_path())


def _vega(name):
    def load():
        from vega_datasets import local_data

        return getattr(local_data, name)()

    return load


def _statsmodels(name):
    def load():
        import statsmodels.datasets

        return getattr(statsmodels.datasets, name).load_pandas().data

    return load


#: (name, loader, target column, what makes it a real table)
TABLES = [
    ("penguins", _penguins, "species", "text, gaps"),
    ("penguins", _penguins, "body_mass_g", "text, gaps; regression"),
    ("penguins (raw)", _penguins_raw, "Species", "dates, IDs, constants, notes, gaps"),
    ("penguins (raw)", _penguins_raw, "Sex", "gaps in the target too"),
    ("vega cars", _vega("cars"), "Origin", "names, dates, gaps"),
    ("vega cars", _vega("cars"), "Miles_per_Gallon", "names, dates, gaps; regression"),
    ("vega seattle-weather", _vega("seattle_weather"), "weather", "dates"),
    ("vega barley", _vega("barley"), "yield", "text; regression"),
    ("vega stocks", _vega("stocks"), "price", "dates, text; regression"),
    ("statsmodels grunfeld", _statsmodels("grunfeld"), "invest", "text; regression"),
    ("statsmodels fertility", _statsmodels("fertility"), "2011", "names, constants, gaps"),
    ("statsmodels anes96", _statsmodels("anes96"), "vote", "whole-number classes"),
    ("statsmodels fair", _statsmodels("fair"), "affairs", "regression"),
    ("statsmodels spector", _statsmodels("spector"), "GRADE", "32 rows"),
    ("statsmodels longley", _statsmodels("longley"), "TOTEMP", "16 rows; regression"),
]
QUICK = [("penguins", "species"), ("statsmodels spector", "GRADE")]


def split(frame, seed):
    order = np.random.default_rng(seed).permutation(len(frame))
    cut = int(round(len(frame) * 0.75))
    return frame.iloc[order[:cut]], frame.iloc[order[cut:]]


def run_neuronet(train_csv, test_csv, target, seed, folder):
    model_path = Path(folder) / "model.npz"
    out = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out):
        status = neuronet_main(["train", str(train_csv), "--target", target, "--out",
                                str(model_path), "--seed", str(seed), "--quiet"])
    seconds = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"neuronet train failed with status {status}")
    model = neuronet.load(model_path)
    scores = model.evaluate(test_csv)
    score = scores["accuracy"] if model.task == "classification" else scores["r2"]
    return {"score": score, "task": model.task, "seconds": seconds,
            "inputs": model.network.n_inputs}


def run_sklearn(train_csv, test_csv, target, task, seed):
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    train, test = pd.read_csv(train_csv), pd.read_csv(test_csv)
    train, test = train[train[target].notna()], test[test[target].notna()]
    X, y = train.drop(columns=target), train[target]
    numeric = [c for c in X.columns if X[c].dtype.kind in "iufb"]
    other = [c for c in X.columns if c not in numeric]
    # Text as object arrays with NaN gaps, the form SimpleImputer and OneHotEncoder take.
    X = X.astype({c: object for c in other})
    X_test = test.drop(columns=target).astype({c: object for c in other})
    steps = []
    if numeric:
        steps.append(("numbers", make_pipeline(SimpleImputer(strategy="median"),
                                               StandardScaler()), numeric))
    if other:
        steps.append(("text", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                            OneHotEncoder(handle_unknown="ignore")), other))
    prepare = ColumnTransformer(steps)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if task == "classification":
            model = make_pipeline(prepare, MLPClassifier(hidden_layer_sizes=(HIDDEN,),
                                                         random_state=seed))
            model.fit(X, y.astype(str))
            score = accuracy_score(test[target].astype(str), model.predict(X_test))
        else:
            model = TransformedTargetRegressor(
                make_pipeline(prepare, MLPRegressor(hidden_layer_sizes=(HIDDEN,),
                                                    random_state=seed)),
                transformer=StandardScaler())
            model.fit(X, y)
            score = r2_score(test[target], model.predict(X_test))
    return {"score": float(score), "seconds": time.perf_counter() - start}


def compare(name, loader, target, splits) -> dict:
    frame = loader()
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        for seed in range(splits):
            train, test = split(frame, seed)
            train_csv, test_csv = Path(folder) / "train.csv", Path(folder) / "test.csv"
            train.to_csv(train_csv, index=False)
            test.to_csv(test_csv, index=False)
            ours = run_neuronet(train_csv, test_csv, target, seed, folder)
            peer = run_sklearn(train_csv, test_csv, target, ours["task"], seed)
            runs.append({"seed": seed, "neuronet": ours, "sklearn": peer})
    mean = {who: statistics.mean(run[who]["score"] for run in runs)
            for who in ("neuronet", "sklearn")}
    # Paired by split: the spread of the differences says how much of a gap is noise.
    differences = [run["neuronet"]["score"] - run["sklearn"]["score"] for run in runs]
    error = statistics.stdev(differences) / len(runs) ** 0.5 if len(runs) > 1 else float("nan")
    return {"table": name, "target": target, "rows": len(frame), "columns": frame.shape[1],
            "task": runs[0]["neuronet"]["task"], "runs": runs, "neuronet": mean["neuronet"],
            "sklearn": mean["sklearn"], "difference": statistics.mean(differences),
            "standard_error": error, "met": mean["neuronet"] >= mean["sklearn"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="two small tables, one split")
    parser.add_argument("--splits", type=int, default=None, help="default 5 (1 with --quick)")
    parser.add_argument("--out", type=Path, default=None, help="JSON file to write")
    args = parser.parse_args(argv)
    splits = args.splits or (1 if args.quick else 5)
    tables = [t for t in TABLES if not args.quick or (t[0], t[2]) in QUICK]
    results = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
               "quick": args.quick, "splits": splits, "hidden": HIDDEN, "tables": []}
    print(f"{'table':<24}{'target':<18}{'rows':>6}  {'task':<15}{'neuronet':>9}{'sklearn':>9}"
          f"{'difference':>20}  {'met':<5}what makes it real")
    for name, loader, target, why in tables:
        try:
            record = compare(name, loader, target, splits)
        except Exception as exc:  # a table that fails is reported, and the others still run
            record = {"table": name, "target": target, "error": f"{type(exc).__name__}: {exc}",
                      "met": False}
            print(f"{name:<24}{target:<18}  FAILED: {record['error']}")
        else:
            metric = "accuracy" if record["task"] == "classification" else "R²"
            print(f"{name:<24}{target:<18}{record['rows']:>6}  "
                  f"{record['task'][:5] + ' ' + metric:<15}{record['neuronet']:>9.4f}"
                  f"{record['sklearn']:>9.4f}{record['difference']:>+10.4f} ± "
                  f"{record['standard_error']:<6.4f}  {'yes' if record['met'] else 'NO':<5}{why}")
        record["why"] = why
        results["tables"].append(record)
        sys.stdout.flush()
    met = sum(r["met"] for r in results["tables"])
    print(f"\nneuronet at or above scikit-learn on {met} of {len(results['tables'])} tables "
          f"(mean held-out score over {splits} split{'s' * (splits > 1)})")
    print(f"written: {recording.write(results, 'tables', args.quick, args.out)}")
    return 0 if all("error" not in r for r in results["tables"]) else 1


if __name__ == "__main__":
    sys.exit(main())
