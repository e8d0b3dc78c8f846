"""A network in a model file: its layers as the header's "layers", its weights and biases as
the arrays ``layers.<i>.weights`` and ``layers.<i>.bias`` (i counted from 0), and its metadata.
Writing checks that the layers are of the kinds the format holds; reading checks every field
before a layer is built."""

from __future__ import annotations

import math
import numbers

from .. import activations, initializers, losses
from .._version import __version__
from ..embedding import MAX_DIM, MAX_ROWS, Embedding
from ..layers import Dense, Dropout
from ..network import Network
from .archive import Problem
from .values import all_finite, brief, is_finite_number, is_number, to_json

FORMAT = "neuronet-model"
#: 2: a first layer may be an Embedding. A file without one is written as version 1, which
#: earlier versions of neuronet read.
FORMAT_VERSION = 2
MAX_LAYERS = 10_000
MAX_UNITS = 1 << 24
MAX_PARAMETERS = 1 << 31
TASKS = ("classification", "regression")
_HEADER_KEYS = {"format", "format_version", "neuronet_version", "dtype", "seed", "loss",
                "layers", "metadata", "section"}
_REQUIRED_KEYS = _HEADER_KEYS - {"seed", "loss", "section"}
_DENSE_KEYS = {"type", "n_inputs", "n_outputs", "activation", "bias", "init"}
_EMBEDDING_KEYS = {"type", "n_inputs", "columns", "counts", "dim", "drop"}


def network_header(network, metadata) -> dict:
    """The header's fields for ``network``: format, versions, its layers and ``metadata``.

    Parameters
    ----------
    network : Network
    metadata : dict
        Checked (``check_metadata``) and turned into JSON.

    Returns
    -------
    dict

    Raises
    ------
    ValueError
        For a layer the format cannot hold, or metadata it cannot.
    """
    configs = []
    for position, layer in enumerate(network.layers, 1):
        # Exact types: a subclass may compute something else, and would load as its parent.
        if type(layer) not in (Dense, Dropout, Embedding) or \
                (type(layer) is Embedding and position != 1):
            raise ValueError(f"cannot save: layer {position} ({layer!r}) is of a kind that "
                             "model files cannot hold; they hold Dense and Dropout layers, "
                             "and an Embedding as the first layer")
        if isinstance(layer, Dense):
            name = layer.activation.name
            if type(layer.activation) is not activations.ACTIVATIONS.get(name):
                raise ValueError(f"cannot save: layer {position}'s activation "
                                 f"{layer.activation!r} is not one of neuronet's own")
        config = dict(layer.config())
        if "alpha" in config:
            config["alpha"] = float(config["alpha"])
        for key in ("rate", "drop"):
            if key in config:
                config[key] = float(config[key])
        configs.append(config)
    seed = network.seed
    seed = int(seed) if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) else None
    metadata = to_json(metadata, "metadata", 0)
    try:
        check_metadata(metadata, network.n_inputs, network.n_outputs)
    except ValueError as exc:
        raise ValueError(f"cannot save: {exc}") from None
    version = 2 if any(type(layer) is Embedding for layer in network.layers) else 1
    return {"format": FORMAT, "format_version": version, "neuronet_version": __version__,
            "dtype": network.dtype.name, "seed": seed, "loss": network.loss,
            "layers": configs, "metadata": metadata}


def network_arrays(network) -> dict:
    """The network's weights and biases by member name ("layers.0.weights", ...).

    Parameters
    ----------
    network : Network

    Returns
    -------
    dict

    Raises
    ------
    ValueError
        For a weight that is NaN or infinite.
    """
    arrays = {}
    for position, layer in enumerate(network.layers):
        if isinstance(layer, (Dense, Embedding)):
            arrays[f"layers.{position}.weights"] = layer.weights
            if getattr(layer, "bias", None) is not None:
                arrays[f"layers.{position}.bias"] = layer.bias
    for name, array in arrays.items():
        if not all_finite(array):
            raise ValueError(f"cannot save: {name} holds NaN or infinity")
    return arrays


