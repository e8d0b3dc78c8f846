"""Try settings of `neuronet train` one by one on a set of tables, against HistGradientBoosting.

Each setting is a run of ``benchmarks/tables.py --methods neuronet --neuronet-args ...`` on the
same tables and splits, its JSON written to ``benchmarks/experiments/runs/NAME.json``; the
gradient boosting runs once, beside the first (``hgb.json``). The summary prints, per setting,
the mean paired difference in score against HistGradientBoosting (accuracy for classes, R² for
numbers), the per-table scores, and the medians over the tables of neuronet's fit + predict
seconds, of their ratio to the gradient boosting's and of neuronet's CPU seconds (which other
jobs on a shared machine disturb less).

    nice -n 10 .venv/bin/python benchmarks/experiments/defaults.py \\
        --tables credit,ames --splits 1 NAME="--flags" NAME2="--other-flags"
    nice -n 10 .venv/bin/python benchmarks/experiments/defaults.py --summary NAME NAME2
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = HERE / "runs"
TABLES = HERE.parent / "tables.py"


def run(name, flags, tables, splits, methods="neuronet"):
    out = RUNS / f"{name}.json"
    command = [sys.executable, str(TABLES), "--tables", tables, "--splits", str(splits),
               "--threads", "1", "--methods", methods, "--out", str(out)]
    if flags:
        command.append(f"--neuronet-args={flags}")
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return out


def scores(path, method):
    data = json.loads(Path(path).read_text())
    found = {}
    for table in data["tables"]:
        record = table["methods"].get(method)
        if record and not record.get("error"):
            cpu = [split.get("cpu_seconds") for split in record["splits"]]
            cpu = sorted(c for c in cpu if c is not None)
            found[table["name"]] = (table["task"], record["score"], record["seconds"],
                                    cpu[len(cpu) // 2] if cpu else float("nan"))
    return found


def summary(names):
    peer = scores(RUNS / "hgb.json", "hgb")
    lines = []
    for name in names:
        mine = scores(RUNS / f"{name}.json", "neuronet")
        common = [t for t in mine if t in peer]
        diffs = {"classification": [], "regression": []}
        for t in common:
            diffs[mine[t][0]].append(mine[t][1] - peer[t][1])
        seconds = sorted(mine[t][2] for t in common)
        cpu = sorted(mine[t][3] for t in common)
        ratio = sorted(mine[t][2] / peer[t][2] for t in common)
        mean = {k: (sum(v) / len(v) if v else float("nan")) for k, v in diffs.items()}
        lines.append(f"{name:24} cls {mean['classification']:+.4f} reg "
                     f"{mean['regression']:+.4f}  median s {seconds[len(seconds) // 2]:.1f} "
                     f"(x{ratio[len(ratio) // 2]:.1f} hgb) cpu {cpu[len(cpu) // 2]:.1f}  " +
                     " ".join(f"{t}:{mine[t][1] - peer[t][1]:+.3f}" for t in common))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default="")
    parser.add_argument("--splits", type=int, default=1)
    parser.add_argument("--summary", action="store_true", help="only summarize runs made")
    parser.add_argument("settings", nargs="*", help="NAME=FLAGS (or NAME with --summary)")
    args = parser.parse_args(argv)
    RUNS.mkdir(exist_ok=True)
    if args.summary:
        print(summary(args.settings))
        return
    names = []
    for setting in args.settings:
        name, _, flags = setting.partition("=")
        if (RUNS / "hgb.json").exists():
            run(name, flags, args.tables, args.splits)
        else:  # the first setting runs beside the gradient boosting, which runs once
            out = run(name, flags, args.tables, args.splits, "neuronet,hgb")
            (RUNS / "hgb.json").write_text(out.read_text())
        names.append(name)
        print(summary([name]), flush=True)


if __name__ == "__main__":
    main()
