import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXPECTED_TUTORIAL = (
    "Random starting weights: \n"
    "[[ 0.69763539]\n [-0.64220815]\n [-0.89127357]]\n"
    "New weights after training: \n"
    "[[ 9.67341006]\n [-0.20852727]\n [-4.62943754]]\n"
    "Test of input [1, 0, 0] -> ?: \n"
    "[0.99993707]\n"
)


def test_demo_prints_the_tutorials_numbers(run_cli):
    result = run_cli("demo")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(EXPECTED_TUTORIAL)
    last = result.stdout[len(EXPECTED_TUTORIAL):].splitlines()
    assert len(last) == 1 and last[0].startswith("Trained 10,000 iterations in ")
    assert result.stderr == ""


def test_demo_tutorial_by_name(run_cli):
    result = run_cli("demo", "tutorial")
    assert result.returncode == 0
    assert result.stdout.startswith(EXPECTED_TUTORIAL)


def test_console_script_is_installed():
    script = shutil.which("neuronet", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("neuronet is not installed as a console script here")
    result = subprocess.run([script, "demo"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith(EXPECTED_TUTORIAL)


def test_version(run_cli):
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("neuronet ")


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "the following arguments are required: COMMAND"),
        (("fly",), "invalid choice: 'fly'"),
        (("demo", "nothing"), "invalid choice: 'nothing'"),
        (("demo", "--bogus"), "unrecognized arguments: --bogus"),
    ],
)
def test_usage_errors_are_one_line_with_status_2(run_cli, args, message):
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("neuronet: error: ")
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def test_demo_xor_shows_the_neuron_failing_and_the_network_succeeding(run_cli):
    result = run_cli("demo", "xor")
    assert result.returncode == 0, result.stderr
    neuron_part, network_part = result.stdout.split("A network with a hidden layer")
    assert "accuracy 50%" in neuron_part
    assert "accuracy 100%" in network_part


def test_demo_digits_reports_test_accuracy(run_cli):
    pytest.importorskip("sklearn")
    result = run_cli("demo", "digits")
    assert result.returncode == 0, result.stderr
    accuracy = float(result.stdout.rsplit("test accuracy ", 1)[1].split("%")[0])
    assert accuracy >= 97
    assert result.stderr == ""  # no progress bar drawn into a pipe or a log file


RUN_THEN = """
import atexit, sys, threading, time
from pathlib import Path
marks = Path(sys.argv[1])
atexit.register(lambda: (marks / "atexit").write_text("ran"))
if sys.argv[2] == "thread":
    late = lambda: (time.sleep(0.5), (marks / "thread").write_text("done"))
    threading.Thread(target=late).start()
sys.argv = ["neuronet", *sys.argv[3:]]
from neuronet.cli import run
run()
"""


def test_the_program_ends_fast_yet_flushes_its_output_and_runs_the_exit_handlers(tmp_path):
    # run() skips Python's teardown: a large output through a pipe still arrives whole, the
    # status is main's, and atexit's handlers run.
    table = tmp_path / "t.csv"
    rows = ["x,y"] + [f"{i % 97},{'ab'[i % 2]}" for i in range(30_000)]
    table.write_text("\n".join(rows) + "\n")
    model = tmp_path / "m.npz"
    script = [sys.executable, "-c", RUN_THEN, str(tmp_path), "plain"]
    trained = subprocess.run([*script, "train", str(table), "--target", "y", "--epochs", "1",
                              "--out", str(model), "--quiet"], capture_output=True, text=True)
    assert trained.returncode == 0, trained.stderr
    (tmp_path / "atexit").unlink()
    piped = subprocess.run([*script, "predict", str(model), str(table), "--out", "-"],
                           stdout=subprocess.PIPE, text=True)
    assert piped.returncode == 0
    assert len(piped.stdout.splitlines()) == 30_001  # the header and every row
    assert (tmp_path / "atexit").read_text() == "ran"
    failed = subprocess.run([*script, "predict", str(tmp_path / "none.npz"), str(table)],
                            capture_output=True, text=True)
    assert failed.returncode == 1 and failed.stderr.startswith("neuronet: error: ")


def test_the_program_waits_for_a_thread_still_running(tmp_path):
    result = subprocess.run([sys.executable, "-c", RUN_THEN, str(tmp_path), "thread", "demo",
                             "tutorial"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(EXPECTED_TUTORIAL)
    assert (tmp_path / "thread").read_text() == "done"  # not cut short by the quick exit
