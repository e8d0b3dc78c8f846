"""The playground without a browser: its data, settings, training, tutorial and exports, and
the server's protocol (Starlette's TestClient), hostile messages and many tabs at once."""

import base64
import json
import time

import numpy as np
import pytest

import neuronet
from neuronet.datasets import tutorial as tutorial_table
from neuronet.playground import config as settings
from neuronet.playground import data
from neuronet.playground.session import Run, Tutorial, build_network, make_optimizer

pytest.importorskip("starlette")
pytest.importorskip("httpx2")  # what starlette.testclient drives
from starlette.testclient import TestClient  # noqa: E402

from neuronet.playground.server import MAX_UPLOAD_BYTES, create_app  # noqa: E402

CSV = "length,width,kind\n" + "\n".join(
    f"{1 + i % 7 + 0.1 * i},{2 + (i * 3) % 5},{'big' if i % 7 > 3 else 'small'}"
    for i in range(60)
) + "\n"


def points_for(config):
    X, y = data.generate(config["dataset"], noise=config["noise"], seed=config["seed"])
    return data.split(X, y, train_percent=config["ratio"], seed=config["seed"])


def settings_with(**changes):
    config, problems = settings.merge(settings.DEFAULTS, changes)
    assert not problems
    return config


# --- data ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", data.DATASETS)
def test_every_data_set_is_seeded_and_on_the_plane(name):
    X, y = data.generate(name, noise=10, seed=3)
    again_X, again_y = data.generate(name, noise=10, seed=3)
    assert X.shape == (data.N_POINTS, 2)
    np.testing.assert_array_equal(X, again_X)
    np.testing.assert_array_equal(y, again_y)
    assert not np.array_equal(X, data.generate(name, noise=10, seed=4)[0])
    assert np.abs(X).max() < 2 * data.RADIUS
    if name in data.CLASSIFICATION:
        assert set(np.unique(y)) == {0, 1}
    else:
        assert y.min() >= -1 and y.max() <= 1 and np.ptp(y) > 0.5


def test_data_errors_say_what_was_expected():
    with pytest.raises(ValueError, match="unknown data set 'moons'"):
        data.generate("moons")
    with pytest.raises(ValueError, match="noise must be a percentage"):
        data.generate("circle", noise=80)
    with pytest.raises(ValueError, match="unknown feature 'x3'"):
        data.features(np.zeros((2, 2)), ["x1", "x3"])


def test_features_and_grid():
    X = np.array([[1.0, 2.0], [-3.0, 0.5]])
    got = data.features(X, list(data.FEATURES))
    expected = [[1, 2, 1, 4, 2, np.sin(1), np.sin(2)],
                [-3, 0.5, 9, 0.25, -1.5, np.sin(-3), np.sin(0.5)]]
    np.testing.assert_allclose(got, expected)
    grid = data.grid(3)
    np.testing.assert_array_equal(grid[0], [-6, 6])  # top left
    np.testing.assert_array_equal(grid[-1], [6, -6])  # bottom right
    X_train, _, X_test, _ = data.split(np.zeros((10, 2)), np.zeros(10), train_percent=30)
    assert (len(X_train), len(X_test)) == (3, 7)


def test_csv_columns_and_tables():
    columns = data.read_columns(CSV, "shapes.csv")
    assert columns.header == ["length", "width", "kind"]
    assert columns.numeric == ["length", "width"]
    table = data.table(columns, "length", "width", "kind")
    assert table.problem == "classification" and table.classes == ["big", "small"]
    assert np.abs(table.X).max() == pytest.approx(data.SPAN)
    raw = np.array([[float(v) for v in row[:2]] for row in columns.rows])
    np.testing.assert_allclose(table.X * table.scale + table.centre, raw)
    text = "a,b,t\n" + "\n".join(f"{i},{i % 4},{i * i}" for i in range(10))
    numbers = data.table(data.read_columns(text), "a", "b", "t")
    assert numbers.problem == "regression"
    assert numbers.y.min() == -1 and numbers.y.max() == 1
    np.testing.assert_allclose(numbers.y * numbers.target_scale + numbers.target_centre,
                               [i * i for i in range(10)])


def test_csv_with_gaps_and_semicolons():
    text = "a;b;c;label\n1;2;x;yes\n;3;x;no\n4;NA;x;no\n5;6;x;yes\n7;8;x;no\n9;1;x;yes\n2;2;x;\n"
    columns = data.read_columns(text)
    assert columns.numeric == ["a", "b"]
    table = data.table(columns, "a", "b", "label")
    assert len(table.X) == 4 and table.skipped == 3
    assert table.classes == ["no", "yes"]


