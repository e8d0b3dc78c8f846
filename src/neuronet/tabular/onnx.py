"""A model of a table as an ONNX graph that reads raw columns: the model's preparation
(gaps filled, numbers standardized, dates as days and cycles, categories one-hot) as standard
operators, then the network (``neuronet.onnx``), then labels and probabilities or values in the
target's units. Any ONNX runtime then predicts what ``TabularModel.predict`` does."""

from __future__ import annotations

import numpy as np

from ..onnx import (
    ML_DOMAIN,
    TABLE_IR_VERSION,
    TABLE_OPSET,
    Graph,
    add_network,
    class_outputs,
    elem_type,
    save_model,
)
from . import columns as conv
from .ensemble import calibrated_networks
from .preparation import CLIP, CLIP_INPUT, CYCLES, NumberInput


def onnx_input_name(column: str) -> str:
    """The name of the ONNX graph's input for a column.

    Parameters
    ----------
    column : str
        The column's name.

    Returns
    -------
    str
        The input's name: the column's own name.
    """
    return column


def onnx_feeds(model, frame) -> dict:
    """What the ONNX graph of a model is fed for the rows of a table, one array per column.

    Parameters
    ----------
    model : TabularModel
        The model whose graph is fed.
    frame : pandas.DataFrame
        The rows, as ``TabularModel.read_rows`` reads them.

    Returns
    -------
    dict of str to numpy.ndarray
        By input name, an array of shape (rows, 1) per column, as
        ``TabularModel.onnx_inputs`` describes.
    """
    feeds = {}
    for item in model.preparation.inputs:
        series = frame[item.column]
        if item.kind in ("category", "boolean"):
            text = item.texts(series)
            text[text == None] = ""  # noqa: E711 - elementwise
            values = text.astype(object)
        elif item.kind == "date":
            values = conv.as_days(series, item.date_format)
        else:
            values = conv.as_numbers(series)[0]
        feeds[onnx_input_name(item.column)] = values.reshape(-1, 1)
    return feeds


