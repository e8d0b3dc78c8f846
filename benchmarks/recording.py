"""Where the benchmark scripts write what they measured: a JSON file per run in
``benchmarks/results/``, named by its kind and the time it ran."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def write(results: dict, kind: str, quick: bool, out: Path | None = None) -> Path:
    """Write ``results`` to ``out``, or to results/<kind->[quick-]<time>.json; returns the path."""
    if out is None:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        prefix = f"{kind}-" if kind else ""
        out = RESULTS / f"{prefix}{'quick-' if quick else ''}{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, default=_plain) + "\n")
    return out


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.dtype):
        return value.name
    raise TypeError(f"not JSON: {value!r}")
