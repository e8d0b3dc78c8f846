"""neuronet._files: what every save checks before it writes. A read-only file is never
replaced, a name that is no file's is refused, and an output that is one of the inputs is
refused before any work (FIFOs, devices and atomic replacement: test_atomic_write.py)."""

import os
import stat
import sys
import warnings

import numpy as np
import pytest

import neuronet
from neuronet import Network, _files, diagram, serialization
from neuronet._files import ReadOnlyFileError, atomic_write, check_not_input, check_writable

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX modes and links")


@pytest.fixture
def read_only(tmp_path):
    path = tmp_path / "kept.npz"
    path.write_bytes(b"the user's own bytes")
    path.chmod(0o444)
    yield path
    path.chmod(0o644)


def _untouched(path):
    assert path.read_bytes() == b"the user's own bytes"
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary file


def _writers(path):
    net = Network.mlp([2, 3, 2], seed=0)
    writers = {
        "Network.save": lambda: net.save(path),
        "serialization.save": lambda: serialization.save(net, path),
        "diagram.save": lambda: diagram.save(net, path),
        "SVG.save": lambda: diagram.draw_network(net).save(path),
        "atomic_write": lambda: atomic_write(path, "w").__enter__(),
    }
    import pandas as pd

    from neuronet import tabular

    frame = pd.DataFrame({"x": np.arange(30.0) % 7, "y": ["a", "b", "c"] * 10})
    model = tabular.train(frame, "y", epochs=1, validation_split=0, hidden=[])
    writers["TabularModel.save"] = lambda: model.save(path)
    try:
        import onnx  # noqa: F401
    except ImportError:
        return writers
    from neuronet.sklearn import NetClassifier

    estimator = NetClassifier((3,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator.fit(np.random.default_rng(0).normal(size=(20, 2)), [0, 1] * 10)
    writers["Network.to_onnx"] = lambda: net.to_onnx(path)
    writers["estimator.to_onnx"] = lambda: estimator.to_onnx(path)
    writers["TabularModel.to_onnx"] = lambda: model.to_onnx(path)
    return writers


def test_every_save_refuses_a_read_only_file_and_leaves_it_as_it_was(read_only):
    for name, write in _writers(read_only).items():
        with pytest.raises(ReadOnlyFileError) as error:
            write()
        assert str(error.value) == f"{read_only}: cannot write to it (read-only)", name
        # Both what Python raises for such a file and what neuronet raises for bad input.
        assert isinstance(error.value, PermissionError) and isinstance(error.value, ValueError)
        _untouched(read_only)


def test_a_link_to_a_read_only_file_is_refused_too(read_only):
    link = read_only.parent / "link.npz"
    link.symlink_to(read_only)
    with pytest.raises(ReadOnlyFileError, match="link.npz: cannot write to it"):
        Network.mlp([2, 1], seed=0).save(link)
    assert link.is_symlink() and read_only.read_bytes() == b"the user's own bytes"
    with pytest.raises(ReadOnlyFileError):
        check_writable(link)


def test_a_file_this_user_may_not_write_is_read_only_whatever_its_mode(tmp_path, monkeypatch):
    # As a user who is not the file's owner (root may write any file; its mode still counts).
    path = tmp_path / "theirs.npz"
    path.write_bytes(b"theirs")
    real_access = os.access
    monkeypatch.setattr(_files.os, "access", lambda p, mode: False if os.fspath(p) ==
                        os.fspath(path) else real_access(p, mode))
    with pytest.raises(ReadOnlyFileError):
        check_writable(path)
    with pytest.raises(ReadOnlyFileError):
        Network.mlp([2, 1], seed=0).save(path)
    assert path.read_bytes() == b"theirs"


def test_a_writable_file_is_still_replaced(tmp_path):
    path = tmp_path / "m.npz"
    path.write_bytes(b"old")
    path.chmod(0o600)
    check_writable(path)
    Network.mlp([2, 1], seed=0).save(path)
    assert isinstance(neuronet.load(path), Network)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_check_writable_refuses_a_read_only_file_before_the_work(read_only):
    with pytest.raises(ValueError, match=r"kept.npz: cannot write to it \(read-only\)$"):
        check_writable(read_only)
    _untouched(read_only)


@pytest.mark.parametrize("name, message", [
    ("", "the file name is empty; expected the name of a file to write"),
    ("missing-dir/", "missing-dir/: ends with '/', as the name of a folder does, and there is "
                     "no such folder; expected a file name to write"),
])
def test_a_name_that_is_no_file_is_refused_and_nothing_is_made(tmp_path, monkeypatch, name,
                                                               message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError) as error:
        check_writable(name)
    assert str(error.value) == message
    with pytest.raises(ValueError) as error:
        Network.mlp([2, 1], seed=0).save(name)
    assert str(error.value) == message
    with pytest.raises(ValueError):
        atomic_write(name).__enter__()
    assert list(tmp_path.iterdir()) == []  # no file named "missing-dir", no temporary file


def test_an_existing_folder_named_with_a_slash_is_a_directory(tmp_path):
    with pytest.raises(ValueError, match="is a directory; expected a file name"):
        check_writable(f"{tmp_path}/")
    with pytest.raises(ValueError, match="is a directory"):
        Network.mlp([2, 1], seed=0).save(f"{tmp_path}/")


# --- the output is not one of the inputs --------------------------------------------------------


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n")
    return path


def test_the_same_file_by_any_name_is_refused(tmp_path, data, monkeypatch):
    monkeypatch.chdir(tmp_path)
    hard = tmp_path / "hard.csv"
    os.link(data, hard)
    soft = tmp_path / "soft.csv"
    soft.symlink_to(data)
    with pytest.raises(ValueError, match=r"^data.csv: is also an input; writing the output "
                       r"there would replace the data being read"):
        check_not_input("data.csv", ["data.csv"])
    for out, given in [(hard, data), (data, soft), ("./data.csv", "data.csv"),
                       (data, f"{tmp_path}/../{tmp_path.name}/data.csv")]:
        with pytest.raises(ValueError, match="the same file by another name"):
            check_not_input(out, ["model.npz", given])
    check_not_input(tmp_path / "other.csv", [data])  # a new file: nothing to compare
    (tmp_path / "copy.csv").write_text("a,b\n1,2\n")
    check_not_input(tmp_path / "copy.csv", [data, None])  # the same bytes, another file


def test_a_file_matched_by_a_pattern_is_an_input(tmp_path, data):
    part = tmp_path / "part-2.csv"
    part.write_text("a,b\n3,4\n")
    with pytest.raises(ValueError, match="part-2.csv: is also an input"):
        check_not_input(part, [tmp_path / "part-*"], patterns=True)
    check_not_input(part, [tmp_path / "part-*"])  # without patterns: a name like any other


def test_standard_input_read_from_the_output_file(tmp_path, data, monkeypatch):
    with open(data) as handle:
        monkeypatch.setattr(sys, "stdin", handle)
        with pytest.raises(ValueError, match="is the file given as standard input"):
            check_not_input(data, ["-"])


def test_a_stream_is_never_refused_as_an_input(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    check_not_input(fifo, [fifo])  # written into as a stream, never replaced
    check_not_input(os.devnull, [os.devnull])
