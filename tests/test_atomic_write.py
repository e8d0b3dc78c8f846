"""One way to write a file: a regular file is replaced atomically; a FIFO, a device, a socket
or standard output named as a file is written into, and never replaced."""

import errno
import os
import socket
import stat
import subprocess
import sys
import threading
import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import neuronet
from neuronet import Network, diagram
from neuronet.serialization import atomic_write

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX FIFOs, devices and sockets")


class Reader:
    """Reads a FIFO to its end in a thread, as the process at the other end of a pipe would."""

    def __init__(self, path):
        self.data = None
        self.thread = threading.Thread(target=self._read, args=(path,), daemon=True)
        self.thread.start()

    def _read(self, path):
        with open(path, "rb") as fifo:
            self.data = fifo.read()

    def result(self) -> bytes:
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "the writer never closed the FIFO"
        return self.data


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def _device(tmp_path, name, minor):
    """A character device node in the temporary folder, made like the system's own memory
    devices (1, minor): 3 is a null device, 5 a zero device, 7 a full one. Needs root."""
    path = tmp_path / name
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
        with open(path, "rb"):
            pass
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a character device here ({exc})")
    return path


def _only(tmp_path, *names):
    assert sorted(os.listdir(tmp_path)) == sorted(names)


def test_a_save_into_a_fifo_streams_the_model_and_leaves_the_fifo(tmp_path, fifo):
    net = Network.mlp([3, 5, 2], seed=0)
    reader = Reader(fifo)
    assert net.save(fifo) == fifo
    data = reader.result()
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    _only(tmp_path, "pipe")
    copy = tmp_path / "copy.npz"
    copy.write_bytes(data)
    X = np.random.default_rng(0).normal(size=(4, 3))
    assert np.array_equal(neuronet.load(copy).predict(X), net.predict(X))


def test_text_into_a_fifo_through_a_symbolic_link(tmp_path, fifo):
    link = tmp_path / "link"
    link.symlink_to(fifo)
    reader = Reader(fifo)
    with atomic_write(link, "w") as file:
        file.write("café\n")
    assert reader.result() == "café\n".encode()
    assert link.is_symlink() and stat.S_ISFIFO(os.stat(link).st_mode)
    _only(tmp_path, "pipe", "link")


def test_an_error_while_writing_into_a_fifo_leaves_it_a_fifo(tmp_path, fifo):
    reader = Reader(fifo)
    with pytest.raises(RuntimeError, match="stop"):
        with atomic_write(fifo) as file:
            file.write(b"partial")
            raise RuntimeError("stop")
    assert reader.result() == b"partial"  # what went into a pipe cannot be taken back
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    _only(tmp_path, "pipe")


def test_every_writer_goes_into_a_fifo(tmp_path, fifo):
    net = Network.mlp([2, 3, 2], seed=0)
    writers = {
        "save": lambda: net.save(fifo),
        "diagram": lambda: diagram.save(net, fifo),
        "svg": lambda: diagram.draw_network(net).save(fifo),
    }
    pytest.importorskip("onnx")
    writers["to_onnx"] = lambda: net.to_onnx(fifo)
    from neuronet.sklearn import NetClassifier

    estimator = NetClassifier((3,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # five epochs: enough to have weights to export
        estimator.fit(np.random.default_rng(0).normal(size=(20, 2)), [0, 1] * 10)
    writers["estimator to_onnx"] = lambda: estimator.to_onnx(fifo)
    for name, write in writers.items():
        reader = Reader(fifo)
        write()
        assert reader.result(), name
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode), name
    _only(tmp_path, "pipe")


def test_a_character_device_is_written_into_not_replaced(tmp_path):
    null = _device(tmp_path, "null", 3)
    Network.mlp([3, 2], seed=0).save(null)
    with atomic_write(null, "w") as file:
        file.write("text")
    assert stat.S_ISCHR(os.lstat(null).st_mode)
    assert os.stat(null).st_rdev == os.makedev(1, 3)
    _only(tmp_path, "null")


def test_a_device_that_refuses_the_data_fails_and_stays(tmp_path):
    full = _device(tmp_path, "full", 7)
    with pytest.raises(OSError) as error:
        Network.mlp([30, 20], seed=0).save(full)
    assert error.value.errno == errno.ENOSPC
    assert stat.S_ISCHR(os.lstat(full).st_mode)
    _only(tmp_path, "full")


def test_a_socket_that_is_not_ours_is_refused_and_kept(tmp_path):
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
        with pytest.raises(OSError, match="is a socket that is not one of this process's"):
            Network.mlp([3, 2], seed=0).save(path)
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
    finally:
        server.close()
    _only(tmp_path, "sock")


def test_a_symbolic_link_loop_is_refused_not_replaced(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(OSError) as error:
        Network.mlp([3, 2], seed=0).save(loop)
    assert error.value.errno == errno.ELOOP
    assert loop.is_symlink() and os.readlink(loop) == str(loop)
    _only(tmp_path, "loop")


def test_a_regular_file_is_still_replaced_atomically(tmp_path):
    path = tmp_path / "m.npz"
    path.write_bytes(b"old")
    inode = path.stat().st_ino
    Network.mlp([3, 2], seed=0).save(path)
    assert path.stat().st_ino != inode  # a new file renamed into place, not rewritten
    assert isinstance(neuronet.load(path), Network)
    _only(tmp_path, "m.npz")


# --- standard output named as a file ------------------------------------------------------------

NAMES = ["/dev/stdout", "/proc/self/fd/1"]


def _neuronet(*args, stdout=subprocess.PIPE, cwd=None):
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "neuronet", *map(str, args)], stdout=stdout,
                          stderr=subprocess.PIPE, cwd=cwd, env=env)


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    folder = tmp_path_factory.mktemp("table")
    rng = np.random.default_rng(0)
    rows = ["a,b,label"] + [f"{x:.3f},{y:.3f},{'yes' if x + y > 0 else 'no'}"
                            for x, y in rng.normal(size=(40, 2))]
    (folder / "data.csv").write_text("\n".join(rows) + "\n")
    model = folder / "model.npz"
    result = _neuronet("train", folder / "data.csv", "--target", "label", "--out", model,
                       "--epochs", "3", "--quiet")
    assert result.returncode == 0, result.stderr
    return folder


