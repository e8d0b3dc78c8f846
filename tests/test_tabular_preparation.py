"""neuronet.tabular.preparation: the learned preparation (gaps filled, categories one-hot, dates
as days and cycles, numbers standardized) and its arrays in the model file, checked when loaded
(counts in Python's integers, texts as UTF-8 that a file can hold); what cannot be saved is
refused before training; a value that overflows once scaled is named with its row; the inputs
made a block of rows at a time are those of one row at a time."""

import numpy as np
import pandas as pd
import pytest
from test_tabular import messy

import neuronet
from neuronet import ModelFileError, tabular
from neuronet.tabular import (
    DataError,
    Preparation,
    gather,
    infer_roles,
)
from neuronet.tabular.preparation import (
    CategoryInput,
    NumberInput,
    decode_text,
    encode_text,
    piecewise,
)


def test_preparation_imputes_encodes_and_standardizes():
    frame = messy()
    frame.loc[0, "colour"] = "violet"  # seen once: rare, pooled
    roles = infer_roles(frame, "label")
    prep = Preparation.fit(roles, gather(frame, roles))
    by = {item.column: item for item in prep.inputs}
    size = frame["size"].to_numpy()
    assert by["size"].fill == np.nanmedian(size) and by["size"].indicator
    assert by["colour"].values == ["blue", "green", "red"]
    assert by["colour"].missing_slot and by["colour"].pooled_slot
    assert by["member"].values == ["no", "yes"] and not by["member"].missing_slot
    assert [c for c, _ in prep.left_out] == ["id", "constant"]
    X = prep.transform(frame)
    names = prep.feature_names()
    assert X.shape == (len(frame), prep.n_features) == (len(frame), len(names))
    column = names.index("size")
    present = ~np.isnan(size)
    np.testing.assert_allclose(X[present, column].mean(), 0, atol=0.1)
    assert X[~present, names.index("size (missing)")].tolist() == [1.0] * (~present).sum()
    filled = (by["size"].fill - by["size"].center) / by["size"].scale
    np.testing.assert_allclose(X[~present, column], filled)
    colour = [names.index(f"colour={v}") for v in ("blue", "green", "red", "(missing)",
                                                    "(other)")]
    assert (X[:, colour].sum(axis=1) == 1).all()  # exactly one slot per row
    assert X[0, names.index("colour=(other)")] == 1
    # A value never seen in training goes to the pooled slot, never an error.
    new = frame.iloc[:3].copy()
    new["colour"] = ["ultraviolet", None, "red"]
    X = prep.transform(new)
    assert X[0, colour].tolist() == [0, 0, 0, 0, 1]
    assert X[1, colour].tolist() == [0, 0, 0, 1, 0]
    assert X[2, colour].tolist() == [0, 0, 1, 0, 0]


def test_preparation_round_trips_through_arrays():
    frame = messy()
    roles = infer_roles(frame, "label")
    prep = Preparation.fit(roles, gather(frame, roles))
    arrays = prep.to_arrays()
    assert all(isinstance(a, np.ndarray) and a.dtype.kind in "fiu" for a in arrays.values())
    again = Preparation.from_arrays(arrays)
    np.testing.assert_array_equal(again.transform(frame), prep.transform(frame))
    assert again.left_out == prep.left_out
    broken = dict(arrays, **{"numbers.scale": -arrays["numbers.scale"]})
    with pytest.raises(ValueError, match="numbers.scale"):
        Preparation.from_arrays(broken)


