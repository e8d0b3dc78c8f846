"""neuronet.tabular.cluster_training: ``neuronet train --dask`` and ``tabular.train(client=...)``
on a LocalCluster of two workers: the report, the same weights as an L-BFGS run in memory,
model averaging's rounds on held-out rows, and the model trained there predicting here."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

import dask.array as da  # noqa: E402
import dask.dataframe as dd  # noqa: E402
import test_tabular_distributed as shared  # noqa: E402

import neuronet  # noqa: E402
import neuronet.dask as nd  # noqa: E402
from neuronet.cli import main  # noqa: E402
from neuronet.tabular import read_csv  # noqa: E402
from neuronet.tabular.target import has_target  # noqa: E402

#: The table in CSV files, made by the tests of ``distributed`` (once per module that asks).
parts = shared.parts


@pytest.fixture(scope="module")
def client(dask_client):
    return dask_client


def test_cli_trains_on_the_files_and_the_model_predicts_here(client, parts, tmp_path, capsys):
    model_file = tmp_path / "model.npz"
    status = main(["train", str(parts / "part-*.csv"), "--target", "label", "--out",
                   str(model_file), "--id", "name", "--epochs", "25", "--quiet",
                   "--dask", client.scheduler.address])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "part-*.csv: 9,000 rows in 5 files, 12 columns, target 'label'" in out
    assert f"cluster:    {client.scheduler.address}, 2 workers (2 threads)" in out
    assert "rows without a target value left out" in out
    assert "when: date -> days since 1970 + year/week/day cycles" in out
    assert "task:       classification (inferred" in out
    assert "optimizer:  L-BFGS, full batch" in out
    assert "categories: one-hot on a cluster (no learned embeddings there yet)" in out
    assert "iterations: " in out and "held-out rows, 20%" in out
    assert "training:   loss" in out and "model:      written to" in out

    # On a laptop: no cluster, the model file alone.
    model = neuronet.load(model_file)
    assert isinstance(model, neuronet.TabularModel) and model.id_column == "name"
    assert model.preparation.embedding() is None  # one-hot, whatever --embeddings says
    frame = read_csv(parts / "all.csv")
    labelled = frame[has_target(frame, "label")]
    assert (model.predict(labelled) == labelled["label"].to_numpy()).mean() > 0.85
    status = main(["predict", str(model_file), str(parts / "part-1.csv"), "--out",
                   str(tmp_path / "predictions.csv")])
    assert status == 0
    written = pd.read_csv(tmp_path / "predictions.csv")
    assert list(written.columns) == ["name", "label"]
    np.testing.assert_array_equal(written["label"].to_numpy(),
                                  model.predict(parts / "part-1.csv"))


def test_a_dask_dataframe_gives_the_weights_of_a_local_lbfgs_run(client, parts):
    frame = shared.table(3000, seed=1)
    local = neuronet.tabular.train(frame, "label", optimizer="lbfgs", epochs=15,
                                   validation_split=0, hidden=(8,))
    ddf = dd.from_pandas(frame, npartitions=3)
    lines = []
    model = neuronet.tabular.train(ddf, "label", client=client, epochs=15, validation_split=0,
                                   hidden=(8,), report=lines.append)
    assert model.history.epochs == local.history.epochs
    weights = model.network.get_flat_weights()
    expected = local.network.get_flat_weights()
    assert np.max(np.abs(weights - expected)) / np.max(np.abs(expected)) < 1e-8
    assert model.preparation.feature_names() == local.preparation.feature_names()
    assert "data:       the table: 3,000 rows in 3 partitions, 11 columns, target 'label'" \
        in lines
    assert any(line.startswith("training:   ") and "15 iterations on all" in line
               for line in lines)


def test_model_averaging_chooses_rounds_on_held_out_rows(client):
    frame = shared.table(2400, seed=2)[["x1", "ties", "colour", "label"]]
    frame["score"] = frame["x1"].fillna(10) - frame["ties"] * 0.3
    lines = []
    model = neuronet.tabular.train(frame.drop(columns="label"), "score", client=client,
                                   optimizer="adam", learning_rate=0.01, epochs=4,
                                   batch_size=64, report=lines.append)
    assert model.task == "regression"
    assert any(line.startswith("rounds:     ") and "held-out rows, 20%" in line
               for line in lines)
    # One run: the network of the round of the lowest validation loss is the model.
    best = int(np.argmin(model.history.val_loss)) + 1
    assert lines[-1].startswith("training:   MSE ") and \
        f"at round {best} on 1,920 rows: the model is that epoch's network" in lines[-1]
    assert any(line.startswith("optimizer:  adam, model averaging") for line in lines)
    assert "target:     standardized as it is: a cluster does not learn log(1 + y)" in \
        "\n".join(lines)
    assert set(model.history.history) == {"loss", "mae", "val_loss", "val_mae"}
    with pytest.raises(ValueError, match="target_transform 'log' is not available on a "
                       "cluster yet"):
        neuronet.tabular.train(frame.drop(columns="label"), "score", client=client,
                               target_transform="log", epochs=1)
    with pytest.raises(ValueError, match="label smoothing is not available on a cluster"):
        neuronet.tabular.train(frame, "label", client=client, label_smoothing=0.1, epochs=1)


def test_validation_data_is_scored_as_in_process(client):
    rng = np.random.default_rng(0)
    X, X_val = rng.standard_normal((900, 4)), rng.standard_normal((300, 4))
    y, y_val = (X[:, 0] * X[:, 1] > 0).astype(float), (X_val[:, 0] * X_val[:, 1] > 0) * 1.0
    here = neuronet.Network.mlp([4, 6, 1], hidden="tanh", output="sigmoid", seed=1)
    expected = here.fit(X, y, loss="binary_crossentropy", optimizer="lbfgs", epochs=8,
                        validation_data=(X_val, y_val))
    there = neuronet.Network.mlp([4, 6, 1], hidden="tanh", output="sigmoid", seed=1)
    history = nd.fit(there, da.from_array(X, chunks=300), da.from_array(y, chunks=300),
                     loss="binary_crossentropy", max_iter=8, client=client,
                     validation_data=(da.from_array(X_val, chunks=100), y_val))
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    np.testing.assert_allclose(history.val_loss, expected.val_loss, rtol=1e-9)
    assert history["val_accuracy"] == pytest.approx(expected["val_accuracy"], abs=1e-12)


def test_no_seed_is_a_new_start_on_a_cluster_too(client):
    frame = shared.table(600, seed=3)[["x1", "ties", "label"]]
    model = neuronet.tabular.train(frame, "label", client=client, epochs=3, seed=None,
                                   hidden=(4,))
    assert model.history.epochs >= 1 and model.network.seed is None
