"""neuronet.playground.server: the app's protocol over its WebSocket and HTTP routes (Starlette's
TestClient), hostile messages, many tabs at once, and its guard."""

import json

import playground_client
import pytest
from playground_client import CSV, is_frame, receive_until, start, wait_for
from starlette.testclient import TestClient

from neuronet.playground import data
from neuronet.playground.server import MAX_UPLOAD_BYTES, create_app

app, client = playground_client.app, playground_client.client  # the fixtures


def test_page_and_static_files_are_served_with_a_strict_policy(client):
    page = client.get("/")
    assert page.status_code == 200 and 'data-testid="play"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    script = client.get("/static/playground.js")
    assert script.status_code == 200 and "neuronetPlayground" in script.text
    assert "http://" not in script.text.replace("http://www.w3.org/2000/svg", "")
    assert client.get("/static/playground.css").status_code == 200


def test_play_pause_step_reset(client):
    with client.websocket_connect("/ws") as ws:
        hello, state, frame = start(ws, seed=4, layers=[8, 8])
        assert state["config"]["layers"] == [8, 8] and frame["epoch"] == 0
        assert set(hello["featureSurfaces"]) == set(data.FEATURES)
        first_weights = frame["weights"]
        ws.send_json({"type": "play"})
        playing = receive_until(ws, lambda m: is_frame(m) and m["epoch"] >= 5)
        assert playing["playing"] is True
        ws.send_json({"type": "pause"})
        paused = receive_until(ws, lambda m: is_frame(m) and not m["playing"])
        ws.send_json({"type": "step", "count": 3})
        stepped = receive_until(ws, lambda m: is_frame(m) and m["epoch"] >= paused["epoch"] + 3)
        assert stepped["epoch"] == paused["epoch"] + 3
        ws.send_json({"type": "reset"})
        again = receive_until(ws, lambda m: is_frame(m) and m["epoch"] == 0)
        assert again["weights"] == first_weights


def test_same_settings_same_weights_after_the_same_steps(client):
    weights = []
    for _ in range(2):
        with client.websocket_connect("/ws") as ws:
            start(ws, seed=11, dataset="spiral", layers=[6, 4], optimizer="adam", lr=0.01,
                  dropout=0.1, features=["x1", "x2", "sinx1"])
            ws.send_json({"type": "step", "count": 12})
            weights.append(receive_until(ws, lambda m: is_frame(m) and m["epoch"] == 12)
                           ["weights"])
    assert weights[0] == weights[1]


@pytest.mark.parametrize("body, status, message", [
    (b"\xff\xfe\x00bad", 400, "not UTF-8"),
    (b"a,b\n1,2\n", 400, "at least three"),
    (b"name,colour,size\nx,red,big\ny,blue,small\nz,red,big\nw,red,small\n", 400,
     "0 columns of numbers"),
    (b"x" * (MAX_UPLOAD_BYTES + 1), 413, "too large"),
])
def test_bad_uploads_get_clear_errors_and_the_tab_works_on(client, body, status, message):
    with client.websocket_connect("/ws") as ws:
        hello, _, _ = start(ws)
        reply = client.post(f"/upload/{hello['token']}?name=bad.csv", content=body)
        assert reply.status_code == status and message in reply.json()["error"]
        ws.send_json({"type": "step"})
        assert receive_until(ws, lambda m: is_frame(m) and m["epoch"] == 1)


def test_uploads_and_exports_need_a_live_tab(client):
    assert client.post("/upload/nobody", content=CSV.encode()).status_code == 404
    assert client.get("/export/nobody/model").status_code == 404
    assert "reload the page" in client.get("/export/nobody/python").text


def test_choosing_csv_without_a_file_is_an_error_not_a_crash(client):
    with client.websocket_connect("/ws") as ws:
        start(ws)
        ws.send_json({"type": "config", "config": {"dataset": "csv", "csvX1": "a",
                                                   "layers": [3]}})
        error = receive_until(ws, lambda m: m["type"] == "error")
        assert "no file uploaded" in error["message"]
        state = receive_until(ws, lambda m: m["type"] == "state")
        assert state["config"]["dataset"] == "circle"
        assert state["config"]["layers"] == [3]  # the rest of a shared link still applies


def test_playing_before_any_settings_plays_the_defaults(client):
    with client.websocket_connect("/ws") as ws:
        assert ws.receive_json()["type"] == "hello"
        ws.send_json({"type": "play"})
        frame = receive_until(ws, lambda m: is_frame(m) and m["epoch"] >= 2)
        assert [len(w) for w in frame["weights"]] == [2, 4, 2]
        ws.send_json({"type": "config", "config": {}})
        assert receive_until(ws, lambda m: m["type"] == "data")["train"]


HOSTILE = [
    "not json at all",
    "[1, 2, 3]",
    "{\"no\": \"type\"}",
    "{\"type\": 42}",
    "{\"type\": \"explode\"}",
    "{\"type\": \"step\", \"count\": 1e9}",
    "{\"type\": \"step\", \"count\": -1}",
    "{\"type\": \"config\", \"config\": {\"layers\": [1e308, -5], \"noise\": NaN}}",
    "{\"type\": \"config\", \"config\": \"everything\"}",
    "{\"type\": \"config\", \"config\": {\"features\": []}}",
    "{\"type\": \"mode\", \"mode\": \"<script>\"}",
    "{\"type\": \"finish\"}",
    "[" * 50_000 + "]" * 50_000,
    "{\"type\": \"config\", \"config\": {\"seed\": " + "9" * 5000 + "}}",
    "x" * 200_000,
]


