"""``neuronet trace`` and ``neuronet check-gradients``: one step of backpropagation told in
words, and checked against finite differences, in a terminal.

Both take the same network and data: the tutorial's neuron and table (the default), a random
network of given sizes (``--network 2-3-1``, on XOR unless ``--data`` names a CSV of numbers),
or a model file with a CSV (``--model FILE --data CSV``).
"""

from __future__ import annotations

import os
import re
import sys

import numpy as np

from .._text import printable
from .common import CommandError, add_out, add_quiet, check_writable, examples

LOSSES = ["sse", "mse", "binary_crossentropy", "categorical_crossentropy", "poisson"]
ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "softmax", "exp", "identity"]
BOLD, YELLOW, RESET = "\x1b[1m", "\x1b[33m", "\x1b[0m"


def _sizes(text: str) -> list:
    try:
        sizes = [int(part) for part in text.split("-")]
    except ValueError:
        raise CommandError(f"--network must be layer sizes joined by '-', such as 2-3-1; got "
                           f"{printable(text)!r}", status=2) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise CommandError(f"--network needs at least two sizes of 1 or more (inputs and "
                           f"outputs), such as 2-3-1; got {printable(text)!r}", status=2)
    return sizes


def _read_numbers(path, target, n_inputs=None, names=None):
    """(X, y, target name) from a CSV of numbers: y is the ``target`` column (default: the
    last), X the other columns (or those ``names``, when the file has them all)."""
    import pandas as pd

    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise CommandError(f"{printable(path)}: no such file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CommandError(f"{printable(path)}: not a CSV file of numbers "
                           f"({printable(str(exc).splitlines()[0])})") from None
    if frame.shape[1] < 2 or len(frame) == 0:
        raise CommandError(f"{printable(path)}: expected a header and rows with at least two "
                           "columns (inputs and a target)")
    target = frame.columns[-1] if target is None else target
    if target not in frame.columns:
        raise CommandError(f"{printable(path)}: no column {printable(target)!r} (the columns: "
                           f"{printable(', '.join(map(str, frame.columns)))})")
    inputs = [c for c in frame.columns if c != target]
    if names and all(name in frame.columns for name in names):
        inputs = list(names)
    for column in [*inputs, target]:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            raise CommandError(f"{printable(path)}: column {printable(column)!r} holds text; "
                               "neuronet trace reads columns of numbers (a table with text "
                               "needs a model made by 'neuronet train', with --model)")
    if n_inputs is not None and len(inputs) != n_inputs:
        raise CommandError(f"{printable(path)}: {len(inputs)} input columns besides the "
                           f"target {printable(target)!r}, but the network takes {n_inputs}")
    return frame[inputs].to_numpy(np.float64), frame[target].to_numpy(np.float64), target


def _from_model(args):
    """(network, X, y, default loss) from a model file and a CSV."""
    from ..serialization import load

    if args.data is None:
        raise CommandError("--model needs --data: a CSV with the rows to trace", status=2)
    model = load(args.model)
    network = getattr(model, "network", model)
    if network is model:
        X, y, _ = _read_numbers(args.data, args.target, network.n_inputs,
                                network.metadata.get("feature_names"))
    else:  # a model of a table: its preparation reads the file
        frame = model.read_rows(args.data)
        if model.target not in frame.columns:
            raise CommandError(f"{printable(args.data)}: no target column "
                               f"{printable(model.target)!r} to learn from")
        frame = frame[frame[model.target].notna()]
        if len(frame) == 0:
            raise CommandError(f"{printable(args.data)}: no row has a target value")
        X = model.prepare(frame)
        values = frame[model.target]
        if model.task == "classification":
            known = {str(c): i for i, c in enumerate(model.classes)}
            unknown = [v for v in values.astype(str) if v not in known]
            if unknown:
                raise CommandError(f"{printable(args.data)}: class {printable(unknown[0])!r} "
                                   "is not one the model knows")
            y = np.array([known[v] for v in values.astype(str)], dtype=np.float64)
        else:
            y = (values.to_numpy(np.float64) - model.target_center) / model.target_scale
    loss = network.loss or {"softmax": "categorical_crossentropy",
                            "sigmoid": "binary_crossentropy",
                            "exp": "poisson"}.get(network.output_activation, "mse")
    return network, X, y, loss


