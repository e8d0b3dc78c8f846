"""What the ``neuronet`` command's subcommands share: the one-line error, the parser that
raises it, and the types of their options."""

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


def sizes(text: str) -> list:
    """--hidden 32,16 -> [32, 16]; "" or "none" -> [] (no hidden layer)."""
    if text.strip().lower() in ("", "none"):
        return []
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected sizes like 32,16, got {text!r}") from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be at least 1, got {text!r}")
    return sizes


def at_least(minimum):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected at least {minimum}, got {value}")
        return value

    return parse


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


fraction = number(lambda v: 0 <= v < 1, "a fraction in [0, 1)")


positive = number(lambda v: 0 < v < float("inf"), "a number greater than 0")


def names(text: str) -> list:
    """--categorical a,b -> ["a", "b"] (names stripped; empty parts dropped)."""
    return [name.strip() for name in text.split(",") if name.strip()]


def reading_options(parser) -> None:
    parser.add_argument("--sep", metavar="CHAR",
                        help="the separator (default: detected among , ; tab |; 'tab' for tab)")
    parser.add_argument("--encoding", help="the file's text encoding (default: UTF-8, with or "
                        "without a byte order mark), e.g. latin-1")


def check_writable(path) -> None:
    """Fail before the work, not after it, when the output cannot be written."""
    try:
        _files.check_writable(path)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def is_stdout(path) -> bool:
    """Whether ``path`` names this process's standard output."""
    return _files.is_stdout(path)


def to_stderr(line) -> None:
    print(line, file=sys.stderr)
