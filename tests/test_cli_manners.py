"""The command's manners: one spelling of the output option, no abbreviations, --version, an
example in every subcommand's --help, a report that fits the terminal, the library's notes on
standard error and --quiet that hides them."""

import csv
import logging
import re

import numpy as np
import pytest

from neuronet import datasets
from neuronet.cli import build_parser, main


def _subcommands():
    return build_parser().subcommands


@pytest.fixture(scope="module")
def penguins_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("penguins")
    model = folder / "penguins.npz"
    assert main(["train", datasets.penguins_path(), "--target", "Species", "-o", str(model),
                 "--epochs", "20", "--validation-split", "0", "-q"]) == 0
    return model


# --- every parser ---------------------------------------------------------------------------


def test_no_parser_accepts_an_abbreviation():
    parser = build_parser()
    assert parser.allow_abbrev is False
    assert all(sub.allow_abbrev is False for sub in parser.subcommands.values())


def test_an_abbreviated_option_is_a_usage_error(run_cli, tmp_path):
    result = run_cli("train", datasets.penguins_path(), "--target", "Species", "-o",
                     tmp_path / "m.npz", "--epoch", "5")
    assert result.returncode == 2
    assert "unrecognized arguments: --epoch" in result.stderr
    assert not (tmp_path / "m.npz").exists()


