"""neuronet.tabular.roles: every column's role, read off its values, and the overrides by name."""

import numpy as np
import pandas as pd
import pytest
from test_tabular import messy

from neuronet.tabular import (
    DataError,
    infer_roles,
)


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