def test_dates_become_days_and_cycles():
    dates = (pd.Timestamp("2021-01-01") + pd.to_timedelta(np.arange(130) * 3, unit="D"))
    dates = dates.strftime("%Y-%m-%d").to_numpy().astype(object)
    dates[5] = None
    frame = pd.DataFrame({"d": dates, "y": [0, 1] * 65})
    roles = infer_roles(frame, "y")
    prep = Preparation.fit(roles, gather(frame, roles))
    (item,) = prep.inputs
    # Dates 3 days apart show the year and the week; none has a time of day.
    assert item.kind == "date" and item.indicator and item.cycles == ("year", "week")
    days = pd.Timestamp("2021-01-01").value / 86_400e9
    X = prep.transform(frame.iloc[:1])
    assert X[0, 0] == pytest.approx((days - item.center) / item.scale)
    assert X[0, 2] == pytest.approx(np.sin(2 * np.pi * days / 365.2425))
    assert X[0, 4] == pytest.approx(np.sin(2 * np.pi * days / 7))
    # New Year's days of several years: the weekday changes, but yearly dates cannot show a
    # weekly cycle (it is noise to them), and the year's cycle does not vary.
    yearly = pd.DataFrame({"d": [f"{1970 + i}-01-01" for i in range(12)], "y": [0, 1] * 6})
    roles = infer_roles(yearly, "y")
    assert Preparation.fit(roles, gather(yearly, roles)).inputs[0].cycles == ()


def test_values_too_large_to_standardize_are_refused():
    frame = pd.DataFrame({"x": [1.7e308, 1.7e308, -1.7e308] * 10, "y": [0, 1, 1] * 10})
    with pytest.raises(DataError, match="column 'x' holds values too large to standardize"):
        tabular.train(frame, "y", epochs=1)
    huge = pd.DataFrame({"x": [1e300, 2e300, 3e300] * 10, "y": [0, 1, 1] * 10})
    model = tabular.train(huge, "y", epochs=1, validation_split=0,  # large but standardizable
                          scaling="standard")
    X = model.prepare(huge)
    assert np.isfinite(X).all() and X[:, 0].std() == pytest.approx(1)
    with pytest.raises(DataError, match="row 0, column 'x': inf is not a finite number"):
        tabular.train(pd.DataFrame({"x": [np.inf, 1, 2], "y": [0, 1, 0]}), "y")


def test_booleans_match_whatever_their_case(tmp_path):
    train = tmp_path / "train.csv"
    rows = "".join(f"{'TRUE' if i % 3 else 'FALSE'},{i % 3 != 0}\n" for i in range(90))
    train.write_text("flag,y\n" + rows)
    model = tabular.train(train, "y", epochs=60, learning_rate=0.05)
    assert model.preparation.inputs[0].kind == "boolean"
    new = pd.DataFrame({"flag": ["true", "False", "yes?", None]})
    X = model.prepare(new)
    assert X[:2, :2].tolist() == [[0, 1], [1, 0]]
    assert model.predict(new)[:2].tolist() == [True, False]


HALF = "\ud800".encode("utf-8", "surrogatepass")  # half of a character, encoded on its own


@pytest.fixture(scope="module")
def model():
    """A model of four category columns (a, b, c, d) and a number (x)."""
    rng = np.random.default_rng(0)
    n = 90
    frame = pd.DataFrame({name: rng.choice(["p", "q", "r"], n) for name in "abcd"})
    frame["x"] = rng.normal(size=n)
    frame["t"] = rng.choice(["yes", "no"], n)
    return tabular.train(frame, "t", epochs=1, validation_split=0, hidden=[])


@pytest.fixture
def path(model, tmp_path):
    return model.save(tmp_path / "model.npz")


def test_category_counts_whose_int64_sum_wraps_around_are_refused(path, section_file):
    def wrap(fields, arrays):
        held = len(decode_text(arrays, "categories.value"))
        # Four counts of 2**62 and more add up to 2**64 + held: as int64, to held again.
        arrays["categories.count"] = np.array([2**62, 2**62, 2**62, 2**62 + held], np.int64)
        assert int(arrays["categories.count"].sum()) == held

    section_file.rewrite(path, wrap)
    with pytest.raises(ModelFileError, match=r"categories.count holds 4,611,686,018,427,387,904, "
                       r"more than the 12 values categories.value holds"):
        neuronet.load(path)


def test_category_counts_that_do_not_add_up_are_refused(path, section_file):
    section_file.rewrite(path, lambda fields, arrays: arrays.update(
        {"categories.count": np.array([3, 3, 3, 2], np.int64)}))
    with pytest.raises(ModelFileError, match="categories.count adds up to 11, but "
                       "categories.value holds 12 values"):
        neuronet.load(path)