def test_version_names_the_package_s_version(run_cli):
    from neuronet import __version__

    result = run_cli("--version")
    assert (result.returncode, result.stdout) == (0, f"neuronet {__version__}\n")


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_every_subcommand_s_help_shows_an_example(name, capsys):
    with pytest.raises(SystemExit) as done:
        main([name, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "\nexamples:\n" in text
    example = text.split("\nexamples:\n", 1)[1]
    assert f"  neuronet {name}" in example or f"neuronet {name} " in example


def test_every_option_that_names_an_output_is_spelled_o_out():
    for name, sub in _subcommands().items():
        for action in sub.arguments:
            if action.dest == "out" and action.option_strings[0].startswith("-o"):
                assert action.option_strings == ["-o", "--out"], name
        outputs = [a for a in sub.arguments if a.dest in ("out", "output")]
        shown = [a for a in outputs if a.help != "==SUPPRESS=="]
        assert len(shown) <= 1, name
        if shown:
            assert shown[0].option_strings == ["-o", "--out"], name


def test_the_old_output_spelling_still_works_and_is_not_shown(run_cli, tmp_path):
    result = run_cli("diagram", "--output", tmp_path / "old.svg")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "old.svg").read_text().startswith("<svg")
    help_text = run_cli("diagram", "--help").stdout
    assert "-o FILE, --out FILE" in help_text and "--output" not in help_text
    result = run_cli("diagram", "-o", tmp_path / "new.svg")
    assert result.returncode == 0 and (tmp_path / "new.svg").exists()


def test_train_and_predict_take_o(run_cli, penguins_model, tmp_path):
    out = tmp_path / "predictions.csv"
    result = run_cli("predict", penguins_model, datasets.penguins_path(), "-o", out)
    assert result.returncode == 0, result.stderr
    assert out.read_text().splitlines()[0] == "Species"


# --- info and evaluate ----------------------------------------------------------------------


def test_info_writes_a_negative_center_as_a_plus(run_cli, penguins_model):
    text = run_cli("info", penguins_model).stdout
    line = next(line for line in text.splitlines() if "Delta 13 C" in line)
    # The table's median of Delta 13 C is negative: shown as x + 25.8..., never as "- -".
    assert re.search(r"\(x \+ 25\.\d+\) / ", line), line
    assert "- -" not in text


def test_evaluate_fits_the_terminal_and_writes_the_whole_matrix(run_cli, penguins_model,
                                                                 tmp_path, monkeypatch):
    out = tmp_path / "confusion.csv"
    monkeypatch.setenv("COLUMNS", "80")
    result = run_cli("evaluate", penguins_model, datasets.penguins_path(), "-o", out)
    assert result.returncode == 0, result.stderr
    report_lines = result.stdout.splitlines()[1:-1]  # between the lines naming files
    assert max(map(len, report_lines)) <= 80
    assert "classes most confused" in result.stdout
    assert f"confusion matrix: written to {out}" in result.stdout
    import neuronet

    report = neuronet.load(penguins_model).evaluate(datasets.penguins_path())
    rows = list(csv.reader(out.open(newline="")))
    assert rows[0] == ["true class", *report["classes"]]
    assert [row[0] for row in rows[1:]] == report["classes"]
    assert [[int(v) for v in row[1:]] for row in rows[1:]] == report["confusion"].tolist()
    monkeypatch.setenv("COLUMNS", "250")
    wide = run_cli("evaluate", penguins_model, datasets.penguins_path())
    assert "confusion matrix (rows: true class, columns: predicted class)" in wide.stdout


def test_evaluate_out_needs_a_classifier_and_a_file(run_cli, tmp_path):
    data = tmp_path / "numbers.csv"
    rng = np.random.default_rng(0)
    x = rng.normal(size=60)
    data.write_text("x,y\n" + "".join(f"{a},{2 * a + 1}\n" for a in x))
    model = tmp_path / "numbers.npz"
    assert run_cli("train", data, "--target", "y", "-o", model, "--epochs", "3").returncode == 0
    result = run_cli("evaluate", model, data, "-o", tmp_path / "m.csv")
    assert result.returncode == 1 and "confusion matrix of a classifier" in result.stderr
    assert not (tmp_path / "m.csv").exists()
    result = run_cli("evaluate", model, data, "-o", "-")
    assert result.returncode == 2 and result.stdout == ""


# --- notes on standard error ----------------------------------------------------------------


def test_the_library_s_logger_discards_until_asked():
    logger = logging.getLogger("neuronet")
    assert any(isinstance(h, logging.NullHandler) for h in logger.handlers)


def test_evaluate_notes_rows_without_a_target_on_stderr_and_quiet_hides_it(run_cli, tmp_path):
    model = tmp_path / "sex.npz"
    penguins = datasets.penguins_path()
    assert run_cli("train", penguins, "--target", "Sex", "-o", model, "--epochs", "5",
                   "--validation-split", "0").returncode == 0
    result = run_cli("evaluate", model, penguins)
    assert result.returncode == 0, result.stderr
    assert result.stderr == (f"neuronet: note: {penguins}: 11 rows without a target value "
                             "left out of the scores\n")
    assert result.stdout.startswith(f"{penguins}: 333 examples\n")
    quiet = run_cli("evaluate", model, penguins, "--quiet")
    assert quiet.stderr == "" and quiet.stdout == result.stdout


def test_main_puts_logging_back_as_it_was(tmp_path, capsys):
    logger = logging.getLogger("neuronet")
    before = (list(logger.handlers), logger.level, logger.propagate)
    assert main(["data", "penguins", "-o", str(tmp_path / "p.csv")]) == 0
    assert (list(logger.handlers), logger.level, logger.propagate) == before


def test_a_warning_is_one_line_on_stderr_and_quiet_hides_it(monkeypatch, capsys):
    import warnings

    from neuronet.cli import demo

    def warn(args):
        warnings.warn("something to know\nover two lines", UserWarning, stacklevel=2)

    monkeypatch.setitem(demo.DEMOS, "xor", warn)
    assert main(["demo", "xor"]) == 0
    assert capsys.readouterr().err == "neuronet: warning: something to know\\x0aover two lines\n"
    assert main(["demo", "xor", "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_train_quiet_also_turns_off_the_progress_bar(tmp_path):
    parser = build_parser()
    args = parser.parse_args(["train", "x.csv", "--target", "y", "-o", "m.npz", "--quiet"])
    assert (args.progress, args.quiet) == (False, True)
    args = parser.parse_args(["train", "x.csv", "--target", "y", "-o", "m.npz"])
    assert args.quiet is False


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_the_help_is_wrapped_to_the_terminal_and_the_examples_kept(name, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main([name, "--help"])
    text, examples = capsys.readouterr().out.split("\nexamples:\n", 1)
    assert max(map(len, text.splitlines())) <= 80
    assert all(line.startswith("  ") and "\n" not in line for line in examples.splitlines())