@pytest.mark.parametrize("text, message", [
    ("", "the file is empty"),
    ("a,b,c\n1,2\x00,3\n", "not a text file"),
    ("a,b\n1,2\n3,4\n5,6\n7,8\n", "needs at least three"),
    ("a,b,a\n1,2,3\n1,2,3\n1,2,3\n1,2,3\n", "names the column 'a' twice"),
    ("a,b,c\n1,2,3\n1,2\n1,2,3\n1,2,3\n", "row 3 has 2 fields, but the header has 3"),
    ("a,b,c\n1,2,3\n", "1 row of data"),
])
def test_bad_csv_files_are_refused_clearly(text, message):
    with pytest.raises(ValueError, match=message):
        data.read_columns(text, "bad.csv")


def test_bad_column_choices_are_refused_clearly():
    columns = data.read_columns(CSV, "shapes.csv")
    with pytest.raises(ValueError, match="no column 'depth' for x2"):
        data.table(columns, "length", "depth", "kind")
    with pytest.raises(ValueError, match="'kind' .*does not hold numbers"):
        data.table(columns, "kind", "width", "length")
    squares = data.read_columns("a,b,t\n" + "\n".join(f"{i},{i % 4},{i * i}" for i in range(10)))
    with pytest.raises(ValueError, match="holds 10 different values"):
        data.table(squares, "a", "b", "t", "classification")
    with pytest.raises(ValueError, match="does not hold numbers, which regression needs"):
        data.table(columns, "length", "width", "kind", "regression")


# --- settings --------------------------------------------------------------------------------


def test_settings_are_checked_field_by_field():
    config, problems = settings.merge(settings.DEFAULTS, {
        "noise": 20, "layers": [8, 8], "lr": "fast", "features": ["x1", "x9"], "zoom": 3,
        "seed": 1.5, "batch": float("nan")})
    assert config["noise"] == 20 and config["layers"] == [8, 8]
    assert config["lr"] == settings.DEFAULTS["lr"] and config["seed"] == 1
    assert len(problems) == 5
    text = "; ".join(problems)
    for expected in ("lr: expected a number", "features: expected", "unknown setting 'zoom'",
                     "seed: expected a whole number", "batch: expected a whole number"):
        assert expected in text
    _, problems = settings.merge(settings.DEFAULTS, ["not", "a", "dict"])
    assert problems == ["settings must be an object of fields, got list"]
    too_deep, problems = settings.merge(settings.DEFAULTS, {"layers": [8] * 7})
    assert too_deep["layers"] == settings.DEFAULTS["layers"] and problems


def test_problem_type_and_data_set_stay_consistent():
    regression, _ = settings.merge(settings.DEFAULTS, {"problem": "regression"})
    assert regression["dataset"] == "plane"
    back, _ = settings.merge(regression, {"dataset": "spiral"})
    assert back["problem"] == "classification"


# --- training: the page's steps are fit's, bit for bit -----------------------------------------


@pytest.mark.parametrize("changes", [
    {},
    {"optimizer": "adam", "lr": 0.01, "reg": "l1", "regRate": 0.001, "dropout": 0.2,
     "batch": 7, "layers": [8, 8], "noise": 20, "ratio": 60, "seed": 5},
    {"optimizer": "momentum", "reg": "l2", "regRate": 0.01, "activation": "relu",
     "features": ["x1", "x2", "x1x2", "sinx1"], "dataset": "xor", "batch": 1},
    {"problem": "regression", "dataset": "multigauss", "layers": [], "lr": 0.01},
])
def test_runs_train_as_fit_does(changes):
    config = settings_with(**changes)
    points = points_for(config)
    run = Run(config, points)
    while run.epoch < 7:
        run.train(1, deadline=0)  # one batch at a time: epochs split across frames
    net = build_network(len(config["features"]), config)
    net.fit(data.features(points[0], config["features"]), points[1],
            loss=run.loss.name, epochs=7, batch_size=config["batch"],
            optimizer=make_optimizer(config["optimizer"], config["lr"], config["reg"],
                                     config["regRate"]))
    for mine, theirs in zip(run.network.parameters(), net.parameters()):
        np.testing.assert_array_equal(mine, theirs)


def test_circle_is_learned_with_the_default_settings():
    run = Run(settings.DEFAULTS, points_for(settings.DEFAULTS))
    first = run.scores()["testLoss"]
    run.train(200, deadline=float("inf"))
    scores = run.scores()
    assert run.epoch == 200
    assert scores["testLoss"] < 0.1 < first and scores["testAccuracy"] > 0.97


def test_l1_pushes_weights_to_zero():
    config = settings_with(reg="l1", regRate=0.03, layers=[8, 8])
    run = Run(config, points_for(config))
    plain = Run(settings_with(layers=[8, 8]), points_for(config))
    for r in (run, plain):
        r.train(100, deadline=float("inf"))
    small = [np.mean(np.abs(r.network.layers[1].weights) < 0.01) for r in (run, plain)]
    assert small[0] > small[1]


