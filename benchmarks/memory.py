"""Training on data larger than memory: fit reads a np.memmap batch by batch, so the process's
own memory stays flat whatever the size of the file.

    .venv/bin/python benchmarks/memory.py --gigabytes 0.5
    .venv/bin/python benchmarks/memory.py --gigabytes 4

It writes a float32 file of that size (784 columns) in a temporary folder, then trains a
784-64-10 network on it for one epoch with a 10% validation split, and predicts every row,
while a thread samples RssAnon in /proc/self/status: the anonymous memory that is the process's
own (the file's pages that the OS caches are not). The file is deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

import neuronet

COLUMNS, CLASSES = 784, 10


def rss_anon_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no RssAnon in /proc/self/status (Linux only)")


class PeakSampler:
    """A thread that reads RssAnon every ``interval`` seconds and keeps the largest value."""

    def __init__(self, interval=0.002):
        self.interval, self.peak = interval, rss_anon_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_anon_mb())
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_anon_mb())


def write_file(path: Path, rows: int, seed: int = 0) -> np.ndarray:
    """Random float32 rows written chunk by chunk; returns their labels (a linear teacher's)."""
    rng = np.random.default_rng(seed)
    teacher = rng.standard_normal((COLUMNS, CLASSES), dtype=np.float32)
    labels = np.empty(rows, dtype=np.uint8)
    step = 16_384
    with open(path, "wb") as file:
        for start in range(0, rows, step):
            chunk = rng.standard_normal((min(step, rows - start), COLUMNS), dtype=np.float32)
            labels[start:start + len(chunk)] = (chunk @ teacher).argmax(axis=1)
            file.write(chunk.tobytes())
    return labels


def measure(gigabytes: float, folder: str | None = None) -> dict:
    rows = max(1000, int(gigabytes * 1e9) // (COLUMNS * 4))
    with tempfile.TemporaryDirectory(dir=folder, prefix="neuronet-memory-") as tmp:
        path = Path(tmp) / "X.f32"
        labels = write_file(path, rows)
        X = np.memmap(path, dtype=np.float32, mode="r", shape=(rows, COLUMNS))
        network = neuronet.Network.mlp([COLUMNS, 64, CLASSES], seed=0, dtype=np.float32)
        before = rss_anon_mb()
        with PeakSampler() as fit_peak:
            start = time.perf_counter()
            history = network.fit(X, labels, loss="categorical_crossentropy",
                                  optimizer=neuronet.SGD(learning_rate=0.01), batch_size=256,
                                  epochs=1, validation_split=0.1)
            fit_seconds = time.perf_counter() - start
        with PeakSampler() as predict_peak:
            start = time.perf_counter()
            predictions = network.predict(X)
            predict_seconds = time.perf_counter() - start
        result = {
            "file_gb": path.stat().st_size / 1e9, "rows": rows,
            "anon_before_mb": before, "anon_peak_mb": fit_peak.peak,
            "fit_anon_growth_mb": fit_peak.peak - before, "fit_seconds": fit_seconds,
            "val_accuracy": history["val_accuracy"][-1],
            # predict returns rows x 10 outputs, which grow with the file by design
            "predict_output_mb": predictions.nbytes / 2**20,
            "predict_anon_growth_mb": predict_peak.peak - before - predictions.nbytes / 2**20,
            "predict_seconds": predict_seconds,
        }
        del X, predictions
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gigabytes", type=float, default=0.5, help="size of the file")
    parser.add_argument("--dir", default=os.environ.get("NEURONET_BENCH_DIR"),
                        help="folder for the temporary file (default: the system's)")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args(argv)
    result = measure(args.gigabytes, args.dir)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:24s} {value:,.2f}" if isinstance(value, float) else f"{key:24s} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