def check_metadata(metadata, n_inputs: int, n_outputs: int) -> None:
    """Raise ValueError unless the keys tools rely on are right for a network with
    ``n_inputs`` inputs and ``n_outputs`` outputs. Other keys may hold any JSON.

    Parameters
    ----------
    metadata : dict
    n_inputs, n_outputs : int
        The network's.

    Raises
    ------
    ValueError
        Naming the key that is wrong.
    """
    if not isinstance(metadata, dict):
        raise ValueError(f"metadata must be a dict, got {type(metadata).__name__}")
    for key in ("feature_names", "input_mean", "input_scale"):
        if key in metadata:
            value = metadata[key]
            if not isinstance(value, list) or len(value) != n_inputs:
                raise ValueError(f"metadata {key!r} must be a list of {n_inputs} items, one "
                                 f"per input, got {brief(value)}")
    if "feature_names" in metadata:
        if not all(isinstance(name, str) for name in metadata["feature_names"]):
            raise ValueError("metadata 'feature_names' must hold strings")
    for key in ("input_mean", "input_scale"):
        for item in metadata.get(key, ()):
            if not is_finite_number(item):
                raise ValueError(f"metadata {key!r} must hold finite numbers, got {item!r}")
    if any(item == 0 for item in metadata.get("input_scale", ())):
        raise ValueError("metadata 'input_scale' holds a zero; inputs are divided by it")
    if "target_name" in metadata and not isinstance(metadata["target_name"], str):
        raise ValueError(f"metadata 'target_name' must be a string, got "
                         f"{brief(metadata['target_name'])}")
    if "task" in metadata and metadata["task"] not in TASKS:
        raise ValueError(f"metadata 'task' must be 'classification' or 'regression', got "
                         f"{brief(metadata['task'])}")
    if "classes" in metadata:
        classes = metadata["classes"]
        # One sigmoid output tells two classes apart; otherwise there is an output per class.
        expected = 2 if n_outputs == 1 else n_outputs
        if not isinstance(classes, list) or len(classes) != expected:
            outputs = "1 output" if n_outputs == 1 else f"{n_outputs} outputs"
            raise ValueError(f"metadata 'classes' must be a list of {expected} labels for "
                             f"{outputs}, got {brief(classes)}")
        for label in classes:
            if not isinstance(label, (str, int, float)):
                raise ValueError(f"metadata 'classes' must hold str, int or float labels, "
                                 f"got {label!r}")
            if isinstance(label, float) and not math.isfinite(label):
                raise ValueError(f"metadata 'classes' holds {label}")
        if len(set(classes)) != len(classes):
            raise ValueError(f"metadata 'classes' holds a label twice: {brief(classes)}")