@pytest.mark.parametrize("name, position", [("inputs.column", 0), ("categories.value", 4),
                                            ("left_out.column", 0), ("left_out.reason", 0)])
def test_a_lone_surrogate_in_any_text_is_refused_by_name(model, path, section_file, name,
                                                         position):
    def replace(fields, arrays):
        texts = [t.encode() for t in decode_text(arrays, name)] or [b"x"]
        if name.startswith("left_out"):  # the model leaves nothing out: give it one column
            section_file.texts(arrays, "left_out.column", [b"gone"])
            section_file.texts(arrays, "left_out.reason", [b"constant"])
            texts = [b"gone" if name == "left_out.column" else b"constant"]
        texts[position] = texts[position] + HALF
        section_file.texts(arrays, name, texts)

    section_file.rewrite(path, replace)
    with pytest.raises(ModelFileError, match=f"the array {name}.utf8 holds a lone surrogate "
                       r"\(half of a character\), not text"):
        neuronet.load(path)


def test_text_that_is_not_utf8_at_all_is_still_called_so(path, section_file):
    section_file.rewrite(path, lambda fields, arrays: section_file.texts(
        arrays, "categories.value", [b"\xff"] * 12))
    with pytest.raises(ModelFileError, match="the array categories.value.utf8 is not UTF-8 text"):
        neuronet.load(path)


def test_an_input_column_without_a_name_is_refused(path, section_file):
    def unname(fields, arrays):
        section_file.texts(arrays, "inputs.column", ["a", "", "c", "d", "x"])

    section_file.rewrite(path, unname)
    with pytest.raises(ModelFileError, match=r"inputs.column holds an empty name \(input 2\)"):
        neuronet.load(path)


def test_a_loaded_model_exports_to_onnx(path):
    pytest.importorskip("onnx")
    neuronet.load(path).to_onnx()  # what the empty name broke, with onnx's ValidationError


# --- refused before training: what no model file could hold ------------------------------------


def test_what_a_model_file_cannot_hold_is_refused_when_the_preparation_is_made():
    number = NumberInput("x", 0.0, 0.0, 1.0, False)
    with pytest.raises(ValueError, match="a column the model reads has an empty name"):
        Preparation([NumberInput("", 0.0, 0.0, 1.0, False)])
    with pytest.raises(ValueError, match=r"the column name 'x\\ud800' holds a lone surrogate"):
        Preparation([NumberInput("x\ud800", 0.0, 0.0, 1.0, False)])
    with pytest.raises(ValueError, match=r"column 'c''s value 'p\\udcff' holds a lone surrogate"):
        Preparation([CategoryInput("c", ["p\udcff", "q"], False, False)])
    with pytest.raises(ValueError, match="the reason"):
        Preparation([number], [("left", "id\ud800")])
    assert Preparation([number], [("", "constant")]).n_features == 1  # left out: no input


def test_training_on_a_column_without_a_name_stops_before_training():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"": rng.normal(size=40), "z": rng.normal(size=40),
                          "t": ["a", "b"] * 20})
    lines = []
    with pytest.raises(ValueError, match="a column the model reads has an empty name"):
        tabular.train(frame, "t", epochs=1, report=lines.append)
    assert not any(line.startswith("training:") for line in lines)


def test_texts_round_trip_and_half_characters_are_not_saved():
    texts = ["", "café", "日本", "🙂", "a,b"]
    assert decode_text(encode_text("t", texts), "t") == texts
    with pytest.raises(ValueError, match=r"cannot save: the t text 'x\\udfff' holds a lone "
                       r"surrogate \(\\udfff: half of a character, not text\)"):
        encode_text("t", ["ok", "x\udfff"])


# --- values that overflow once scaled (17) ------------------------------------------------------


@pytest.fixture(scope="module")
def narrow(tmp_path_factory):
    """A model that learned from a column of tiny values: its scale divides by 0.0003."""
    frame = pd.DataFrame({"a": np.linspace(0, 1e-3, 40), "b": np.arange(40) % 3,
                          "t": np.arange(40) % 2})
    model = tabular.train(frame, "t", epochs=1, validation_split=0)
    path = tmp_path_factory.mktemp("narrow") / "data.csv"
    pd.DataFrame({"a": [0.1, 2e305, 1], "b": [1, 2, 1], "t": [0, 1, 1]}).to_csv(path, index=False)
    return model, path