def _inputs(args):
    """(network, X, y, loss, optimizer) that the command's options name."""
    from .. import SGD, Adam, Dense, Network, datasets

    if args.network is not None and args.model is not None:
        raise CommandError("pass --network or --model, not both", status=2)
    if args.model is not None:
        network, X, y, loss = _from_model(args)
    elif args.network is not None:
        sizes = _sizes(args.network)
        last = len(sizes) - 2
        layers = [Dense(a, b, args.output_activation if i == last else args.hidden_activation)
                  for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))]
        network = Network(layers, seed=args.seed)
        if args.data is None:
            if sizes[0] != 2 or sizes[-1] != 1:
                raise CommandError(f"XOR has 2 inputs and 1 output, but --network is "
                                   f"{args.network}; give sizes 2-...-1, or --data with a CSV",
                                   status=2)
            X, y = datasets.xor()
        else:
            X, y, _ = _read_numbers(args.data, args.target, sizes[0])
        output = args.output_activation
        loss = "sse" if output == "sigmoid" else {
            "softmax": "categorical_crossentropy", "exp": "poisson"}.get(output, "mse")
    else:
        from ..neuron import Neuron

        if args.data is not None:
            raise CommandError("--data needs --network or --model (without them, the "
                               "tutorial's neuron learns the tutorial's table)", status=2)
        layer = Dense(3, 1, "sigmoid", bias=False)
        layer.weights = Neuron().weights.copy()  # the tutorial's starting weights
        network = Network([layer])
        X, y = datasets.tutorial()[:2]
        loss = "sse"
    if args.rows is not None:
        if args.rows < 1:
            raise CommandError(f"--rows must be at least 1, got {args.rows}", status=2)
        X, y = X[:args.rows], y[:args.rows]
    loss = args.loss or loss
    rate = args.learning_rate
    if rate is not None and not rate > 0:
        raise CommandError(f"--learning-rate must be more than 0, got {rate:g}", status=2)
    optimizer = SGD(learning_rate=1.0 if rate is None else rate) if args.optimizer == "sgd" \
        else Adam(**({} if rate is None else {"learning_rate": rate}))
    return network, X, y, loss, optimizer


def _colour_wanted(choice) -> bool:
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and \
        os.environ.get("TERM") != "dumb"


def coloured(text: str) -> str:
    """The step's words with ANSI colours for a terminal: headings bold, errors yellow.

    Parameters
    ----------
    text : str
        The words, as ``StepTrace.words`` gives them.

    Returns
    -------
    str
        The same words with colour codes.
    """
    lines = []
    for line in text.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            line = f"{BOLD}{line}{RESET}"
        line = re.sub(r"(error -?[\d.]+(?:e-?\d+)?)", rf"{YELLOW}\1{RESET}", line)
        lines.append(line)
    return "\n".join(lines)


def _counted(text, option, name) -> int:
    try:
        value = int(text)
    except ValueError:
        raise CommandError(f"{option} takes {name} counted from 1, got {printable(text)!r}",
                           status=2) from None
    if value < 1:
        raise CommandError(f"{option} counts {name} from 1, got {value}", status=2)
    return value


def _cmd_trace(args) -> None:
    from ..trace import step

    if args.out not in (None, "-"):
        check_writable(args.out, [p for p in (args.model, args.data) if p])
    network, X, y, loss, optimizer = _inputs(args)
    traced = step(network, X, y, loss=loss, optimizer=optimizer)
    row = _counted(args.row, "--row", "rows") - 1
    if row >= traced.n_rows:
        raise CommandError(f"--row {row + 1}: the batch has {traced.n_rows} rows", status=2)
    parts = [traced.words(row=row)]
    if args.explain is not None:
        layer, _, neuron = args.explain.partition(":")
        if not neuron:
            raise CommandError(f"--explain takes LAYER:NEURON, such as 2:1 (counted from 1), "
                               f"got {printable(args.explain)!r}", status=2)
        layer = _counted(layer, "--explain", "layers")
        neuron = _counted(neuron, "--explain", "neurons")
        parts.append(traced.explain(row=row, neuron=(layer, neuron - 1)))
    if args.table:
        import pandas as pd

        with pd.option_context("display.width", 120, "display.max_rows", 200):
            parts.append(traced.table().to_string(index=False))
    text = "\n\n".join(parts)
    print(coloured(text) if _colour_wanted(args.color) else text)
    if args.out is not None:
        drawing = traced.draw(row=row)
        if args.out == "-":
            sys.stdout.write(drawing)
            return
        try:
            drawing.save(args.out)
        except OSError as exc:
            raise CommandError(f"cannot write {printable(args.out)}: "
                               f"{exc.strerror or exc}") from None
        print(f"Drew the step in {printable(args.out)} ({drawing.width}x{drawing.height} SVG).",
              file=sys.stderr)


