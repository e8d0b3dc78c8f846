"""Loading reads only regular files, and only as much as they may hold: what is not a
regular file, what is too large, and a zip directory that lists too much are refused before
they cost time or memory."""

import os
import socket
import stat
import struct
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

import neuronet
from neuronet import Dense, ModelFileError, Network, serialization
from neuronet.serialization import read_model

posix = pytest.mark.skipif(os.name == "nt", reason="POSIX FIFOs, devices and sockets")


def load_error(path, **options) -> str:
    with pytest.raises(ModelFileError) as info:
        neuronet.load(path, **options)
    assert str(info.value) == f"{path}: {info.value.problem}"
    return info.value.problem


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.npz"
    Network.mlp([3, 4, 2], seed=0).save(path)
    return path


# --- what is not a regular file ----------------------------------------------------------------


@posix
def test_a_fifo_is_refused_at_once_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # Opened naively, a FIFO with no writer would block this test forever.
    assert load_error(fifo) == ("is a named pipe (FIFO), not a model file; models are read "
                                "from regular files only")


@posix
def test_an_endless_device_is_refused_at_once(tmp_path):
    zero = tmp_path / "zero"
    try:
        os.mknod(zero, 0o444 | stat.S_IFCHR, os.makedev(1, 5))  # as the system's zero device
        with open(zero, "rb") as device:
            assert device.read(4) == bytes(4)
    except OSError as exc:
        pytest.skip(f"cannot make a character device here ({exc})")
    tracemalloc.start()
    try:
        problem = load_error(zero)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert problem == ("is a character device, not a model file; models are read from regular "
                       "files only")
    assert peak < 1 << 20


@posix
def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
        assert load_error(path).startswith("is a socket, not a model file")
    finally:
        server.close()


def test_a_directory_is_refused(tmp_path):
    assert load_error(tmp_path) == "is a directory, not a model file"


@posix
def test_a_symbolic_link_loop_is_refused_cleanly(tmp_path, model):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    assert load_error(loop) == "cannot read the file: Too many levels of symbolic links"
    link = tmp_path / "link.npz"  # a link to a model is read through, as any reader would
    link.symlink_to(model)
    assert isinstance(neuronet.load(link), Network)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")
def test_a_file_that_says_it_is_empty_is_read_as_empty():
    # /proc's files are regular, of size 0, and yet give text: reads stop at the size.
    assert os.stat("/proc/self/status").st_size == 0
    assert "not a zip archive" in load_error("/proc/self/status")


# --- the size limit ------------------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_before_reading(model, monkeypatch):
    size = model.stat().st_size
    assert load_error(model, max_bytes=size - 1) == (
        f"is {size:,} bytes, more than the {size - 1:,} a model file may have here "
        "(load(path, max_bytes=...) reads larger files)")
    assert isinstance(neuronet.load(model, max_bytes=size), Network)
    monkeypatch.setattr(serialization, "MAX_FILE_BYTES", size - 1)  # the default, everywhere
    assert "more than the" in load_error(model)
    with pytest.raises(ModelFileError):
        read_model(model)
    assert isinstance(neuronet.load(model, max_bytes=size), Network)


def test_the_default_limit_is_two_gibibytes():
    assert serialization.MAX_FILE_BYTES == 2 << 30


@pytest.mark.parametrize("bad", [-1, 1.5, "big", True])
def test_max_bytes_must_be_a_number_of_bytes(model, bad):
    with pytest.raises(ValueError, match="max_bytes must be a whole number of bytes"):
        neuronet.load(model, max_bytes=bad)


# --- the zip directory -------------------------------------------------------------------------

END = struct.Struct("<4s4H2LH")
END64 = struct.Struct("<4sQ2H2L4Q")
LOCATOR = struct.Struct("<4sLQL")
ENTRY = struct.Struct("<4s6H3L5H2L")


def hostile_zip(path, listed, declared=None, zip64=False):
    """A zip whose central directory lists ``listed`` entries of one byte's name (all pointing
    at one empty member) and whose end record (its zip64 version for many) declares
    ``declared`` of them."""
    declared = listed if declared is None else declared
    zip64 = zip64 or declared > 0xFFFF
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, 0, 0, 0, 1, 0) + b"x"
    directory = ENTRY.pack(b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, 0, 0, 0, 1, 0, 0, 0, 0, 0,
                           0) + b"x"
    directory *= listed
    if zip64:
        end = (END64.pack(b"PK\x06\x06", 44, 45, 45, 0, 0, declared, declared, len(directory),
                          len(local))
               + LOCATOR.pack(b"PK\x06\x07", 0, len(local) + len(directory), 1)
               + END.pack(b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))
    else:
        end = END.pack(b"PK\x05\x06", 0, 0, declared, declared, len(directory), len(local), 0)
    path.write_bytes(local + directory + end)
    return path