def test_a_value_that_overflows_once_scaled_is_named_with_its_row(narrow):
    model, path = narrow
    message = (f"{path}: column 'a' holds values too large to standardize (row 3: 2e+305, "
               "and (x - 0.0005) / 0.000370651 overflows a float)")
    for call in (model.predict, model.evaluate, model.prepare):
        with pytest.raises(DataError) as error:
            call(path)
        assert str(error.value) == message
    frame = pd.read_csv(path, index_col=None).set_axis(["p", "q", "r"], axis=0)
    with pytest.raises(DataError, match=r"^column 'a' holds values too large to standardize "
                       r"\(row q: 2e\+305"):
        model.predict(frame)


def test_the_command_line_says_the_same(run_cli, narrow, tmp_path):
    model, path = narrow
    saved = model.save(tmp_path / "narrow.npz")
    for command in ("predict", "evaluate"):
        result = run_cli(command, saved, path)
        assert result.returncode == 1
        assert result.stderr.strip() == (f"neuronet: error: {path}: column 'a' holds values "
                                         "too large to standardize (row 3: 2e+305, and "
                                         "(x - 0.0005) / 0.000370651 overflows a float)")


# --- a table with none of the model's columns (20) ----------------------------------------------


def test_a_table_with_none_of_the_models_columns_says_so(model, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("u,v\n1,2\n")
    with pytest.raises(DataError) as error:
        model.predict(other)
    assert str(error.value) == f"{other}: the file has none of the model's columns a, b, c, d, x"
    with pytest.raises(DataError, match="^the table has none of the model's columns a, b"):
        model.predict(pd.DataFrame({"u": [1]}))
    some = tmp_path / "some.csv"
    some.write_text("a,v\np,2\n")
    with pytest.raises(DataError, match=r"some.csv: no column 'b' \(and 3 more\), which the "
                       "model needs as an input"):
        model.predict(some)


# --- robust scaling -------------------------------------------------------------------------------


def test_robust_scaling_centres_on_the_median_scales_by_the_quartiles_and_clips_smoothly():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(10, 2, 400), [40, -20]])  # two outliers
    frame = pd.DataFrame({"x": x, "y": rng.integers(0, 2, len(x))})
    model = tabular.train(frame, "y", epochs=1, validation_split=0)
    item = model.preparation.inputs[0]
    q1, q3 = np.quantile(x, [0.25, 0.75])
    assert item.clip and item.center == np.median(x)
    assert item.scale == pytest.approx((q3 - q1) / 1.3489795003921634, rel=1e-12)
    z = (x - np.median(x)) / item.scale
    X = model.prepare(frame)
    np.testing.assert_allclose(X[:, 0], z / np.sqrt(1 + (z / 3) ** 2), rtol=1e-12)
    assert np.abs(X[:, 0]).max() < 3 and abs(X[-1, 0]) > 2.7  # the outliers brought near 3
    standard = tabular.train(frame, "y", epochs=1, validation_split=0, scaling="standard")
    item = standard.preparation.inputs[0]
    assert not item.clip and item.center == pytest.approx(x.mean())
    np.testing.assert_allclose(standard.prepare(frame)[:, 0], (x - x.mean()) / x.std())


def test_a_number_whose_quartiles_are_equal_is_scaled_by_its_standard_deviation():
    x = np.array([0.0] * 100 + [1.0, 5.0, 9.0] * 10)
    frame = pd.DataFrame({"x": x, "y": [0, 1] * 65})
    item = tabular.train(frame, "y", epochs=1, validation_split=0).preparation.inputs[0]
    assert item.clip and item.center == 0 and item.scale == pytest.approx(x.std())


