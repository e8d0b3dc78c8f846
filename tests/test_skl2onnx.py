"""Pipelines that end in a neuronet estimator go to ONNX through skl2onnx, and onnxruntime
predicts with them what the pipeline predicts: on the shipped penguins and on scikit-learn's
breast-cancer table."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

skl2onnx = pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.datasets import load_breast_cancer  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

import neuronet  # noqa: E402
import neuronet.skl2onnx  # noqa: E402
from neuronet.sklearn import NetClassifier, NetRegressor  # noqa: E402

# Short fits: the tests compare the exported graph with the fitted pipeline, converged or not.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

MEASURES = ["Culmen Length (mm)", "Culmen Depth (mm)", "Flipper Length (mm)"]
NO_ZIPMAP = {NetClassifier: {"zipmap": False}}


@pytest.fixture(scope="module")
def penguins():
    """The shipped table's rows with the columns used here all present."""
    table = neuronet.datasets.penguins()
    columns = MEASURES + ["Island", "Sex", "Body Mass (g)", "Species"]
    return table[columns].dropna().reset_index(drop=True)


def run(onx, feeds):
    session = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def test_scaler_and_classifier_on_penguins_match_onnxruntime(penguins):
    X = penguins[MEASURES].to_numpy()
    y = penguins["Species"].to_numpy(dtype=object)  # three species, named in full
    pipeline = make_pipeline(StandardScaler(),
                             NetClassifier(hidden_layer_sizes=(16,), solver="lbfgs",
                                           random_state=0)).fit(X, y)
    assert pipeline.score(X, y) > 0.9  # a model worth exporting

    onx = skl2onnx.to_onnx(pipeline, X[:1], options=NO_ZIPMAP)
    label, probabilities = run(onx, {"X": X})

    np.testing.assert_allclose(probabilities, pipeline.predict_proba(X), rtol=0, atol=1e-5)
    assert list(label) == list(pipeline.predict(X))
    assert probabilities.dtype == np.float64


def test_zipmap_by_default_in_float32(penguins):
    X = penguins[MEASURES].to_numpy(dtype=np.float32)
    y = penguins["Species"].to_numpy(dtype=object)
    pipeline = make_pipeline(StandardScaler(),
                             NetClassifier(hidden_layer_sizes=(16,), solver="lbfgs",
                                           random_state=0)).fit(X, y)

    onx = skl2onnx.to_onnx(pipeline, X[:1])  # skl2onnx's default for classifiers: ZipMap
    label, rows = run(onx, {"X": X})

    expected = pipeline.predict_proba(X)
    assert [sorted(row) for row in rows[:1]] == [sorted(pipeline.classes_)]
    got = np.array([[row[c] for c in pipeline.classes_] for row in rows])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
    assert list(label) == list(pipeline.predict(X))


def test_two_classes_with_integer_labels():
    X, y = load_breast_cancer(return_X_y=True)  # a table shipped with scikit-learn
    pipeline = make_pipeline(StandardScaler(),
                             NetClassifier(hidden_layer_sizes=(8,), solver="lbfgs",
                                           random_state=0)).fit(X, y)

    label, probabilities = run(skl2onnx.to_onnx(pipeline, X[:1], options=NO_ZIPMAP), {"X": X})

    assert probabilities.shape == (len(X), 2)
    np.testing.assert_allclose(probabilities, pipeline.predict_proba(X), rtol=0, atol=1e-5)
    assert label.dtype == np.int64 and (label == pipeline.predict(X)).all()


def test_column_transformer_with_one_hot_and_regressor_on_penguins(penguins):
    # skl2onnx names the graph's inputs after the columns, in letters, digits and "_".
    names = {"Culmen Length (mm)": "culmen_length", "Culmen Depth (mm)": "culmen_depth",
             "Flipper Length (mm)": "flipper_length", "Island": "island", "Sex": "sex"}
    X = penguins[list(names)].rename(columns=names).astype({"island": object, "sex": object})
    y = penguins["Body Mass (g)"].to_numpy() / 1000  # kilograms
    numbers = ["culmen_length", "culmen_depth", "flipper_length"]
    prepare = ColumnTransformer([("numbers", StandardScaler(), numbers),
                                 ("text", OneHotEncoder(), ["island", "sex"])])
    pipeline = make_pipeline(prepare, NetRegressor(hidden_layer_sizes=(16,), solver="lbfgs",
                                                   random_state=0)).fit(X, y)
    assert pipeline.score(X, y) > 0.7

    onx = skl2onnx.to_onnx(pipeline, X[:1])
    feeds = {column.name: X[column.name].to_numpy().reshape(-1, 1)
             for column in onx.graph.input}
    for name in ("island", "sex"):
        feeds[name] = feeds[name].astype(str)
    (value,) = run(onx, feeds)

    assert value.shape == (len(X), 1)  # skl2onnx's regressors: (N, n_targets)
    np.testing.assert_allclose(value[:, 0], pipeline.predict(X), rtol=1e-5, atol=1e-5)


