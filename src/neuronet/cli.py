"""The ``neuronet`` command: demos of the library at work, and tools for models and data.

Every failure ends in one line ``neuronet: error: ...`` on stderr, never a traceback:
usage errors exit with status 2, errors in the data or files with status 1.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from . import __version__


class CommandError(Exception):
    """A failure to report as one line, with the exit status to end with."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's usage errors: one line, status 2
        raise CommandError(f"{message} (see '{self.prog} --help')", status=2)


# --- demo -------------------------------------------------------------------------------------


def demo_tutorial(args) -> None:
    """The tutorial's own program: one neuron, three inputs, trained 10,000 times."""
    from .neuron import Neuron

    network = Neuron()
    print("Random starting weights: ")
    print(network.weights)
    inputs = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]])
    expected_outputs = np.array([[0, 1, 1, 0]]).T
    start = time.perf_counter()
    network.train(inputs, expected_outputs, 10000)
    elapsed = time.perf_counter() - start
    print("New weights after training: ")
    print(network.weights)
    print("Test of input [1, 0, 0] -> ?: ")
    print(network.run(np.array([1, 0, 0])))
    print(f"Trained 10,000 iterations in {elapsed * 1000:.1f} ms.")


DEMOS = {"tutorial": demo_tutorial}


def _cmd_demo(args) -> None:
    DEMOS[args.which](args)


# --- the parser -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="neuronet",
        description="Neural networks from the tutorial's single neuron to layered networks.",
    )
    parser.add_argument("--version", action="version", version=f"neuronet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    demo = commands.add_parser("demo", help="show neuronet at work")
    demo.add_argument(
        "which",
        nargs="?",
        default="tutorial",
        choices=sorted(DEMOS),
        help="which demo (default: tutorial, the tutorial's single neuron)",
    )
    demo.set_defaults(run=_cmd_demo)
    return parser


def main(argv=None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    try:
        args = build_parser().parse_args(argv)
        args.run(args)
    except CommandError as exc:
        print(f"neuronet: error: {exc}", file=sys.stderr)
        return exc.status
    except ValueError as exc:  # the library's own message is written for the user
        print(f"neuronet: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("neuronet: error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `neuronet ... | head`: the reader left; not an error of ours
        sys.stderr.close()
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
