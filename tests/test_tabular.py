"""neuronet.tabular, the package: its public names and the way its docstring shows it used.
Each of its modules has its own tests (tests/test_tabular_<module>.py); ``messy`` makes the
table they share, with text, gaps, dates, an ID and a constant."""

import numpy as np
import pandas as pd

import neuronet
from neuronet import tabular


def messy(n=240, seed=0):
    """A table as people keep them: a text column with gaps, numbers with gaps, dates, yes/no,
    an ID, a constant, and a class that depends on the colour and the size."""
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue"], n).astype(object)
    size = rng.normal(0, 1, n)
    days = rng.integers(0, 365, n)
    label = np.where((colour == "red") | (size > 0.8), "big", "small").astype(object)
    size = size.astype(object)
    colour[rng.random(n) < 0.05] = None
    size[rng.random(n) < 0.05] = None
    when = (pd.Timestamp("2021-01-01") + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d")
    when = when.to_numpy().astype(object)
    when[rng.random(n) < 0.05] = None
    return pd.DataFrame({
        "id": [f"row-{i}" for i in range(n)],
        "colour": colour,
        "size": pd.array(size, dtype="Float64").astype(float),
        "when": when,
        "member": rng.choice(["yes", "no"], n),
        "constant": ["same"] * n,
        "label": label,
    })


def test_the_public_names_are_the_package_s_whole_surface():
    assert set(tabular.__all__) == {
        "DataError", "PlainNetwork", "Preparation", "Role", "TASK_RULE", "TabularModel",
        "TrainSettings", "as_frame", "for_tables", "gather", "infer_roles", "infer_task",
        "read_csv", "train"}
    assert all(hasattr(tabular, name) for name in tabular.__all__)
    assert neuronet.TabularModel is tabular.TabularModel


def test_train_predict_save_and_load_as_the_docstring_shows(tmp_path):
    frame = messy(120)
    model = tabular.train(frame, "label", epochs=5, validation_split=0)
    labels = model.predict(frame)
    assert set(labels) <= {"big", "small"} and len(labels) == 120
    again = neuronet.load(model.save(tmp_path / "messy.npz"))
    assert isinstance(again, tabular.TabularModel)
    np.testing.assert_array_equal(again.predict(frame), labels)
