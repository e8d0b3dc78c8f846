"""neuronet.tabular.preparation: the learned preparation — gaps filled, categories one-hot, dates
as days and cycles, numbers standardized — and its arrays in the model file."""

import numpy as np
import pandas as pd
import pytest
from test_tabular import messy

from neuronet import tabular
from neuronet.tabular import (
    DataError,
    Preparation,
    gather,
    infer_roles,
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
    model = tabular.train(huge, "y", epochs=1, validation_split=0)  # large but standardizable
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