def refused_with_little_memory(path) -> str:
    tracemalloc.start()
    try:
        problem = load_error(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20, f"{peak:,} bytes to refuse the file"
    return problem


def test_a_directory_of_a_million_entries_is_refused_before_it_is_parsed(tmp_path):
    path = hostile_zip(tmp_path / "many.npz", 1_000_000)
    assert path.stat().st_size > 47_000_000
    assert refused_with_little_memory(path) == \
        "holds 1,000,000 members, more than the 21,001 a model file may have"


def test_the_end_record_is_found_where_zipfile_finds_it(tmp_path):
    # zipfile looks for the end record as far back as a comment of 64 KiB could put it.
    path = hostile_zip(tmp_path / "far.npz", 100_000)
    with open(path, "ab") as file:
        file.write(bytes(1 << 16))
    assert refused_with_little_memory(path) == \
        "holds 100,000 members, more than the 21,001 a model file may have"


def test_a_zip64_directory_claiming_billions_is_refused(tmp_path):
    path = hostile_zip(tmp_path / "zip64.npz", 3, declared=5_000_000_000, zip64=True)
    assert refused_with_little_memory(path) == \
        "holds 5,000,000,000 members, more than the 21,001 a model file may have"


def test_a_directory_larger_than_its_members_need_is_refused(tmp_path):
    path = hostile_zip(tmp_path / "big.npz", 200_000, declared=3)
    assert refused_with_little_memory(path) == (
        "the file is corrupted (its central directory claims 9,400,000 bytes for 3 members)")


def test_a_directory_holding_more_entries_than_it_declares_is_refused(tmp_path):
    # 60 entries of 47 bytes fit in the room 3 members may take: counted, not parsed.
    path = hostile_zip(tmp_path / "more.npz", 60, declared=3)
    assert load_error(path) == ("the file is corrupted (its central directory holds more than "
                                "the 3 members it declares)")


def test_a_directory_claiming_more_bytes_than_the_file_has(tmp_path, model):
    data = bytearray(model.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    data[end + 12:end + 16] = (10**6).to_bytes(4, "little")  # the directory's size
    model.write_bytes(bytes(data))
    assert load_error(model) == ("the file is corrupted (its central directory claims "
                                 "1,000,000 bytes for 5 members)")


def test_a_model_with_a_comment_and_zip64_records_still_loads(tmp_path):
    import zipfile

    net = Network.mlp([3, 4, 2], seed=0)
    path = net.save(tmp_path / "m.npz")
    with zipfile.ZipFile(path, "a") as archive:
        archive.comment = b"saved by hand"
    assert isinstance(neuronet.load(path), Network)
    members = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            members[info.filename] = archive.read(info)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            with archive.open(name, "w", force_zip64=True) as out:
                out.write(data)
    X = np.ones((2, 3))
    assert np.array_equal(neuronet.load(path).predict(X), net.predict(X))


# --- memory while loading ----------------------------------------------------------------------


def _traced(function):
    tracemalloc.start()
    try:
        result = function()
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, kept, peak


def test_loading_takes_the_arrays_memory_and_little_more(tmp_path, monkeypatch):
    net = Network([Dense(1024, 1024, "relu"), Dense(1024, 10, "softmax")], seed=0)
    path = net.save(tmp_path / "m.npz")
    size = sum(p.nbytes for p in net.parameters())  # 8.3 MB
    del net
    loaded, kept, peak = _traced(lambda: neuronet.load(path))
    assert sum(p.nbytes for p in loaded.parameters()) == size
    assert peak < 3 * size  # the arrays, the network's gradient buffers, a chunk
    # Reading the file alone: the arrays and a chunk, not a second copy of each (reading a
    # member whole and then converting it took twice the arrays' size).
    monkeypatch.setattr(serialization, "build", lambda header, arrays: arrays)
    arrays, kept, peak = _traced(lambda: neuronet.load(path))
    assert sum(a.nbytes for a in arrays.values()) == size
    assert kept >= size and peak < size + (2 << 20)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads Linux's RssAnon")
def test_a_loaded_model_holds_its_weights_in_memory_not_also_its_gradients(tmp_path):
    # The gradient buffers are zero pages the system hands over untouched until training
    # writes them: a model loaded to predict costs its weights' memory, not twice that.
    path = Network([Dense(2000, 4000, "relu"), Dense(4000, 2, "softmax")], seed=0).save(
        tmp_path / "big.npz")
    code = ("import neuronet\n"
            "def rss():\n"
            "    for line in open('/proc/self/status'):\n"
            "        if line.startswith('RssAnon'):\n"
            "            return int(line.split()[1]) * 1024\n"
            "before = rss()\n"
            f"net = neuronet.load({str(path)!r})\n"
            "print(rss() - before, sum(p.nbytes for p in net.parameters()))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    grown, weights = map(int, done.stdout.split())
    assert weights == 64_096_016
    assert grown < 1.25 * weights
