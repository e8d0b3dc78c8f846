"""neuronet.playground.tabs: what a tab sends is strict JSON, a new upload is new data, and
the trainer shares the server fairly among tabs, also on a loaded machine."""

import asyncio
import json
import math
import os
import re
import subprocess
import sys
import threading
import time

import numpy as np
import playground_client
import pytest
from playground_client import is_frame, receive_until, start

import neuronet
from neuronet.playground.tabs import Tab, encode

app, client = playground_client.app, playground_client.client  # the fixtures


def test_nothing_that_is_not_finite_is_sent_as_json():
    message = {"type": "frame", "loss": float("inf"), "values": [np.float32("nan"), 2.5],
               "nested": {"x": -math.inf, "y": np.float64(1.5), "n": np.int64(3)},
               "ok": True, "none": None, "text": "inf"}
    text = encode(message)
    assert json.loads(text) == {"type": "frame", "loss": None, "values": [None, 2.5],
                                "nested": {"x": None, "y": 1.5, "n": 3}, "ok": True,
                                "none": None, "text": "inf"}
    assert "Infinity" not in text and "NaN" not in text
    assert encode({"a": 1}) == '{"a":1}'


def table_file(seed, n=40):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, (n, 2))
    kind = np.where(x[:, 0] * x[:, 1] > 0, "same", "other")
    return "a,b,kind\n" + "\n".join(f"{p:.4f},{q:.4f},{k}" for (p, q), k in zip(x, kind)) + "\n"


def test_a_new_upload_with_the_same_columns_is_new_data(client, tmp_path):
    chosen = {"dataset": "csv", "csvX1": "a", "csvX2": "b", "csvTarget": "kind", "seed": 3}
    first, second = table_file(1), table_file(2, n=50)
    with client.websocket_connect("/ws") as ws:
        hello, _, _ = start(ws)
        token = hello["token"]
        assert client.post(f"/upload/{token}?name=first.csv", content=first.encode()).is_success
        ws.send_json({"type": "config", "config": chosen})
        old = receive_until(ws, lambda m: m["type"] == "data")
        ws.send_json({"type": "step", "count": 3})
        receive_until(ws, lambda m: is_frame(m) and m["epoch"] == 3)
        assert client.post(f"/upload/{token}?name=second.csv",
                           content=second.encode()).is_success
        ws.send_json({"type": "config", "config": chosen})  # what the page sends: no change
        state = receive_until(ws, lambda m: m["type"] == "state")
        new = receive_until(ws, lambda m: m["type"] == "data")
        assert new["run"] == state["run"] > old["run"]
        assert len(new["train"]) + len(new["test"]) == 50 != \
            len(old["train"]) + len(old["test"])
        assert receive_until(ws, is_frame)["epoch"] == 0
        ws.send_json({"type": "step", "count": 4})
        frame = receive_until(ws, lambda m: is_frame(m) and m["epoch"] == 4)
        script = client.get(f"/export/{token}/python").text
    assert "data.read_csv('second.csv'" in script
    (tmp_path / "second.csv").write_text(second)
    namespace = {"__name__": "__main__"}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        exec(compile(script, "neuronet_playground.py", "exec"), namespace)
    finally:
        os.chdir(cwd)
    weights = [layer.weights.tolist() for layer in namespace["net"].layers
               if isinstance(layer, neuronet.Dense)]
    assert weights == frame["weights"]


def test_a_file_whose_range_overflows_is_refused_naming_the_column(client):
    body = "a,b,kind\n" + "\n".join(f"{v},{i},{i % 2}" for i, v in
                                    enumerate(["1e308", "-1e308", "0", "5", "7", "2"]))
    with client.websocket_connect("/ws") as ws:
        hello, _, _ = start(ws)
        assert client.post(f"/upload/{hello['token']}", content=body.encode()).is_success
        ws.send_json({"type": "config", "config": {"dataset": "csv", "csvX1": "a",
                                                   "csvX2": "b", "csvTarget": "kind"}})
        error = receive_until(ws, lambda m: m["type"] == "error")
        assert "column 'a' spans -1e+308 to 1e+308" in error["message"]
        state = receive_until(ws, lambda m: m["type"] == "state")
        assert state["config"]["dataset"] == "circle"
        assert receive_until(ws, is_frame)["testLoss"] is not None


