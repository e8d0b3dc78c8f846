"""The ``neuronet`` command: demos of the library at work, and tools for models and data.

Every failure ends in one line ``neuronet: error: ...`` on stderr, never a traceback:
usage errors exit with status 2, errors in the data or files with status 1. The library's
notes (its ``neuronet`` logger) and warnings are lines ``neuronet: note: ...`` and
``neuronet: warning: ...`` on stderr, which ``--quiet`` hides. Each subcommand lives in a
module of its own (``demo``, ``data``, ``tables``, ``models``, ``playground``,
``completion``), which
parses its options, calls the library and prints.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import logging
import os
import sys
import threading
import warnings

from .._text import printable
from .._version import __version__
from .common import CommandError, Parser
from .completion import add_completion
from .data import add_data
from .demo import add_demo
from .models import add_diagram, add_info
from .playground import add_playground
from .tables import add_evaluate, add_predict, add_train
from .trace import add_check_gradients, add_trace

__all__ = ["CommandError", "build_parser", "main", "run"]


# Each subcommand adds its own parser; the order here is the order of `neuronet --help`.
SUBCOMMANDS = [add_demo, add_data, add_train, add_predict, add_evaluate, add_info, add_diagram,
               add_playground, add_trace, add_check_gradients]


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``neuronet`` command, every subcommand included.

    Returns
    -------
    argparse.ArgumentParser
        Its parsed arguments carry ``run``, the function of the subcommand named.
    """
    parser = Parser(
        prog="neuronet",
        description="Neural networks from the tutorial's single neuron to layered networks.",
    )
    parser.add_argument("--version", action="version", version=f"neuronet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for add in SUBCOMMANDS:
        add(commands)
    add_completion(commands, parser)  # last: it completes all the others
    return parser


class _Lines(logging.Formatter):
    def format(self, record):
        kind = "note" if record.levelno < logging.WARNING else record.levelname.lower()
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:  # a failure logged, one line
            error = record.exc_info[1]
            message += f" ({type(error).__name__}: {error})"
        return f"neuronet: {kind}: {printable(message)}"


@contextlib.contextmanager
def _notes(quiet: bool):
    """Show the library's notes and warnings on standard error, one line each, unless
    ``quiet``; put logging and warnings back as they were afterwards (``main`` may run inside
    a program, as the tests run it)."""
    logger = logging.getLogger("neuronet")
    level, propagate = logger.level, logger.propagate
    handler = None
    if not quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_Lines())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False  # a root handler of the host program would say it twice
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore")
        else:
            def show(message, category, filename, lineno, file=None, line=None):
                print(f"neuronet: warning: {printable(message)}", file=sys.stderr)

            warnings.showwarning = show
        try:
            yield
        finally:
            if handler is not None:
                logger.removeHandler(handler)
                logger.setLevel(level)
                logger.propagate = propagate


def main(argv=None) -> int:
    """Run the ``neuronet`` command: parse the command line, run its subcommand.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 when done, 1 for an error in the data or files, 2 for a usage
        error, 130 when interrupted. Errors are one line on standard error, never a traceback
        (unless ``NEURONET_DEBUG`` is set, for a bug of the library's own).
    """
    try:
        args = build_parser().parse_args(argv)
        with _notes(getattr(args, "quiet", False)):
            args.run(args)
    except CommandError as exc:
        print(f"neuronet: error: {printable(exc)}", file=sys.stderr)
        return exc.status
    except ValueError as exc:  # the library's own message is written for the user
        print(f"neuronet: error: {printable(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("neuronet: error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `neuronet ... | head`: the reader left; not an error of ours
        sys.stderr.close()
        return 0
    except (OSError, ImportError, FloatingPointError) as exc:
        print(f"neuronet: error: {printable(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug of ours: still one line, unless asked for the traceback
        if os.environ.get("NEURONET_DEBUG"):
            raise
        print(f"neuronet: error: internal error ({type(exc).__name__}: {printable(exc)}); "
              "set NEURONET_DEBUG=1 to see where", file=sys.stderr)
        return 1
    return 0


def run() -> None:
    """The ``neuronet`` program: run ``main`` and exit with its status.

    A finished command has written and closed its files; what Python would still do on the
    way out is take apart the modules of NumPy and pandas one by one, a sixth of a short
    command's time (0.06 to 0.1 s of ``neuronet predict``'s 0.35 s). So once the output is
    flushed and the exit handlers have run (logging's among them), the process ends at once.
    With another thread still running (a command that started one) Python exits as usual,
    so that it waits for that thread as it always would.
    """
    status = main()
    if threading.active_count() > 1:
        sys.exit(status)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader gone (BrokenPipe) or a stream closed
            pass
    atexit._run_exitfuncs()  # the handlers Python itself would run before the teardown
    os._exit(status)