@pytest.mark.parametrize("name", NAMES)
def test_predictions_into_standard_output_that_is_a_pipe(table, name):
    if not os.path.exists(name):
        pytest.skip(f"no {name} here")
    result = _neuronet("predict", table / "model.npz", table / "data.csv", "--out", name)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 41 and set(lines[1:]) <= {"yes", "no"}
    assert b"temporary" not in result.stderr and b".tmp" not in result.stderr


@pytest.mark.parametrize("name", NAMES)
def test_a_diagram_into_standard_output_that_is_a_pipe(table, name):
    if not os.path.exists(name):
        pytest.skip(f"no {name} here")
    result = _neuronet("diagram", table / "model.npz", "-o", name)
    assert result.returncode == 0, result.stderr
    svg, _, note = result.stdout.decode().rpartition("</svg>\n")
    ET.fromstring(svg + "</svg>")
    assert note.startswith("Drew ")


def test_a_model_into_standard_output_that_is_a_socket(table):
    ours, theirs = socket.socketpair()
    with ours, theirs:
        process = subprocess.Popen(
            [sys.executable, "-m", "neuronet", "train", table / "data.csv", "--target", "label",
             "--out", "/dev/stdout", "--epochs", "2", "--quiet"],
            stdout=theirs.fileno(), stderr=subprocess.PIPE)
        theirs.close()
        chunks = []
        while chunk := ours.recv(1 << 16):
            chunks.append(chunk)
        assert process.wait(timeout=120) == 0, process.stderr.read()
        report = process.stderr.read().decode()
        process.stderr.close()
    # Standard output holds the model alone; the report of what train did went to stderr.
    model = table / "streamed.npz"
    model.write_bytes(b"".join(chunks))
    loaded = neuronet.load(model)
    assert loaded.network.n_inputs == loaded.preparation.n_features and \
        loaded.preparation.columns == ["a", "b"]
    assert report.startswith("data:") and "model:      written to /dev/stdout" in report


def test_the_checks_before_writing_look_at_a_fifo_itself_not_its_folder(tmp_path, fifo,
                                                                          monkeypatch):
    from neuronet import _files

    # As a user who may write into the FIFO but not into its folder (as with /dev/stdout).
    writable = {os.fspath(fifo)}
    monkeypatch.setattr(_files.os, "access", lambda path, mode: os.fspath(path) in writable)
    _files.check_writable(os.fspath(fifo))
    with pytest.raises(ValueError, match="cannot write in the folder"):
        _files.check_writable(os.fspath(tmp_path / "new.csv"))
    writable.clear()
    with pytest.raises(ValueError, match="pipe: cannot write to it"):
        _files.check_writable(os.fspath(fifo))
