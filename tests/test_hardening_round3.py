"""The command line against a careless user and a hostile file, as a matrix: an output file
that must not be replaced, cells a spreadsheet would run, odd tables and cluster addresses.
Each case is one line ``neuronet: error: ...``, a non-zero status, and nothing written."""

import csv
import hashlib
import io
import os

import numpy as np
import pytest

pd = pytest.importorskip("pandas")


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refused(result, *fragments, status=1):
    assert result.returncode == status, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("neuronet: error: "), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A table, the model trained on it, and a read-only file."""
    from neuronet.cli import main

    folder = tmp_path_factory.mktemp("round3")
    rng = np.random.default_rng(0)
    rows = ["a,b,label"] + [f"{x:.3f},{y:.3f},{'yes' if x + y > 0 else 'no'}"
                            for x, y in rng.normal(size=(40, 2))]
    (folder / "data.csv").write_text("\n".join(rows) + "\n")
    assert main(["train", str(folder / "data.csv"), "--target", "label", "--out",
                 str(folder / "model.npz"), "--epochs", "2", "--quiet"]) == 0
    (folder / "kept.out").write_text("the user's own results\n")
    (folder / "kept.out").chmod(0o444)
    os.link(folder / "data.csv", folder / "hard-link.csv")
    (folder / "soft-link.npz").symlink_to(folder / "model.npz")
    return folder


# --- output files (8, 9) ------------------------------------------------------------------------

OUTPUTS = {
    "train --out read-only": (["train", "data.csv", "--target", "label", "--out", "kept.out"],
                              "kept.out: cannot write to it (read-only)"),
    "predict --out read-only": (["predict", "model.npz", "data.csv", "--out", "kept.out"],
                                "kept.out: cannot write to it (read-only)"),
    "diagram -o read-only": (["diagram", "model.npz", "-o", "kept.out"],
                             "kept.out: cannot write to it (read-only)"),
    "train --out its data": (["train", "data.csv", "--target", "label", "--out", "data.csv"],
                             "data.csv: is also an input; writing the output there would "
                             "replace the data being read"),
    "train --out a hard link to its data": (
        ["train", "data.csv", "--target", "label", "--out", "hard-link.csv"],
        "hard-link.csv: is the input file data.csv (the same file by another name)"),
    "train --out a pattern's file": (
        ["train", "d*.csv", "--target", "label", "--out", "data.csv", "--dask", "local:1"],
        "data.csv: is also an input"),
    "predict --out its model": (["predict", "model.npz", "data.csv", "--out", "model.npz"],
                                "model.npz: is also an input"),
    "predict --out a link to its model": (
        ["predict", "model.npz", "data.csv", "--out", "soft-link.npz"],
        "soft-link.npz: is the input file model.npz"),
    "predict --out its data": (["predict", "model.npz", "data.csv", "--out", "./data.csv"],
                               "./data.csv: is the input file data.csv"),
    "diagram -o its model": (["diagram", "model.npz", "-o", "model.npz"],
                             "model.npz: is also an input"),
    "train --out ''": (["train", "data.csv", "--target", "label", "--out", ""],
                       "the file name is empty; expected the name of a file to write"),
    "predict --out ''": (["predict", "model.npz", "data.csv", "--out", ""],
                         "the file name is empty"),
    "train --out missing-dir/": (
        ["train", "data.csv", "--target", "label", "--out", "missing-dir/"],
        "missing-dir/: ends with '/', as the name of a folder does, and there is no such "
        "folder; expected a file name to write"),
    "predict --out missing-dir/": (["predict", "model.npz", "data.csv", "--out", "missing-dir/"],
                                   "missing-dir/: ends with '/'"),
}


@pytest.mark.parametrize("case", list(OUTPUTS))
def test_an_output_that_must_not_be_written_is_refused_before_the_work(run_cli, folder, case):
    if "--dask" in OUTPUTS[case][0]:
        pytest.importorskip("distributed")
    args, message = OUTPUTS[case]
    before = {path.name: _digest(path) for path in folder.iterdir() if path.is_file()}
    result = run_cli(*args, cwd=folder)
    _refused(result, message)
    assert result.stdout == ""  # refused before any work: nothing read, trained or reported
    after = {path.name: _digest(path) for path in folder.iterdir() if path.is_file()}
    assert after == before
    assert oct((folder / "kept.out").stat().st_mode & 0o777) == "0o444"


# --- no formula injection (10) ------------------------------------------------------------------


@pytest.fixture(scope="module")
def formulas(tmp_path_factory):
    """A table whose ids, class labels and target name a spreadsheet would take as formulas."""
    from neuronet.cli import main

    folder = tmp_path_factory.mktemp("formulas")
    rng = np.random.default_rng(1)
    ids = ["=HYPERLINK(\"http://example.com\",\"x\")", "+1 555 0100", "-rf", "@SUM(A1)",
           "\t=1", "plain", "-3", "+2.5"]
    labels = ["=cmd|' /C calc'!A0", "-minus", "ok"]
    frame = pd.DataFrame({"ref": [ids[i % len(ids)] + (str(i) if i >= len(ids) else "")
                                  for i in range(60)],
                          "x": rng.normal(size=60), "@label": [labels[i % 3] for i in range(60)]})
    frame.to_csv(folder / "data.csv", index=False)
    assert main(["train", str(folder / "data.csv"), "--target", "@label", "--id", "ref",
                 "--out", str(folder / "model.npz"), "--epochs", "2", "--quiet",
                 "--validation-split", "0"]) == 0
    return folder, frame


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _cells(text):
    return list(csv.reader(io.StringIO(text, newline="")))


def test_predictions_in_csv_carry_no_live_formula(run_cli, formulas):
    folder, frame = formulas
    out = folder / "predictions.csv"
    result = run_cli("predict", folder / "model.npz", folder / "data.csv", "--proba", "--out", out)
    assert result.returncode == 0, result.stderr
    rows = _cells(out.read_text(encoding="utf-8"))
    assert rows[0] == ["ref", "'@label", "probability_-minus", "probability_=cmd|' /C calc'!A0",
                       "probability_ok"]
    expected_ids = ["'" + v if v[:1] in "=+-@\t" and not _is_number(v) else v
                    for v in frame["ref"]]
    assert [row[0] for row in rows[1:]] == expected_ids
    assert {row[1] for row in rows[1:]} <= {"'=cmd|' /C calc'!A0", "'-minus", "ok"}
    for row in rows[1:]:  # numbers stay numbers
        assert all(0 <= float(p) <= 1 for p in row[2:])
    dangerous = [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t")]
    assert dangerous and all(_is_number(cell) for cell in dangerous)  # "-3", "+2.5", "-314"
    # Standard output gets the same cells.
    shown = run_cli("predict", folder / "model.npz", folder / "data.csv", "--proba")
    assert _cells(shown.stdout) == rows


def test_escaping_can_be_turned_off_for_a_program_that_reads_the_file(run_cli, formulas):
    folder, frame = formulas
    result = run_cli("predict", folder / "model.npz", folder / "data.csv",
                     "--no-escape-formulas")
    assert result.returncode == 0, result.stderr
    rows = _cells(result.stdout)
    assert rows[0] == ["ref", "@label"]
    assert [row[0] for row in rows[1:]] == frame["ref"].tolist()
    help_text = run_cli("predict", "--help").stdout
    assert "--no-escape-formulas" in help_text and "leading '" in help_text


# --- a row shorter than the header (19) ---------------------------------------------------------

from neuronet.tabular import DataError, read_csv  # noqa: E402


@pytest.mark.parametrize("text, message", [
    ("a,b,c,d,e\n1,2,3,4,5\n1,2,3\n", "row 3 has 3 fields, but the header has 5"),
    ("a,b,c\n1,2,3\n\n4,5\n", "row 4 has 2 fields, but the header has 3"),  # after a blank line
    ('a,b,c\n"two\nlines",2,3\n4,5\n', "row 4 has 2 fields, but the header has 3"),
    ("a;b;c\r\n1;2;3\r\n4\r\n", "row 3 has 1 field, but the header has 3"),
    ("a,b,c,\n1,2,3,\n1,2\n", "row 3 has 2 fields, but the header has 3"),
])
def test_a_short_row_is_an_error_naming_it(tmp_path, text, message):
    path = tmp_path / "short.csv"
    path.write_bytes(text.encode())
    with pytest.raises(DataError) as error:
        read_csv(path)
    assert str(error.value).startswith(f"{path}: {message} (write an empty field")
    with pytest.raises(DataError, match=message):  # also when only some columns are asked for
        read_csv(path, columns=["a"])
    frame = read_csv(path, ragged=True)  # on purpose: the missing fields are gaps
    assert frame.iloc[-1].isna().any()


@pytest.mark.parametrize("text", [
    "a,b,c\n1,2,\n,,\n4,5,6\n",              # empty fields written: gaps, not short rows
    "a,b,c\n1,2,3\n   \n4,5,6\n\n",          # blank lines, which pandas skips
    "a,b,c,\n1,2,,\n4,5,6\n",                # a trailing separator on the header only
    'a,b,c\n1,"x,y",\n"q ""quoted""",2,3\n',  # separators and quotes inside quotes
])
def test_rows_with_every_field_are_read_as_before(tmp_path, text):
    path = tmp_path / "fine.csv"
    path.write_text(text)
    assert read_csv(path).shape[1] == 3


