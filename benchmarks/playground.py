"""Frames per second of the playground: a 2-8-8-1 network on 500 points (circle, x1 and x2,
two hidden layers of 8), one epoch per frame, as a tab receives them.

Four measures, each a median over --repeats runs of --seconds:
  server:   the work of one frame in-process (one epoch of training + the frame's surfaces,
            losses and weights), as frames per second if nothing else paced them;
  socket:   frames a WebSocket client receives from `neuronet playground` (paced to <= 30/s);
  browser:  frames the page receives and draws in headless Chromium (if installed), for one
            tab and for eight tabs at once;
  fairness: four tabs (one with short epochs, three with long ones) while programs burn
            every core: the frames of the slowest tab over those of the fastest (1 is fair).

    python benchmarks/playground.py [--seconds 4] [--repeats 5] [--no-browser]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

SETTINGS = {"dataset": "circle", "features": ["x1", "x2"], "layers": [8, 8], "seed": 1,
            "speed": 1, "ratio": 50, "batch": 10}
HASH = "#dataset=circle&features=x1,x2&layers=8,8&seed=1&speed=1&ratio=50&batch=10"


def server_fps(seconds):
    from neuronet.playground import config, data
    from neuronet.playground.session import Run

    settings, _ = config.merge(config.DEFAULTS, SETTINGS)
    X, y = data.generate("circle", seed=1)
    run = Run(settings, data.split(X, y, train_percent=50, seed=1))
    assert len(X) == 500
    frames, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        run.train(1, deadline=float("inf"))
        json.dumps(run.frame())
        frames += 1
    return frames / (time.perf_counter() - start)


def start_server():
    process = subprocess.Popen(
        [sys.executable, "-m", "neuronet", "playground", "--port", "0", "--no-browser"],
        stdout=subprocess.PIPE, text=True)
    url = re.search(r"http://\S+/", process.stdout.readline()).group()
    return process, url


def socket_fps(url, seconds):
    from websockets.sync.client import connect

    with connect(url.replace("http://", "ws://") + "ws", max_size=None) as ws:
        json.loads(ws.recv())
        ws.send(json.dumps({"type": "config", "config": SETTINGS}))
        ws.send(json.dumps({"type": "play"}))
        frames, start, first = 0, None, None
        while True:
            message = json.loads(ws.recv(timeout=30))
            if message["type"] != "frame" or not message["playing"]:
                continue
            if start is None:
                start, first = time.perf_counter(), message["epoch"]
                continue
            frames += 1
            if time.perf_counter() - start >= seconds:
                elapsed = time.perf_counter() - start
                ws.send(json.dumps({"type": "pause"}))
                return frames / elapsed, message["epoch"] - first


FOUR_TABS = [{}, {"batch": 1, "ratio": 90}, {"batch": 1, "ratio": 90, "layers": [8] * 6},
             {"dataset": "spiral", "batch": 1, "ratio": 90}]


def fair_share(url, seconds):
    """Frames each of four tabs receives (one with short epochs, three with long ones) while
    programs burn every core beside the server: (slowest / fastest, the counts)."""
    import os
    import threading

    from websockets.sync.client import connect

    counts = [0] * len(FOUR_TABS)
    ready = threading.Barrier(len(FOUR_TABS) + 1)
    stop = threading.Event()

    def tab(i):
        with connect(url.replace("http://", "ws://") + "ws", max_size=None) as ws:
            json.loads(ws.recv(timeout=60))
            ws.send(json.dumps({"type": "config", "config": FOUR_TABS[i]}))
            ws.send(json.dumps({"type": "play"}))
            ready.wait(timeout=120)
            while not stop.is_set():
                if json.loads(ws.recv(timeout=60))["type"] == "frame":
                    counts[i] += 1
            ws.send(json.dumps({"type": "pause"}))

    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
               for _ in range(os.cpu_count() or 2)]
    try:
        threads = [threading.Thread(target=tab, args=(i,)) for i in range(len(FOUR_TABS))]
        for thread in threads:
            thread.start()
        ready.wait(timeout=120)
        time.sleep(1)  # every tab playing
        start = list(counts)
        time.sleep(seconds)
        got = [c - s for c, s in zip(counts, start)]
        stop.set()
        for thread in threads:
            thread.join(timeout=70)
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    return min(got) / max(max(got), 1), got


def browser_fps(url, seconds, tabs):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tempfile.mkdtemp(), executable_path=shutil.which("chromium"), headless=True,
            bypass_csp=True, args=["--no-sandbox", "--headless", "--disable-gpu",
                                   "--disable-background-networking", "--no-first-run"])
        pages = [context.new_page() for _ in range(tabs)]
        for page in pages:
            page.goto(url + HASH)
            page.wait_for_function("window.neuronetPlayground && window.neuronetPlayground.frame")
        for page in pages:
            page.click("[data-testid=play]")
        for page in pages:
            page.wait_for_function("window.neuronetPlayground.frame.playing")
        before = [page.evaluate("window.neuronetPlayground.frames") for page in pages]
        time.sleep(seconds)
        after = [page.evaluate("window.neuronetPlayground.frames") for page in pages]
        for page in pages:
            page.click("[data-testid=play]")
        context.close()
    return [(b - a) / seconds for a, b in zip(before, after)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()

    results = {"server": [], "socket": [], "browser": [], "browser8": []}
    shares = []
    process, url = start_server()
    try:
        for _ in range(args.repeats):
            results["server"].append(server_fps(args.seconds))
            results["socket"].append(socket_fps(url, args.seconds)[0])
            shares.append(fair_share(url, args.seconds))
            if not args.no_browser and shutil.which("chromium"):
                results["browser"].append(browser_fps(url, args.seconds, 1)[0])
                results["browser8"].append(statistics.median(browser_fps(url, args.seconds, 8)))
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    print("2-8-8-1 network, 500 points (250 to train), batch 10, one epoch per frame")
    labels = {"server": "server work alone (frames/s if unpaced)",
              "socket": "WebSocket client (paced to <= 30/s)",
              "browser": "headless Chromium, one tab",
              "browser8": "headless Chromium, each of eight tabs"}
    for key, values in results.items():
        if values:
            print(f"  {labels[key]:42s} median {statistics.median(values):7.1f} frames/s "
                  f"(min {min(values):.1f}, max {max(values):.1f}, {len(values)} runs)")
    ratios = [ratio for ratio, _ in shares]
    label = "four tabs, cores busy: slowest/fastest"
    print(f"  {label:42s} median {statistics.median(ratios):7.2f}        (min "
          f"{min(ratios):.2f}; frames per tab, last run: {shares[-1][1]})")


if __name__ == "__main__":
    main()
