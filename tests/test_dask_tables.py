"""Tables on a Dask cluster: `neuronet train --dask` and `neuronet.tabular.train(client=...)`
against a real LocalCluster of two worker processes, started and closed by this module; the
roles and preparation learned from the partitions against those learned from the whole table
in memory, and the model trained there predicting here."""

import socket

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

import dask  # noqa: E402
import dask.array as da  # noqa: E402
import dask.dataframe as dd  # noqa: E402

import neuronet  # noqa: E402
import neuronet.dask as nd  # noqa: E402
from neuronet.cli import main  # noqa: E402
from neuronet.dask.session import Session  # noqa: E402
from neuronet.tabular import Preparation, infer_roles, partials, read_csv  # noqa: E402
from neuronet.tabular import distributed as cluster_tables  # noqa: E402
from neuronet.tabular.distributed import Table  # noqa: E402
from neuronet.tabular.learning import has_target  # noqa: E402
from neuronet.tabular.statistics import gather  # noqa: E402


@pytest.fixture(scope="module")
def client(dask_client):
    return dask_client


def table(n=9000, seed=0):
    """A table as real ones are: numbers with gaps, values near the float limit, whole numbers
    with many ties, categories with gaps and rare values, true/false text, date-times, an ID,
    row numbers, a constant, text that is mostly numbers, and a target with gaps."""
    rng = np.random.default_rng(seed)
    x1 = rng.standard_normal(n) * 3 + 10
    x1[rng.random(n) < 0.1] = np.nan
    ties = rng.integers(-20, 30, n).astype(float)
    huge = rng.standard_normal(n) * 1e300
    colour = rng.choice(["red", "green", "blue", "teal", "rare"], n,
                        p=[0.4, 0.3, 0.2, 0.0997, 0.0003]).astype(object)
    colour[rng.random(n) < 0.05] = None
    flag = rng.choice(["yes", "no", "YES"], n)
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D") + \
        pd.to_timedelta(rng.integers(0, 24, n), unit="h")
    when = days.strftime("%Y-%m-%d %H:%M").to_numpy().astype(object)
    when[rng.random(n) < 0.03] = None
    mostly = np.round(rng.standard_normal(n), 3).astype(str).astype(object)
    mostly[rng.random(n) < 0.01] = "n/k"
    name = np.array([f"id-{i:05d}" for i in rng.permutation(n)], dtype=object)
    score = np.nan_to_num(x1, nan=10) * 0.5 - ties * 0.1 + (colour == "red") * 2 + \
        rng.standard_normal(n)
    label = np.where(score > 3, "high", "low").astype(object)
    label[rng.random(n) < 0.02] = None
    return pd.DataFrame({"row": np.arange(n), "name": name, "x1": x1, "ties": ties,
                         "huge": huge, "colour": colour, "flag": flag, "when": when,
                         "mostly": mostly, "const": "k", "label": label})


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    """The table in four CSV files of uneven sizes and an empty one (a header only); one column
    holds numbers in some files and text in others. Also the whole table in one file."""
    folder = tmp_path_factory.mktemp("parts")
    frame = table()
    frame["code"] = np.where(np.arange(len(frame)) % 3 == 0, "10", "20").astype(object)
    frame.loc[6000:, "code"] = np.where(np.arange(6000, len(frame)) % 5 == 0, "A1", "B2")
    frame.to_csv(folder / "all.csv", index=False)
    for i, (start, stop) in enumerate([(0, 1000), (1000, 4000), (4000, 4000), (4000, 6000),
                                       (6000, len(frame))]):
        frame.iloc[start:stop].to_csv(folder / f"part-{i}.csv", index=False)
    return folder


def relative(a, b):
    return np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)) if len(b) else 0.0


# --- the preparation: the same as on the table in memory ------------------------------------------