def test_a_short_row_in_a_compressed_file_and_in_standard_input(run_cli, tmp_path):
    import gzip

    text = "a,b,label\n0.1,0.2,yes\n0.3,0.4,no\n0.5,0.6\n0.7,0.8,yes\n"
    with gzip.open(tmp_path / "rows.csv.gz", "wt") as handle:
        handle.write(text)
    with pytest.raises(DataError, match="rows.csv.gz: row 4 has 2 fields, but the header has 3"):
        read_csv(tmp_path / "rows.csv.gz")
    result = run_cli("train", "-", "--target", "label", "--out", tmp_path / "m.npz", input=text)
    _refused(result, "<stdin>: row 4 has 2 fields, but the header has 3")
    assert not (tmp_path / "m.npz").exists()


def test_a_short_row_in_a_part_of_a_large_file_is_named_by_its_line_in_the_file(tmp_path):
    path = tmp_path / "large.csv"
    rows = [f"{i},{i % 7},{i % 2}" for i in range(200)]
    rows[150] = "150,3"
    path.write_text("a,b,c\n" + "\n".join(rows) + "\n")
    start = len("a,b,c\n") + sum(len(r) + 1 for r in rows[:100])
    with pytest.raises(DataError, match=r"large.csv: row 152 has 2 fields, but the header has 3"):
        read_csv(path, byte_range=(start, path.stat().st_size), allow_empty=True)
    assert len(read_csv(path, byte_range=(0, start), allow_empty=True)) == 100


