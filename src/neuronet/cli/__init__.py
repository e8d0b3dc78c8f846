"""The ``neuronet`` command: demos of the library at work, and tools for models and data.

Every failure ends in one line ``neuronet: error: ...`` on stderr, never a traceback:
usage errors exit with status 2, errors in the data or files with status 1. Each subcommand
lives in a module of its own (``demo``, ``tables``, ``models``, ``playground``), which parses
its options, calls the library and prints.
"""

from __future__ import annotations

import argparse
import os
import sys

from .._text import printable
from .._version import __version__
from .common import CommandError, Parser
from .demo import add_demo
from .models import add_diagram, add_info
from .playground import add_playground
from .tables import add_evaluate, add_predict, add_train
from .trace import add_check_gradients, add_trace

__all__ = ["CommandError", "build_parser", "main"]


# Each subcommand adds its own parser; the order here is the order of `neuronet --help`.
SUBCOMMANDS = [add_demo, add_train, add_predict, add_evaluate, add_info, add_diagram,
               add_playground, add_trace, add_check_gradients]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="neuronet",
        description="Neural networks from the tutorial's single neuron to layered networks.",
    )
    parser.add_argument("--version", action="version", version=f"neuronet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for add in SUBCOMMANDS:
        add(commands)
    return parser


def main(argv=None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    try:
        args = build_parser().parse_args(argv)
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
