"""neuronet.tabular: reading real tables, column roles, the learned preparation, task
inference, training on every row, and TabularModel — on tables made here with text, gaps,
dates, odd separators, encodings and compression."""

import bz2
import gzip
import lzma
import tracemalloc
import zipfile

import numpy as np
import pandas as pd
import pytest

import neuronet
from neuronet import Network, tabular
from neuronet.tabular import (
    DataError,
    Preparation,
    TabularModel,
    gather,
    infer_roles,
    infer_task,
    read_csv,
)
from neuronet.tabular.reading import detect_decimal, detect_separator


def messy(n=240, seed=0):
    """A table as people keep them: a text column with gaps, numbers with gaps, dates, yes/no,
    an ID, a constant, and a class that depends on the colour and the size."""
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue"], n).astype(object)
    size = rng.normal(0, 1, n)
    days = rng.integers(0, 365, n)
    label = np.where((colour == "red") | (size > 0.8), "big", "small").astype(object)
    size = size.astype(object)
    colour[rng.random(n) < 0.05] = None
    size[rng.random(n) < 0.05] = None
    when = (pd.Timestamp("2021-01-01") + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d")
    when = when.to_numpy().astype(object)
    when[rng.random(n) < 0.05] = None
    return pd.DataFrame({
        "id": [f"row-{i}" for i in range(n)],
        "colour": colour,
        "size": pd.array(size, dtype="Float64").astype(float),
        "when": when,
        "member": rng.choice(["yes", "no"], n),
        "constant": ["same"] * n,
        "label": label,
    })


# --- reading ------------------------------------------------------------------------------------


def _csv_text(sep=","):
    return (f'name{sep}amount{sep}note\n'
            f'alpha{sep}1.5{sep}"one{sep} two"\n'
            f'beta{sep}NA{sep}plain\n'
            f'gamma{sep}3{sep}\n')


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_separators_are_detected(tmp_path, sep):
    path = tmp_path / "t.csv"
    path.write_text(_csv_text(sep))
    frame = read_csv(path)
    assert list(frame.columns) == ["name", "amount", "note"]
    assert frame["note"].iloc[0] == f"one{sep} two"  # a quoted separator stays in its field
    assert np.isnan(frame["amount"].iloc[1]) and frame["amount"].iloc[2] == 3
    assert pd.isna(frame["note"].iloc[2])


def test_sep_option_overrides_detection(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a;b;c\n1;2,5;3\n4;5,5;6\n")  # detected: ";" (decimal commas)
    assert list(read_csv(path).columns) == ["a", "b", "c"]
    assert list(read_csv(path, sep=",").columns) == ["a;b;c"]


@pytest.mark.parametrize("text, mark", [
    ("a;b;c\n1;2,5;x\n4;-0,75;y\n", ","),       # decimal commas, as spreadsheets export
    ("a\tb\n1,5\t2\n3\t,25\n", ","),            # tab-separated too
    ("a;b;c\n1;2.5;x\n4;5,5;y\n", "."),          # a point anywhere: points
    ("a;b\n1;2\n3;4\n", "."),                    # no fractions: nothing to decide
    ('a,b\n"1,5",2\n"3,5",4\n', "."),            # the comma separates: never a decimal mark
])
def test_decimal_commas_are_detected(tmp_path, text, mark):
    path = tmp_path / "t.csv"
    path.write_text(text)
    assert detect_decimal(text, detect_separator(text)) == mark
    frame = read_csv(path)
    if mark == ",":
        assert frame.iloc[:, 1].dtype.kind == "f"
        assert frame.iloc[:, 1].tolist() in ([2.5, -0.75], [2.0, 0.25])
    assert read_csv(path, decimal=".").iloc[:, 1].dtype.kind in "iO"  # the override
    with pytest.raises(DataError, match="the decimal mark must be '.' or ','"):
        read_csv(path, decimal=";")


def test_a_spreadsheet_export_with_decimal_commas_trains_on_numbers(tmp_path):
    # The same rows written as a German spreadsheet exports them (";", "3,5", Latin-1) and as a
    # plain CSV: the same roles, the same model.
    frame = messy(160)
    plain, export = tmp_path / "plain.csv", tmp_path / "export.csv"
    frame.to_csv(plain, index=False)
    frame.to_csv(export, index=False, sep=";", decimal=",", encoding="latin-1")
    a = tabular.train(plain, "label", epochs=5, validation_split=0)
    b = tabular.train(export, "label", epochs=5, validation_split=0, encoding="latin-1")
    assert [line for line in a.notes if line.startswith("  ")] == \
        [line for line in b.notes if line.startswith("  ")]  # every column's role
    np.testing.assert_array_equal(b.predict(export, encoding="latin-1"), a.predict(plain))


def test_numbers_formatted_for_reading_are_numbers():
    from neuronet.tabular.columns import as_numbers

    cells = ["1,234", "$12.50", "-€3", "12 £", "45%", "(1,200)", "$-3", "1,234,567.5", " 7 ",
             "NA", None, "1,23", "12,34,567", "(-3)", "(3", "$", "abc", "€1.234,50"]
    values, unparsed = as_numbers(pd.Series(cells, dtype=object))
    np.testing.assert_array_equal(values[:9], [1234, 12.5, -3, 12, 45, -1200, -3, 1234567.5, 7])
    assert np.isnan(values[9:]).all()
    assert unparsed.tolist() == list(range(11, len(cells)))  # gaps are not "unparsed"


def test_a_table_of_formatted_numbers_trains_on_numbers(tmp_path):
    # A spreadsheet as a US office exports it: thousands with commas (quoted), currency and
    # percent signs, negative amounts in parentheses; the target in dollars too.
    rng = np.random.default_rng(1)
    n = 300
    population = rng.integers(1000, 5_000_000, n)
    price = rng.uniform(-500, 2000, n)
    share = rng.uniform(0, 100, n)
    value = population / 1e6 + price / 500 + share / 50 + rng.normal(0, 0.1, n)
    money = [f"(${-p:,.2f})" if p < 0 else f"${p:,.2f}" for p in price]
    frame = pd.DataFrame({"population": [f"{p:,}" for p in population], "price": money,
                          "share": [f"{x:.1f}%" for x in share],
                          "value": [f"${v * 1000:,.2f}" for v in value]})
    path = tmp_path / "office.csv"
    frame.to_csv(path, index=False)
    model = tabular.train(path, "value", epochs=300, seed=0, validation_split=0)
    for column in ("population", "price", "share"):
        assert f"  {column}: number, standardized" in model.notes
    assert model.task == "regression"
    test = frame.iloc[:50]
    predicted = model.predict(test)
    truth = value[:50] * 1000
    assert 1 - np.mean((predicted - truth) ** 2) / np.var(truth) > 0.9  # R² on numbers


def test_encodings_and_byte_order_mark(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("ville,prix\nBéziers,1\nNîmes,2\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"latin.csv: not UTF-8 text .*--encoding latin-1"):
        read_csv(latin)
    assert read_csv(latin, encoding="latin-1")["ville"].tolist() == ["Béziers", "Nîmes"]
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeffcity,n\nOslo,1\n".encode())
    assert list(read_csv(bom).columns) == ["city", "n"]
    with pytest.raises(DataError, match="unknown encoding 'klingon'"):
        read_csv(bom, encoding="klingon")


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz", ".zip"])
def test_compressed_files_by_extension(tmp_path, suffix):
    data = _csv_text(";").encode()
    path = tmp_path / f"t.csv{suffix}"
    if suffix == ".zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("t.csv", data)
    else:
        opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}[suffix]
        with opener(path, "wb") as handle:
            handle.write(data)
    frame = read_csv(path)
    assert list(frame.columns) == ["name", "amount", "note"] and len(frame) == 3


def test_missing_value_spellings(tmp_path):
    spellings = ["", "NA", "N/A", "NaN", "null", "None", "?"]
    path = tmp_path / "t.csv"
    path.write_text("x,y\n" + "".join(f"{s},1\n" for s in spellings) + "2.5,1\n")
    frame = read_csv(path)
    assert frame["x"].dtype == np.float64
    assert frame["x"].isna().sum() == len(spellings) and frame["x"].iloc[-1] == 2.5


@pytest.mark.parametrize("text, message", [
    ("", "the file is empty"),
    ("a,b,y\n", "the file has a header but no data rows"),
    ("a,b,y\n1,2,3\n4,5,6,7\n", "row 3 has 4 fields, but the header has 3"),
    ('a,b\n1,"open\n', "never closed"),
])
def test_read_errors_name_the_file_and_row(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=f"bad.csv: .*{message}"):
        read_csv(path)


def test_files_that_are_not_tables(tmp_path):
    with pytest.raises(DataError, match="nope.csv: no such file"):
        read_csv(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a directory"):
        read_csv(tmp_path)
    model = neuronet.Network.mlp([2, 2]).save(tmp_path / "model.npz")
    with pytest.raises(DataError, match="model.npz: not a text table"):
        read_csv(model)


def test_many_columns_read_in_linear_time_without_a_quadratic_header_check(tmp_path):
    # 100,000 columns: the old reader compared each name with all before it.
    path = tmp_path / "wide.csv"
    names = [f"c{i}" for i in range(100_000)]
    path.write_text(",".join(names) + "\n" + ",".join("1" for _ in names) + "\n")
    frame = read_csv(path)
    assert frame.shape == (1, 100_000)


# --- roles --------------------------------------------------------------------------------------


def test_roles_are_inferred_from_the_values():
    frame = messy()
    frame["empty"] = np.nan
    frame["row"] = np.arange(1, len(frame) + 1)
    roles = {r.column: r for r in infer_roles(frame, "label")}
    assert {c: r.role for c, r in roles.items()} == {
        "id": "id", "colour": "category", "size": "numeric", "when": "date",
        "member": "boolean", "constant": "constant", "label": "target", "empty": "empty",
        "row": "id"}
    assert roles["when"].date_format == "ISO8601"


@pytest.mark.parametrize("texts", [
    ["2021-03-04 10:30", "2021-03-05 08:00:15", "2022-01-01T00:00:00Z"],
    ["03/04/2021", "12/25/2020", "1/2/2019"],
    ["Mar 4, 2021", "Dec 25, 2020", "Jan 2, 2019"],
])
def test_dates_in_common_forms(texts):
    frame = pd.DataFrame({"d": texts * 4, "y": [0, 1, 2] * 4})
    (role,) = [r for r in infer_roles(frame, "y") if r.column == "d"]
    assert role.role == "date"


def test_numbers_written_as_text_with_stray_words_are_numbers():
    frame = pd.DataFrame({"x": [str(i) for i in range(99)] + ["n.a."], "y": [0, 1] * 50})
    (role,) = [r for r in infer_roles(frame, "y") if r.column == "x"]
    assert role.role == "numeric" and "1 cell that is not a number (such as 'n.a.')" in role.note


def test_roles_overridden_by_name():
    frame = messy()
    frame["code"] = np.arange(len(frame)) % 4
    frame["amount"] = ["12", "7", "many", "3"] * (len(frame) // 4)  # a quarter are words
    roles = {r.column: r for r in infer_roles(
        frame, "label", categorical=["code"], exclude=["colour"], id="id", numeric=["amount"])}
    assert roles["code"].role == "category" and roles["colour"].role == "excluded"
    assert roles["id"].role == "id" and roles["amount"].role == "numeric"
    assert "60 cells that are not a number (such as 'many') taken as missing" in \
        roles["amount"].note
    with pytest.raises(DataError, match="no column 'nope' \\(named by --categorical\\)"):
        infer_roles(frame, "label", categorical=["nope"])
    with pytest.raises(DataError, match="given to both --categorical and --exclude"):
        infer_roles(frame, "label", categorical=["size"], exclude=["size"])
    with pytest.raises(DataError, match="is the target"):
        infer_roles(frame, "label", exclude=["label"])
    with pytest.raises(DataError, match="no target column 'nope'; the columns are: id, colour"):
        infer_roles(frame, "nope")
    only = {r.column: r.role for r in infer_roles(frame, "label", features=["size"])}
    assert only["size"] == "numeric" and only["colour"] == "excluded"


# --- the preparation ----------------------------------------------------------------------------


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


def test_statistics_alone_make_the_preparation():
    # The preparation is a function of the gathered statistics: the same statistics, however
    # they were computed, give the same preparation.
    frame = messy()
    roles = infer_roles(frame, "label")
    stats = gather(frame, roles)
    model = tabular.train(frame, "label", epochs=1, validation_split=0)
    expected = Preparation.fit(roles, stats).to_arrays()
    for name, array in model.preparation.to_arrays().items():
        np.testing.assert_array_equal(array, expected[name])


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
    model = tabular.train(huge, "y", epochs=1, validation_split=0)  # large but standardizable
    X = model.prepare(huge)
    assert np.isfinite(X).all() and X[:, 0].std() == pytest.approx(1)
    with pytest.raises(DataError, match="row 0, column 'x': inf is not a finite number"):
        tabular.train(pd.DataFrame({"x": [np.inf, 1, 2], "y": [0, 1, 0]}), "y")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_byte_ranges_of_a_file_read_its_rows_once_each(tmp_path, newline):
    # The parts a cluster reads a large file in: every row in exactly one part, whatever byte
    # the parts start at (inside a line, on its first byte, on its line end), under the header.
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"n": rng.integers(0, 10**6, 300), "t": rng.choice(["é", "b"], 300),
                          "x": rng.normal(size=300)})
    path = tmp_path / "rows.csv"
    text = "\n\n" + frame.to_csv(index=False, lineterminator=newline)
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())  # a byte order mark, blank lines first
    whole = read_csv(path)
    size = path.stat().st_size
    for block in (97, 100, 1000, size):
        parts = [read_csv(path, byte_range=(start, start + block), allow_empty=True)
                 for start in range(0, size, block)]
        assert all(part.attrs["first_row"] == whole.attrs["first_row"] == 4 for part in parts)
        joined = pd.concat(parts, ignore_index=True)
        pd.testing.assert_frame_equal(joined, whole, check_dtype=False)


# --- the task -----------------------------------------------------------------------------------


def test_task_inference_rule():
    assert infer_task(pd.Series(["a", "b", "a"])) == "classification"
    assert infer_task(pd.Series([True, False])) == "classification"
    assert infer_task(pd.Series([0, 1, 1, 0])) == "classification"
    assert infer_task(pd.Series(np.arange(150) % 3)) == "classification"
    assert infer_task(pd.Series([0.5, 1.5, 2.25])) == "regression"
    # A 16-row economic table: 12 distinct whole numbers are amounts, not classes.
    employed = [60323, 61122, 60171, 61187, 63221, 63639, 64989, 63761, 66019, 67857, 68169,
                66513, 68655, 69564, 69331, 70551]
    assert infer_task(pd.Series(employed)) == "regression"
    assert infer_task(pd.Series(np.arange(16) % 12)) == "regression"
    assert "whole numbers" in tabular.TASK_RULE


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



# --- training -----------------------------------------------------------------------------------


@pytest.mark.parametrize("rows, how", [
    (600, "lowest validation loss on 120 held-out rows"),
    # Fewer than 100 held-out rows: the epochs are chosen by cross-validation.
    (160, "lowest mean validation loss over 5 folds of the 160 rows"),
])
def test_the_model_learns_from_every_row(rows, how):
    frame = messy(rows)
    model = tabular.train(frame, "label", epochs=60, seed=3)
    notes = "\n".join(model.notes)
    assert how in notes
    best = model.history.epochs
    assert "val_loss" not in model.history  # the last training had no rows held out
    assert f"after {best} epochs on all {rows} rows" in notes
    alone = tabular.train(frame, "label", epochs=best, seed=3, validation_split=0)
    for a, b in zip(model.network.parameters(), alone.network.parameters()):
        np.testing.assert_array_equal(a, b)
    assert alone.history.epochs == best and "no validation split" in alone.notes[-1]


def test_cross_validation_chooses_the_epoch_of_the_lowest_mean_validation_loss():
    frame = messy(100)
    model = tabular.train(frame, "label", epochs=40, seed=1)
    # The same folds by hand: every fifth row of the shuffled order, each held out once.
    prepared = model.prepare(frame)
    y = (frame["label"] == "small").to_numpy(dtype=float)[:, None]
    order = np.random.default_rng(1).permutation(len(frame))
    curves = []
    for k in range(5):
        val = np.sort(order[k::5])
        rest = np.setdiff1d(np.arange(len(frame)), val)
        net = Network.mlp([prepared.shape[1], 32, 1], hidden="relu", output="sigmoid", seed=1)
        history = net.fit(prepared[rest], y[rest], loss="binary_crossentropy",
                          optimizer=neuronet.Adam(0.001), epochs=40, batch_size=32,
                          validation_data=(prepared[val], y[val]))
        curves.append(history.val_loss)
    assert model.history.epochs == int(np.argmin(np.mean(curves, axis=0))) + 1


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
    model = tabular.train(frame, "y", epochs=300)
    assert model.evaluate(frame)["accuracy"] == 1.0
    assert "on all 32 rows" in model.notes[-1]


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


# --- TabularModel -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    frame = messy(300)
    model = tabular.train(frame.iloc[:240], "label", epochs=80, id="id")
    path = model.save(tmp_path_factory.mktemp("m") / "model.npz")
    return frame, model, path


def test_predict_proba_and_evaluate(trained):
    frame, model, _ = trained
    test = frame.iloc[240:]
    labels = model.predict(test)
    assert set(labels) <= {"big", "small"} and len(labels) == 60
    assert np.mean(labels == test["label"].to_numpy()) >= 0.85
    proba = model.predict_proba(test)
    assert isinstance(proba, pd.DataFrame) and list(proba.columns) == ["big", "small"]
    assert (proba.index == test.index).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert (proba.columns[proba.to_numpy().argmax(axis=1)] == labels).all()
    scores = model.evaluate(test)
    assert scores["rows"] == 60 and scores["accuracy"] == np.mean(labels == test["label"])
    # a class the model never saw counts as wrong, and scoring goes on
    odd = test.copy()
    odd.iloc[:6, odd.columns.get_loc("label")] = "medium"
    scores = model.evaluate(odd)
    assert scores["unseen"] == 6 and scores["unseen_classes"] == ["medium"]
    assert scores["accuracy"] == np.mean(labels[6:] == test["label"].to_numpy()[6:]) * 54 / 60


def test_data_as_dataframe_dict_or_csv_gives_the_same_predictions(trained, tmp_path):
    frame, model, _ = trained
    test = frame.iloc[240:].reset_index(drop=True)
    path = tmp_path / "test.csv"
    test.to_csv(path, index=False, sep=";")
    expected = model.predict(test)
    np.testing.assert_array_equal(model.predict(path), expected)
    np.testing.assert_array_equal(model.predict(test.to_dict("list")), expected)
    shuffled = test[list(reversed(test.columns))].assign(extra=1)  # order and extras ignored
    np.testing.assert_array_equal(model.predict(shuffled), expected)
    with pytest.raises(DataError, match="no column 'size', which the model needs"):
        model.predict(test.drop(columns="size"))


def test_save_and_load(trained):
    frame, model, path = trained
    loaded = neuronet.load(path)
    assert isinstance(loaded, neuronet.TabularModel) and isinstance(loaded, TabularModel)
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))
    np.testing.assert_array_equal(loaded.predict_proba(frame), model.predict_proba(frame))
    assert loaded.id_column == "id" and loaded.classes == ["big", "small"]
    text = loaded.summary()
    for fragment in ("classification of 'label'", "colour: category", "when: date",
                     "constant (constant)", "Dense"):
        assert fragment in text
    plain = neuronet.Network.mlp([2, 3]).save(path.parent / "plain.npz")
    assert isinstance(neuronet.load(plain), neuronet.Network)