def check_header(header) -> dict:
    """Check the header's every field; return the arrays it implies, {name: shape}.

    Parameters
    ----------
    header : dict
        As read from a file.

    Returns
    -------
    dict

    Raises
    ------
    Problem
        For a field that is wrong, naming it.
    """
    if header.get("format") != FORMAT:
        raise Problem(f"not a neuronet model file (its header names the format "
                       f"{brief(header.get('format'))})")
    version = header.get("format_version")
    if type(version) is not int or version < 1:
        raise Problem(f"the header's format_version is {brief(version)}, not a version number")
    if version > FORMAT_VERSION:
        writer = header.get("neuronet_version")
        writer = writer if isinstance(writer, str) and len(writer) <= 40 else brief(writer)
        raise Problem(
            f"written in model format version {version} (by neuronet {writer}); "
            f"this neuronet ({__version__}) reads "
            f"version {FORMAT_VERSION}: upgrade neuronet to load it"
        )
    missing = sorted(_REQUIRED_KEYS - set(header))
    if missing:
        raise Problem(f"the header has no {missing[0]!r}")
    unknown = sorted(set(header) - _HEADER_KEYS)
    if unknown:
        raise Problem(f"the header has an unknown field {brief(unknown[0])}")
    if not isinstance(header["neuronet_version"], str):
        raise Problem("the header's neuronet_version is not a string")
    if header["dtype"] not in ("float32", "float64"):
        raise Problem(f"the header's dtype is {brief(header['dtype'])}; expected "
                       "'float32' or 'float64'")
    seed = header.get("seed")
    if seed is not None and (type(seed) is not int or not 0 <= seed < 1 << 128):
        raise Problem(f"the header's seed is {brief(seed)}, not a seed")
    loss = header.get("loss")
    if loss is not None and (not isinstance(loss, str) or loss not in losses.LOSSES):
        raise Problem(f"the header's loss is {brief(loss)}, not a known loss")
    layers = header["layers"]
    if not isinstance(layers, list) or not 1 <= len(layers) <= MAX_LAYERS:
        raise Problem(f"the header's layers must be a list of 1 to {MAX_LAYERS:,} layers")
    expected, dense, total, first = {}, [], 0, None
    for position, layer in enumerate(layers):
        where = f"layer {position + 1} in the header"
        kind = layer.get("type") if isinstance(layer, dict) else None
        if kind == "Embedding" and position == 0 and version >= 2:
            first = _check_embedding(layer, where)
            expected["layers.0.weights"] = (sum(layer["counts"]), layer["dim"])
            total += sum(layer["counts"]) * layer["dim"]
        elif kind == "Dense":
            _check_dense(layer, where)
            if dense and layer["n_inputs"] != dense[-1]["n_outputs"]:
                raise Problem(f"{where} takes {layer['n_inputs']} inputs, but the Dense layer "
                               f"before it gives {dense[-1]['n_outputs']}")
            if not dense and first is not None and layer["n_inputs"] != first[1]:
                raise Problem(f"{where} takes {layer['n_inputs']} inputs, but the Embedding "
                               f"layer before it gives {first[1]}")
            dense.append(layer)
            shape = (layer["n_inputs"], layer["n_outputs"])
            expected[f"layers.{position}.weights"] = shape
            total += shape[0] * shape[1]
            if layer["bias"]:
                expected[f"layers.{position}.bias"] = (layer["n_outputs"],)
                total += shape[1]
        elif kind == "Dropout":
            if set(layer) != {"type", "rate"} or not is_number(layer["rate"]) \
                    or not 0 <= layer["rate"] < 1:
                raise Problem(f"{where} is a malformed Dropout layer")
        else:
            raise Problem(f"{where} is not a Dense or Dropout layer: {brief(layer)} (an "
                           "Embedding may come first only, in a file of version 2)")
        if total > MAX_PARAMETERS:
            raise Problem(f"the header claims more than {MAX_PARAMETERS:,} parameters")
    if not dense:
        raise Problem("the header has no Dense layer")
    try:
        check_metadata(header["metadata"], dense[0]["n_inputs"] if first is None else first[0],
                       dense[-1]["n_outputs"])
    except ValueError as exc:
        raise Problem(f"the header's {exc}") from None
    return expected