def test_roles_statistics_and_preparation_equal_the_local_ones(client, parts):
    frame = read_csv(parts / "all.csv")
    roles = infer_roles(frame, "label")
    rows = frame[has_target(frame, "label")]
    statistics = gather(rows, roles)

    table = Table.read(str(parts / "part-*.csv"), client)
    assert table.sizes == [1000, 3000, 0, 2000, 3000] and table.columns == list(frame.columns)
    assert table.meta["code"].dtype == object  # numbers in three files, text in two: text
    assert table.infer_roles("label") == roles
    assert {r.role for r in roles} == {"id", "numeric", "category", "boolean", "date",
                                       "constant", "target"}
    training, dropped = table.with_target("label")
    assert dropped == len(frame) - len(rows) > 0
    found = training.gather(roles)
    assert list(found) == list(statistics)
    for name, local in statistics.items():
        remote = found[name]
        if hasattr(local, "counts"):  # categories and booleans: every count
            assert remote == local, name
            continue
        assert (remote.rows, remote.missing, remote.cycles) == \
            (local.rows, local.missing, local.cycles), name
        assert remote.median == local.median, name  # exact, not approximated
        assert remote.mean == pytest.approx(local.mean, rel=1e-12, abs=1e-300), name
        assert remote.std == pytest.approx(local.std, rel=1e-12), name
    assert found["when"].cycles == ("year", "week", "day")
    assert set(found["code"].counts) == {"10", "20", "A1", "B2"}

    expected = Preparation.fit(roles, statistics).to_arrays()
    learned = Preparation.fit(roles, found).to_arrays()
    assert set(learned) == set(expected)
    for key, array in expected.items():
        if array.dtype.kind == "f":
            assert relative(learned[key], array) < 1e-12, key
        else:
            np.testing.assert_array_equal(learned[key], array, err_msg=key)
    table.release()


