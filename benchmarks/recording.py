"""Where the benchmark scripts write what they measured (a JSON file per run in
``benchmarks/results/``, named by its kind and the time it ran), and the environment in which
they time neuronet's commands."""

from __future__ import annotations

import compileall
import datetime
import json
import os
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


def installed_environment(environment=None) -> dict:
    """An environment for timing neuronet commands as an installed copy runs them.

    ``pip install`` compiles a package's modules to bytecode, so a user's command reads them
    from ``__pycache__``. A development machine with ``PYTHONDONTWRITEBYTECODE`` set would
    instead compile neuronet's sources again in every command (about 0.2 s of each start), a
    cost no user pays: the package is compiled once here, and the variable is dropped.
    """
    import neuronet

    compileall.compile_dir(Path(neuronet.__file__).parent, quiet=1)
    environment = dict(os.environ if environment is None else environment)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment

