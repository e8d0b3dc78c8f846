"""neuronet.tabular.reading: CSV files as people write them — separators, decimal commas, encodings,
compression, missing-value spellings, byte ranges — and the errors that name the file and row."""

import bz2
import gzip
import lzma
import zipfile

import numpy as np
import pandas as pd
import pytest
from test_tabular import messy

import neuronet
from neuronet import tabular
from neuronet.tabular import (
    DataError,
    infer_roles,
    read_csv,
)
from neuronet.tabular.sniffing import detect_decimal, detect_separator


def _csv_text(sep=","):
    return (f'name{sep}amount{sep}note\n'
            f'alpha{sep}1.5{sep}"one{sep} two"\n'
            f'beta{sep}NA{sep}plain\n'
            f'gamma{sep}3{sep}\n')


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_separators_are_detected(tmp_path, sep):
    path = tmp_path / "t.csv"
    path.write_text(_csv_text(sep))
    frame = read_csv(path)
    assert list(frame.columns) == ["name", "amount", "note"]
    assert frame["note"].iloc[0] == f"one{sep} two"  # a quoted separator stays in its field
    assert np.isnan(frame["amount"].iloc[1]) and frame["amount"].iloc[2] == 3
    assert pd.isna(frame["note"].iloc[2])


def test_sep_option_overrides_detection(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a;b;c\n1;2,5;3\n4;5,5;6\n")  # detected: ";" (decimal commas)
    assert list(read_csv(path).columns) == ["a", "b", "c"]
    assert list(read_csv(path, sep=",").columns) == ["a;b;c"]


@pytest.mark.parametrize("text, mark", [
    ("a;b;c\n1;2,5;x\n4;-0,75;y\n", ","),       # decimal commas, as spreadsheets export
    ("a\tb\n1,5\t2\n3\t,25\n", ","),            # tab-separated too
    ("a;b;c\n1;2.5;x\n4;5,5;y\n", "."),          # a point anywhere: points
    ("a;b\n1;2\n3;4\n", "."),                    # no fractions: nothing to decide
    ('a,b\n"1,5",2\n"3,5",4\n', "."),            # the comma separates: never a decimal mark
])
def test_decimal_commas_are_detected(tmp_path, text, mark):
    path = tmp_path / "t.csv"
    path.write_text(text)
    assert detect_decimal(text, detect_separator(text)) == mark
    frame = read_csv(path)
    if mark == ",":
        assert frame.iloc[:, 1].dtype.kind == "f"
        assert frame.iloc[:, 1].tolist() in ([2.5, -0.75], [2.0, 0.25])
    assert read_csv(path, decimal=".").iloc[:, 1].dtype.kind in "iO"  # the override
    with pytest.raises(DataError, match="the decimal mark must be '.' or ','"):
        read_csv(path, decimal=";")


def test_a_spreadsheet_export_with_decimal_commas_trains_on_numbers(tmp_path):
    # The same rows written as a German spreadsheet exports them (";", "3,5", Latin-1) and as a
    # plain CSV: the same roles, the same model.
    frame = messy(160)
    plain, export = tmp_path / "plain.csv", tmp_path / "export.csv"
    frame.to_csv(plain, index=False)
    frame.to_csv(export, index=False, sep=";", decimal=",", encoding="latin-1")
    a = tabular.train(plain, "label", epochs=5, validation_split=0)
    b = tabular.train(export, "label", epochs=5, validation_split=0, encoding="latin-1")
    assert [line for line in a.notes if line.startswith("  ")] == \
        [line for line in b.notes if line.startswith("  ")]  # every column's role
    np.testing.assert_array_equal(b.predict(export, encoding="latin-1"), a.predict(plain))


def test_encodings_and_byte_order_mark(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("ville,prix\nBéziers,1\nNîmes,2\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"latin.csv: not UTF-8 text .*--encoding latin-1"):
        read_csv(latin)
    assert read_csv(latin, encoding="latin-1")["ville"].tolist() == ["Béziers", "Nîmes"]
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeffcity,n\nOslo,1\n".encode())
    assert list(read_csv(bom).columns) == ["city", "n"]
    with pytest.raises(DataError, match="unknown encoding 'klingon'"):
        read_csv(bom, encoding="klingon")


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz", ".zip"])
def test_compressed_files_by_extension(tmp_path, suffix):
    data = _csv_text(";").encode()
    path = tmp_path / f"t.csv{suffix}"
    if suffix == ".zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("t.csv", data)
    else:
        opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}[suffix]
        with opener(path, "wb") as handle:
            handle.write(data)
    frame = read_csv(path)
    assert list(frame.columns) == ["name", "amount", "note"] and len(frame) == 3


def test_missing_value_spellings(tmp_path):
    spellings = ["", "NA", "N/A", "NaN", "null", "None", "?"]
    path = tmp_path / "t.csv"
    path.write_text("x,y\n" + "".join(f"{s},1\n" for s in spellings) + "2.5,1\n")
    frame = read_csv(path)
    assert frame["x"].dtype == np.float64
    assert frame["x"].isna().sum() == len(spellings) and frame["x"].iloc[-1] == 2.5


@pytest.mark.parametrize("text, message", [
    ("", "the file is empty"),
    ("a,b,y\n", "the file has a header but no data rows"),
    ("a,b,y\n1,2,3\n4,5,6,7\n", "row 3 has 4 fields, but the header has 3"),
    ('a,b\n1,"open\n', "never closed"),
])
def test_read_errors_name_the_file_and_row(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=f"bad.csv: .*{message}"):
        read_csv(path)


def test_files_that_are_not_tables(tmp_path):
    with pytest.raises(DataError, match="nope.csv: no such file"):
        read_csv(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a directory"):
        read_csv(tmp_path)
    model = neuronet.Network.mlp([2, 2]).save(tmp_path / "model.npz")
    with pytest.raises(DataError, match="model.npz: not a text table"):
        read_csv(model)


def test_many_columns_read_in_linear_time_without_a_quadratic_header_check(tmp_path):
    # 100,000 columns: the old reader compared each name with all before it.
    path = tmp_path / "wide.csv"
    names = [f"c{i}" for i in range(100_000)]
    path.write_text(",".join(names) + "\n" + ",".join("1" for _ in names) + "\n")
    frame = read_csv(path)
    assert frame.shape == (1, 100_000)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_byte_ranges_of_a_file_read_its_rows_once_each(tmp_path, newline):
    # The parts a cluster reads a large file in: every row in exactly one part, whatever byte
    # the parts start at (inside a line, on its first byte, on its line end), under the header.
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"n": rng.integers(0, 10**6, 300), "t": rng.choice(["é", "b"], 300),
                          "x": rng.normal(size=300)})
    path = tmp_path / "rows.csv"
    text = "\n\n" + frame.to_csv(index=False, lineterminator=newline)
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())  # a byte order mark, blank lines first
    whole = read_csv(path)
    size = path.stat().st_size
    for block in (97, 100, 1000, size):
        parts = [read_csv(path, byte_range=(start, start + block), allow_empty=True)
                 for start in range(0, size, block)]
        assert all(part.attrs["first_row"] == whole.attrs["first_row"] == 4 for part in parts)
        joined = pd.concat(parts, ignore_index=True)
        pd.testing.assert_frame_equal(joined, whole, check_dtype=False)


def test_a_saved_index_without_a_name_is_a_column_left_out(tmp_path):
    path = tmp_path / "saved.csv"
    messy(60).to_csv(path)  # pandas writes its index first, under an empty header cell
    frame = read_csv(path)
    assert list(frame.columns[:2]) == ["column 1", "id"]
    roles = {r.column: r.role for r in infer_roles(frame, "label")}
    assert roles["column 1"] == "id"  # 0 to 59: it counts the rows
