"""neuronet.tabular.distributed: tables read onto a Dask cluster's workers (CSV files, a file in
parts, a dask DataFrame), the connection to a cluster, and the errors of bad input in one line,
against a real LocalCluster of two worker processes, started and closed by this module. The
tables and files made here serve the tests of the other rooms of the cluster's half too."""

import socket

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

import dask  # noqa: E402
import dask.dataframe as dd  # noqa: E402

import neuronet  # noqa: E402
from neuronet.cli import main  # noqa: E402
from neuronet.tabular import distributed as cluster_tables  # noqa: E402
from neuronet.tabular import infer_roles, read_csv  # noqa: E402
from neuronet.tabular.cluster_table import Table  # noqa: E402
from neuronet.tabular.statistics import gather  # noqa: E402
from neuronet.tabular.target import has_target  # noqa: E402


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


def _fails(capsys, *args):
    status = main(["train", *map(str, args), "--quiet"])
    out, err = capsys.readouterr()
    assert status == 1 and err.count("\n") == 1 and err.startswith("neuronet: error: "), err
    return err


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


def test_an_infinite_class_is_named_by_its_file_and_row_as_locally(client, tmp_path, capsys):
    rng = np.random.default_rng(4)
    folder = tmp_path / "classes"
    folder.mkdir()
    for i in range(2):
        frame = pd.DataFrame({"x": rng.normal(size=30), "t": rng.integers(0, 3, 30) * 1.0})
        if i == 1:
            frame.loc[7, "t"] = np.inf
        frame.to_csv(folder / f"part-{i}.csv", index=False)
    for task in ([], ["--task", "classification"]):
        err = _fails(capsys, folder / "part-*.csv", "--target", "t", "--out",
                     tmp_path / "m.npz", "--dask", client.scheduler.address, *task)
        assert err.endswith("part-1.csv: row 9, column 't': inf is not a finite number\n"), err
    assert not (tmp_path / "m.npz").exists()


def test_local_cluster_started_and_closed_by_the_command(parts, tmp_path, run_cli):
    out = tmp_path / "model.npz"
    result = run_cli("train", parts / "part-*.csv", "--target", "label", "--out", out,
                     "--dask", "local:2", "--epochs", "5", "--hidden", "4", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "cluster:    a LocalCluster of 2 worker processes (2 threads)" in result.stdout
    assert result.stderr == ""
    assert isinstance(neuronet.load(out), neuronet.TabularModel)