def test_labels_keep_their_type_and_regression_its_units(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    frame = pd.DataFrame({"x": x, "digit": (x > 0).astype(int) * 7 + 1,
                          "price": 1000 + 500 * x, "flag": x > 0.3})
    model = tabular.train(frame, "digit", epochs=30, exclude=["price", "flag"])
    assert model.predict(frame).dtype.kind == "i" and set(model.predict(frame)) <= {1, 8}
    flag = tabular.train(frame, "flag", epochs=30, exclude=["price", "digit"])
    assert flag.predict(frame).dtype == bool
    price = tabular.train(frame, "price", epochs=200, exclude=["digit", "flag"])
    assert price.task == "regression"
    values = price.predict(frame)
    assert abs(values.mean() - 1000) < 50 and price.evaluate(frame)["r2"] > 0.95
    loaded = neuronet.load(price.save(tmp_path / "price.npz"))
    np.testing.assert_array_equal(loaded.predict(frame), values)


def test_non_finite_outputs_are_never_labelled(trained):
    frame, model, path = trained
    broken = neuronet.load(path)
    for layer in broken.network.layers:
        layer.weights[:] = 1e300  # finite weights whose outputs overflow
    with pytest.raises(ValueError, match="the model's outputs are not finite .* for rows 0, 1"):
        broken.predict(frame)
    with pytest.raises(ValueError, match="not finite"):
        broken.predict_proba(frame)


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


def test_a_saved_index_without_a_name_is_a_column_left_out(tmp_path):
    path = tmp_path / "saved.csv"
    messy(60).to_csv(path)  # pandas writes its index first, under an empty header cell
    frame = read_csv(path)
    assert list(frame.columns[:2]) == ["column 1", "id"]
    roles = {r.column: r.role for r in infer_roles(frame, "label")}
    assert roles["column 1"] == "id"  # 0 to 59: it counts the rows


def test_the_table_section_is_versioned_and_checked_at_load(trained, rewrite_header, tmp_path):
    _, model, path = trained
    newer = tmp_path / "newer.npz"
    newer.write_bytes(path.read_bytes())
    rewrite_header(newer, lambda h: h["section"]["fields"].update(version=2))
    with pytest.raises(neuronet.ModelFileError, match="written in version 2 of the table "
                       "section; this neuronet reads version 1: upgrade neuronet"):
        neuronet.load(newer)
    lying = tmp_path / "lying.npz"
    lying.write_bytes(path.read_bytes())
    rewrite_header(lying, lambda h: h["section"]["arrays"]["numbers.fill"].update(shape=[9]))
    with pytest.raises(neuronet.ModelFileError, match="numbers.fill"):
        neuronet.load(lying)
    arrays = model.to_section()[1]
    assert all(isinstance(a, np.ndarray) for a in arrays.values())  # arrays, not JSON lists
    assert "inputs.column.utf8" in arrays and "categories.value.utf8" in arrays
