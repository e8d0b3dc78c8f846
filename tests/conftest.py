import os
import subprocess
import sys

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