def test_a_preparation_of_version_1_has_no_clip_and_one_with_a_wrong_clip_is_refused():
    frame = messy(60)
    arrays = tabular.train(frame, "label", epochs=1).preparation.to_arrays()
    assert arrays["numbers.clip"].tolist() == [1, 0]  # the number; the date is not clipped
    old = {k: v for k, v in arrays.items() if k != "numbers.clip"}
    assert not any(item.clip for item in Preparation.from_arrays(old).inputs
                   if item.kind == "numeric")
    for wrong in ([2, 0], [1, 1]):  # not a switch; a clipped date
        with pytest.raises(ValueError, match="numbers.clip"):
            Preparation.from_arrays({**arrays, "numbers.clip": np.array(wrong, np.uint8)})


def test_a_number_with_heavy_tails_takes_the_signed_log_of_its_scaled_values():
    rng = np.random.default_rng(1)
    x = rng.standard_cauchy(400)  # a standard deviation far above the quartiles' one
    frame = pd.DataFrame({"x": x, "y": rng.integers(0, 2, len(x))})
    model = tabular.train(frame, "y", epochs=1, validation_split=0)
    item = model.preparation.inputs[0]
    assert item.log and not item.clip and item.center == np.median(x)
    z = (x - np.median(x)) / item.scale
    X = model.prepare(frame)
    np.testing.assert_allclose(X[:, 0], np.sign(z) * np.log1p(np.abs(z)), rtol=1e-12)
    assert np.argsort(X[:, 0]).tolist() == np.argsort(x).tolist()  # far values keep their order
    arrays = model.preparation.to_arrays()
    assert arrays["numbers.log"].tolist() == [1] and arrays["numbers.clip"].tolist() == [0]
    with pytest.raises(ValueError, match="numbers.log"):  # both: not a preparation made
        Preparation.from_arrays({**arrays, "numbers.clip": np.array([1], np.uint8)})


# --- piecewise-linear bins ------------------------------------------------------------------------


def test_bins_encode_each_number_between_its_octiles():
    rng = np.random.default_rng(2)
    x = np.where(rng.random(400) < 0.05, np.nan, rng.exponential(3.0, 400))
    frame = pd.DataFrame({"x": x, "y": rng.integers(0, 2, 400)})
    model = tabular.train(frame, "y", epochs=1, validation_split=0, numbers="bins")
    item = model.preparation.inputs[0]
    present = x[~np.isnan(x)]
    np.testing.assert_allclose(item.edges, np.quantile(present, np.arange(9) / 8), rtol=1e-12)
    assert item.width() == 1 + 1 + 8 and model.preparation.feature_names()[2:4] == \
        ["x (bin 1)", "x (bin 2)"]
    filled = np.where(np.isnan(x), np.median(present), x)
    edges = np.array(item.edges)
    expected = np.clip((filled[:, None] - edges[:-1]) / np.diff(edges), 0, 1)
    X = model.prepare(frame)
    np.testing.assert_allclose(X[:, 2:], expected, rtol=1e-12, atol=1e-15)
    # The public one-column encoding gives the transform's bins bit for bit.
    np.testing.assert_array_equal(piecewise(filled, item.edges), X[:, 2:])
    assert X[:, 1].tolist() == np.isnan(x).tolist()  # the was-missing input stays second
    arrays = model.preparation.to_arrays()
    assert arrays["numbers.bins"].tolist() == [9] and len(arrays["numbers.edges"]) == 9
    loaded = Preparation.from_arrays(arrays)
    np.testing.assert_array_equal(loaded.transform(frame), X)
    for wrong in ({"numbers.bins": np.array([1], np.int64)},  # one edge is no bin
                  {"numbers.bins": np.array([8], np.int64)},  # counts and edges disagree
                  {"numbers.edges": arrays["numbers.edges"][::-1].copy()}):  # decreasing
        with pytest.raises(ValueError, match="numbers.(bins|edges)"):
            Preparation.from_arrays({**arrays, **wrong})
    plain = {k: v for k, v in arrays.items() if k not in ("numbers.bins", "numbers.edges")}
    assert Preparation.from_arrays(plain).inputs[0].edges == ()  # a file of version 1
    few = pd.DataFrame({"x": [0.0] * 30 + [1.0] * 70, "y": [0, 1] * 50})  # two values: one bin
    item = tabular.train(few, "y", epochs=1, validation_split=0, numbers="bins") \
        .preparation.inputs[0]
    assert item.edges == (0.0, 1.0)