def _cmd_check(args) -> None:
    from ..gradcheck import gradient_check

    if not args.epsilon > 0:
        raise CommandError(f"--epsilon must be more than 0, got {args.epsilon:g}", status=2)
    network, X, y, loss, _ = _inputs(args)
    if any(getattr(layer, "rate", 0) or getattr(layer, "drop", 0) for layer in network.layers):
        # Dropout draws a new mask at every evaluation, so no two losses of the finite
        # differences would be of the same network: the check is of its Dense layers alone.
        import copy
        import logging

        from ..network import Network

        logging.getLogger(__name__).info("the model's Dropout layers are left out of the check "
                                         "(they would make every loss random)")
        layers = copy.deepcopy([layer for layer in network.layers
                                if not getattr(layer, "rate", 0)])
        for layer in layers:  # an Embedding reads every code as it is
            if getattr(layer, "drop", 0):
                layer.drop = 0.0
        network = Network(layers, dtype=network.dtype)
    check = gradient_check(network, X, y, loss=loss, epsilon=args.epsilon)
    print(check)
    if not check.agrees():
        raise CommandError(f"backpropagation disagrees with finite differences (relative "
                           f"error {check.worst:.1e})")


def _common(parser) -> None:
    parser.add_argument("--network", metavar="SIZES",
                        help="a random network of these layer sizes, such as 2-3-1 (on XOR "
                        "unless --data is given)")
    parser.add_argument("--model", metavar="FILE", help="a model file saved by neuronet (.npz)")
    parser.add_argument("--data", metavar="CSV",
                        help="the rows: a CSV of numbers (with --network or a saved network), "
                        "or the table a model of a table was trained on")
    parser.add_argument("--target", metavar="COLUMN",
                        help="the CSV's target column (default: the last)")
    parser.add_argument("--rows", type=int, metavar="N", help="use the first N rows only")
    parser.add_argument("--hidden-activation", choices=ACTIVATIONS, default="sigmoid",
                        metavar="NAME", help="the hidden layers' activation with --network: "
                        f"{', '.join(ACTIVATIONS)} (default: sigmoid)")
    parser.add_argument("--output-activation", choices=ACTIVATIONS, default="sigmoid",
                        metavar="NAME", help="the output layer's activation with --network "
                        "(default: sigmoid)")
    parser.add_argument("--loss", choices=LOSSES, metavar="NAME",
                        help=f"the loss: {', '.join(LOSSES)} (default: the tutorial's sse for "
                        "a sigmoid output, else the one that suits the output)")
    parser.add_argument("--seed", type=int, default=0,
                        help="the random network's seed (default: 0)")


def add_trace(commands) -> None:
    """Add ``neuronet trace`` to the subcommands.

    Parameters
    ----------
    commands : argparse subparsers
        What ``ArgumentParser.add_subparsers`` returned.
    """
    trace = commands.add_parser(
        "trace", help="one step of backpropagation, told in words",
        description="Take one step of learning on a batch and tell it in the tutorial's "
        "words, from the output back to the input: each neuron's output, its error, its slope "
        "and its blame, and how much every weight moves. Without options, the tutorial's "
        "neuron on the tutorial's table.",
        epilog=examples("# the tutorial's neuron, one step on its table",
                        "neuronet trace",
                        "# a network with a hidden layer on XOR; follow neuron 1 of layer 2",
                        "neuronet trace --network 2-3-1 --explain 2:1 -o step.svg",
                        "# a trained model on rows of a CSV file",
                        "neuronet trace --model model.npz --data rows.csv"))
    _common(trace)
    trace.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd",
                       help="the optimizer that takes the step (default: sgd)")
    trace.add_argument("--learning-rate", type=float, metavar="RATE",
                       help="its learning rate (default: 1 for sgd, as in the tutorial; "
                       "0.001 for adam)")
    trace.add_argument("--row", default="1", metavar="N",
                       help="the row to follow, counted from 1 (default: 1)")
    trace.add_argument("--explain", metavar="LAYER:NEURON",
                       help="also follow one neuron of the row with every number, such as 2:1 "
                       "(both counted from 1)")
    trace.add_argument("--table", action="store_true", help="also print every number as a table")
    add_out(trace, "also draw the step as SVG into FILE ('-': standard output)", alias="--svg")
    trace.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                       help="colour the words (default: auto, on a terminal)")
    add_quiet(trace)
    trace.set_defaults(run=_cmd_trace)


def add_check_gradients(commands) -> None:
    """Add ``neuronet check-gradients`` to the subcommands.

    Parameters
    ----------
    commands : argparse subparsers
        What ``ArgumentParser.add_subparsers`` returned.
    """
    check = commands.add_parser(
        "check-gradients", help="backpropagation against finite differences",
        description="Compare backpropagation's gradient with central finite differences, "
        "weight by weight, and print each layer's relative error (about 1e-9 when they "
        "agree). Exits with status 1 when they disagree.",
        epilog=examples("neuronet check-gradients --network 2-4-4-1 --hidden-activation tanh",
                        "neuronet check-gradients --model model.npz --data rows.csv"))
    _common(check)
    check.add_argument("--epsilon", type=float, default=1e-5,
                       help="the nudge of each weight (default: 1e-5)")
    add_quiet(check)
    check.set_defaults(run=_cmd_check, optimizer="sgd", learning_rate=None)
