"""Scores of benchmarks/tables.py and their summary: one scoring code for every method.

The main score is accuracy for classes and R² for numbers, on the held-out rows that have a
target value; log loss, ROC AUC (one class against the rest, averaged over the classes, for
three classes or more) and RMSE are computed beside them. A method's score on a table is its
mean over the splits; the difference against a peer is paired (the same splits). A difference
within ``TIE`` counts as a tie.
"""

from __future__ import annotations

import statistics

import numpy as np
import pandas as pd
from tables_peers import label_text

TIE = 0.002
EPSILON = 1e-15
MAIN = {"classification": "accuracy", "regression": "r2"}


def score(task: str, truth: pd.Series, prediction: dict) -> dict:
    """Scores of one method's ``prediction`` for the held-out rows' target ``truth``."""
    given = truth.notna().to_numpy()
    if task == "regression":
        y = truth.to_numpy(dtype=float)[given]
        values = np.asarray(prediction["values"], dtype=float)[given]
        if not np.isfinite(values).all():
            raise ValueError("predictions hold NaN or infinite values")
        residual = float(((y - values) ** 2).sum())
        total = float(((y - y.mean()) ** 2).sum())
        return {"r2": 1 - residual / total, "rmse": (residual / len(y)) ** 0.5, "rows": len(y)}
    y = label_text(truth)[given].to_numpy(dtype=object).astype(str)
    labels = pd.Series(prediction["labels"]).astype(str).to_numpy()[given]
    proba = prediction["proba"].iloc[given].reset_index(drop=True)
    scores = {"accuracy": float((labels == y).mean()), "rows": len(y)}
    matrix = proba.to_numpy(dtype=float)
    column = {name: i for i, name in enumerate(proba.columns)}
    picked = np.array([matrix[row, column[c]] if c in column else 0.0 for row, c in enumerate(y)])
    scores["log_loss"] = float(-np.log(np.clip(picked, EPSILON, 1)).mean())
    scores["roc_auc"] = _roc_auc(y, proba)
    return scores


def _roc_auc(y, proba: pd.DataFrame) -> float | None:
    from sklearn.metrics import roc_auc_score

    names = list(proba.columns)
    if len(names) == 2:
        positive = names[1]
        hits = y == positive
        return float(roc_auc_score(hits, proba[positive])) if 0 < hits.sum() < len(y) else None
    aucs = [roc_auc_score(y == name, proba[name]) for name in names
            if 0 < (y == name).sum() < len(y)]
    return float(np.mean(aucs)) if aucs else None


def table_summary(record: dict) -> None:
    """Add to each method's entry of ``record`` its mean scores and median time over splits."""
    main = MAIN[record["task"]]
    for entry in record["methods"].values():
        runs = entry["splits"]
        failed = [run for run in runs if "error" in run]
        entry["error"] = failed[0]["error"] if failed else None
        if failed or not runs:
            continue
        for key in (main, "log_loss", "roc_auc", "rmse"):
            values = [run[key] for run in runs if run.get(key) is not None]
            entry[key] = statistics.mean(values) if len(values) == len(runs) else None
        entry["score"] = entry[main]
        entry["seconds"] = statistics.median(run["seconds"] for run in runs)
        cpu = [run["cpu_seconds"] for run in runs if run.get("cpu_seconds") is not None]
        if len(cpu) == len(runs):
            entry["cpu_seconds"] = statistics.median(cpu)
        peaks = [run["peak_mb"] for run in runs if "peak_mb" in run]
        if peaks:
            entry["peak_mb"] = max(peaks)


def _ok(record, name):
    entry = record["methods"].get(name)
    return entry is not None and entry.get("error") is None and entry.get("score") is not None


def overall(records: list[dict], ours: str = "neuronet") -> dict:
    """The summary over tables: paired differences, wins and losses, gaps and time ratios."""
    peers = sorted({name for r in records for name in r["methods"] if name != ours})
    summary = {"tie": TIE, "against": {}, "time_ratio": {}, "failures": []}
    for record in records:
        for name, entry in record["methods"].items():
            if entry.get("error"):
                summary["failures"].append({"table": record["name"], "method": name,
                                            "error": entry["error"]})
    for peer in peers:
        by_task = {}
        for task in ("classification", "regression"):
            pairs = [(r["name"], r["methods"][ours]["score"] - r["methods"][peer]["score"])
                     for r in records if r["task"] == task and _ok(r, ours) and _ok(r, peer)]
            if not pairs:
                continue
            differences = [d for _, d in pairs]
            by_task[task] = {
                "tables": len(pairs), "mean_difference": statistics.mean(differences),
                "wins": sum(d > TIE for d in differences),
                "losses": sum(d < -TIE for d in differences),
                "ties": sum(abs(d) <= TIE for d in differences),
                "worst": min(pairs, key=lambda pair: pair[1])}
        summary["against"][peer] = by_task
        ratios = [r["methods"][ours]["seconds"] / r["methods"][peer]["seconds"]
                  for r in records if _ok(r, ours) and _ok(r, peer)]
        if ratios:
            summary["time_ratio"][peer] = statistics.median(ratios)
        # CPU seconds, which other jobs on a shared machine disturb less than the wall's.
        cpu = [r["methods"][ours]["cpu_seconds"] / r["methods"][peer]["cpu_seconds"]
               for r in records if _ok(r, ours) and _ok(r, peer)
               and r["methods"][ours].get("cpu_seconds") and r["methods"][peer].get("cpu_seconds")]
        if cpu:
            summary.setdefault("cpu_ratio", {})[peer] = statistics.median(cpu)
    gaps = []
    for record in records:
        scored = [(record["methods"][p]["score"], p) for p in peers if _ok(record, p)]
        if _ok(record, ours) and scored:
            best, who = max(scored)
            gaps.append({"table": record["name"], "gap": record["methods"][ours]["score"] - best,
                         "best_peer": who})
    if gaps:
        summary["worst_gap"] = min(gaps, key=lambda gap: gap["gap"])
        summary["tables_below_best_by_0.03"] = [g["table"] for g in gaps if g["gap"] < -0.03]
        summary["gaps"] = gaps
    largest = max((r for r in records if _ok(r, ours)), key=lambda r: r["rows"], default=None)
    if largest is not None and "peak_mb" in largest["methods"][ours]:
        summary["peak_memory"] = {"table": largest["name"], "rows": largest["rows"],
                                  "train_peak_mb": largest["methods"][ours]["peak_mb"]}
    return summary