def _named_rows(n=600, names=40, seed=0):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, names, n)
    name = np.array([f"place {c}" for c in codes], dtype=object)
    name[:5] = None  # gaps
    name[5] = "seen once"
    return pd.DataFrame({"name": name, "kind": rng.choice(list("abc"), n),
                         "x": rng.normal(size=n), "y": rng.normal(size=n) + codes / names})


def test_a_category_of_many_values_becomes_a_code_for_a_learned_embedding():
    frame = _named_rows()
    roles = infer_roles(frame, "y")
    prep = Preparation.fit(roles, gather(frame, roles), embeddings=16)
    by = {item.column: item for item in prep.inputs}
    name, kind = by["name"], by["kind"]
    assert len(name.values) == 40 and name.embedding == 13 and name.width() == 1
    assert name.missing_slot and name.pooled_slot and name.n_codes() == 42
    assert kind.embedding == 0 and kind.width() == 3  # few values: one-hot as before
    X = prep.transform(frame)
    column = prep.feature_names().index("name (code)")
    assert prep.embedding() == ([column], [42], 13)
    codes = X[:, column]
    assert codes[:5].tolist() == [41.0] * 5 and codes[5] == 0.0  # gap's own, rare: "other"
    assert codes[6] == 1 + name.values.index(frame["name"][6])
    unseen = frame.head(2).assign(name=["never seen", "place 3"])
    assert prep.transform(unseen)[:, column].tolist() == [0.0, 1 + name.values.index("place 3")]
    assert prep.describe()[0] == ("name: category, 40 values -> a learned embedding of 13 (rare "
                                  "and unseen values: (other), gaps their own)")


def test_by_default_embeddings_0_and_a_higher_threshold_keep_categories_one_hot():
    frame = _named_rows()
    roles = infer_roles(frame, "y")
    for options in ({}, {"embeddings": 0}, {"embeddings": 40}):
        prep = Preparation.fit(roles, gather(frame, roles), **options)
        assert prep.embedding() is None
        assert {item.column: item.width() for item in prep.inputs}["name"] == 40 + 2


def test_an_embedding_is_not_capped_by_max_categories_but_by_max_embedded(monkeypatch):
    from neuronet.tabular import preparation

    frame = _named_rows(n=3000, names=300)
    roles = infer_roles(frame, "y")
    prep = Preparation.fit(roles, gather(frame, roles), max_categories=10, embeddings=16)
    assert len(prep.inputs[0].values) == 299 and prep.inputs[0].embedding == 16  # one rare
    monkeypatch.setattr(preparation, "MAX_EMBEDDED", 50)
    prep = Preparation.fit(roles, gather(frame, roles), embeddings=16)
    assert len(prep.inputs[0].values) == 50


def test_embedding_sizes_follow_the_rule_of_thumb():
    from neuronet.tabular.preparation import embedding_size

    assert [embedding_size(k) for k in (1, 17, 40, 100, 7231)] == [2, 8, 13, 16, 16]


def test_an_embedded_preparation_round_trips_and_a_wrong_size_is_refused():
    frame = _named_rows()
    roles = infer_roles(frame, "y")
    prep = Preparation.fit(roles, gather(frame, roles), embeddings=16)
    arrays = prep.to_arrays()
    again = Preparation.from_arrays(arrays)
    assert again.inputs == prep.inputs and again.embedding() == prep.embedding()
    for wrong in ([-1, 0], [9, 8], [2000, 0]):
        with pytest.raises(ValueError, match="categories.embedding holds a wrong size"):
            Preparation.from_arrays({**arrays, "categories.embedding": np.array(wrong)})
    older = {k: v for k, v in arrays.items() if k != "categories.embedding"}
    assert Preparation.from_arrays(older).embedding() is None  # files before: one-hot


