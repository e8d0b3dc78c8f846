"""``neuronet info`` and ``neuronet diagram``: what a model file holds, in words and in a
picture."""

from __future__ import annotations

import json
import os
import sys

from .._text import printable
from .common import CommandError, add_out, add_quiet, check_not_input, examples


def _cmd_diagram(args) -> None:
    from .. import diagram

    if args.max_nodes < 2:
        raise CommandError(f"--max-nodes must be at least 2, got {args.max_nodes}", status=2)
    if args.out not in (None, "-"):
        check_not_input(args.out, [args.model])  # the rest is said by the save, as before
    if args.model is None:
        from .. import datasets
        from ..neuron import Neuron

        inputs, outputs, test_input = datasets.tutorial()
        neuron = Neuron().train(inputs, outputs, 10000)
        drawing = diagram.draw_neuron(neuron, inputs=test_input)
    else:
        from ..serialization import load

        model = load(args.model)  # a model of a table draws as its network
        drawing = diagram.draw_network(getattr(model, "network", model), max_nodes=args.max_nodes)
    if args.out is None or args.out == "-":
        sys.stdout.write(drawing)
        return
    try:
        drawing.save(args.out)
    except OSError as exc:
        raise CommandError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"Drew {printable(args.model or 'the tutorial neuron')} in {printable(args.out)} "
          f"({drawing.width}x{drawing.height} SVG).")


def add_diagram(commands) -> None:
    """Add the subcommand ``neuronet diagram`` to ``commands``.

    Parameters
    ----------
    commands : argparse subparsers
        Where the subcommand goes.
    """
    diagram = commands.add_parser(
        "diagram",
        help="draw a model as SVG",
        description="Draw a saved model as an SVG picture: its layers as columns of units, "
        "each connection coloured by its weight's sign and thicker for larger weights. "
        "Without MODEL, draw the tutorial's neuron after its 10,000 iterations of training.",
        epilog=examples("neuronet diagram -o neuron.svg",
                        "neuronet train penguins.csv --target Species -o penguins.npz",
                        "neuronet diagram penguins.npz -o penguins.svg --max-nodes 6"),
    )
    diagram.add_argument("model", nargs="?", metavar="MODEL",
                         help="a model file saved by neuronet (.npz)")
    add_out(diagram, "the SVG file to write (default or '-': standard output)",
            alias="--output")
    diagram.add_argument("--max-nodes", type=int, default=8, metavar="N",
                         help="draw at most N units of a layer, the rest summarized by an "
                         "ellipsis (default: 8)")
    add_quiet(diagram)
    diagram.set_defaults(run=_cmd_diagram)


def _cmd_info(args) -> None:
    from ..serialization import read_model

    model, header = read_model(args.model)  # a ModelFileError is main's one-line error
    print(model_card(args.model, model, header))


def model_card(path, model, header) -> str:
    """What a model file holds, for a person: its layers, sizes, dtype and metadata, and for a
    model of a table its preparation.

    Parameters
    ----------
    path : str
        The model file.
    model : Network or TabularModel
        What it holds.
    header : dict
        Its header.

    Returns
    -------
    str
    """
    network = getattr(model, "network", model)
    size = os.path.getsize(path)
    lines = [f"{printable(path)}: neuronet model, format version {header['format_version']}, "
             f"saved by neuronet {printable(header['neuronet_version'])}, {size:,} bytes", "",
             network.summary()]
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
        described.append(f"target: {printable(metadata.pop('target_name'))}")
    if "classes" in metadata:
        classes = metadata.pop("classes")
        described.append(f"classes ({len(classes)}): {_listing(classes)}")
    if "input_mean" in metadata or "input_scale" in metadata:
        mean, scale = metadata.pop("input_mean", None), metadata.pop("input_scale", None)
        given = " and ".join(what for what, value in (("mean", mean), ("scale", scale)) if value)
        described.append(f"input scaling: {given} for each of the {network.n_inputs} inputs "
                         "(kept as metadata; predict does not apply it)")
    for key, value in metadata.items():
        # JSON escapes the C0 controls only; DEL, C1 controls and direction overrides remain.
        text = printable(json.dumps(value, ensure_ascii=False))
        described.append(f"{printable(key)}: {text if len(text) <= 70 else text[:67] + '...'}")
    lines += ["", "metadata:", *(f"  {line}" for line in described)] if described else \
        ["", "metadata: none"]
    if network is not model:
        lines += ["", *model.describe(limit=40)]
    return "\n".join(lines)


def _listing(items, limit: int = 10) -> str:
    shown = ", ".join(printable(item) for item in items[:limit])
    return shown if len(items) <= limit else f"{shown}, ... ({len(items) - limit} more)"


def add_info(commands) -> None:
    """Add the subcommand ``neuronet info`` to ``commands``.

    Parameters
    ----------
    commands : argparse subparsers
        Where the subcommand goes.
    """
    info = commands.add_parser(
        "info", help="describe a model file: layers, sizes, metadata",
        description="Describe a model file without running it: its format, layers, sizes and "
        "metadata, and for a model of a table how each column is prepared (filled, one-hot "
        "coded, standardized) and the classes.",
        epilog=examples("neuronet train penguins.csv --target Species -o penguins.npz",
                        "neuronet info penguins.npz"))
    info.add_argument("model", help="a model file written by Network.save (.npz)")
    add_quiet(info)
    info.set_defaults(run=_cmd_info)
