"""neuronet.tabular.columns: one column read as numbers, text or days, the same way when the
preparation is learned and when it is applied."""

import numpy as np
import pandas as pd

from neuronet import tabular
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
        assert f"  {column}: number, standardized" in model.notes
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