def test_several_targets(penguins):
    X = penguins[MEASURES].to_numpy()
    Y = penguins[["Body Mass (g)"]].to_numpy() / 1000
    Y = np.hstack([Y, Y ** 2])
    pipeline = make_pipeline(StandardScaler(), NetRegressor(hidden_layer_sizes=(8,),
                                                            max_iter=100, random_state=0))
    pipeline.fit(X, Y)

    (value,) = run(skl2onnx.to_onnx(pipeline, X[:1]), {"X": X})

    np.testing.assert_allclose(value, pipeline.predict(X), rtol=1e-5, atol=1e-5)


def test_too_old_an_opset_is_refused_with_the_reason(penguins):
    X = penguins[MEASURES].to_numpy()
    pipeline = make_pipeline(StandardScaler(), NetRegressor(hidden_layer_sizes=(4,),
                                                            max_iter=5, random_state=0))
    pipeline.fit(X, penguins["Body Mass (g)"].to_numpy() / 1000)
    with pytest.raises(ValueError, match="needs ONNX opset 13 or later.*asked for opset 12"):
        skl2onnx.to_onnx(pipeline, X[:1], target_opset=12)


def test_multilabel_is_refused_with_the_way_out():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0]).astype(int)
    model = NetClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, Y)
    with pytest.raises(ValueError, match="multilabel NetClassifier.*to_onnx"):
        skl2onnx.to_onnx(model, X[:1], options=NO_ZIPMAP)


def test_register_twice_changes_nothing(penguins):
    neuronet.skl2onnx.register()
    neuronet.skl2onnx.register()
    X = penguins[MEASURES].to_numpy()
    model = NetRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    model.fit(X, penguins["Body Mass (g)"].to_numpy() / 1000)
    (value,) = run(skl2onnx.to_onnx(model, X[:1]), {"X": X})
    np.testing.assert_allclose(value[:, 0], model.predict(X), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("first", ["neuronet.sklearn", "skl2onnx"])
def test_registered_whichever_is_imported_first(first):
    """A user imports the estimators and skl2onnx in either order, and never neuronet.skl2onnx."""
    second = "skl2onnx" if first == "neuronet.sklearn" else "neuronet.sklearn"
    program = textwrap.dedent(f"""
        import sys
        import numpy as np
        import {first}
        import {second}
        assert "neuronet.skl2onnx" in sys.modules
        from skl2onnx import to_onnx
        from neuronet.sklearn import NetClassifier
        X = np.random.default_rng(0).normal(size=(40, 3))
        y = (X[:, 0] > 0).astype(int)
        model = NetClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0).fit(X, y)
        onx = to_onnx(model, X[:1], options={{NetClassifier: {{"zipmap": False}}}})
        print([output.name for output in onx.graph.output])
    """)
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", program],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["['label',", "'probabilities']"]


def test_class_labels_as_a_third_output(penguins):
    X = penguins[MEASURES].to_numpy()
    y = penguins["Species"].to_numpy(dtype=object)
    model = NetClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, y)
    options = {NetClassifier: {"zipmap": False, "output_class_labels": True}}
    label, probabilities, classes = run(skl2onnx.to_onnx(model, X[:1], options=options),
                                        {"X": X})
    assert list(classes) == list(model.classes_)
    assert list(label) == list(classes[probabilities.argmax(axis=1)])


def test_whole_numbers_are_cast_to_the_network_s_dtype(penguins):
    X = penguins[MEASURES].to_numpy().round().astype(np.int64)  # millimetres, as integers
    y = penguins["Body Mass (g)"].to_numpy() / 1000
    model = NetRegressor(hidden_layer_sizes=(4,), solver="lbfgs", random_state=0).fit(X, y)
    onx = skl2onnx.to_onnx(model, X[:1])
    assert onx.graph.input[0].type.tensor_type.elem_type == 7  # int64 in, as given
    (value,) = run(onx, {"X": X})
    assert value.dtype == np.float64
    np.testing.assert_allclose(value[:, 0], model.predict(X), rtol=1e-5, atol=1e-5)
