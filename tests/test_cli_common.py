"""neuronet.cli.common: what the subcommands share — the one-line error and its status, the
parser that raises it, and flags made from an option of ``tabular.TrainSettings``."""

import pytest

from neuronet.cli.common import (
    CommandError,
    Parser,
    add_option,
    check_writable,
    number,
    reading_options,
)
from neuronet.tabular._kinds import Kind, Whole
from neuronet.tabular.settings import Option, options


def _parser():
    return Parser(prog="neuronet try")


def test_a_usage_error_is_one_line_with_status_2():
    parser = _parser()
    parser.add_argument("--n", type=number(lambda v: v > 1, "a number above 1"))
    with pytest.raises(CommandError) as info:
        parser.parse_args(["--n", "0.5"])
    assert info.value.status == 2
    assert str(info.value) == ("argument --n: expected a number above 1, got 0.5 (see "
                               "'neuronet try --help')")
    assert parser.parse_args(["--n", "3"]).n == 3.0


def test_a_flag_made_from_an_option_reads_its_kind_and_shows_its_default():
    parser = _parser()
    option = Option("batch_size", 32, Whole(1), "rows per step", "fitting", "--batch-size",
                    "N", False, None)
    add_option(parser, option)
    assert parser.parse_args([]).batch_size == 32
    assert parser.parse_args(["--batch-size", "8"]).batch_size == 8
    with pytest.raises(CommandError, match="argument --batch-size: expected at least 1, got 0"):
        parser.parse_args(["--batch-size", "0"])
    assert "rows per step (default: 32)" in " ".join(parser.format_help().split())

    class Switch(Kind):
        type_name = "bool"

        def accepts(self, value):
            return isinstance(value, bool)

    switch = Option("shuffle", False, Switch(), "shuffle the rows", "fitting", "--shuffle",
                    None, False, None)
    add_option(parser, switch)
    assert parser.parse_args(["--shuffle"]).shuffle is True


def test_the_reading_options_are_those_of_train(capsys):
    parser = _parser()
    reading_options(parser)
    args = parser.parse_args(["--sep", ";", "--encoding", "latin-1"])
    assert (args.sep, args.encoding) == (";", "latin-1")
    helps = {o.flag: o.help for o in options() if o.part == "reading"}
    text = " ".join(parser.format_help().split())
    assert all(" ".join(help.split()) in text for help in helps.values())


def test_a_file_that_cannot_be_written_fails_before_the_work(tmp_path):
    with pytest.raises(CommandError, match="no-such-folder"):
        check_writable(tmp_path / "no-such-folder" / "model.npz")
    check_writable(tmp_path / "model.npz")  # a new file in a folder that exists: fine
    assert not (tmp_path / "model.npz").exists()


def test_pandas_imported_for_a_table_command_leaves_pyarrow_out_and_importable():
    import subprocess
    import sys

    pytest.importorskip("pyarrow")
    code = ("import sys; from neuronet.cli.common import import_pandas_alone; "
            "import_pandas_alone(); print('pandas' in sys.modules, 'pyarrow' in sys.modules); "
            "import pandas as pd; print(pd.read_csv(__import__('io').StringIO('a\\nx\\n'))"
            "['a'].tolist()); import pyarrow; print(pyarrow.__name__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["True False", "['x']", "pyarrow"]