@pytest.mark.parametrize("command", ["train", "predict", "evaluate"])
def test_the_commands_say_which_row_is_short(run_cli, folder, tmp_path, command):
    short = tmp_path / "short.csv"
    lines = (folder / "data.csv").read_text().splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0]  # the label left out, and its separator with it
    short.write_text("\n".join(lines) + "\n")
    args = {"train": ["train", short, "--target", "label", "--out", tmp_path / "m.npz"],
            "predict": ["predict", folder / "model.npz", short],
            "evaluate": ["evaluate", folder / "model.npz", short]}[command]
    _refused(run_cli(*args), f"{short}: row 6 has 2 fields, but the header has 3")


# --- odd tables (15, 20) ------------------------------------------------------------------------


def test_an_infinite_target_value_is_named_by_row_and_column(run_cli, tmp_path):
    rng = np.random.default_rng(1)
    rows = ["a,b,t"] + [f"{rng.normal():.3f},{'xy'[i % 2]},{i % 3}" for i in range(40)]
    rows[5] = rows[5].rsplit(",", 1)[0] + ",inf"
    path = tmp_path / "inf.csv"
    path.write_text("\n".join(rows) + "\n")
    for task in ([], ["--task", "classification"], ["--task", "regression"]):
        result = run_cli("train", path, "--target", "t", "--out", tmp_path / "m.npz", *task)
        _refused(result, f"{path}: row 6, column 't': inf is not a finite number")
    frame = pd.DataFrame({"a": np.arange(40.0) % 7, "t": [1.0, 2.0, 3.0, -np.inf] * 10})
    from neuronet import tabular

    with pytest.raises(DataError, match="^row 3, column 't': -inf is not a finite number$"):
        tabular.train(frame, "t", epochs=1)


