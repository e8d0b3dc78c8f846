"""neuronet.tabular.inputs: the inputs a preparation reads, their widths and names, and their
arrays in the model file, read back as they were written and refused when malformed."""

import numpy as np
import pandas as pd
import pytest

from neuronet.tabular import inputs


def sample():
    number = inputs.NumberInput("price", 3.0, 2.5, 1.5, True, clip=True,
                                edges=(0.0, 1.0, 4.0))
    date = inputs.NumberInput("when", 0.0, 10.0, 2.0, False, "ISO8601", ("year", "week"))
    category = inputs.CategoryInput("colour", ["blue", "red"], True, True)
    flag = inputs.CategoryInput("ok", ["False", "True"], False, False, boolean=True)
    return [number, date, category, flag], [("id", "an identifier")]


def test_widths_and_names_agree():
    (number, date, category, flag), _ = sample()
    assert number.kind == "numeric" and date.kind == "date"
    assert category.kind == "category" and flag.kind == "boolean"
    assert number.names() == ["price", "price (missing)", "price (bin 1)", "price (bin 2)"]
    assert date.names() == ["when (days)", "when (year sin)", "when (year cos)",
                            "when (week sin)", "when (week cos)"]
    assert category.names() == ["colour=blue", "colour=red", "colour=(missing)",
                                "colour=(other)"]
    for item in (number, date, category, flag):
        assert item.width() == len(item.names())
    texts = flag.texts(pd.Series(["TRUE", "false", None, "True"], dtype=object))
    assert list(texts) == ["True", "False", None, "True"]


def test_the_arrays_give_back_the_inputs():
    items, left_out = sample()
    arrays = inputs.inputs_to_arrays(items, left_out)
    assert arrays["inputs.kind"].tolist() == [0, 1, 2, 3]
    back, left = inputs.inputs_from_arrays(arrays)
    assert back == items and left == left_out
    with pytest.raises(ValueError, match="numbers.scale holds a scale that is not positive"):
        inputs.inputs_from_arrays({**arrays, "numbers.scale": np.array([1.0, 0.0])})
    with pytest.raises(ValueError, match="the array numbers.fill is missing"):
        inputs.inputs_from_arrays({k: v for k, v in arrays.items() if k != "numbers.fill"})
    with pytest.raises(ValueError, match="numbers.edges holds edges that do not increase"):
        inputs.inputs_from_arrays({**arrays, "numbers.edges": np.array([0.0, 5.0, 4.0])})


def test_texts_go_through_utf8_arrays():
    texts = ["", "café", "日本", "a,b"]
    arrays = inputs.encode_text("t", texts)
    assert arrays["t.utf8"].dtype == np.uint8 and arrays["t.ends"].tolist()[-1] == len(
        "".join(texts).encode("utf-8"))
    assert inputs.decode_text(arrays, "t") == texts
    with pytest.raises(ValueError, match="holds a lone surrogate"):
        inputs.encode_text("t", ["half \ud800"])
    with pytest.raises(ValueError, match="does not cut t.utf8 into texts"):
        inputs.decode_text({**arrays, "t.ends": arrays["t.ends"] + 1}, "t")
    with pytest.raises(ValueError, match="is not UTF-8 text"):
        inputs.decode_text({"t.utf8": np.array([0xFF], np.uint8),
                            "t.ends": np.array([1], np.int64)}, "t")
    inputs.check_text("fine", "the name")
    with pytest.raises(ValueError, match="the name 'x.*' holds a lone surrogate"):
        inputs.check_text("x\udc80", "the name")
