"""The ``neuronet`` command: demos of the library at work, and tools for models and data.

Every failure ends in one line ``neuronet: error: ...`` on stderr, never a traceback:
usage errors exit with status 2, errors in the data or files with status 1.
"""

from __future__ import annotations

import argparse
import json
import os
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
    demo.set_defaults(run=_cmd_demo)


# --- info -------------------------------------------------------------------------------------


def _cmd_info(args) -> None:
    from .serialization import ModelFileError, read_model

    try:
        network, header = read_model(args.model)
    except ModelFileError as exc:
        raise CommandError(str(exc)) from None
    print(model_card(args.model, network, header))


def model_card(path, network, header) -> str:
    """What a model file holds, for a person: its layers, sizes, dtype and metadata."""
    size = os.path.getsize(path)
    lines = [f"{path}: neuronet model, format version {header['format_version']}, saved by "
             f"neuronet {header['neuronet_version']}, {size:,} bytes", "", network.summary()]
    notes = []
    for position, layer in enumerate(header["layers"], 1):
        if layer["type"] != "Dense":
            continue
        settings = []
        if "alpha" in layer:
            settings.append(f"leaky_relu alpha {layer['alpha']:g}")
        if not layer["bias"]:
            settings.append("no bias")
        if layer["init"] is not None:
            settings.append(f"initialized with {layer['init']}")
        if settings:
            notes.append(f"  layer {position}: {', '.join(settings)}")
    if notes:
        lines += ["", *notes]
    if header.get("loss"):
        lines.append(f"trained with loss: {header['loss']}")
    metadata = dict(network.metadata)
    described = []
    if "task" in metadata:
        described.append(f"task: {metadata.pop('task')}")
    if "feature_names" in metadata:
        names = metadata.pop("feature_names")
        described.append(f"features ({len(names)}): {_listing(names)}")
    if "target_name" in metadata:
        described.append(f"target: {metadata.pop('target_name')}")
    if "classes" in metadata:
        classes = metadata.pop("classes")
        described.append(f"classes ({len(classes)}): {_listing(classes)}")
    if "input_mean" in metadata or "input_scale" in metadata:
        mean, scale = metadata.pop("input_mean", None), metadata.pop("input_scale", None)
        given = " and ".join(what for what, value in (("mean", mean), ("scale", scale)) if value)
        described.append(f"input scaling: {given} for each of the {network.n_inputs} inputs "
                         "(applied by the tools, not by predict)")
    for key, value in metadata.items():
        text = json.dumps(value, ensure_ascii=False)
        described.append(f"{key}: {text if len(text) <= 70 else text[:67] + '...'}")
    lines += ["", "metadata:", *(f"  {line}" for line in described)] if described else \
        ["", "metadata: none"]
    return "\n".join(lines)


def _listing(items, limit: int = 10) -> str:
    shown = ", ".join(str(item) for item in items[:limit])
    return shown if len(items) <= limit else f"{shown}, ... ({len(items) - limit} more)"


def _add_info(commands) -> None:
    info = commands.add_parser("info", help="describe a model file: layers, sizes, metadata")
    info.add_argument("model", help="a model file written by Network.save (.npz)")
    info.set_defaults(run=_cmd_info)


# --- the parser -------------------------------------------------------------------------------

# Each subcommand adds its own parser; the order here is the order of `neuronet --help`.
SUBCOMMANDS = [_add_demo, _add_info]


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