def test_a_file_with_none_of_the_models_columns_says_so(run_cli, folder, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("u,v,w\n1,2,3\n")
    for command in ("predict", "evaluate"):
        _refused(run_cli(command, folder / "model.npz", other),
                 f"{other}: the file has none of the model's columns a, b")


# --- cluster addresses (21) ---------------------------------------------------------------------

ADDRESSES = {
    "": "expected a distributed.Client, the address of a Dask scheduler (tcp://host:8786) or "
        "local[:N], got ''",
    "local:0": "expected 'local' or 'local:N' with N a number of worker processes of at least 1",
    "local:many": "got 'local:many'",
    "tcp://127.0.0.1:70000": "tcp://127.0.0.1:70000: the port 70000 is out of range; expected a "
                             "port from 1 to 65535",
    "127.0.0.1:0": "the port 0 is out of range",
    "tcp://[::1]:99999": "the port 99999 is out of range",
    "tcp://127.0.0.1:http": "'http' is not a port number",
    "inproc://192.0.2.1/1/1": "inproc://192.0.2.1/1/1: no scheduler of this process is there (an "
                              "inproc:// address names a scheduler inside the same Python "
                              "process)",
}


@pytest.mark.parametrize("address", list(ADDRESSES))
def test_an_address_that_is_no_cluster_gets_one_line_at_once(run_cli, folder, address):
    pytest.importorskip("distributed")
    result = run_cli("train", folder / "data.csv", "--target", "label", "--out",
                     folder / "never.npz", "--dask", address, "--dask-timeout", "5")
    _refused(result, ADDRESSES[address])
    assert not (folder / "never.npz").exists()


def test_local_workers_are_bounded_by_the_cores(monkeypatch, folder, capsys):
    distributed = pytest.importorskip("distributed")
    from neuronet.cli import main
    from neuronet.tabular import distributed as tables

    def never(**options):  # should the bound fail, no process is started for this test
        raise AssertionError(f"a LocalCluster of {options['n_workers']:,} workers was started")

    monkeypatch.setattr(distributed, "LocalCluster", never)
    monkeypatch.setattr(tables, "_cores", lambda: 3)
    with pytest.raises(ValueError, match=r"local:13 asks for 13 worker processes, more than the "
                       r"12 this machine runs \(4 per core, 3 cores\); ask for at most local:12"):
        tables.connect("local:13")
    with pytest.raises(AssertionError, match="of 12 workers"):  # the bound itself is allowed
        tables.connect("local:12")
    status = main(["train", str(folder / "data.csv"), "--target", "label", "--out",
                   str(folder / "never.npz"), "--dask", "local:100000"])
    assert status == 1
    assert capsys.readouterr().err == (
        "neuronet: error: local:100000 asks for 100,000 worker processes, more than the 12 this "
        "machine runs (4 per core, 3 cores); ask for at most local:12, or give the address of "
        "a cluster's scheduler\n")
