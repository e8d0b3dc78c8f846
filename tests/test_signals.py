"""Signals that end the process during a save: no temporary file is left, the old file is
intact, and the process still ends by the signal."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import neuronet
from neuronet import Network
from neuronet.serialization import atomic_write

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")

SIZES = [1000, 1000, 10]  # 8 MB of weights: a save takes long enough to be caught in the act

SAVER = textwrap.dedent("""
    import signal
    import sys
    import neuronet

    for signum in (signal.SIGTERM, signal.SIGHUP):  # as a shell starts it (not under nohup)
        signal.signal(signum, signal.SIG_DFL)

    path = sys.argv[1]
    nets = [neuronet.Network.mlp({sizes}, seed=seed) for seed in (1, 2)]
    print("ready", flush=True)
    i = 0
    while True:
        nets[i % 2].save(path)
        i += 1
""").format(sizes=SIZES)


def _temporaries(folder):
    return [name for name in os.listdir(folder) if name.endswith(".tmp")]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_a_save_leaves_no_temporary_and_the_old_file(tmp_path, signum):
    folder = tmp_path / "models"
    folder.mkdir()
    path = folder / "model.npz"
    nets = [Network.mlp(SIZES, seed=seed) for seed in (1, 2)]
    nets[0].save(path)
    X = np.random.default_rng(0).normal(size=(3, SIZES[0]))
    expected = [net.predict(X) for net in nets]
    script = tmp_path / "saver.py"
    script.write_text(SAVER)
    for _ in range(2):
        process = subprocess.Popen([sys.executable, str(script), str(path)],
                                   stdout=subprocess.PIPE, text=True)
        try:
            assert process.stdout.readline() == "ready\n"
            deadline = time.monotonic() + 60
            while not _temporaries(folder):  # a save is under way: its temporary file exists
                assert time.monotonic() < deadline, "the saver never started a save"
                time.sleep(0.001)
            process.send_signal(signum)
            assert process.wait(timeout=60) == -signum  # ended by the signal, as it asks
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()
        assert _temporaries(folder) == []
        assert os.listdir(folder) == ["model.npz"]
        got = neuronet.load(path).predict(X)
        assert any(np.array_equal(got, want) for want in expected)


@pytest.fixture
def default_handlers():
    """SIGTERM and SIGHUP at their default action (a run under nohup ignores SIGHUP)."""
    signums = (signal.SIGTERM, signal.SIGHUP)
    previous = [signal.signal(signum, signal.SIG_DFL) for signum in signums]
    yield
    for signum, handler in zip(signums, previous):
        signal.signal(signum, handler)


def test_the_handler_is_there_only_while_a_save_runs(tmp_path, default_handlers):
    with atomic_write(tmp_path / "a.bin") as file:
        during = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)
        with atomic_write(tmp_path / "b.bin") as inner:  # nested: still there after it
            inner.write(b"b")
        assert signal.getsignal(signal.SIGTERM) is during[0]
        file.write(b"a")
    assert all(callable(handler) for handler in during)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert signal.getsignal(signal.SIGHUP) is signal.SIG_DFL


def test_a_handler_of_the_program_or_an_ignored_signal_is_left_alone(tmp_path):
    def own(signum, frame):
        pass

    previous = signal.signal(signal.SIGTERM, own), signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with atomic_write(tmp_path / "a.bin") as file:
            assert signal.getsignal(signal.SIGTERM) is own
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            file.write(b"a")
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGHUP, previous[1])


def test_a_save_in_another_thread_changes_no_handler(tmp_path, default_handlers):
    seen = []

    def save():
        with atomic_write(tmp_path / "a.bin") as file:
            seen.append(signal.getsignal(signal.SIGTERM))
            file.write(b"a")

    thread = threading.Thread(target=save)
    thread.start()
    thread.join()
    assert seen == [signal.SIG_DFL]
    assert (tmp_path / "a.bin").read_bytes() == b"a"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_ended_by_a_signal_leaves_the_parents_save_alone(tmp_path, default_handlers):
    # A child forked while a save runs (a process pool starting a worker, say) inherits the
    # handler; when it is terminated, the parent's temporary file is not its to remove.
    path = tmp_path / "out.bin"
    with atomic_write(path) as file:
        file.write(b"parent")
        pid = os.fork()
        if pid == 0:
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)
            finally:
                os._exit(3)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM
    assert path.read_bytes() == b"parent"
    assert os.listdir(tmp_path) == ["out.bin"]
