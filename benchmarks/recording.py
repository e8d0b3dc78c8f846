"""Where the benchmark scripts write what they measured (a JSON file per run in
``benchmarks/results/``, named by its kind and the time it ran), and the environment in which
they time neuronet's commands."""

from __future__ import annotations

import compileall
import datetime
import functools
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


def installed_environment() -> dict:
    """An environment for timing neuronet commands as an installed copy runs them.

    ``pip install`` compiles a package's modules to bytecode, so a user's command reads them
    from ``__pycache__``. A development machine with ``PYTHONDONTWRITEBYTECODE`` set would
    instead compile neuronet's sources again in every command (about 0.15 s of each start), a
    cost no user pays: the package is compiled once, at the first call, and the variable is
    dropped.
    """
    _compile_neuronet()
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


@functools.cache
def _compile_neuronet() -> None:
    import neuronet

    compileall.compile_dir(Path(neuronet.__file__).parent, quiet=1)
