"""neuronet.playground.data: the seeded point sets, the features, and CSV files brought onto
the plane (read as neuronet train reads them)."""

import re

import numpy as np
import pytest
from playground_client import CSV

from neuronet.playground import data


@pytest.mark.parametrize("name", data.DATASETS)
def test_every_data_set_is_seeded_and_on_the_plane(name):
    X, y = data.generate(name, noise=10, seed=3)
    again_X, again_y = data.generate(name, noise=10, seed=3)
    assert X.shape == (data.N_POINTS, 2)
    np.testing.assert_array_equal(X, again_X)
    np.testing.assert_array_equal(y, again_y)
    assert not np.array_equal(X, data.generate(name, noise=10, seed=4)[0])
    assert np.abs(X).max() < 2 * data.RADIUS
    if name in data.BINARY:
        assert set(np.unique(y)) == {0, 1}
    elif name in data.MULTICLASS:
        assert set(np.unique(y)) == {0, 1, 2}  # three classes unless asked for more
    else:
        assert y.min() >= -1 and y.max() <= 1 and np.ptp(y) > 0.5


@pytest.mark.parametrize("name", data.MULTICLASS)
@pytest.mark.parametrize("classes", [3, 4, 5])
def test_the_multi_class_sets_share_their_points_out_evenly(name, classes):
    X, y = data.generate(name, noise=5, seed=11, classes=classes)
    assert X.shape == (data.N_POINTS, 2) and y.dtype.kind == "i"
    counts = np.bincount(y)
    assert len(counts) == classes == data.n_classes(name, classes)
    assert counts.max() - counts.min() <= 1
    assert np.abs(X).max() < data.RADIUS
    again = data.generate(name, noise=5, seed=11, classes=classes)
    np.testing.assert_array_equal(X, again[0])
    np.testing.assert_array_equal(y, again[1])
    # Each class has a place of its own: its points' mean lies nearer its own points than
    # any other class's mean does (noise 5 % keeps the classes apart).
    means = np.array([X[y == c].mean(axis=0) for c in range(classes)])
    if name == "blobs":
        nearest = np.argmin(((X[:, None, :] - means[None]) ** 2).sum(axis=2), axis=1)
        assert (nearest == y).mean() > 0.95
    else:  # without noise the arms start on a circle of radius 0.5, a k-th of a turn apart
        X0, y0 = data.generate(name, seed=11, classes=classes)
        start = X0[:classes]
        np.testing.assert_allclose(np.hypot(start[:, 0], start[:, 1]), 0.5)
        turns = np.arctan2(start[:, 0], start[:, 1]) / (2 * np.pi) % 1
        np.testing.assert_allclose(turns, np.arange(classes) / classes, atol=1e-12)
        np.testing.assert_array_equal(y0[:classes], np.arange(classes))


def test_n_classes_says_how_many_labels_a_set_has():
    assert data.n_classes("circle") == data.n_classes("spiral") == 2
    assert data.n_classes("spirals", 4) == 4 and data.n_classes("blobs") == 3
    assert data.n_classes("plane") == 0


def test_the_class_count_is_checked():
    for bad in (2, 6, 3.0, True, "3"):
        with pytest.raises(ValueError, match="classes must be a whole number from 3 to 5"):
            data.generate("blobs", classes=bad)


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
    raw = columns.frame[["length", "width"]].to_numpy()
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
    ("a,b,c\n1,2\x00,3\n", "holds binary data"),
    ("a,b\n1,2\n3,4\n5,6\n7,8\n", "needs at least three"),
    ("a,b,c\n1,2,3\n1,2\n1,2,3\n1,2,3\n", "row 3 has 2 fields, but the header has 3"),
    ("a,b,c\n1,2,3\n1,2,3,4\n1,2,3\n1,2,3\n", "row 3 has 4 fields, but the header has 3"),
    ("a,b,c\n1,2,3\n", "1 row of data"),
    ("a,b,c\n1,2,\"3\n1,2,3\n", "quoted field is never closed"),
    (b"a,b,c\n1,2,\xff\n", "not UTF-8 text"),
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




def file_of(values, column="a"):
    """A file whose ``column`` ("a", "b" or "t") holds ``values``, the others plain numbers."""
    rows = []
    for i, value in enumerate(values):
        cells = {"a": str(i), "b": str(i % 3), "t": str(i % 2)}
        cells[column] = value
        rows.append(f"{cells['a']},{cells['b']},{cells['t']}")
    return data.read_columns("a,b,t\n" + "\n".join(rows) + "\n", "f.csv")