def test_one_value_is_one_class_and_the_model_exports(client, tmp_path):
    body = "a,b,t\n" + "\n".join(f"{i},{i % 3},{v}" for i, v in
                                 enumerate(["1", "01", "0", "-0", "1", "00", "1", "0"]))
    with client.websocket_connect("/ws") as ws:
        hello, _, _ = start(ws)
        assert client.post(f"/upload/{hello['token']}", content=body.encode()).is_success
        ws.send_json({"type": "config", "config": {"dataset": "csv", "csvX1": "a",
                                                   "csvX2": "b", "csvTarget": "t"}})
        points = receive_until(ws, lambda m: m["type"] == "data")
        assert points["classes"] == ["0", "1"]
        model = client.get(f"/export/{hello['token']}/model")
    assert model.status_code == 200
    (tmp_path / "m.npz").write_bytes(model.content)
    assert neuronet.load(tmp_path / "m.npz").classes == [0, 1]


def test_a_400_digit_setting_gets_its_fields_refusal(client, caplog):
    with client.websocket_connect("/ws") as ws:
        start(ws)
        for field in ("seed", "batch", "lr", "noise", "regRate", "speed"):
            ws.send_text(f'{{"type": "config", "config": {{"{field}": {"9" * 400}}}}}')
            error = receive_until(ws, lambda m: m["type"] == "error")
            assert error["message"].startswith(f"{field}: expected ")
            assert "a number of 400 digits" in error["message"]
        ws.send_text('{"type": "step", "count": ' + "9" * 400 + "}")
        error = receive_until(ws, lambda m: m["type"] == "error")
        assert "step count must be a whole number" in error["message"]
    assert "internal error" not in caplog.text and "Traceback" not in caplog.text


# --- fair under load ---------------------------------------------------------------------------


