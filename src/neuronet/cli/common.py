"""What the ``neuronet`` command's subcommands share: the one-line error, the parser that
raises it, the types of their options, and the flags made from ``tabular.TrainSettings``."""

from __future__ import annotations

import argparse
import sys

from .. import _files


class CommandError(Exception):
    """A failure to report as one line, with the exit status to end with.

    Parameters
    ----------
    message : str
        The line, after "neuronet: error: ".
    status : int
        The exit status: 1 for the data or files, 2 for a usage error.
    """

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


class _Formatter(argparse.HelpFormatter):
    """argparse's help, the description wrapped to the terminal, the examples as written."""

    def _fill_text(self, text, width, indent):
        if text.startswith("examples:\n"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


class Parser(argparse.ArgumentParser):
    """An argparse parser with the command's manners: a usage error is a ``CommandError`` of
    status 2 (one line, no usage block), no option may be abbreviated (``--epoch`` is not
    ``--epochs``: an abbreviation that works today breaks when a longer option is added), and
    an epilog of examples keeps its lines as written.

    Parameters
    ----------
    *args, **kwargs
        Those of ``argparse.ArgumentParser``.
    """

    def __init__(self, *args, **kwargs):
        # Kept in the open for the completion script, which argparse does not give.
        self.arguments: list = []
        self.subcommands: dict = {}
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def add_argument(self, *args, **kwargs):
        """Add an argument, as ``argparse.ArgumentParser.add_argument`` does, and keep it.

        Parameters
        ----------
        *args, **kwargs
            Those of ``argparse.ArgumentParser.add_argument``.

        Returns
        -------
        argparse.Action
            The argument's action.
        """
        action = super().add_argument(*args, **kwargs)
        self.arguments.append(action)
        return action

    def add_subparsers(self, **kwargs):
        """Add subcommands, as ``argparse.ArgumentParser.add_subparsers`` does, and keep them.

        Parameters
        ----------
        **kwargs
            Those of ``argparse.ArgumentParser.add_subparsers``.

        Returns
        -------
        argparse.Action
            Its ``add_parser`` adds a subcommand.
        """
        action = super().add_subparsers(**kwargs)
        self.subcommands = action.choices
        return action

    def error(self, message):
        """Raise argparse's usage error as a ``CommandError`` of status 2.

        Parameters
        ----------
        message : str
            Argparse's text of the error.

        Raises
        ------
        CommandError
            Always, with the message and where to read the usage.
        """
        raise CommandError(f"{message} (see '{self.prog} --help')", status=2)


def examples(*lines: str) -> str:
    """The epilog of a subcommand's ``--help``: its examples, one command a line.

    Parameters
    ----------
    *lines : str
        Commands, each shown on a line of its own; a line beginning with ``#`` says what the
        next ones do.

    Returns
    -------
    str
        The text, under the heading "examples:".
    """
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def add_out(parser, help: str, *, required: bool = False, alias: str | None = None) -> None:
    """The output option every subcommand spells alike: ``-o/--out FILE``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    help : str
        What is written there.
    required : bool
        Whether the subcommand needs it.
    alias : str, optional
        An older spelling (such as ``--output``) still accepted, and left out of the help.
    """
    parser.add_argument("-o", "--out", metavar="FILE", required=required, help=help)
    if alias:
        parser.add_argument(alias, dest="out", metavar="FILE", help=argparse.SUPPRESS)


def add_quiet(parser) -> None:
    """``-q/--quiet``: no notes on standard error (and no progress bar).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    """
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="show no notes on standard error (rows left out, weights "
                        "restored, warnings)")


class _Quiet(argparse.Action):
    """``--quiet`` of ``neuronet train``: off goes the progress bar, and the notes too."""

    def __init__(self, option_strings, dest, **kwargs):
        kwargs.pop("nargs", None)
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, False)
        namespace.quiet = True


def number(within, expected):
    """An argparse type: a float for which ``within(value)`` holds.

    Parameters
    ----------
    within : callable
        ``within(value)`` says whether a value is allowed.
    expected : str
        What is allowed, for the message ("a port from 0 to 65535").

    Returns
    -------
    callable
        From text to the float.
    """

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not within(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text}")
        return value

    return parse