@pytest.mark.parametrize("column, values", [
    ("a", ["1e308", "-1e308", "0", "5"]),
    ("b", ["-1.7e308", "3", "1.7e308", "0", "2"]),
    ("t", ["-1e308", "1e308", "0", "3", "4"]),
])
def test_a_column_whose_range_overflows_is_refused_by_name(column, values):
    with pytest.raises(ValueError, match=f"^f.csv: column '{column}' spans .* too wide"):
        data.table(file_of(values, column), "a", "b", "t")


def test_large_values_whose_range_is_finite_are_on_the_plane():
    table = data.table(file_of(["1e308", "1.5e308", "1.2e308", "1.7e308"]), "a", "b", "t")
    assert np.isfinite(table.X).all() and np.abs(table.X).max() == pytest.approx(data.SPAN)
    regression = data.table(file_of(["1e308", "1.7e308", "1.1e308", "1.3e308", "1e308"], "t"),
                            "a", "b", "t")
    assert regression.problem == "regression" and np.isfinite(regression.y).all()
    assert np.isfinite([regression.target_centre, regression.target_scale]).all()
    with pytest.raises(ValueError, match="^f.csv: row 3, column 'a': inf is not a finite"):
        data.table(file_of(["1", "inf", "2", "3"]), "a", "b", "t")


@pytest.mark.parametrize("values, classes", [
    (["1", "01", "0", "00", "1"], [0, 1]),  # numbers equal as numbers are one class
    (["0", "-0", "1", "-0", "+1"], [0, 1]),
    (["0.5", "0.50", "2", "2.0", "2"], [0.5, 2.0]),
    (["yes", "no", "no", "yes ", " yes"], ["no", "yes"]),
])
def test_one_value_is_one_class(values, classes):
    table = data.table(file_of(values, "t"), "a", "b", "t")
    assert table.problem == "classification" and table.classes == classes
    assert len(set(map(str, table.classes))) == 2 and set(table.y.tolist()) == {0, 1}


def test_text_that_spells_numbers_differently_is_kept_as_written():
    columns = file_of(["1", "01", "x", "1", "01"], "t")
    with pytest.raises(ValueError, match=r"holds 3 different values \('01', '1', 'x'\)"):
        data.table(columns, "a", "b", "t", "classification")
    two = data.table(file_of(["01", "x", "01", "x", "x"], "t"), "a", "b", "t")
    assert two.classes == ["01", "x"]  # text, as written


@pytest.mark.parametrize("values, message", [
    (["7", "7", "7", "7"], "the target 't' has only one value (7); there is nothing to learn"),
    (["a", "a", "a", "a"], "the target 't' has only one value ('a'); a classifier needs"),
])
def test_a_target_with_one_value_says_so(values, message):
    with pytest.raises(ValueError, match=f"^f.csv: {re.escape(message)}"):
        data.table(file_of(values, "t"), "a", "b", "t")


def test_the_file_is_read_as_neuronet_train_reads_it(tmp_path):
    from neuronet.tabular.reading import read_csv

    text = "x;y;label\r" + "\r".join(f"{i},5;{i % 4};{'ab'[i % 2]}" for i in range(12)) + "\r"
    path = tmp_path / "old-mac.csv"
    path.write_bytes(text.encode())
    columns = data.read_columns(text.encode(), str(path))
    frame = read_csv(path)
    assert columns.header == list(frame.columns) == ["x", "y", "label"]
    np.testing.assert_array_equal(columns.frame["x"].to_numpy(), frame["x"].to_numpy())
    assert columns.frame["x"].iloc[1] == 1.5  # the decimal comma, detected
    again = data.read_csv(path, x1="x", x2="y", target="label")
    np.testing.assert_array_equal(again.X, data.table(columns, "x", "y", "label").X)


def test_a_header_too_wide_is_refused_before_it_is_parsed():
    wide = ",".join(f"c{i}" for i in range(data.MAX_COLUMNS + 1)) + "\n"
    with pytest.raises(ValueError, match=r"^w.csv: the header has 1,001 columns"):
        data.read_columns(wide + "1," * data.MAX_COLUMNS + "1\n", "w.csv")