def test_one_large_file_is_read_in_parts_with_the_rows_of_the_whole(client, parts, monkeypatch,
                                                                     capsys, tmp_path):
    monkeypatch.setattr(cluster_tables, "BLOCK_BYTES", 100_000)
    path = parts / "all.csv"
    frame = read_csv(path)
    table = Table.read(str(path), client)
    assert len(table.parts) == -(-path.stat().st_size // 100_000) > 5
    assert sum(table.sizes) == len(frame) and table.columns == list(frame.columns)
    assert table.meta["code"].dtype == object  # numbers in the first parts, text later
    roles = infer_roles(frame, "label")
    assert table.infer_roles("label") == roles
    training, _ = table.with_target("label")
    rows = frame[has_target(frame, "label")]
    found, local = training.gather(roles), gather(rows, roles)
    for name in ("x1", "ties", "when"):
        assert found[name].median == local[name].median
        assert found[name].mean == pytest.approx(local[name].mean, rel=1e-12)
    assert found["colour"] == local["colour"] and found["code"] == local["code"]
    rebuilt = table.to_dask().compute()
    pd.testing.assert_frame_equal(rebuilt.reset_index(drop=True), frame, check_dtype=False)
    table.release()

    status = main(["train", str(path), "--target", "label", "--out", str(tmp_path / "m.npz"),
                   "--epochs", "3", "--quiet", "--dask", client.scheduler.address])
    out, err = capsys.readouterr()
    assert status == 0, err
    parts_read = -(-path.stat().st_size // 100_000)
    assert f"all.csv: 9,000 rows in 1 file read in {parts_read} parts, 12 columns" in out

    # A cell or a line that cannot be read is named by its row in the whole file.
    lines = path.read_text().splitlines(keepends=True)
    cells = lines[7000].split(",")
    cells[4] = "inf"  # row 7001 of the file (the header is row 1), column 'huge'
    lines[7000] = ",".join(cells)
    big = tmp_path / "big.csv"
    big.write_text("".join(lines))
    address = client.scheduler.address
    err = _fails(capsys, big, "--target", "label", "--out", tmp_path / "m.npz", "--dask",
                 address)
    assert "big.csv: row 7001, column 'huge': inf is not a finite number" in err
    lines[8000] = lines[8000].rstrip("\n") + ",extra\n"
    big.write_text("".join(lines))
    err = _fails(capsys, big, "--target", "label", "--out", tmp_path / "m.npz", "--dask",
                 address)
    assert "big.csv: row 8001 has 13 fields, but the header has 12" in err


def test_medians_are_exact_through_every_narrowing_pass(client, monkeypatch):
    # Sending the candidates only when one remains makes every median narrow bucket by bucket
    # to a single value: up to six passes over negative, zero, tiny, huge and tied values.
    monkeypatch.setattr(partials, "GATHER", 1)
    rng = np.random.default_rng(5)
    columns = [rng.standard_normal(3001) * 10.0 ** rng.integers(-300, 300, 3001),
               np.repeat([-0.0, 0.0, 1.5, -2.0], 750),
               rng.integers(0, 3, 3000).astype(float),
               np.full(40, 7.25)]
    block = np.full((3001, len(columns)), np.nan)
    for j, values in enumerate(columns):
        block[:len(values), j] = values
    block[rng.random(block.shape) < 0.05] = np.nan
    futures = client.scatter(np.array_split(block, 3))
    passes = cluster_tables._Passes(Session(client, 30))
    counts = list((~np.isnan(block)).sum(axis=0))
    medians = cluster_tables._medians(passes, futures, counts)
    assert medians == list(np.nanmedian(block, axis=0))
    assert passes.count > 4


# --- training: the command line, Python, and the model on a laptop --------------------------------


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
    assert "iterations: " in out and "held-out rows, 20%" in out
    assert "training:   loss" in out and "model:      written to" in out

    # On a laptop: no cluster, the model file alone.
    model = neuronet.load(model_file)
    assert isinstance(model, neuronet.TabularModel) and model.id_column == "name"
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
    frame = table(3000, seed=1)
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
    frame = table(2400, seed=2)[["x1", "ties", "colour", "label"]]
    frame["score"] = frame["x1"].fillna(10) - frame["ties"] * 0.3
    lines = []
    model = neuronet.tabular.train(frame.drop(columns="label"), "score", client=client,
                                   optimizer="adam", learning_rate=0.01, epochs=4,
                                   batch_size=64, report=lines.append)
    assert model.task == "regression"
    assert any(line.startswith("rounds:     ") and "held-out rows, 20%" in line
               for line in lines)
    assert lines[-1].startswith("training:   MSE ") and \
        f"after {model.history.epochs} rounds on all 2,400 rows" in lines[-1]
    assert any(line.startswith("optimizer:  adam, model averaging") for line in lines)
    assert set(model.history.history) == {"loss", "mae"}


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


# --- bad input: one line, nothing written ---------------------------------------------------------


def _fails(capsys, *args):
    status = main(["train", *map(str, args), "--quiet"])
    out, err = capsys.readouterr()
    assert status == 1 and err.count("\n") == 1 and err.startswith("neuronet: error: "), err
    return err


def test_bad_input_gets_one_line_and_writes_nothing(client, parts, tmp_path, capsys):
    out = tmp_path / "model.npz"
    address = client.scheduler.address
    err = _fails(capsys, tmp_path / "nothing-*.csv", "--target", "label", "--out", out,
                 "--dask", address)
    assert "nothing-*.csv: no file matches this pattern" in err
    err = _fails(capsys, parts / "part-*.csv", "--target", "label", "--out", out)
    assert "part-*.csv: no such file (a pattern of several files is read on a Dask cluster: " \
        "neuronet train --dask local" in err
    err = _fails(capsys, parts / "part-*.csv", "--target", "labels", "--out", out,
                 "--dask", address)
    assert "part-*.csv: no target column 'labels'; the columns are: row, name, x1" in err
    with socket.socket() as free:  # a port where no scheduler listens
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    err = _fails(capsys, parts / "part-*.csv", "--target", "label", "--out", out,
                 "--dask", f"tcp://127.0.0.1:{port}", "--dask-timeout", "1")
    assert f"cannot reach a Dask scheduler at tcp://127.0.0.1:{port} within 1 s" in err

    # A cell that cannot be used is named by its file and row, as locally.
    broken = tmp_path / "broken"
    broken.mkdir()
    read_csv(parts / "part-0.csv").to_csv(broken / "a.csv", index=False)
    bad = read_csv(parts / "part-1.csv")
    bad.loc[bad.index[4], "huge"] = np.inf
    bad.to_csv(broken / "b.csv", index=False)
    err = _fails(capsys, broken / "*.csv", "--target", "label", "--out", out,
                 "--dask", address)
    assert "b.csv: row 6, column 'huge': inf is not a finite number" in err
    bad.drop(columns="flag").to_csv(broken / "b.csv", index=False)
    err = _fails(capsys, broken / "*.csv", "--target", "label", "--out", out,
                 "--dask", address)
    assert "b.csv: has no column 'flag', unlike" in err
    assert not out.exists()


def test_a_dask_dataframe_whose_partitions_disagree(client):
    first = pd.DataFrame({"x": [1, 2, 3, 4], "c": ["a", "b", "a", "b"], "y": [0, 1, 0, 1]})
    second = pd.DataFrame({"x": [1.5, np.nan, 3, 4], "c": [1, 2, 1, 2], "y": [1, 0, 1, 0]})
    frame = dd.from_delayed([dask.delayed(first), dask.delayed(second)], meta=first.iloc[:0],
                            verify_meta=False)
    table = Table.read(frame, client)
    assert table.meta.dtypes.astype(str).to_dict() == {"x": "float64", "c": "object",
                                                       "y": "int64"}
    together = table.to_dask().compute()
    assert [str(v) for v in together["c"]] == ["a", "b", "a", "b", "1", "2", "1", "2"]
    assert together["x"].tolist()[:5] == [1.0, 2.0, 3.0, 4.0, 1.5]
    roles = table.infer_roles("y")
    assert [r.role for r in roles] == ["numeric", "category", "target"]
    assert table.gather(roles)["c"].counts == {"a": 2, "b": 2, "1": 2, "2": 2}
    table.release()


def test_local_cluster_started_and_closed_by_the_command(parts, tmp_path, run_cli):
    out = tmp_path / "model.npz"
    result = run_cli("train", parts / "part-*.csv", "--target", "label", "--out", out,
                     "--dask", "local:2", "--epochs", "5", "--hidden", "4", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "cluster:    a LocalCluster of 2 worker processes (2 threads)" in result.stdout
    assert result.stderr == ""
    assert isinstance(neuronet.load(out), neuronet.TabularModel)


# --- faults ---------------------------------------------------------------------------------------


def test_a_worker_killed_while_the_preparation_is_learned_changes_nothing(client, parts,
                                                                           monkeypatch):
    # The worker dies as the statistics pass starts: the partitions it held are read again
    # from their files by Dask, and the pass is made on them as if nothing had happened.
    import os
    import signal

    def train():
        return neuronet.tabular.train(str(parts / "part-*.csv"), "label", client=client,
                                      epochs=4, seed=0, timeout=30)

    before = train()
    reduce, killed = cluster_tables._Passes.reduce, []

    def reduce_after_a_kill(self, what, *args, **kwargs):
        if what == "statistics" and not killed:
            pid = next(iter(client.run(os.getpid).values()))
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        return reduce(self, what, *args, **kwargs)

    monkeypatch.setattr(cluster_tables._Passes, "reduce", reduce_after_a_kill)
    after = train()
    assert killed
    expected, learned = before.preparation.to_arrays(), after.preparation.to_arrays()
    assert set(learned) == set(expected)
    for key, array in expected.items():
        np.testing.assert_array_equal(learned[key], array, err_msg=key)
    # The network trained on the same rows; they may sit on other workers now, which sum
    # their parts in another order (the bound for the distributed fit: 1e-8).
    np.testing.assert_allclose(after.network.get_flat_weights(),
                               before.network.get_flat_weights(), rtol=1e-8, atol=1e-12)
    client.wait_for_workers(2, timeout=60)
