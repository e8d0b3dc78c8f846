"""neuronet.serialization.archive: the bytes of a model file, written and read as untrusted."""

import io
import os
import zipfile

import numpy as np
import pytest

from neuronet.serialization import archive, values
from neuronet.serialization.archive import ModelFileError, Problem


def _zip(members: dict) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, array in members.items():
            archive.write_member(out, name, array)
    buffer.seek(0)
    return zipfile.ZipFile(buffer), len(buffer.getvalue())


def test_a_written_member_reads_back_exactly():
    weights = np.arange(12, dtype=np.float64).reshape(3, 4)
    header = np.frombuffer(b'{"format": 1}', dtype=np.uint8)
    zf, size = _zip({"header": header, "weights": weights})
    members = archive.members_of(zf, size)
    assert set(members) == {"header", "weights"}
    assert archive.read_header(zf, members) == {"format": 1}
    got = archive.read_array(zf, members["weights"], "weights", (3, 4), "float64")
    np.testing.assert_array_equal(got, weights)
    with pytest.raises(Problem, match=r"has shape \(3, 4\), expected \(4, 3\)"):
        archive.read_array(zf, members["weights"], "weights", (4, 3), "float64")
    with pytest.raises(Problem, match="takes 80,000 and a small header"):
        archive.read_array(zf, members["weights"], "weights", (100, 100), "float64")


def test_the_same_arrays_give_the_same_bytes():
    one = _zip({"header": np.zeros(3, np.uint8)})[0].fp.getvalue()
    two = _zip({"header": np.zeros(3, np.uint8)})[0].fp.getvalue()
    assert one == two


def test_non_finite_arrays_are_refused():
    zf, size = _zip({"header": np.zeros(2, np.uint8), "w": np.array([1.0, np.nan])})
    members = archive.members_of(zf, size)
    with pytest.raises(Problem, match="holds NaN or infinity"):
        archive.read_array(zf, members["w"], "w", (2,), "float64")
    assert archive.all_finite(np.ones((3, 3))) and not archive.all_finite(np.array([np.inf]))


def test_members_of_needs_a_header_and_npy_members_only():
    zf, size = _zip({"weights": np.ones(2)})
    with pytest.raises(Problem, match="it has no header.npy; it holds weights"):
        archive.members_of(zf, size)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        out.writestr("notes.txt", "hello")
    with pytest.raises(Problem, match="'notes.txt', which is not a .npy array"):
        archive.members_of(zipfile.ZipFile(buffer), len(buffer.getvalue()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as out:
        out.writestr("header.npy", b"x" * 100)
    with pytest.raises(Problem, match="is compressed"):
        archive.members_of(zipfile.ZipFile(buffer), len(buffer.getvalue()))


def test_to_json_keeps_plain_values_and_names_what_it_cannot_keep():
    value = {"a": np.arange(3), "b": np.float32(0.5), "c": [True, None, "x"], "d": (1, 2)}
    assert values.to_json(value, "metadata", 0) == {"a": [0, 1, 2], "b": 0.5,
                                                     "c": [True, None, "x"], "d": [1, 2]}
    with pytest.raises(ValueError, match=r"metadata\['x'\] is inf"):
        values.to_json({"x": float("inf")}, "metadata", 0)
    with pytest.raises(ValueError, match="keys must be strings"):
        values.to_json({1: 2}, "metadata", 0)
    with pytest.raises(ValueError, match="is a set, which a model file cannot hold"):
        values.to_json({1, 2}, "metadata", 0)
    with pytest.raises(ValueError, match="lone surrogate"):
        values.to_json("\ud800", "metadata", 0)
    deep = []
    for _ in range(values.MAX_METADATA_DEPTH + 2):
        deep = [deep]
    with pytest.raises(ValueError, match="nested more than"):
        values.to_json(deep, "metadata", 0)


def test_numbers_and_brief():
    assert values.is_number(3) and values.is_number(2.5) and not values.is_number(True)
    assert values.is_finite_number(1.0) and not values.is_finite_number(float("nan"))
    assert not values.is_finite_number(10 ** 400)
    assert values.brief("x" * 100).endswith("...") and len(values.brief("x" * 100)) == 60
    assert values.brief(5) == "5"


def test_parse_npy_refuses_what_is_not_a_npy_header():
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((2, 3)))
    descr, fortran, shape, offset = archive.parse_npy(buffer.getvalue(), "w")
    assert (descr, fortran, shape) == ("<f8", False, (2, 3)) and offset % 16 == 0
    with pytest.raises(Problem, match="is not a .npy array"):
        archive.parse_npy(b"PK\x03\x04 not npy", "w")
    forged = b"\x93NUMPY\x01\x00" + (40).to_bytes(2, "little") + b"__import__('os').system('x')"
    with pytest.raises(Problem, match="malformed .npy header"):
        archive.parse_npy(forged.ljust(60), "w")


def test_open_regular_refuses_what_is_not_a_regular_file(tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(b"abc")
    file, size = archive.open_regular(path)
    with file:
        assert size == 3 and file.read() == b"abc"
    with pytest.raises(IsADirectoryError):
        archive.open_regular(tmp_path)
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe")
        with pytest.raises(Problem, match="named pipe"):
            archive.open_regular(tmp_path / "pipe")


def test_window_reads_only_the_first_bytes():
    window = archive.Window(io.BytesIO(b"0123456789"), 4)
    assert window.read() == b"0123" and window.tell() == 4
    window.seek(-2, 2)
    assert window.read(10) == b"23"
    with pytest.raises(OSError):
        window.seek(-1)


def test_check_directory_refuses_too_many_members():
    zf, size = _zip({f"m{i}": np.zeros(1) for i in range(5)})
    archive.check_directory(io.BytesIO(zf.fp.getvalue()), size, max_members=5)
    with pytest.raises(Problem, match="holds 5 members, more than the 4"):
        archive.check_directory(io.BytesIO(zf.fp.getvalue()), size, max_members=4)


def test_zip_errors_become_problems():
    with pytest.raises(Problem, match="not a zip archive"):
        with archive.zip_errors():
            zipfile.ZipFile(io.BytesIO(b"not a zip at all"))


def test_model_file_error_names_the_file_and_prints_safely():
    error = ModelFileError("bad\x1bname.npz", "holds \x07 a bell")
    assert error.path == "bad\x1bname.npz" and "\x1b" not in str(error)
    assert "\x07" not in error.problem
    import pickle

    assert str(pickle.loads(pickle.dumps(error))) == str(error)
