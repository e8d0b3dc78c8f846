"""neuronet.playground.export: the model file, the ONNX graph and the script a tab takes away
reproduce the page."""

import base64

import numpy as np
import playground_client
import pytest
from playground_client import CSV, is_frame, receive_until, start

import neuronet
from neuronet.playground import data


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

app, client = playground_client.app, playground_client.client  # the fixtures


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




def test_take_away_without_a_server(tmp_path):
    from neuronet.playground import config as settings
    from neuronet.playground.export import take_away
    from neuronet.playground.session import Run, Tutorial

    config, _ = settings.merge(settings.DEFAULTS, {"seed": 5, "layers": [3]})
    X, y = data.generate("circle", seed=5)
    run = Run(config, data.split(X, y, train_percent=50, seed=5))
    run.train(6, deadline=float("inf"))
    script, name, media = take_away("python", run=run)
    assert (name, media) == ("neuronet_playground.py", "text/x-python")
    namespace = {"__name__": "__main__"}
    exec(compile(script, name, "exec"), namespace)
    for mine, theirs in zip(run.network.parameters(), namespace["net"].parameters()):
        np.testing.assert_array_equal(mine, theirs)
    content, name, _ = take_away("model", tutorial=Tutorial())
    (tmp_path / name).write_bytes(content)
    neuron = neuronet.load(tmp_path / name)
    assert neuron.metadata["playground"] == {"tutorial_iterations": 0}


def test_a_softmax_run_with_added_points_exports_what_the_page_shows(client, tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime")
    with client.websocket_connect("/ws") as ws:
        hello, _, _ = start(ws, seed=4, dataset="spirals", classes=5, layers=[6, 4])
        for x1, x2, label in ((0.5, 0.25, 4), (-3.125, 2.0, 0)):  # before any training
            ws.send_json({"type": "addPoint", "x1": x1, "x2": x2, "label": label})
            receive_until(ws, lambda m: m["type"] == "data")
        ws.send_json({"type": "step", "count": 6})
        frame = receive_until(ws, lambda m: is_frame(m) and m["epoch"] == 6)
        token = hello["token"]
        model = client.get(f"/export/{token}/model").content
        onnx_file = client.get(f"/export/{token}/onnx").content
        script = client.get(f"/export/{token}/python").text
    assert "-> 6 -> 4 -> 5;" in script and "classes=5" in script and "bit for bit" in script
    assert "Dense(4, 5, activation='softmax')" in script
    path = tmp_path / "model.npz"
    path.write_bytes(model)
    net = neuronet.load(path)
    assert net.metadata["classes"] == [0, 1, 2, 3, 4]
    assert net.metadata["playground"]["added_points"] == [[0.5, 0.25, 4], [-3.125, 2.0, 0]]
    grid = data.features(data.grid(64), ["x1", "x2"])
    shown = np.frombuffer(base64.b64decode(frame["probabilities"]), dtype=np.uint8)
    np.testing.assert_array_equal(np.round(net.predict(grid) * 255).reshape(-1), shown)
    (onnx_out,) = onnxruntime.InferenceSession(onnx_file).run(None, {"X": grid})
    np.testing.assert_allclose(onnx_out, net.predict(grid), atol=1e-5)
    namespace = {"__name__": "__main__"}
    exec(compile(script, "neuronet_playground.py", "exec"), namespace)
    weights = [layer.weights.tolist() for layer in namespace["net"].layers
               if isinstance(layer, neuronet.Dense)]
    assert weights == frame["weights"]
    assert len(namespace["X_train"]) == len(frame["hidden"]["points"])
