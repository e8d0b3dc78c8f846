"""The "tabular" section of a model file: what a ``TabularModel`` writes beside its network,
and every check that reading it back makes, so a file that is wrong is refused, not half-used.
"""

from __future__ import annotations

import copy

import numpy as np

from .._text import printable
from ..embedding import Embedding
from . import columns as conv
from .preparation import Preparation, decode_text, encode_text
from .target import TASKS

# 2: numbers.clip (robust scaling) and target.transform (log(1 + y)); 3: ensemble members
VERSION = 3
CLASS_KINDS = ("text", "integer", "float", "boolean")
_FIELDS = {"version", "task", "target", "id_column", "class_kind"}
#: The most networks an ensemble of a model file may hold.
MAX_MEMBERS = 100


def to_section(model):
    """A table model as its section of a model file holds it: fields and named arrays.

    Parameters
    ----------
    model : TabularModel
        The model to write.

    Returns
    -------
    tuple of (dict, dict)
        The fields (version, task, target, id column, kind of the classes) and the arrays
        (the preparation's, then the classes, temperature and class weights of a classifier,
        or the centre, scale and transform of a regression's target), by name.
    """
    kind = class_kind(model.classes) if model.task == "classification" else None
    fields = {"version": VERSION, "task": model.task, "target": model.target,
              "id_column": model.id_column, "class_kind": kind}
    arrays = model.preparation.to_arrays()
    if model.task == "classification":
        arrays.update(encode_text("target.classes", class_texts(model.classes)))
        if model.temperature != 1.0:
            arrays["calibration.temperature"] = np.array([model.temperature])
        if model.class_weights is not None:
            arrays["training.class_weights"] = model.class_weights.copy()
    else:
        arrays["target.center"] = np.array([model.target_center])
        arrays["target.scale"] = np.array([model.target_scale])
        arrays["target.transform"] = np.array([model.target_transform == "log"], np.uint8)
    arrays.update(member_arrays(model.networks))
    return fields, arrays


def member_arrays(networks) -> dict:
    """The arrays of an ensemble's networks beyond the first (which the model file holds as
    its network): ``ensemble.size``, and ``ensemble.<m>.<j>`` the j-th parameter array (in
    the order of ``Network.parameters``) of member m, counted from 1, as float64.

    Parameters
    ----------
    networks : list of Network
        The model's networks, the first its own.

    Returns
    -------
    dict of str to numpy.ndarray
        The arrays by name; none for a model of one network.
    """
    if len(networks) == 1:
        return {}
    arrays = {"ensemble.size": np.array([len(networks)], np.int64)}
    for m, network in enumerate(networks[1:], 1):
        for j, weights in enumerate(network.parameters()):
            arrays[f"ensemble.{m}.{j}"] = np.asarray(weights, dtype=np.float64)
    return arrays


def members_from_arrays(network, arrays) -> list:
    """An ensemble's networks beyond the first, read back from the arrays ``member_arrays``
    wrote and checked against the model's network.

    Parameters
    ----------
    network : Network
        The model file's network, whose design every member shares.
    arrays : dict of str to numpy.ndarray
        The section's arrays, by name.

    Returns
    -------
    list of Network
        The other members, in order; none where the section holds no ``ensemble.size``.

    Raises
    ------
    ValueError
        For a size that is not a whole number from 2 to ``MAX_MEMBERS``, or a member's
        array that is missing, not float64, of another shape than the network's, or not
        finite.
    """
    if "ensemble.size" not in arrays:
        return []
    size = arrays["ensemble.size"]
    if size.dtype != np.int64 or size.shape != (1,) or not 2 <= size[0] <= MAX_MEMBERS:
        raise ValueError(f"ensemble.size must hold one int64 from 2 to {MAX_MEMBERS}")
    shapes = [weights.shape for weights in network.parameters()]
    members = []
    for m in range(1, int(size[0])):
        found = []
        for j, shape in enumerate(shapes):
            value = arrays.get(f"ensemble.{m}.{j}")
            if value is None or value.dtype != np.float64 or value.shape != shape or \
                    not np.isfinite(value).all():
                raise ValueError(f"ensemble.{m}.{j} must hold finite float64 of shape "
                                 f"{shape}, as the network's parameter {j}")
            found.append(value.astype(network.dtype))
        member = copy.deepcopy(network)
        member.set_weights(found)
        members.append(member)
    return members