def add_option(parser, option) -> None:
    """The flag of one option of ``tabular.TrainSettings`` (``option``: a
    ``tabular.settings.Option``): its name, help and default from the settings, its text read
    by the option's kind, whose message argparse shows for a wrong value ("argument --epochs:
    expected at least 1, got 0"). The destination is the option's name, so that the parsed
    arguments give the settings back by name.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    option : Option
        An option of ``tabular.TrainSettings``.
    """
    kind = option.kind
    if kind.type_name == "bool" and not option.negated:
        parser.add_argument(option.flag, dest=option.name, action="store_true",
                            help=option.help)
        return
    if option.negated:
        # --quiet: a progress bar by default where a person watches (a terminal), never in a
        # log file; the flag turns it off.
        # The same flag hides the notes on standard error, as on the other subcommands.
        flags = ["-q", option.flag] if option.flag == "--quiet" else [option.flag]
        parser.add_argument(*flags, dest=option.name, action=_Quiet,
                            default=sys.stderr.isatty(),
                            help=f"{option.flag_help}; and no notes on standard error")
        parser.set_defaults(quiet=False)
        return
    shown = option.default
    if isinstance(shown, tuple):
        shown = ",".join(map(str, shown)) or "none"
    elif isinstance(shown, float):
        shown = f"{shown:g}"
    help = option.help if shown is None else f"{option.help} (default: {shown})"
    extra = {}
    if kind.choices is not None:
        extra["choices"] = list(kind.choices)
    else:
        extra["type"] = _argument_type(kind)
    parser.add_argument(option.flag, dest=option.name, default=option.default,
                        metavar=option.metavar, help=help, **extra)


def _argument_type(kind):
    def parse(text):
        try:
            return kind.parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = kind.type_name  # argparse names the type by it
    return parse


def reading_options(parser) -> None:
    """--sep and --encoding, as ``neuronet train`` has them.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    """
    from ..tabular.settings import options

    for option in options():
        if option.part == "reading":
            add_option(parser, option)


def check_writable(path, inputs=(), *, patterns: bool = False) -> None:
    """Fail before the work, not after it, when the output cannot be written, or when it is
    one of the ``inputs`` (files, or with ``patterns`` glob patterns of files, to read).

    Parameters
    ----------
    path : str
        The output.
    inputs : sequence of str
        The command's inputs.
    patterns : bool
        Whether the inputs are glob patterns.

    Raises
    ------
    CommandError
        Saying why the output cannot be written.
    """
    try:
        _files.check_writable(path)
        _files.check_not_input(path, inputs, patterns=patterns)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def check_not_input(path, inputs) -> None:
    """Fail before the work when the output is one of the ``inputs``.

    Parameters
    ----------
    path : str
        The output.
    inputs : sequence of str
        The command's inputs.

    Raises
    ------
    CommandError
        When it is one of them.
    """
    try:
        _files.check_not_input(path, inputs)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def is_stdout(path) -> bool:
    """Whether ``path`` names this process's standard output.

    Parameters
    ----------
    path : str

    Returns
    -------
    bool
    """
    return _files.is_stdout(path)


def to_stderr(line) -> None:
    """Print ``line`` on standard error.

    Parameters
    ----------
    line : str
        The text.
    """
    print(line, file=sys.stderr)


def import_pandas_alone() -> None:
    """Import pandas, for a command that reads tables in this process, without pyarrow.

    pandas imports pyarrow when it is installed (a dependency of other packages, Dask's
    among them), which takes a good part of its start-up, for string columns that neuronet
    reads as Python text either way: a command of tables then starts sooner, and reads and
    writes the same. pandas is told pyarrow is absent only while it imports; a later
    ``import pyarrow`` works as usual. Nothing is done where pandas or pyarrow is imported
    already (``main`` called inside a program), and an ImportError is left for the reading
    to report.
    """
    if "pandas" in sys.modules or "pyarrow" in sys.modules:
        return
    sys.modules["pyarrow"] = None  # type: ignore[assignment]  # pandas' `import pyarrow` fails
    try:
        import pandas  # noqa: F401
    except ImportError:
        pass
    finally:
        if sys.modules.get("pyarrow", 0) is None:
            del sys.modules["pyarrow"]