def _cell(entry, key, digits=4):
    if entry is None:
        return "-"
    if entry.get("error"):
        return "failed"
    value = entry.get(key)
    return "-" if value is None else f"{value:.{digits}f}"


def _rmse_cell(entry):
    if entry is None or entry.get("error") or entry.get("rmse") is None:
        return _cell(entry, "rmse")
    return f"{entry['rmse']:.4g}"


def markdown(records: list[dict], methods: list[str], summary: dict) -> str:
    """The per-table scores, times and the summary as markdown tables."""
    lines = ["| table | task | rows | cols | " + " | ".join(methods) + " |",
             "|---|---|---:|---:|" + "---:|" * len(methods)]
    for r in records:
        metric = "accuracy" if r["task"] == "classification" else "R²"
        cells = [_cell(r["methods"].get(m), "score") for m in methods]
        kind = f"{r['classes']} classes" if r.get("classes") else "numbers"
        lines.append(f"| {r['name']} | {kind}, {metric} | "
                     f"{r['rows']:,} | {r['columns']} | " + " | ".join(cells) + " |")
    lines += ["", "Log loss / ROC AUC (classes), RMSE (numbers):", "",
              "| table | " + " | ".join(methods) + " |", "|---|" + "---:|" * len(methods)]
    for r in records:
        if r["task"] == "classification":
            cells = [f"{_cell(r['methods'].get(m), 'log_loss', 3)} / "
                     f"{_cell(r['methods'].get(m), 'roc_auc', 3)}" for m in methods]
        else:
            cells = [_rmse_cell(r["methods"].get(m)) for m in methods]
        lines.append(f"| {r['name']} | " + " | ".join(cells) + " |")
    lines += ["", "Seconds, fit + predict (median over splits; neuronet: both commands, "
              "start-up and reading included):", "",
              "| table | " + " | ".join(methods) + " |", "|---|" + "---:|" * len(methods)]
    for r in records:
        cells = [_cell(r["methods"].get(m), "seconds", 1) for m in methods]
        lines.append(f"| {r['name']} | " + " | ".join(cells) + " |")
    lines += ["", _summary_lines(summary)]
    return "\n".join(lines)


def _summary_lines(summary: dict) -> str:
    lines = ["| neuronet against | task | tables | mean paired difference | wins | losses | "
             f"ties (±{TIE}) | worst table |", "|---|---|---:|---:|---:|---:|---:|---|"]
    for peer, by_task in summary["against"].items():
        for task, s in by_task.items():
            worst = f"{s['worst'][0]} ({s['worst'][1]:+.4f})"
            lines.append(f"| {peer} | {task} | {s['tables']} | {s['mean_difference']:+.4f} | "
                         f"{s['wins']} | {s['losses']} | {s['ties']} | {worst} |")
    lines.append("")
    ratios = ", ".join(f"{peer} {ratio:.2f}×" for peer, ratio in summary["time_ratio"].items())
    lines.append(f"Time, neuronet / peer (fit + predict, median over tables): {ratios}")
    if summary.get("cpu_ratio"):
        cpu = ", ".join(f"{peer} {ratio:.2f}×" for peer, ratio in summary["cpu_ratio"].items())
        lines.append(f"CPU seconds, neuronet / peer (median over tables): {cpu}")
    if "worst_gap" in summary:
        worst = summary["worst_gap"]
        below = summary["tables_below_best_by_0.03"]
        lines.append(f"Worst gap to the best peer: {worst['table']} {worst['gap']:+.4f} "
                     f"(best: {worst['best_peer']}); more than 0.03 below the best peer on "
                     f"{len(below)} table(s){': ' + ', '.join(below) if below else ''}")
    if "peak_memory" in summary:
        peak = summary["peak_memory"]
        lines.append(f"Peak memory of neuronet train on the largest table ({peak['table']}, "
                     f"{peak['rows']:,} rows): {peak['train_peak_mb']:.0f} MB (max RSS)")
    for failure in summary["failures"]:
        lines.append(f"FAILED: {failure['method']} on {failure['table']}: {failure['error']}")
    return "\n".join(lines)
