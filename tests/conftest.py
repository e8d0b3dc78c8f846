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
    after it (bounded waits: a cluster that does not start fails the module, never hangs it;
    the bounds are generous, as a worker process on a loaded machine can take a minute to start)."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, timeout=180)
    client = distributed.Client(cluster, timeout=180)
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


def _rewrite_section(path, change):
    """Rewrite the model file ``path`` after ``change(fields, arrays)`` edits its section in
    place: the fields (a dict) and the arrays by name ("inputs.kind", ...), whose dtypes and
    shapes the header then declares as they are; the network's members stay as they are."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    header = json.loads(np.load(io.BytesIO(members.pop("header.npy"))).tobytes())
    prefix, suffix = "section.", ".npy"
    arrays = {name[len(prefix):-len(suffix)]: np.load(io.BytesIO(data))
              for name, data in members.items() if name.startswith(prefix)}
    members = {name: data for name, data in members.items() if not name.startswith(prefix)}
    change(header["section"]["fields"], arrays)
    header["section"]["arrays"] = {}
    for name, array in arrays.items():
        buffer = io.BytesIO()
        np.save(buffer, array)
        members[f"{prefix}{name}{suffix}"] = buffer.getvalue()
        header["section"]["arrays"][name] = {"dtype": array.dtype.name,
                                             "shape": list(array.shape)}
    buffer = io.BytesIO()
    np.save(buffer, np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("header.npy", buffer.getvalue())
        for name, data in members.items():
            archive.writestr(name, data)


def set_texts(arrays, name, texts):
    """Store ``texts`` (str, or bytes as they are) as the section's text arrays ``name``."""
    encoded = [t if isinstance(t, bytes) else t.encode("utf-8") for t in texts]
    arrays[f"{name}.utf8"] = np.frombuffer(b"".join(encoded), dtype=np.uint8).copy()
    arrays[f"{name}.ends"] = np.cumsum([len(b) for b in encoded], dtype=np.int64)


@pytest.fixture(scope="session")
def section_file():
    """``section_file.rewrite(path, change)``: the model file's section edited by
    ``change(fields, arrays)``; ``section_file.texts(arrays, name, texts)`` sets its texts."""
    import types

    return types.SimpleNamespace(rewrite=_rewrite_section, texts=set_texts)
