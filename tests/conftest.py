import io
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

# scikit-learn's array-API estimator checks run only when SciPy sees this before its first
# import; with it set, test_sklearn.py runs every check instead of skipping those.
os.environ.setdefault("SCIPY_ARRAY_API", "1")


@pytest.fixture
def run_cli():
    """Run `python -m neuronet ARGS...` in a subprocess, as a user would; return the result."""

    def run(*args, cwd=None, input=None):
        env = dict(os.environ, PYTHONIOENCODING="utf-8")
        return subprocess.run(
            [sys.executable, "-m", "neuronet", *map(str, args)],
            capture_output=True,
            text=True,
            cwd=cwd,
            input=input,
            env=env,
        )

    return run


@pytest.fixture(scope="module")
def dask_client():
    """A client of a LocalCluster of two worker processes, one per test module that asks, closed
    after it (bounded waits: a cluster that does not start fails the module, never hangs it)."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, timeout=60)
    client = distributed.Client(cluster, timeout=60)
    yield client
    client.close(timeout=30)
    cluster.close(timeout=30)


def _rewrite_header(path, change):
    """Rewrite the JSON header of the model file ``path`` after ``change(header)`` edits it in
    place, as a hand-editing user or a hostile writer might; the other members stay as they are."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    header = json.loads(np.load(io.BytesIO(members["header.npy"])).tobytes())
    change(header)
    buffer = io.BytesIO()
    np.save(buffer, np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))
    members["header.npy"] = buffer.getvalue()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


@pytest.fixture
def rewrite_header():
    """``rewrite_header(path, change)``: the model file's header edited by ``change(header)``."""
    return _rewrite_header