def test_four_tabs_on_a_loaded_machine_each_get_a_fair_share():
    websockets = pytest.importorskip("websockets.sync.client")
    pytest.importorskip("uvicorn")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    server = subprocess.Popen(
        [sys.executable, "-m", "neuronet", "playground", "--port", "0", "--no-browser"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    # The machine busy: programs that burn every core beside the server.
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
               for _ in range(max(2, os.cpu_count() or 2))]
    try:
        line = server.stdout.readline()
        found = re.search(r"http://\S+/", line)
        if found is None:
            server.kill()
            raise AssertionError(f"no address printed: {line!r} {server.stderr.read()!r}")
        url = found.group()
        # One tab with short epochs (it used to wait while the others trained), three with
        # long ones, one of them a deep network.
        tabs = [{}, {"batch": 1, "ratio": 90}, {"batch": 1, "ratio": 90, "layers": [8] * 6},
                {"dataset": "spiral", "batch": 1, "ratio": 90}]
        frames = [0] * len(tabs)
        epochs = [0] * len(tabs)
        playing = threading.Barrier(len(tabs) + 1)
        stop = threading.Event()
        errors = []

        def tab(i):
            try:
                with websockets.connect(url.replace("http://", "ws://") + "ws",
                                        max_size=None) as ws:
                    json.loads(ws.recv(timeout=60))
                    ws.send(json.dumps({"type": "config", "config": tabs[i]}))
                    ws.send(json.dumps({"type": "play"}))
                    while True:
                        message = json.loads(ws.recv(timeout=60))
                        if message["type"] == "frame" and message["playing"]:
                            break
                    playing.wait(timeout=120)
                    while not stop.is_set():
                        message = json.loads(ws.recv(timeout=60))
                        if message["type"] == "frame":
                            frames[i] += 1
                            epochs[i] = message["epoch"]
            except Exception as exc:  # told below
                errors.append(exc)
                playing.abort()

        threads = [threading.Thread(target=tab, args=(i,), daemon=True)
                   for i in range(len(tabs))]
        for thread in threads:
            thread.start()
        playing.wait(timeout=120)
        started = list(epochs)
        deadline = time.monotonic() + 180
        while min(frames) < 40 and time.monotonic() < deadline and not errors:
            time.sleep(0.05)
        counts = list(frames)
        stop.set()
        for thread in threads:
            thread.join(timeout=70)
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
        server.terminate()
        server.communicate(timeout=20)
    assert not errors, errors
    assert min(counts) >= 40, counts
    # Each tab had its turn in every round: as many frames as the others, within a margin
    # for the frames in flight when counting stopped.
    assert min(counts) >= 0.7 * max(counts), counts
    assert all(later > first for later, first in zip(epochs, started)), (started, epochs)


class SlowSocket:
    """A page that reads slowly: each send waits until the test lets it through."""

    def __init__(self):
        self.sent = []
        self.gate = asyncio.Event()

    async def send_text(self, text):
        await self.gate.wait()
        self.sent.append(json.loads(text))


def test_after_a_pause_no_frame_says_it_still_plays():
    async def scenario():
        socket = SlowSocket()
        tab = Tab(socket, "token")
        tab.start()
        tab.playing = True
        tab.train_slice(0.001)  # a frame queued: the sender takes it and waits on the page
        await asyncio.sleep(0)
        tab.train_slice(0.001)  # and one more, queued behind it
        pausing = asyncio.create_task(tab.handle('{"type": "pause"}'))
        await asyncio.sleep(0)
        socket.gate.set()
        await pausing
        for _ in range(10):
            await asyncio.sleep(0)
        tab.stop()
        return socket.sent

    sent = asyncio.run(scenario())
    frames = [m for m in sent if m["type"] == "frame"]
    assert frames[0]["playing"] and not frames[-1]["playing"]


def test_one_batch_over_the_socket_says_what_it_changed(client):
    with client.websocket_connect("/ws") as ws:
        _, _, frame = start(ws, batch=5, seed=8)
        assert "gradients" not in frame  # only while the page shows them
        ws.send_json({"type": "details", "on": True})
        assert "gradients" in receive_until(ws, is_frame)
        ws.send_json({"type": "details", "on": "yes"})
        assert "details must be true or false" in receive_until(
            ws, lambda m: m["type"] == "error")["message"]
        ws.send_json({"type": "batch"})
        stepped = receive_until(ws, lambda m: is_frame(m) and m.get("batch"))
        report = stepped["batch"]
        assert report["rows"] == 5 and stepped["epoch"] == 0 and not stepped["playing"]
        moved = np.array(stepped["weights"][0]) - np.array(frame["weights"][0])
        np.testing.assert_allclose(moved, report["weightChanges"][0], atol=1e-15)
        assert np.shape(stepped["gradients"][0]) == np.shape(stepped["weights"][0])
        ws.send_json({"type": "mode", "mode": "tutorial"})
        ws.send_json({"type": "batch"})
        error = receive_until(ws, lambda m: m["type"] == "error")
        assert "one batch applies to the network" in error["message"]


def test_points_added_by_clicking_join_the_data_and_bad_ones_are_refused(client):
    with client.websocket_connect("/ws") as ws, client.websocket_connect("/ws") as other:
        _, before, _ = start(ws, dataset="blobs", classes=4, seed=5)
        start(other, seed=6)
        ws.send_json({"type": "clearPoints"})  # none yet: the data as it is
        data_message = receive_until(ws, lambda m: m["type"] == "data")
        assert data_message["nClasses"] == 4 and data_message["added"] == 0
        count = len(data_message["train"])
        ws.send_json({"type": "step", "count": 2})
        receive_until(ws, lambda m: is_frame(m) and m["epoch"] == 2)
        ws.send_json({"type": "addPoint", "x1": 1.25, "x2": -3, "label": 3})
        state = receive_until(ws, lambda m: m["type"] == "state")
        assert state["run"] == before["run"] and state["dataChangedAt"] == 2
        added = receive_until(ws, lambda m: m["type"] == "data")
        assert len(added["train"]) == count + 1 and added["added"] == 1
        assert added["train"][-1] == [1.25, -3.0, 3]
        frame = receive_until(ws, is_frame)
        assert frame["epoch"] == 2 and len(frame["hidden"]["points"]) == count + 1
        bad = [({"x1": 7, "x2": 0, "label": 0}, "x1 must be a number from -6 to 6"),
               ({"x1": 0, "x2": "1", "label": 0}, "x2 must be a number from -6 to 6"),
               ({"x1": 0, "label": 0}, "x2 must be a number"),
               ({"x1": 0, "x2": 0, "label": 4}, "label must be a class from 0 to 3"),
               ({"x1": 0, "x2": 0, "label": True}, "label must be a class from 0 to 3"),
               ({"x1": 0, "x2": 0, "label": 1.5}, "label must be a class from 0 to 3")]
        for fields, words in bad:
            ws.send_json({"type": "addPoint", **fields})
            assert words in receive_until(ws, lambda m: m["type"] == "error")["message"]
        ws.send_text('{"type": "addPoint", "x1": NaN, "x2": 0, "label": 0}')
        assert "x1 must be a number" in receive_until(
            ws, lambda m: m["type"] == "error")["message"]
        other.send_json({"type": "step", "count": 3})  # the other tab was never held up
        assert receive_until(other, lambda m: is_frame(m) and m["epoch"] == 3)
        ws.send_json({"type": "step", "count": 1})
        assert receive_until(ws, lambda m: is_frame(m) and m["epoch"] == 3)
        ws.send_json({"type": "clearPoints"})
        cleared = receive_until(ws, lambda m: m["type"] == "data")
        assert len(cleared["train"]) == count and cleared["added"] == 0
        ws.send_json({"type": "config", "config": {"problem": "regression"}})
        receive_until(ws, lambda m: m["type"] == "data")
        ws.send_json({"type": "addPoint", "x1": 0, "x2": 0, "label": 0})
        assert "classification" in receive_until(ws, lambda m: m["type"] == "error")["message"]


def test_a_tab_keeps_at_most_max_added_points(client, monkeypatch):
    from neuronet.playground import tabs

    monkeypatch.setattr(tabs, "MAX_ADDED", 2)
    with client.websocket_connect("/ws") as ws:
        start(ws, seed=1)
        for x in (1, 2):
            ws.send_json({"type": "addPoint", "x1": x, "x2": 0, "label": 1})
            assert receive_until(ws, lambda m: m["type"] == "data")["added"] == x
        ws.send_json({"type": "addPoint", "x1": 3, "x2": 0, "label": 1})
        assert "2 points added already" in receive_until(
            ws, lambda m: m["type"] == "error")["message"]
        ws.send_json({"type": "reset"})  # the weights start again; the points stay
        receive_until(ws, lambda m: m["type"] == "state")
        ws.send_json({"type": "config", "config": {"noise": 10}})  # new data: they go
        assert receive_until(ws, lambda m: m["type"] == "data")["added"] == 0


def test_points_added_to_a_file_stay_with_it_until_its_data_changes(client):
    chosen = {"dataset": "csv", "csvX1": "a", "csvX2": "b", "csvTarget": "kind", "seed": 3}
    with client.websocket_connect("/ws") as ws:
        hello, _, _ = start(ws)
        token = hello["token"]
        assert client.post(f"/upload/{token}?name=t.csv", content=table_file(1).encode()).is_success
        ws.send_json({"type": "config", "config": chosen})
        count = len(receive_until(ws, lambda m: m["type"] == "data")["train"])
        ws.send_json({"type": "addPoint", "x1": -1, "x2": 2.5, "label": 1})
        assert receive_until(ws, lambda m: m["type"] == "data")["added"] == 1
        ws.send_json({"type": "config", "config": {"layers": [3]}})  # a new network, same data
        kept = receive_until(ws, lambda m: m["type"] == "data")
        assert kept["added"] == 1 and len(kept["train"]) == count + 1
        assert client.post(f"/upload/{token}?name=u.csv", content=table_file(2).encode()).is_success
        ws.send_json({"type": "config", "config": chosen})  # a new file: new data
        assert receive_until(ws, lambda m: m["type"] == "data")["added"] == 0
