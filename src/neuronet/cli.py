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

    if getattr(args, "explain", False):
        return _explain_tutorial()

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


def _explain_tutorial() -> None:
    """The tutorial's training told step by step: its first iterations row by row, then the
    weights as they converge."""
    from . import datasets
    from .neuron import Neuron
    from .trace import record

    inputs, outputs, test_input = datasets.tutorial()
    neuron = Neuron()
    print("The tutorial's neuron: three inputs, one weight each, the sigmoid of their sum.")
    print("It learns the table below (the output is the first input) in 10,000 iterations.\n")
    trace = record(neuron, inputs, outputs, 10000)
    print(trace.table(detail=3, test_input=test_input))
    w1, w2, w3 = neuron.weights[:, 0]
    print(f"\nThe weights converge toward {w1:.2f}, {w2:.2f}, {w3:.2f}: a large weight on x1, "
          "which alone decides the\noutput; a negative one on x3, always 1, which pulls the "
          "output to 0 unless x1 is 1;\nand next to nothing on x2, which does not matter.")
    print(f"Test of input [1, 0, 0] -> {neuron.run(test_input)[0]:.8f}")


def demo_xor(args) -> None:
    """XOR: the single neuron cannot learn it; one hidden layer can."""
    from . import datasets
    from .layers import Dense
    from .network import Network
    from .neuron import Neuron
    from .optimizers import SGD

    X, y = datasets.xor()
    inputs = np.hstack([X, np.ones((4, 1))])  # the tutorial's constant third input, as a bias
    neuron = Neuron().train(inputs, y, 10000)
    guesses = neuron.run(inputs).ravel()
    print("XOR: output 1 when exactly one input is 1.\n")
    print("One neuron (the tutorial's, inputs x1, x2 and a constant 1), trained 10,000 times:")
    _print_xor_table(X, y, guesses)
    print(f"  accuracy {np.mean((guesses > 0.5) == y):.0%}: no straight line separates the ones "
          "from the zeros, so one neuron cannot learn XOR.\n")

    net = Network([Dense(2, 4, "tanh"), Dense(4, 1, "sigmoid")], seed=0)
    start = time.perf_counter()
    net.fit(X, y, loss="binary_crossentropy", optimizer=SGD(learning_rate=0.5),
            epochs=2000, batch_size=4)
    elapsed = time.perf_counter() - start
    guesses = net.predict(X).ravel()
    print("A network with a hidden layer of 4 tanh units, trained 2,000 epochs:")
    _print_xor_table(X, y, guesses)
    print(f"  accuracy {np.mean((guesses > 0.5) == y):.0%}, trained in {elapsed * 1000:.0f} ms: "
          "the hidden layer bends the boundary.")


def _print_xor_table(X, y, outputs) -> None:
    print("   x1  x2  target  output")
    for (x1, x2), target, output in zip(X, y, outputs):
        print(f"  {x1:3.0f} {x2:3.0f} {target:6d}  {output:.4f}")


def demo_digits(args) -> None:
    """Handwritten digits: a 64-32-10 network learns to read 8x8 images."""
    from . import datasets
    from .network import Network
    from .optimizers import Adam

    try:
        from sklearn.model_selection import train_test_split
    except ImportError:
        message = "demo digits needs scikit-learn: pip install 'neuronet[sklearn]'"
        raise CommandError(message) from None
    X, y = datasets.digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    net = Network.mlp([64, 32, 10], hidden="relu", output="softmax", seed=0)
    print(f"Handwritten digits: {len(X_train)} images to learn from, {len(X_test)} to test on.")
    print(net.summary())
    start = time.perf_counter()
    history = net.fit(X_train, y_train, loss="categorical_crossentropy",
                      optimizer=Adam(learning_rate=0.01), epochs=50, batch_size=32,
                      progress=True)
    elapsed = time.perf_counter() - start
    accuracy = np.mean(net.predict(X_test).argmax(axis=1) == y_test)
    print(f"Trained {history.epochs} epochs in {elapsed:.2f} s; "
          f"test accuracy {accuracy:.2%} on {len(X_test)} unseen digits.")


DEMOS = {"tutorial": demo_tutorial, "xor": demo_xor, "digits": demo_digits}


def _cmd_demo(args) -> None:
    if args.explain and args.which != "tutorial":
        raise CommandError(
            f"--explain tells the tutorial's demo step by step; it does not apply to "
            f"'demo {args.which}' (see 'neuronet demo --help')", status=2)
    DEMOS[args.which](args)


def _add_demo(commands) -> None:
    demo = commands.add_parser("demo", help="show neuronet at work")
    demo.add_argument(
        "which",
        nargs="?",
        default="tutorial",
        choices=list(DEMOS),
        help="which demo (default: tutorial, the tutorial's single neuron)",
    )
    demo.add_argument(
        "--explain",
        action="store_true",
        help="tell the tutorial's training step by step: output, error, confidence, "
        "adjustment, and the weights as they converge",
    )
    demo.set_defaults(run=_cmd_demo)


# --- diagram ----------------------------------------------------------------------------------


def _cmd_diagram(args) -> None:
    from . import diagram

    if args.max_nodes < 2:
        raise CommandError(f"--max-nodes must be at least 2, got {args.max_nodes}", status=2)
    if args.model is None:
        from . import datasets
        from .neuron import Neuron

        inputs, outputs, test_input = datasets.tutorial()
        neuron = Neuron().train(inputs, outputs, 10000)
        drawing = diagram.draw_neuron(neuron, inputs=test_input)
    else:
        try:
            from .serialization import load
        except ModuleNotFoundError:  # a build of neuronet without model files
            raise CommandError("this neuronet cannot read model files") from None
        drawing = diagram.draw_network(load(args.model), max_nodes=args.max_nodes)
    if args.output is None or args.output == "-":
        sys.stdout.write(drawing)
        return
    try:
        drawing.save(args.output)
    except OSError as exc:
        raise CommandError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print(f"Drew {args.model or 'the tutorial neuron'} in {args.output} "
          f"({drawing.width}x{drawing.height} SVG).")


def _add_diagram(commands) -> None:
    diagram = commands.add_parser(
        "diagram",
        help="draw a model as SVG",
        description="Draw a saved model as an SVG picture: its layers as columns of units, "
        "each connection coloured by its weight's sign and thicker for larger weights. "
        "Without MODEL, draw the tutorial's neuron after its 10,000 iterations of training.",
    )
    diagram.add_argument("model", nargs="?", metavar="MODEL",
                         help="a model file saved by neuronet (.npz)")
    diagram.add_argument("-o", "--output", metavar="FILE",
                         help="the SVG file to write (default: standard output)")
    diagram.add_argument("--max-nodes", type=int, default=8, metavar="N",
                         help="draw at most N units of a layer, the rest summarized by an "
                         "ellipsis (default: 8)")
    diagram.set_defaults(run=_cmd_diagram)


# --- the parser -------------------------------------------------------------------------------

# Each subcommand adds its own parser; the order here is the order of `neuronet --help`.
SUBCOMMANDS = [_add_demo, _add_diagram]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="neuronet",
        description="Neural networks from the tutorial's single neuron to layered networks.",
    )
    parser.add_argument("--version", action="version", version=f"neuronet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
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
