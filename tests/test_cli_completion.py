"""``neuronet completion``: the script completes subcommands, options and choices in bash."""

import shutil
import subprocess
import sys

import pytest

from neuronet.cli import build_parser
from neuronet.cli.completion import script


def _complete(words, shell_script):
    """What bash offers for the command line ``words`` (the last one being completed)."""
    line = " ".join(words)
    program = (f"{shell_script}\nCOMP_WORDS=({line})\nCOMP_CWORD={len(words) - 1}\n"
               "_neuronet_complete\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n")
    result = subprocess.run(["bash", "--norc", "--noprofile"], input=program, text=True,
                            capture_output=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


@pytest.fixture(scope="module")
def bash_script():
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    result = subprocess.run([sys.executable, "-m", "neuronet", "completion", "bash"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_script_completes_subcommands_options_and_choices(bash_script):
    assert _complete(["neuronet", "ev"], bash_script) == {"evaluate"}
    assert _complete(["neuronet", "--v"], bash_script) == {"--version"}
    assert _complete(["neuronet", "train", "x.csv", "--ep"], bash_script) == {"--epochs"}
    assert _complete(["neuronet", "train", "x.csv", "--task", ""], bash_script) == \
        {"classification", "regression"}
    assert {"xor", "digits", "tutorial"} <= _complete(["neuronet", "demo", ""], bash_script)
    assert "--output" not in _complete(["neuronet", "diagram", "--"], bash_script)


def test_the_script_offers_every_option_of_every_subcommand(bash_script):
    parser = build_parser()
    for name, sub in parser.subcommands.items():
        offered = _complete(["neuronet", name, "-"], bash_script)
        shown = {flag for action in sub.arguments if action.help != "==SUPPRESS=="
                 for flag in action.option_strings}
        assert offered == shown, name


def test_zsh_loads_bash_s_completion_and_other_shells_are_refused(run_cli):
    assert script(build_parser(), "zsh").splitlines()[2] == \
        "autoload -U +X bashcompinit && bashcompinit"
    with pytest.raises(ValueError, match="bash, zsh"):
        script(build_parser(), "fish")
    result = run_cli("completion", "fish")
    assert result.returncode == 2 and "invalid choice: 'fish'" in result.stderr
