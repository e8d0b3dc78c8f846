"""``neuronet demo``: the library at work — the tutorial's neuron (told step by step with
``--explain``), XOR, and handwritten digits."""

from __future__ import annotations

import time

import numpy as np

from .common import CommandError, add_quiet, examples


def demo_tutorial(args) -> None:
    """The tutorial's own program: one neuron, three inputs, trained 10,000 times.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line.
    """
    from .. import datasets
    from ..neuron import Neuron

    if args.explain:
        _explain_tutorial()
        return

    network = Neuron()
    print("Random starting weights: ")
    print(network.weights)
    inputs, expected_outputs, test_input = datasets.tutorial()
    start = time.perf_counter()
    network.train(inputs, expected_outputs, 10000)
    elapsed = time.perf_counter() - start
    print("New weights after training: ")
    print(network.weights)
    print("Test of input [1, 0, 0] -> ?: ")
    print(network.run(test_input))
    print(f"Trained 10,000 iterations in {elapsed * 1000:.1f} ms.")


def _explain_tutorial() -> None:
    """The tutorial's training told step by step: its first iterations row by row, then the
    weights as they converge."""
    from .. import datasets
    from ..neuron import Neuron
    from ..trace import record

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
    """XOR: the single neuron cannot learn it; one hidden layer can.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line.
    """
    from .. import datasets
    from ..layers import Dense
    from ..network import Network
    from ..neuron import Neuron
    from ..optimizers import SGD

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
    """Handwritten digits: a 64-32-10 network learns to read 8x8 images.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line.

    Raises
    ------
    CommandError
        Without scikit-learn.
    """
    from .. import datasets
    from ..network import Network
    from ..optimizers import Adam

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
                      progress=not args.quiet)  # drawn only on a terminal
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


def add_demo(commands) -> None:
    """Add the subcommand ``neuronet demo`` to ``commands``.

    Parameters
    ----------
    commands : argparse subparsers
        Where the subcommand goes.
    """
    demo = commands.add_parser(
        "demo", help="show neuronet at work",
        description="Show neuronet at work: the tutorial's single neuron (its own program and "
        "numbers), XOR (which one neuron cannot learn and a hidden layer can), or handwritten "
        "digits (a 64-32-10 network).",
        epilog=examples("neuronet demo", "neuronet demo --explain", "neuronet demo xor",
                        "neuronet demo digits"))
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
    add_quiet(demo)
    demo.set_defaults(run=_cmd_demo)