def tabular_to_onnx(model, path=None):
    """A TabularModel as an ONNX model (opset 19) that reads raw columns, one input of shape
    (N, 1) per column the model reads, named as the column: float64 for numbers (NaN where
    missing), float64 days since 1970-01-01 UTC for dates (NaN where missing), strings for
    categories and booleans ("" where missing; whole numbers written as "3", booleans as
    "True"/"False"). ``TabularModel.onnx_inputs(data)`` makes these from a table.

    Outputs: "label" (N,) and "probabilities" (N, n_classes) for classification, "value" (N,)
    in the target's units for regression.

    Parameters
    ----------
    model : TabularModel
        The model to export.
    path : str or os.PathLike, optional
        Where to write the graph; None writes nothing.

    Returns
    -------
    onnx.ModelProto
        The graph.
    """
    networks = calibrated_networks(model)  # the temperature inside each last layer
    network = networks[0]
    graph = Graph(np.dtype(np.float64))
    helper, TensorProto = graph.onnx.helper, graph.onnx.TensorProto
    inputs, parts = [], []
    for item in model.preparation.inputs:
        name = onnx_input_name(item.column)
        if isinstance(item, NumberInput):
            inputs.append(helper.make_tensor_value_info(name, TensorProto.DOUBLE, ["N", 1]))
            gaps = graph.node("IsNaN", [name], "gaps")
            filled = graph.node("Where", [gaps, graph.constant("fill", [item.fill]), name])
            centred = graph.node("Sub", [filled, graph.constant("center", [item.center])])
            scaled = graph.node("Div", [centred, graph.constant("scale", [item.scale])])
            if item.clip:  # preparation.smooth_clip: x / sqrt(1 + (x / 3)^2), x cut first
                cut = graph.node("Clip", [scaled, graph.constant("low", -CLIP_INPUT),
                                          graph.constant("high", CLIP_INPUT)])
                ratio = graph.node("Div", [cut, graph.constant("clip", [CLIP])])
                square = graph.node("Mul", [ratio, ratio])
                root = graph.node("Sqrt", [graph.node("Add", [square,
                                                              graph.constant("one", [1.0])])])
                scaled = graph.node("Div", [cut, root])
            if item.log:  # preparation.signed_log: sign(x) log(1 + |x|)
                magnitude = graph.node("Log", [graph.node("Add", [
                    graph.node("Abs", [scaled]), graph.constant("one", [1.0])])])
                scaled = graph.node("Mul", [graph.node("Sign", [scaled]), magnitude], "slog")
            parts.append(scaled)
            if item.indicator:
                parts.append(graph.node("Cast", [gaps], "missing", to=TensorProto.DOUBLE))
            if item.edges:  # preparation.piecewise: (x - lower edge) / width, cut to [0, 1]
                edges = np.array(item.edges)
                above = graph.node("Sub", [filled, graph.constant("lower", edges[:-1])])
                position = graph.node("Div", [above, graph.constant("width", np.diff(edges))])
                parts.append(graph.node("Clip", [position, graph.constant("zero", 0.0),
                                                 graph.constant("one", 1.0)], "bins"))
            for cycle in item.cycles:
                turn = graph.constant("turn", [2 * np.pi / CYCLES[cycle]])
                angle = graph.node("Mul", [filled, turn], "angle")
                parts += [graph.node("Sin", [angle]), graph.node("Cos", [angle])]
        elif item.embedding:  # the code of preparation._categories: 0 for "other"
            inputs.append(helper.make_tensor_value_info(name, TensorProto.STRING, ["N", 1]))
            keys = list(item.values) + [""] * item.missing_slot
            codes = graph.node("LabelEncoder", [name], "code", domain=ML_DOMAIN,
                               keys_strings=keys, values_int64s=list(range(1, len(keys) + 1)),
                               default_int64=0)
            parts.append(graph.node("Cast", [codes], "code", to=TensorProto.DOUBLE))
        else:
            inputs.append(helper.make_tensor_value_info(name, TensorProto.STRING, ["N", 1]))
            slots = []
            if item.values:
                values = graph.constant("values", np.array(item.values, dtype=object), object)
                slots.append(graph.node("Equal", [name, values], "is_value"))
            if item.missing_slot:
                empty = graph.constant("empty", np.array([""], dtype=object), object)
                slots.append(graph.node("Equal", [name, empty], "is_missing"))
            slots = [graph.node("Cast", [slot], "slot", to=TensorProto.DOUBLE) for slot in slots]
            if item.pooled_slot:
                one = graph.constant("one", [[1.0]])
                if slots:
                    joined = slots[0] if len(slots) == 1 else \
                        graph.node("Concat", slots, "slots", axis=1)
                    axes = graph.constant("axes", [1], np.int64)
                    taken = graph.node("ReduceSum", [joined, axes], "taken", keepdims=1)
                    slots.append(graph.node("Sub", [one, taken], "pooled"))
                else:  # every value is pooled: the one input is always 1
                    zero = graph.node("Mul", [graph.node("Cast", [graph.node(
                        "Equal", [name, name])], to=TensorProto.DOUBLE),
                        graph.constant("zero", [[0.0]])])
                    slots.append(graph.node("Add", [zero, one], "pooled"))
            parts += slots
    features = parts[0] if len(parts) == 1 else graph.node("Concat", parts, "features", axis=1)
    if network.dtype != np.float64:
        features = graph.node("Cast", [features], to=elem_type(network.dtype))
    graph.dtype = network.dtype
    out = add_ensemble(graph, networks, features)
    if network.dtype != np.float64:
        out = graph.node("Cast", [out], to=TensorProto.DOUBLE)
    graph.dtype = np.dtype(np.float64)
    if model.task == "classification":
        probabilities, label, label_type = class_outputs(graph, out, network.n_outputs,
                                                    model.classes)
        graph.rename(label, "label")
        graph.rename(probabilities, "probabilities")
        outputs = [helper.make_tensor_value_info("label", label_type, ["N"]),
                   helper.make_tensor_value_info("probabilities", TensorProto.DOUBLE,
                                                 ["N", len(model.classes)])]
    else:
        axes = graph.constant("axes", [1], np.int64)
        value = graph.node("Squeeze", [out, axes])
        value = graph.node("Mul", [value, graph.constant("scale", model.target_scale)])
        value = graph.node("Add", [value, graph.constant("center", model.target_center)])
        if model.target_transform == "log":  # log(1 + y) learned: exp(value) - 1
            value = graph.node("Sub", [graph.node("Exp", [value]), graph.constant("one", 1.0)])
        graph.rename(value, "value")
        outputs = [helper.make_tensor_value_info("value", TensorProto.DOUBLE, ["N"])]
    onnx_model = graph.model(inputs, outputs, f"neuronet TabularModel: {model.task} of "
                             f"{model.target}", opset=TABLE_OPSET, ir_version=TABLE_IR_VERSION)
    if path is not None:
        save_model(onnx_model, path)
    return onnx_model


def add_ensemble(graph, networks, x):
    """The nodes of an ensemble's networks applied to tensor ``x``, and the mean of their
    outputs (``tabular.ensemble``); one network adds its nodes alone.

    Parameters
    ----------
    graph : Graph
        The graph the nodes are added to.
    networks : list of Network
        The networks, of one design.
    x : str
        The name of the tensor they take.

    Returns
    -------
    str
        The name of the tensor of their mean output.
    """
    outputs = [add_network(graph, network, x) for network in networks]
    if len(outputs) == 1:
        return outputs[0]
    # Adds and a division: runtimes implement ONNX's Mean for float32 only.
    total = outputs[0]
    for output in outputs[1:]:
        total = graph.node("Add", [total, output], "ensemble_sum")
    return graph.node("Div", [total, graph.constant("members", len(outputs))], "ensemble")
