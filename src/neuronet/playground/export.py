"""What a tab can take away: the model file, the ONNX graph, and a short Python script that
rebuilds the same data and network and trains it as the page did."""

from __future__ import annotations

import inspect
import os
import tempfile
from pathlib import PurePath

from . import config as settings
from . import data
from .session import L1, Run, Tutorial


def model_file(model) -> bytes:
    """The bytes of ``model.save``: what ``neuronet.load`` reads.

    Parameters
    ----------
    model : Network or TabularModel
        The model.

    Returns
    -------
    bytes
        The model file.
    """
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.npz")
        model.save(path)
        with open(path, "rb") as file:
            return file.read()


def onnx_file(model) -> bytes:
    """The model as an ONNX graph; needs the onnx extra.

    Parameters
    ----------
    model : Network or TabularModel
        The model: a network's graph reads "X" and gives "Y"; a table model's reads the
        file's two columns by name.

    Returns
    -------
    bytes
        The serialized ONNX model.

    Raises
    ------
    ImportError
        Without the onnx extra.
    """
    return model.to_onnx().SerializeToString()


def table_model(network, table):
    """A network that learned from columns x1 and x2 of a CSV file as they are (no derived
    features), with the scaling onto the plane as its preparation.

    Parameters
    ----------
    network : Network
        The tab's network.
    table : data.Table
        The file's columns, as the network learned them.

    Returns
    -------
    TabularModel
        What ``neuronet predict`` and ``neuronet.load(...).predict`` apply to the file's raw
        rows.
    """
    from ..tabular.model import TabularModel
    from ..tabular.preparation import NumberInput, Preparation

    inputs = [NumberInput(column, fill=centre, center=centre, scale=scale, indicator=False)
              for column, centre, scale in zip(table.columns, table.centre, table.scale)]
    if table.classes is not None:
        return TabularModel(network, Preparation(inputs), target=table.target,
                            task="classification", classes=table.classes)
    return TabularModel(network, Preparation(inputs), target=table.target, task="regression",
                        target_center=table.target_centre, target_scale=table.target_scale)


def _layers_code(config, n_inputs) -> list:
    lines, width = [], n_inputs
    activation = settings.ACTIVATIONS[config["activation"]]
    for size in config["layers"]:
        lines.append(f"    neuronet.Dense({width}, {size}, activation={activation!r}),")
        if config["dropout"] > 0:
            lines.append(f"    neuronet.Dropout({config['dropout']!r}),")
        width = size
    outputs = settings.n_outputs(config)
    output = "softmax" if outputs > 1 else \
        "sigmoid" if config["problem"] == "classification" else "identity"
    lines.append(f"    neuronet.Dense({width}, {outputs}, activation={output!r}),")
    return lines


def _optimizer_code(config) -> str:
    lr, reg, rate = config["lr"], config["reg"], config["regRate"]
    decay = f", weight_decay={rate!r}" if reg == "l2" and rate > 0 else ""
    if config["optimizer"] == "adam":
        code = f"neuronet.Adam(learning_rate={lr!r}{decay})"
    elif config["optimizer"] == "momentum":
        code = f"neuronet.SGD(learning_rate={lr!r}, momentum=0.9{decay})"
    else:
        code = f"neuronet.SGD(learning_rate={lr!r}{decay})"
    return f"L1({code}, {rate!r})" if reg == "l1" and rate > 0 else code