def _check_embedding(layer, where) -> tuple:
    """(its inputs, its outputs) for a sound Embedding layer's fields, or a Problem."""
    if set(layer) != _EMBEDDING_KEYS:
        raise Problem(f"{where} has the fields {sorted(layer)}; an Embedding layer has "
                       f"{sorted(_EMBEDDING_KEYS)}")
    n_inputs, columns, counts, dim = (layer[key] for key in ("n_inputs", "columns", "counts",
                                                               "dim"))
    if type(n_inputs) is not int or not 1 <= n_inputs <= MAX_UNITS:
        raise Problem(f"{where} has n_inputs {brief(n_inputs)}; expected a whole number from "
                       f"1 to {MAX_UNITS:,}")
    if type(dim) is not int or not 1 <= dim <= MAX_DIM:
        raise Problem(f"{where} has dim {brief(dim)}; expected a whole number from 1 to "
                       f"{MAX_DIM:,}")
    if not isinstance(columns, list) or not columns or \
            any(type(c) is not int for c in columns) or \
            any(b <= a for a, b in zip(columns, columns[1:])) or columns[0] < 0 or \
            columns[-1] >= n_inputs:
        raise Problem(f"{where} has columns {brief(columns)}; expected increasing positions "
                       f"of code columns below its {n_inputs:,} inputs")
    if not isinstance(counts, list) or len(counts) != len(columns) or \
            any(type(c) is not int or not 1 <= c <= MAX_ROWS for c in counts):
        raise Problem(f"{where} has counts {brief(counts)}; expected one count from 1 to "
                       f"{MAX_ROWS:,} per code column")
    if not is_number(layer["drop"]) or not 0 <= layer["drop"] < 1:
        raise Problem(f"{where} has drop {brief(layer['drop'])}; expected a number in [0, 1)")
    return n_inputs, n_inputs - len(columns) + len(columns) * dim


def _check_dense(layer, where) -> None:
    leaky = layer.get("activation") == "leaky_relu"
    keys = _DENSE_KEYS | {"alpha"} if leaky else _DENSE_KEYS
    if set(layer) != keys:
        raise Problem(f"{where} has the fields {sorted(layer)}; a Dense layer has "
                       f"{sorted(keys)}")
    for key in ("n_inputs", "n_outputs"):
        if type(layer[key]) is not int or not 1 <= layer[key] <= MAX_UNITS:
            raise Problem(f"{where} has {key} {brief(layer[key])}; expected a whole number "
                           f"from 1 to {MAX_UNITS:,}")
    if not isinstance(layer["activation"], str) or \
            layer["activation"] not in activations.ACTIVATIONS:
        raise Problem(f"{where} has an unknown activation {brief(layer['activation'])}")
    if leaky and (not is_number(layer["alpha"]) or not 0 < layer["alpha"] < 1):
        raise Problem(f"{where} has leaky_relu alpha {brief(layer['alpha'])}; expected a "
                       "number between 0 and 1")
    if not isinstance(layer["bias"], bool):
        raise Problem(f"{where} has bias {brief(layer['bias'])}; expected true or false")
    init = layer["init"]
    known = [*initializers.INITIALIZERS, *initializers.ALIASES, "custom"]
    if init is not None and init not in known:
        raise Problem(f"{where} has an unknown init {brief(init)}")


def build(header, arrays) -> Network:
    """The Network that a checked header and its arrays describe.

    Parameters
    ----------
    header : dict
        Checked by ``check_header``.
    arrays : dict
        The arrays by member name.

    Returns
    -------
    Network
    """
    layers = []
    for position, spec in enumerate(header["layers"]):
        if spec["type"] == "Dropout":
            layers.append(Dropout(spec["rate"]))
            continue
        if spec["type"] == "Embedding":
            layer = Embedding(spec["n_inputs"], spec["columns"], spec["counts"], spec["dim"],
                              drop=spec["drop"])
            layer.weights = arrays[f"layers.{position}.weights"]
            layers.append(layer)
            continue
        activation = spec["activation"]
        if activation == "leaky_relu":
            activation = activations.LeakyReLU(spec["alpha"])
        # "custom" stands for an init function, which a file cannot hold; the weights are here.
        init = None if spec["init"] == "custom" else spec["init"]
        layer = Dense(spec["n_inputs"], spec["n_outputs"], activation, bias=spec["bias"],
                      init=init)
        layer.weights = arrays[f"layers.{position}.weights"]
        layer.bias = arrays.get(f"layers.{position}.bias")
        layers.append(layer)
    try:
        network = Network(layers, seed=header.get("seed"), dtype=header["dtype"])
    except ValueError as exc:
        raise Problem(f"the layers do not make a network: {exc}") from None
    network.loss = header.get("loss")
    network.metadata = header["metadata"]
    return network