def test_a_frame_carries_what_the_page_draws():
    config = settings_with(layers=[8, 8])
    run = Run(config, points_for(config))
    frame = run.frame()
    output = np.frombuffer(base64.b64decode(frame["output"]), dtype=np.float32)
    assert output.shape == (64 * 64,)
    grid = data.features(data.grid(64), config["features"])
    np.testing.assert_allclose(output, run.network.predict(grid)[:, 0], rtol=1e-6)
    assert [len(layer) for layer in frame["neurons"]] == [8, 8]
    assert len(base64.b64decode(frame["neurons"][1][7])) == 32 * 32
    assert [np.shape(w) for w in frame["weights"]] == [(2, 8), (8, 8), (8, 1)]
    assert set(frame) >= {"epoch", "trainLoss", "testLoss", "testAccuracy", "biases"}


# --- the tutorial's neuron ---------------------------------------------------------------------


def test_tutorial_steps_are_the_tutorials_and_end_at_its_weights():
    from neuronet.trace import record

    tutorial = Tutorial()
    first = tutorial.frame()
    assert first["iteration"] == 0 and "adjustment" not in first
    np.testing.assert_allclose(first["weights"], [0.69763539, -0.64220815, -0.89127357])
    tutorial.advance(1)
    step = tutorial.frame()
    inputs, outputs, _ = tutorial_table()
    expected = record(neuronet.Neuron(), inputs, outputs, 1)[1]
    np.testing.assert_array_equal(step["adjustment"], expected.adjustment[:, 0])
    np.testing.assert_array_equal(step["error"], expected.error[:, 0])
    np.testing.assert_array_equal(step["weights"], expected.new_weights[:, 0])
    while not tutorial.done:
        tutorial.advance(997)
    end = tutorial.frame()
    assert end["iteration"] == 10_000 and tutorial.advance(5) == 0
    reference = neuronet.Neuron().train(inputs, outputs, 10_000).weights[:, 0]
    np.testing.assert_array_equal(end["weights"], reference)
    assert [round(w, 2) for w in end["weights"]] == [9.67, -0.21, -4.63]
    assert end["test"] == pytest.approx(0.99993707, abs=1e-8)
    assert end["history"][0][0] == 0 and end["history"][-1][0] == 10_000


# --- the server --------------------------------------------------------------------------------


@pytest.fixture
def app():
    return create_app()


@pytest.fixture
def client(app):
    with TestClient(app) as client:
        yield client


def receive_until(ws, predicate, limit=400):
    for _ in range(limit):
        message = ws.receive_json()
        if predicate(message):
            return message
    raise AssertionError("the expected message never came")


def is_frame(message):
    return message["type"] == "frame"


def start(ws, **config):
    hello = ws.receive_json()
    assert hello["type"] == "hello"
    ws.send_json({"type": "config", "config": config})
    state = receive_until(ws, lambda m: m["type"] == "state")
    frame = receive_until(ws, is_frame)
    return hello, state, frame


def wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


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


def test_changing_the_learning_rate_keeps_the_run_and_the_script_says_so(client):
    with client.websocket_connect("/ws") as ws:
        hello, _, _ = start(ws, seed=2)
        ws.send_json({"type": "step", "count": 4})
        receive_until(ws, lambda m: is_frame(m) and m["epoch"] == 4)
        ws.send_json({"type": "config", "config": {"lr": 0.1}})
        state = receive_until(ws, lambda m: m["type"] == "state")
        assert state["changedAt"] == 4
        assert receive_until(ws, is_frame)["epoch"] == 4  # not restarted
        script = client.get(f"/export/{hello['token']}/python").text
        assert "changed at epoch 4" in script


