"""neuronet.tabular.columns: one column read as numbers, text or days, the same way when the
preparation is learned and when it is applied; a column whose cells hold several values (what
pd.json_normalize and read_json leave of nested records) is refused by name."""

import numpy as np
import pandas as pd
import pytest

from neuronet import tabular
from neuronet.tabular import DataError
from neuronet.tabular import columns as conv
from neuronet.tabular.columns import as_days, as_text, cell_text, date_format_of, number_text


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
        assert f"  {column}: number, robust-scaled, clipped + 8 bins" in model.notes
    assert model.task == "regression"
    test = frame.iloc[:50]
    predicted = model.predict(test)
    truth = value[:50] * 1000
    assert 1 - np.mean((predicted - truth) ** 2) / np.var(truth) > 0.9  # R² on numbers


def test_cells_as_text_the_same_whatever_the_column_s_dtype():
    # The text of a cell is how a category is matched at training and when predicting: 3 and
    # 3.0 are "3" in an integer, a float or a text column alike.
    assert as_text(pd.Series([3, 4])).tolist() == ["3", "4"]
    assert as_text(pd.Series([3.0, 2.5, np.nan])).tolist() == ["3", "2.5", None]
    assert as_text(pd.Series([" red ", "NA", None, 3.0, True], dtype=object)).tolist() == \
        ["red", None, None, "3", "True"]
    assert as_text(pd.Series([True, False])).tolist() == ["True", "False"]
    assert as_text(pd.Series([1, None], dtype="Int64")).tolist() == ["1", None]
    assert (number_text(7.0), number_text(0.1), number_text(float("nan"))) == ("7", "0.1", None)
    assert number_text(2.0**60) == repr(2.0**60)  # beyond 2**53 a float is no exact integer
    assert (cell_text(np.int64(5)), cell_text(np.float64(5.5)), cell_text(" ")) == \
        ("5", "5.5", None)


def test_dates_become_days_since_1970():
    days = as_days(pd.Series(["1970-01-02", "1970-01-01T12:00", None, "not a date"]),
                   "ISO8601")
    np.testing.assert_array_equal(days[:2], [1.0, 0.5])
    assert np.isnan(days[2:]).all()
    assert date_format_of(["2021-03-04", "2021-03-05"]) == "ISO8601"
    assert date_format_of(["12", "13.5"]) is None  # numbers are not dates


def _records(n=40):
    rng = np.random.default_rng(0)
    return [{"id": i, "size": float(rng.normal()), "tags": ["a", "b"][: i % 3],
             "owner": {"name": "n", "teams": [1, 2]} if i % 2 else {"name": "m"},
             "label": ["yes", "no"][i % 2]} for i in range(n)]


def test_json_normalize_leaves_lists_which_learning_refuses_by_name():
    frame = pd.json_normalize(_records())
    assert frame["tags"].dtype == object and isinstance(frame["tags"][0], list)
    with pytest.raises(DataError) as error:
        tabular.train(frame, "label", epochs=1)
    assert str(error.value) == (
        "column 'tags' holds a list in row 0 (nested data, as pd.json_normalize or read_json "
        "leave it); expected one number, text or date per cell: flatten the column, or leave "
        "it out")
    with pytest.raises(DataError, match="column 'owner.teams' holds a list in row 1"):
        tabular.train(frame, "label", epochs=1, exclude=["tags"])
    model = tabular.train(frame, "label", epochs=1, exclude=["tags", "owner.teams"],
                          validation_split=0)
    assert "tags" not in model.preparation.columns


@pytest.mark.parametrize("cell, kind", [({"k": 1}, "dict"), ([1, 2], "list"), ((1, 2), "tuple"),
                                        ({1, 2}, "set"), (np.arange(2), "ndarray")])
def test_every_kind_of_nested_cell_is_named(cell, kind):
    values = [f"v{i % 3}" for i in range(40)]
    values[7] = cell
    frame = pd.DataFrame({"x": np.arange(40.0) % 5, "c": pd.Series(values, dtype=object),
                          "t": [0, 1] * 20}).set_axis([f"r{i}" for i in range(40)])
    with pytest.raises(DataError, match=f"^column 'c' holds a {kind} in row r7 "):
        tabular.train(frame, "t", epochs=1)
    series = frame["c"]
    with pytest.raises(DataError, match=f"column 'c' holds a {kind}"):
        conv.as_text(series)
    with pytest.raises(DataError, match=f"column 'c' holds a {kind}"):
        conv.as_numbers(series)


def test_predicting_refuses_a_nested_cell_in_a_column_the_model_reads():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"n": rng.normal(size=40), "c": rng.choice(["p", "q"], 40),
                          "d": pd.date_range("2020-01-01", periods=40).astype(str),
                          "t": ["yes", "no"] * 20})
    model = tabular.train(frame, "t", epochs=1, validation_split=0)
    for column, cell in [("c", ["p"]), ("n", {"value": 1.0}), ("d", {"day": 3})]:
        rows = frame.head(3).astype({column: object})
        rows.at[1, column] = cell
        with pytest.raises(DataError, match=f"column '{column}' holds a "
                           f"{type(cell).__name__} in row 1"):
            model.predict(rows)
    other = frame.head(3).assign(extra=[[1], [2], [3]])  # a column the model does not read
    assert len(model.predict(other)) == 3


def test_plain_cells_still_read_as_before():
    series = pd.Series(["1", " 2 ", None, "x", 3, 4.5], dtype=object, name="c")
    values, unparsed = conv.as_numbers(series)
    np.testing.assert_array_equal(values[[0, 1, 4, 5]], [1, 2, 3, 4.5])
    assert unparsed.tolist() == [3]
    assert conv.as_text(series).tolist() == ["1", "2", None, "x", "3", "4.5"]


def test_a_column_of_text_reads_as_its_cells_read_one_by_one():
    # Text columns are read once per distinct value; the result must be what reading each
    # cell gives, in every dtype pandas gives text (object, its string dtype), repeats, gaps,
    # missing spellings and formatted numbers included.
    from neuronet.tabular.columns import as_numbers

    cells = [" 7 ", "NA", None, "$3", "x", "7", " 7 ", "x", "1,234", "", "y "] * 3
    expected_values = [7, np.nan, np.nan, 3, np.nan, 7, 7, np.nan, 1234, np.nan, np.nan] * 3
    expected_text = ["7", None, None, "$3", "x", "7", "7", "x", "1,234", None, "y"] * 3
    for dtype in (object, "string", "str"):
        series = pd.Series(cells, dtype=dtype)
        values, unparsed = as_numbers(series)
        np.testing.assert_array_equal(values, expected_values)
        assert unparsed.tolist() == [i + 11 * k for k in range(3) for i in (4, 7, 10)]
        assert as_text(series).tolist() == expected_text
    # A column of objects mixing numbers and text keeps each cell's own text: 1 and 1.0 and
    # True are the same key of a hash table, but not the same text.
    mixed = pd.Series([1, 1.0, True, "1", 2.5], dtype=object)
    assert as_text(mixed).tolist() == ["1", "1", "True", "1", "2.5"]
