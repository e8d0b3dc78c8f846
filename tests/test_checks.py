"""neuronet._checks: what the boundary accepts as numbers, and what it refuses and why."""

import numpy as np
import pytest

import neuronet
from neuronet._checks import as_float_array

pd = pytest.importorskip("pandas")

NULLABLE = {
    "Int64": [1, 2, 3, 4, 5, 6],
    "Float64": [0.5, -1.5, 2.0, 0.25, 3.0, -2.0],
    "boolean": [True, False, True, True, False, False],
    "UInt8": [1, 0, 7, 3, 2, 9],
}


def _arrow():
    pytest.importorskip("pyarrow")
    return {"double[pyarrow]": [0.5, -1.5, 2.0, 0.25, 3.0, -2.0],
            "int64[pyarrow]": [1, 2, 3, 4, 5, 6], "bool[pyarrow]": [True, False] * 3}


def _frames(kinds):
    frame = pd.DataFrame({name: pd.array(values, dtype=name) for name, values in kinds.items()})
    plain = np.array([[float(v) for v in values] for values in kinds.values()]).T
    return frame, plain


@pytest.mark.parametrize("arrow", [False, True])
def test_nullable_and_pyarrow_columns_are_numbers(arrow):
    frame, plain = _frames(_arrow() if arrow else NULLABLE)
    array = as_float_array(frame, "X", order="C")
    assert array.dtype == np.float64 and array.flags.c_contiguous
    np.testing.assert_array_equal(array, plain)
    assert as_float_array(frame, "X", dtype=np.float32).dtype == np.float32
    for name in frame.columns:  # a Series too
        np.testing.assert_array_equal(as_float_array(frame[name], "y"), frame[name].astype(float))


@pytest.mark.parametrize("arrow", [False, True])
def test_network_fit_and_predict_take_them_as_the_same_numbers(arrow):
    frame, plain = _frames(_arrow() if arrow else NULLABLE)
    y = pd.Series(pd.array([0, 1, 1, 0, 1, 0], dtype="Int64"))
    fitted = []
    for X, labels in [(frame, y), (plain, y.to_numpy(dtype=float))]:
        net = neuronet.Network.mlp([plain.shape[1], 4, 1], seed=0)
        net.fit(X, labels, loss="binary_crossentropy", epochs=5, batch_size=3)
        fitted.append((net.get_flat_weights(), net.predict(X)))
    np.testing.assert_array_equal(fitted[0][0], fitted[1][0])
    np.testing.assert_array_equal(fitted[0][1], fitted[1][1])


@pytest.mark.parametrize("dtype", ["Int64", "Float64", "boolean"])
def test_pd_na_is_refused_as_a_missing_value(dtype):
    values = pd.array([1, None, 0], dtype=dtype)
    frame = pd.DataFrame({"a": pd.array([1, 2, 3], dtype="Int64"), "b": values})
    with pytest.raises(ValueError, match=r"^X holds a missing value \(pd.NA\), NaN or infinity "
                       r"\(first at index \[1, 1\]\); expected finite numbers$"):
        as_float_array(frame, "X")
    with pytest.raises(ValueError, match=r"y holds a missing value .* at index \[1\]"):
        as_float_array(pd.Series(values), "y")
    net = neuronet.Network.mlp([2, 1], seed=0)
    with pytest.raises(ValueError, match="X holds a missing value"):
        net.predict(frame)
    with pytest.raises(ValueError, match="y holds a missing value"):
        net.fit(frame.astype("Float64").fillna(0), pd.Series(values), loss="binary_crossentropy",
                epochs=1)


def test_columns_that_are_not_numbers_are_refused_by_name():
    frame = pd.DataFrame({"a": pd.array([1, 2], dtype="Int64"),
                          "b": pd.array(["x", "y"], dtype="string")})
    with pytest.raises(ValueError, match="X must hold numbers .* got values of dtype string "
                       "in column 'b'"):
        as_float_array(frame, "X")
    category = pd.DataFrame({"a": pd.array([1, 2], dtype="Int64"),
                             "c": pd.Series(["x", "y"], dtype="category")})
    with pytest.raises(ValueError, match="dtype category in column 'c'"):
        as_float_array(category, "X")


def test_numpy_columns_take_the_usual_way_and_its_messages():
    frame = pd.DataFrame({"a": [1.0, np.nan], "b": [1, 2]})
    with pytest.raises(ValueError, match=r"^X holds NaN or infinity \(first at index \[1, 0\]\)"):
        as_float_array(frame, "X")
    with pytest.raises(ValueError, match="must hold numbers"):
        as_float_array(pd.DataFrame({"a": ["x", "y"]}), "X")
    np.testing.assert_array_equal(as_float_array(frame.fillna(0), "X"), [[1, 1], [0, 2]])
