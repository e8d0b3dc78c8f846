"""What the ``neuronet`` command's subcommands share: the one-line error, the parser that
raises it, the types of their options, and the flags made from ``tabular.TrainSettings``."""

from __future__ import annotations

import argparse
import sys

from .. import _files


class CommandError(Exception):
    """A failure to report as one line, with the exit status to end with."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


class Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's usage errors: one line, status 2
        raise CommandError(f"{message} (see '{self.prog} --help')", status=2)


def number(within, expected):
    """An argparse type: a float for which ``within(value)`` holds."""

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
    arguments give the settings back by name."""
    kind = option.kind
    if kind.type_name == "bool" and not option.negated:
        parser.add_argument(option.flag, dest=option.name, action="store_true",
                            help=option.help)
        return
    if option.negated:
        # --quiet: a progress bar by default where a person watches (a terminal), never in a
        # log file; the flag turns it off.
        parser.add_argument(option.flag, dest=option.name, action="store_false",
                            default=sys.stderr.isatty(), help=option.flag_help)
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
    """--sep and --encoding, as ``neuronet train`` has them."""
    from ..tabular.settings import options

    for option in options():
        if option.part == "reading":
            add_option(parser, option)


def check_writable(path, inputs=(), *, patterns: bool = False) -> None:
    """Fail before the work, not after it, when the output cannot be written, or when it is
    one of the ``inputs`` (files, or with ``patterns`` glob patterns of files, to read)."""
    try:
        _files.check_writable(path)
        _files.check_not_input(path, inputs, patterns=patterns)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def check_not_input(path, inputs) -> None:
    """Fail before the work when the output is one of the ``inputs``."""
    try:
        _files.check_not_input(path, inputs)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def is_stdout(path) -> bool:
    """Whether ``path`` names this process's standard output."""
    return _files.is_stdout(path)


def to_stderr(line) -> None:
    print(line, file=sys.stderr)