def test_exports_reproduce_the_page(client, tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime")
    with client.websocket_connect("/ws") as ws:
        hello, _, _ = start(ws, seed=9, dataset="xor", layers=[5, 3], activation="relu",
                            features=["x1", "x2", "x1x2"], reg="l1", regRate=0.001,
                            optimizer="momentum", lr=0.01, dropout=0.2)
        ws.send_json({"type": "step", "count": 15})
        frame = receive_until(ws, lambda m: is_frame(m) and m["epoch"] == 15)
        token = hello["token"]
        model = client.get(f"/export/{token}/model")
        onnx_file = client.get(f"/export/{token}/onnx")
        script = client.get(f"/export/{token}/python")
    assert model.headers["content-disposition"] == \
        'attachment; filename="neuronet-playground.npz"'
    path = tmp_path / "model.npz"
    path.write_bytes(model.content)
    net = neuronet.load(path)
    assert net.metadata["feature_names"] == ["x1", "x2", "x1·x2"]
    assert net.metadata["playground"]["settings"]["dataset"] == "xor"
    grid = data.features(data.grid(64), ["x1", "x2", "x1x2"])
    shown = np.frombuffer(base64.b64decode(frame["output"]), dtype=np.float32)
    np.testing.assert_allclose(net.predict(grid)[:, 0], shown, rtol=1e-6, atol=1e-7)
    session = onnxruntime.InferenceSession(onnx_file.content)
    (onnx_out,) = session.run(None, {"X": grid})
    np.testing.assert_allclose(onnx_out[:, 0], shown, rtol=1e-5, atol=1e-6)
    # The script rebuilds the same network and trains it to the same weights.
    namespace = {"__name__": "__main__"}
    exec(compile(script.text, "neuronet_playground.py", "exec"), namespace)
    rebuilt = namespace["net"]
    weights = [layer.weights.tolist() for layer in rebuilt.layers
               if isinstance(layer, neuronet.Dense)]
    assert weights == frame["weights"]
    assert "class L1(Optimizer)" in script.text


def test_tutorial_mode_over_the_socket(client, tmp_path):
    with client.websocket_connect("/ws") as ws:
        hello, _, _ = start(ws)
        ws.send_json({"type": "mode", "mode": "tutorial"})
        first = receive_until(ws, lambda m: m["type"] == "tutorial")
        assert first["iteration"] == 0
        ws.send_json({"type": "step"})
        assert receive_until(ws, lambda m: m["type"] == "tutorial")["iteration"] == 1
        ws.send_json({"type": "finish"})
        end = receive_until(ws, lambda m: m["type"] == "tutorial" and m["done"])
        assert [round(w, 2) for w in end["weights"]] == [9.67, -0.21, -4.63]
        model = client.get(f"/export/{hello['token']}/model").content
        script = client.get(f"/export/{hello['token']}/python").text
    path = tmp_path / "neuron.npz"
    path.write_bytes(model)
    neuron = neuronet.load(path)
    assert neuron.predict(np.array([1, 0, 0]))[0] == pytest.approx(0.99993707, abs=1e-8)
    assert "network.train(inputs, expected_outputs, 10000)" in script


def test_csv_upload_then_learning_from_its_columns(client, tmp_path, run_cli):
    with client.websocket_connect("/ws") as ws:
        hello, _, _ = start(ws)
        token = hello["token"]
        reply = client.post(f"/upload/{token}?name=shapes.csv", content=CSV.encode())
        assert reply.status_code == 200
        assert reply.json()["columns"] == ["length", "width", "kind"]
        ws.send_json({"type": "config", "config": {"dataset": "csv", "csvX1": "length",
                                                   "csvX2": "width", "csvTarget": "kind"}})
        state = receive_until(ws, lambda m: m["type"] == "state")
        assert state["config"]["problem"] == "classification"
        assert state["featureLabels"]["x1sq"] == "length²"
        points = receive_until(ws, lambda m: m["type"] == "data")
        assert points["classes"] == ["big", "small"] and points["axes"][0]["name"] == "length"
        assert len(points["train"]) + len(points["test"]) == 60
        ws.send_json({"type": "step", "count": 5})
        receive_until(ws, lambda m: is_frame(m) and m["epoch"] == 5)
        model = client.get(f"/export/{token}/model").content
        script = client.get(f"/export/{token}/python").text
    path = tmp_path / "model.npz"
    path.write_bytes(model)
    loaded = neuronet.load(path)
    # The model holds the columns' scaling onto the plane as its preparation.
    assert isinstance(loaded, neuronet.TabularModel)
    meta = loaded.network.metadata
    assert meta["feature_names"] == ["length", "width"]
    assert meta["classes"] == ["big", "small"] and meta["target_name"] == "kind"
    assert loaded.classes == ["big", "small"] and loaded.preparation.columns == ["length", "width"]
    assert "input_mean" not in meta and "input_scale" not in meta
    assert "data.read_csv('shapes.csv', x1='length', x2='width', target='kind'," in script
    # neuronet predict and TabularModel.predict read the raw file.
    csv_file = tmp_path / "shapes.csv"
    csv_file.write_text(CSV)
    predicted = run_cli("predict", path, csv_file)
    assert predicted.returncode == 0, predicted.stderr
    lines = predicted.stdout.split()
    assert lines[0] == "kind" and set(lines[1:]) <= {"big", "small"} and len(lines) == 61
    table = data.read_csv(csv_file, x1="length", x2="width", target="kind")
    labels = np.where(loaded.network.predict(table.X)[:, 0] > 0.5, "small", "big")
    assert lines[1:] == labels.tolist() == loaded.predict(csv_file).tolist()


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
        assert wait_for(lambda: closed._task.done())
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