def python_script(run: Run, table=None, file_name=None) -> str:
    """A script that rebuilds ``run``'s data and network with neuronet and trains it for as
    many epochs as the page did: the same seed and settings give the same weights.

    Parameters
    ----------
    run : session.Run
        The tab's run.
    table : data.Table or None
        The file's columns the run learns from (None for a data set of the playground's).
    file_name : str or None
        The file's name, which the script reads (default "data.csv").

    Returns
    -------
    str
        The script.
    """
    config = run.config
    seed, epochs = config["seed"], run.epoch
    names = [data.FEATURES[f][0] for f in config["features"]]
    loss = run.loss.name
    lines = [
        "# Rebuilds and trains the network of the neuronet playground.",
        f"# Network: {len(names)} inputs ({', '.join(names)}) -> "
        f"{' -> '.join(map(str, config['layers'] + [settings.n_outputs(config)]))}; "
        f"trained {epochs} epoch{'s' * (epochs != 1)} on the page.",
    ]
    if run.position > 0:
        lines.append(f"# The page was part-way through epoch {epochs + 1}; this script stops at "
                     f"the end of epoch {epochs}.")
    if run.changed_at is not None:
        lines.append(f"# The page's training settings changed at epoch {run.changed_at}; this "
                     "script trains with the final settings from the start, so its weights "
                     "differ from the page's.")
    if run.data_changed_at is not None:
        lines.append(f"# Points were added or cleared on the page at epoch {run.data_changed_at}; "
                     "this script trains on the final points from the start, so its weights "
                     "differ from the page's.")
    if run.changed_at is None and run.data_changed_at is None:
        lines.append("# Same seed, same data, same settings: the same weights as the page, "
                     "bit for bit.")
    l1 = config["reg"] == "l1" and config["regRate"] > 0
    lines += ["", *(["import numpy as np", ""] if l1 or run.added else []), "import neuronet",
              "from neuronet.playground import data", ""]
    if l1:
        lines += ["from neuronet.optimizers import Optimizer", "", ""]
        lines += inspect.getsource(L1).rstrip().splitlines() + ["", ""]
    if config["dataset"] == "csv":
        x1, x2 = table.columns
        lines += [
            f"table = data.read_csv({(file_name or 'data.csv')!r}, x1={x1!r}, x2={x2!r}, "
            f"target={table.target!r},",
            f"                      problem={config['problem']!r})",
            "X, y = table.X, table.y  # the two columns scaled onto the plane [-6, 6]²",
        ]
    else:
        classes = f", classes={config['classes']}" if config["dataset"] in data.MULTICLASS \
            else ""
        lines.append(f"X, y = data.generate({config['dataset']!r}, noise={config['noise']}, "
                     f"seed={seed}{classes})")
    lines.append(f"X_train, y_train, X_test, y_test = data.split(X, y, "
                 f"train_percent={config['ratio']}, seed={seed})")
    if run.added:
        added = [[float(a), float(b), int(c)] for a, b, c in run.added]
        lines += ["# The points added on the page: [x1, x2, class], after the training points.",
                  f"added = np.array({added!r})",
                  "X_train = np.vstack([X_train, added[:, :2]])",
                  "y_train = np.concatenate([y_train, added[:, 2].astype(y_train.dtype)])"]
    lines += [
        f"features = {config['features']!r}",
        "inputs_train, inputs_test = data.features(X_train, features), "
        "data.features(X_test, features)",
        "",
        "net = neuronet.Network([",
        *_layers_code(config, len(names)),
        f"], seed={seed})",
        f"history = net.fit(inputs_train, y_train, loss={loss!r},",
        f"                  optimizer={_optimizer_code(config)},",
        f"                  epochs={epochs}, batch_size={config['batch']})",
        "",
        f"train = net.evaluate(inputs_train, y_train, loss={loss!r})",
        f"test = net.evaluate(inputs_test, y_test, loss={loss!r})",
        "print(f\"after {history.epochs} epochs: training loss {train['loss']:.4f}, \"",
        "      f\"test loss {test['loss']:.4f}\")",
        "print(net.summary())",
    ]
    return _finish(lines, epochs)


def _finish(lines, epochs) -> str:
    if epochs == 0:  # fit needs at least one epoch: the page's network is untrained
        start = next(i for i, line in enumerate(lines) if line.startswith("history = "))
        lines[start:start + 3] = ["# The page had not trained yet: the network keeps its "
                                  "starting weights.", "history = neuronet.History()"]
    return "\n".join(lines) + "\n"


def tutorial_script(tutorial: Tutorial) -> str:
    """The tutorial's program, trained as many iterations as the page's neuron.

    Parameters
    ----------
    tutorial : session.Tutorial
        The tab's tutorial neuron.

    Returns
    -------
    str
        The script.
    """
    n = tutorial.iteration
    return "\n".join([
        "# The tutorial's neuron, as the neuronet playground trained it.",
        "",
        "from numpy import array",
        "",
        "from neuronet import Neuron",
        "",
        "network = Neuron()  # seed 15, three inputs: the tutorial's neuron",
        "print(\"Random starting weights:\", network.weights.ravel())",
        "inputs = array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]])",
        "expected_outputs = array([[0, 1, 1, 0]]).T",
        f"network.train(inputs, expected_outputs, {n})",
        "print(\"New weights after training:\", network.weights.ravel())",
        "print(\"Test of input [1, 0, 0] -> ?:\", network.run(array([1, 0, 0])))",
    ]) + "\n"



def take_away(kind: str, run=None, table=None, tutorial=None) -> tuple[bytes, str, str]:
    """What a tab downloads of its run (or of the tutorial's neuron).

    Parameters
    ----------
    kind : {"model", "onnx", "python"}
        The model file, the ONNX graph, or the script that rebuilds it.
    run : session.Run or None
        The tab's run (its network gets the run's metadata).
    table : data.Table or None
        The file's columns the run learns from: with the plain features x1 and x2, the
        model is a TabularModel that reads the file's raw rows.
    tutorial : session.Tutorial or None
        The tutorial's neuron, when the tab shows it (``run`` is then not used).

    Returns
    -------
    tuple of (bytes, str, str)
        The content, the file's name and its media type.

    Raises
    ------
    ValueError
        When the model cannot be written so.
    ImportError
        For ONNX without the onnx extra.
    """
    if tutorial is not None:
        model = tutorial.network()
    else:
        model = run.network
        model.metadata = run.metadata(table)
        if table is not None and run.config["features"] == ["x1", "x2"]:
            model = table_model(model, table)  # predicts from the file's raw rows
    if kind == "model":
        return model_file(model), "neuronet-playground.npz", "application/octet-stream"
    if kind == "onnx":
        return onnx_file(model), "neuronet-playground.onnx", "application/octet-stream"
    if tutorial is not None:
        script = tutorial_script(tutorial)
    else:
        name = None if table is None else PurePath(table.name).name
        script = python_script(run, table, name)
    return script.encode("utf-8"), "neuronet_playground.py", "text/x-python"
