"""neuronet.serialization.values: what may go into a model file, checked before it is written."""

import numpy as np
import pytest

from neuronet.serialization import values


def test_metadata_becomes_plain_json():
    found = values.to_json({"a": np.arange(3), "b": np.float32(0.5), "c": (True, None)}, "m", 0)
    assert found == {"a": [0, 1, 2], "b": 0.5, "c": [True, None]}
    with pytest.raises(ValueError, match="nested more than 64 levels"):
        values.to_json(1, "m", values.MAX_METADATA_DEPTH + 1)
    with pytest.raises(ValueError, match="lone surrogate"):
        values.check_text("a\ud800", "m")


def test_numbers_are_told_from_booleans_and_checked_finite():
    assert values.is_number(3) and values.is_number(2.5) and not values.is_number(True)
    assert values.is_finite_number(1e308) and not values.is_finite_number(float("nan"))
    assert not values.is_finite_number(10 ** 400)  # too large for a float
    big = np.ones(values.CHUNK // 8 * 3)
    assert values.all_finite(big)
    big[-1] = np.inf
    assert not values.all_finite(big)
    assert values.brief("x" * 100).endswith("...") and len(values.brief("x" * 100)) == 60