def test_hostile_messages_get_errors_and_the_tab_works_on(client):
    with client.websocket_connect("/ws") as ws:
        start(ws, seed=3)
        for text in HOSTILE:
            ws.send_text(text)
            error = receive_until(ws, lambda m: m["type"] == "error")
            assert error["message"]
        ws.send_bytes(b"\x00\x01binary")
        assert "binary" in receive_until(ws, lambda m: m["type"] == "error")["message"]
        ws.send_json({"type": "ping"})
        receive_until(ws, lambda m: m["type"] == "pong")
        ws.send_json({"type": "step", "count": 2})
        frame = receive_until(ws, lambda m: is_frame(m) and m["epoch"] == 2)
        assert frame["testLoss"] > 0


def test_a_huge_learning_rate_stops_training_with_a_message(client):
    with client.websocket_connect("/ws") as ws:
        start(ws, problem="regression", dataset="plane", lr=10, layers=[8, 8, 8, 8],
              activation="relu", features=list(data.FEATURES))
        ws.send_json({"type": "step", "count": 50})
        error = receive_until(ws, lambda m: m["type"] == "error")
        assert error["where"] == "training" and "lower the learning rate" in error["message"]
        ws.send_json({"type": "reset"})
        assert receive_until(ws, lambda m: is_frame(m) and m["epoch"] == 0)


def test_eight_tabs_train_their_own_networks_and_a_closed_tab_stops(app, client):
    from contextlib import ExitStack

    with ExitStack() as stack:
        sockets = [stack.enter_context(client.websocket_connect("/ws")) for _ in range(8)]
        tokens = []
        for i, ws in enumerate(sockets):
            hello, _, _ = start(ws, seed=100 + i % 4, dataset=["circle", "xor"][i % 2],
                                layers=[8, 8])
            tokens.append(hello["token"])
        assert len(app.state.tabs) == 8
        for ws in sockets:
            ws.send_json({"type": "play"})
        frames = [receive_until(ws, lambda m: is_frame(m) and m["epoch"] >= 3)
                  for ws in sockets]
        assert all(f["playing"] for f in frames)
        # Tabs with different seeds have different networks.
        assert frames[0]["weights"] != frames[1]["weights"]
        closed = app.state.tabs[tokens[0]]
        sockets[0].close()
        assert wait_for(lambda: tokens[0] not in app.state.tabs)
        assert wait_for(lambda: closed not in app.state.trainer.tabs)
        for ws in sockets[1:]:
            later = receive_until(ws, lambda m: is_frame(m) and m["epoch"] >= 8)
            assert later["playing"]
        for ws in sockets[1:]:
            ws.send_json({"type": "pause"})
    assert wait_for(lambda: not app.state.tabs)


def test_guard_refuses_foreign_hosts_and_cross_site_sockets():
    app = create_app(allowed_hosts={"127.0.0.1", "localhost"})
    with TestClient(app, base_url="http://127.0.0.1:8765") as client:
        assert client.get("/").status_code == 200
        assert client.get("/", headers={"host": "evil.example:8765"}).status_code == 403
        local = {"host": "127.0.0.1:8765"}
        with client.websocket_connect(
                "/ws", headers={**local, "origin": "http://127.0.0.1:8765"}) as ws:
            assert ws.receive_json()["type"] == "hello"
        from starlette.websockets import WebSocketDisconnect

        for headers in ({**local, "origin": "http://evil.example"},
                        {"host": "evil.example:8765"}):
            with pytest.raises(WebSocketDisconnect) as refused:
                with client.websocket_connect("/ws", headers=headers):
                    pass
            assert refused.value.code == 1008
        reply = client.post("/upload/x", content=b"a", headers={"origin": "http://evil.example"})
        assert reply.status_code == 403


def test_too_many_tabs_are_refused_politely(app, client, monkeypatch):
    from neuronet.playground import server

    monkeypatch.setattr(server, "MAX_TABS", 1)
    with client.websocket_connect("/ws") as first:
        assert first.receive_json()["type"] == "hello"
        with client.websocket_connect("/ws") as second:
            refusal = second.receive_json()
            assert refusal["type"] == "error" and "already serves 1 tabs" in refusal["message"]


def test_state_is_json_and_names_from_files_are_printable(client):
    hostile = "a\x1b[31m,b\u202e,kind\n" + "\n".join(f"{i},{i % 3},{i % 2}" for i in range(8))
    with client.websocket_connect("/ws") as ws:
        hello, _, _ = start(ws)
        reply = client.post(f"/upload/{hello['token']}?name=x.csv", content=hostile.encode())
        columns = reply.json()["columns"]
        assert columns[0] == "a\\x1b[31m" and columns[1] == "b\\u202e"
        ws.send_json({"type": "config", "config": {"dataset": "csv", "csvX1": columns[0],
                                                   "csvX2": columns[1], "csvTarget": "kind"}})
        state = receive_until(ws, lambda m: m["type"] == "state")
        assert state["config"]["dataset"] == "csv"
        points = receive_until(ws, lambda m: m["type"] == "data")
        assert points["axes"][0]["name"] == "a\\x1b[31m"
        json.dumps(points)
