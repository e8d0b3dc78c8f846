"""Two tasks of benchmarks/run.py that time whole runs rather than one call: ``neuronet train``
on a numeric CSV file beside the script one would write with pandas and ``Network.fit``, and how
soon ``fit`` returns after Ctrl-C.

Both sides of ``train-csv`` run as a fresh process (``python -m neuronet train`` and
``python -c SCRIPT``), so each pays for starting Python and importing what it needs, as a user
at a prompt does. The goal compares like with like: ``neuronet train`` with the flags that give
the script's network (20 standardized inputs, 32 relu units, one output, Adam, batches of 32, no
dropout) for one epoch on every row (``--validation-split 0``), and both write the model; what
the command adds is its reading, its column roles, its checks and its report. Its defaults learn
more (8 bins beside each number: 180 inputs; dropout), and are timed beside it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import recording  # beside this script, whose folder Python puts first on sys.path

import neuronet

#: The script one would write without ``neuronet train``: read, scale, fit one epoch, save.
PANDAS_SCRIPT = """
import sys
import numpy as np
import pandas as pd
import neuronet

frame = pd.read_csv(sys.argv[1])
y = frame.pop("y").to_numpy(dtype=np.float64)[:, None]
X = frame.to_numpy(dtype=np.float64)
X = (X - X.mean(axis=0)) / X.std(axis=0)
net = neuronet.Network.mlp([X.shape[1], 32, 1], hidden="relu", output="identity", seed=0)
net.fit(X, y, loss="mse", optimizer=neuronet.Adam(0.001), batch_size=32, epochs=1)
net.save(sys.argv[2])
"""


#: The flags that make ``neuronet train`` learn PANDAS_SCRIPT's network from the same inputs.
SAME_NETWORK = ["--numbers", "plain", "--scaling", "standard", "--dropout", "0", "--hidden", "32",
                "--batch-size", "32", "--learning-rate", "0.001"]


def _csv(path: Path, rows: int, columns: int) -> None:
    import pandas as pd

    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, columns)).round(6)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(columns)])
    frame["y"] = (X @ rng.normal(size=columns) + 0.1 * rng.normal(size=rows)).round(6)
    frame.to_csv(path, index=False)


def task_train_csv(quick: bool, repeats: int, interleave, ratio) -> dict:
    """``neuronet train FILE --target y --epochs 1 --validation-split 0`` against PANDAS_SCRIPT
    on the same file, each in a fresh process; ``interleave`` and ``ratio`` are run.py's."""
    rows, columns = (20_000, 20) if quick else (1_000_000, 20)
    env = dict(recording.installed_environment(), PYTHONWARNINGS="ignore")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.csv"
        _csv(path, rows, columns)

        def timed(command):
            def run():
                start = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True, env=env)
                return {"seconds": time.perf_counter() - start}

            return run

        train = [sys.executable, "-m", "neuronet", "train", str(path), "--target", "y",
                 "--epochs", "1", "--validation-split", "0", "--task", "regression",
                 "--quiet", "--out", str(Path(folder) / "cli.npz")]
        script = [sys.executable, "-c", PANDAS_SCRIPT, str(path), str(Path(folder) / "py.npz")]
        results = interleave({"neuronet": timed(train + SAME_NETWORK),
                              "defaults": timed(train), "pandas + fit": timed(script)},
                             max(1, min(repeats, 3)))
    defaults = ratio(results, "defaults", "pandas + fit")
    return {"settings": {"rows": rows, "columns": columns, "hidden": [32], "epochs": 1,
                         "batch_size": 32, "optimizer": "adam", "validation_split": 0,
                         "neuronet": " ".join(SAME_NETWORK)},
            "results": results,
            "targets": [("neuronet train / pandas + fit script, the same network",
                         ratio(results, "neuronet", "pandas + fit"), "<=", 1.5)],
            "note": f"neuronet train's defaults (8 bins beside each number: 180 inputs; robust "
                    f"scaling; dropout 0.1) take {defaults:.2f}x the script's time"}


def task_interrupt(quick: bool, repeats: int, interleave) -> dict:
    """Seconds from a SIGINT (Ctrl-C) sent from another thread to ``fit`` returning with its
    History marked interrupted: the signal lands between two batches, then the epoch's
    duties run once more."""
    rows = 2_000 if quick else 5_000
    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, 2))
    y = (X[:, 0] > 0).astype(int)

    def run():
        net = neuronet.Network.mlp([2, 16, 2], seed=0)
        sent = {}

        def press():
            sent["at"] = time.perf_counter()
            signal.raise_signal(signal.SIGINT)

        timer = threading.Timer(0.3, press)
        timer.start()
        history = net.fit(X, y, loss="categorical_crossentropy",
                          optimizer=neuronet.SGD(0.1), epochs=100_000)
        seconds = time.perf_counter() - sent["at"]
        timer.cancel()
        return {"seconds": seconds, "interrupted": bool(history.interrupted)}

    results = interleave({"neuronet": run}, repeats)
    return {"settings": {"rows": rows, "sizes": [2, 16, 2], "batch_size": 32},
            "results": results,
            "targets": [("seconds from Ctrl-C to fit returning", results["neuronet"]["median"],
                         "<=", 1.0),
                        ("fit says it was interrupted", results["neuronet"]["interrupted"], "==",
                         True)]}