def model_options(network, fields, arrays) -> dict:
    """What a table model is made of, read back from its section and checked against its
    network.

    Parameters
    ----------
    network : neuronet.network.Network
        The network of the model file, already loaded.
    fields : dict
        The section's fields, as ``to_section`` gave them.
    arrays : dict of str to numpy.ndarray
        The section's arrays, by name.

    Returns
    -------
    dict
        The keyword arguments of ``TabularModel`` beside the network: ``preparation``,
        ``target``, ``task``, ``id_column``, ``members`` (an ensemble's other networks) and
        those of the task (classes, temperature and class weights; or the target's centre,
        scale and transform).

    Raises
    ------
    ValueError
        When the section is unsound: fields missing or extra, a version newer than this
        neuronet reads, a preparation whose inputs are not the network's, classes that are
        not labels or do not fit the network's outputs, an array malformed or unexpected.
    """
    if not isinstance(fields, dict) or set(fields) != _FIELDS:
        found = sorted(fields) if isinstance(fields, dict) else fields
        raise ValueError(f"the fields are {found!r}; expected {sorted(_FIELDS)}")
    version = fields["version"]
    if type(version) is not int or version < 1:
        raise ValueError(f"version {version!r} is not a version number")
    if version > VERSION:
        raise ValueError(f"written in version {version} of the table section; this neuronet "
                         f"reads version {VERSION}: upgrade neuronet to load it")
    task, target, id_column = fields["task"], fields["target"], fields["id_column"]
    if task not in TASKS:
        raise ValueError(f"task {task!r} is not 'classification' or 'regression'")
    if not isinstance(target, str) or not (id_column is None or isinstance(id_column, str)):
        raise ValueError("target and id_column must be strings")
    preparation = Preparation.from_arrays(arrays)
    if preparation.n_features != network.n_inputs:
        raise ValueError(f"the preparation gives {preparation.n_features} inputs, but the "
                         f"network takes {network.n_inputs}")
    first = network.layers[0]
    looked_up = (first.columns, first.counts, first.dim) if isinstance(first, Embedding) else None
    if preparation.embedding() != looked_up:
        raise ValueError(f"the preparation's embedded categories {preparation.embedding()} "
                         f"are not what the network's first layer looks up ({looked_up})")
    expected = set(preparation.to_arrays())
    options = {"preparation": preparation, "target": target, "task": task,
               "id_column": id_column}
    if task == "classification":
        expected |= {"target.classes.utf8", "target.classes.ends"}
        if fields["class_kind"] not in CLASS_KINDS:
            raise ValueError(f"class_kind {fields['class_kind']!r} is not one of "
                             f"{', '.join(CLASS_KINDS)}")
        classes = parse_classes(decode_text(arrays, "target.classes"), fields["class_kind"])
        _check_classes(classes)
        outputs = network.n_outputs
        if len(classes) < 2 or \
                outputs != (1 if len(classes) == 2 and outputs == 1 else len(classes)):
            raise ValueError(f"{len(classes)} classes do not fit a network of {outputs} "
                             "outputs")
        if network.output_activation not in ("softmax", "sigmoid"):
            raise ValueError("a classifier's network must end in softmax or sigmoid")
        options["classes"] = classes
        options.update(_practice_arrays(arrays, len(classes)))
        expected |= {"calibration.temperature", "training.class_weights"} & set(arrays)
    else:
        expected |= {"target.center", "target.scale"}
        if fields["class_kind"] is not None or network.n_outputs != 1:
            raise ValueError("a regression model has one output and no classes")
        for key in ("center", "scale"):
            value = arrays.get(f"target.{key}")
            if value is None or value.dtype != np.float64 or value.shape != (1,):
                raise ValueError(f"target.{key} must hold one float64")
        options.update(target_center=float(arrays["target.center"][0]),
                       target_scale=float(arrays["target.scale"][0]))
        if "target.transform" in arrays:  # absent from files of version 1: none
            expected.add("target.transform")
            transform = arrays["target.transform"]
            if transform.dtype != np.uint8 or transform.shape != (1,) or transform[0] > 1:
                raise ValueError("target.transform must hold one uint8, 0 (none) or 1 "
                                 "(log(1 + y))")
            options["target_transform"] = "log" if transform[0] else None
        if options["target_scale"] <= 0:
            raise ValueError("target.scale is not positive")
    options["members"] = members_from_arrays(network, arrays)
    expected |= {f"ensemble.{m}.{j}" for m in range(1, len(options["members"]) + 1)
                 for j in range(len(network.parameters()))}
    expected |= {"ensemble.size"} & set(arrays)
    extra = sorted(set(arrays) - expected)
    if extra:
        raise ValueError(f"holds an unexpected array {extra[0]}")
    return options