def test_a_model_with_an_embedding_saves_loads_and_is_checked_against_its_network(tmp_path):
    frame = _named_rows()
    model = tabular.train(frame, "y", epochs=3, importance=2, embeddings=16)
    assert type(model.network.layers[0]).__name__ == "Embedding"
    path = model.save(tmp_path / "model.npz")
    loaded = neuronet.load(path)
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))
    assert loaded.preparation.embedding() == model.preparation.embedding()
    plain = neuronet.Network([neuronet.Dense(model.preparation.n_features, 1, "identity")])
    tabular.TabularModel(plain, model.preparation, target="y", task="regression",
                         target_center=0.0, target_scale=1.0).save(tmp_path / "bad.npz")
    with pytest.raises(ModelFileError, match="embedded categories"):
        neuronet.load(tmp_path / "bad.npz")


# --- the inputs made a block of rows at a time ---------------------------------------------------


def every_kind(n=120, seed=0):
    """A table with a column of every kind: numbers (gaps, clip, signed log, bins), dates with
    cycles and gaps, categories (rare, gaps, one-hot and embedded) and a boolean."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    a[::9] = np.nan
    heavy = rng.normal(size=n)
    heavy[::17] = 1e6
    dates = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.uniform(0, 60, n), unit="D")
    dates = pd.Series(dates.strftime("%Y-%m-%dT%H:%M:%S"), dtype=object)
    dates[::11] = None
    colour = pd.Series(rng.choice(["red", "green", "blue"], n), dtype=object)
    colour[::13] = None
    colour[5] = "violet"
    return pd.DataFrame({"a": a, "heavy": heavy, "count": rng.integers(0, 50, n), "when": dates,
                         "colour": colour, "code": [f"v{i % 30}" for i in range(n)],
                         "yes": pd.Series(rng.choice([True, False, None], n), dtype=object),
                         "t": rng.normal(size=n)})


def test_inputs_made_in_blocks_are_those_made_one_row_at_a_time(monkeypatch):
    frame = every_kind()
    prep = Preparation.fit(infer_roles(frame, "t"), gather(frame, infer_roles(frame, "t")),
                           embeddings=16)
    kinds = {item.column: item for item in prep.inputs}
    assert kinds["a"].indicator and kinds["a"].clip and kinds["a"].edges
    assert kinds["heavy"].log and kinds["when"].cycles and kinds["when"].indicator
    assert kinds["code"].embedding and kinds["colour"].pooled_slot and kinds["yes"].boolean
    later = every_kind(seed=1)
    later.loc[3, "colour"], later.loc[50, "code"], later.loc[90, "colour"] = "new", "w", "x"
    whole = prep.transform(later)
    one_by_one = np.vstack([prep.transform(later.iloc[[i]]) for i in range(len(later))])
    monkeypatch.setattr(tabular.preparation, "BLOCK_ROWS", 7)
    blocked = prep.transform(later)
    assert blocked.shape == (120, prep.n_features)
    assert blocked.tobytes() == one_by_one.tobytes() == whole.tobytes()
    assert prep.transform(later.iloc[:0]).shape == (0, prep.n_features)


def test_an_overflow_or_infinity_in_a_later_block_names_its_row(monkeypatch):
    frame = pd.DataFrame({"a": np.linspace(0, 1e-3, 40), "b": np.linspace(0, 1e-3, 40),
                          "t": np.arange(40) % 2})
    prep = Preparation.fit(infer_roles(frame, "t"), gather(frame, infer_roles(frame, "t")))
    monkeypatch.setattr(tabular.preparation, "BLOCK_ROWS", 4)
    later = frame.copy()
    later.loc[15, "a"], later.loc[9, "b"] = 2e305, -3e305  # the first row is the one named
    with pytest.raises(DataError, match=r"^column 'b' holds values too large to standardize "
                       r"\(row 9: -3e\+305, and \(x - 0\.0005\) / "):
        prep.transform(later)
    later.loc[9, "b"] = 0.5
    with pytest.raises(DataError, match=r"^column 'a' .* \(row 15: 2e\+305, "):
        prep.transform(later)
    later.loc[15, "a"], later.loc[30, "b"] = 0.5, 1e306
    with pytest.raises(DataError, match=r"^column 'b' .* \(row 30: 1e\+306, "):
        prep.transform(later)
    later.loc[30, "b"], later.loc[22, "b"] = 0.5, np.inf
    with pytest.raises(DataError, match=r"^row 22, column 'b': inf is not a finite number$"):
        prep.transform(later)