def _practice_arrays(arrays, n_classes) -> dict:
    """The temperature and class weights of a classifier's section, where it holds them,
    checked: one temperature above 0, one weight of zero or more per class."""
    found = {}
    if "calibration.temperature" in arrays:
        value = arrays["calibration.temperature"]
        if value.dtype != np.float64 or value.shape != (1,) or not np.isfinite(value).all() \
                or value[0] <= 0:
            raise ValueError("calibration.temperature must hold one float64 above 0")
        found["temperature"] = float(value[0])
    if "training.class_weights" in arrays:
        value = arrays["training.class_weights"]
        if value.dtype != np.float64 or value.shape != (n_classes,) or \
                not np.isfinite(value).all() or (value < 0).any():
            raise ValueError(f"training.class_weights must hold {n_classes} float64 weights "
                             "of zero or more, one per class")
        found["class_weights"] = value.copy()
    return found


def class_kind(classes) -> str:
    """What kind of labels the classes are, so they are read back as the same kind.

    Parameters
    ----------
    classes : sequence
        The class labels, all of one kind; the first decides.

    Returns
    -------
    str
        "boolean", "integer", "float" or "text" (one of ``CLASS_KINDS``).
    """
    first = classes[0]
    if isinstance(first, (bool, np.bool_)):
        return "boolean"
    if isinstance(first, (int, np.integer)):
        return "integer"
    if isinstance(first, (float, np.floating)):
        return "float"
    return "text"


def class_texts(classes) -> list:
    """The classes as text, as ``columns.as_text`` gives them in a column.

    Parameters
    ----------
    classes : sequence
        The class labels.

    Returns
    -------
    list of str
        One text per class, in order.
    """
    return [conv.cell_text(c) for c in classes]


def parse_classes(texts, kind) -> list:
    """The class labels again from their texts, as the kind ``class_kind`` named.

    Parameters
    ----------
    texts : sequence of str
        The classes' texts, as ``class_texts`` gave them.
    kind : str
        One of ``CLASS_KINDS``; any other is read as "text".

    Returns
    -------
    list
        The labels: int, float, bool or str.

    Raises
    ------
    ValueError
        When a text is not a number of the kind, or, for "boolean", not "True" or "False".
    """
    try:
        if kind == "integer":
            return [int(t) for t in texts]
        if kind == "float":
            return [float(t) for t in texts]
    except ValueError:
        raise ValueError(f"the classes are not {kind} numbers") from None
    if kind == "boolean":
        if not set(texts) <= {"True", "False"}:
            raise ValueError("the classes are not True and False")
        return [t == "True" for t in texts]
    return list(texts)


def _check_classes(classes) -> None:
    """A ValueError naming target.classes for a class that is not a label (NaN or infinity,
    which no prediction can match: NaN is not even equal to itself) or that comes twice."""
    seen = set()
    for label in classes:
        if isinstance(label, float) and not np.isfinite(label):
            raise ValueError(f"target.classes holds {label!r}, which is not a class label; "
                             "expected finite numbers")
        if label in seen:
            shown = repr(printable(label)) if isinstance(label, str) else repr(label)
            raise ValueError(f"target.classes holds the class {shown} twice")
        seen.add(label)
