"""ONNX export: the trained network as a graph of standard operators (Gemm or MatMul for the
weighted sums, then the activation), so that any ONNX runtime can run it without neuronet.

A Dense layer becomes ``Gemm(X, W, b)`` (``MatMul(X, W)`` without a bias) followed by its
activation node; Dropout does nothing at prediction time and leaves no node. The graph's
input is "X", shape (N, n_inputs), in float32 or float64. Needs the ``onnx`` extra:
``pip install 'neuronet[onnx]'``.

A model of a table (``TabularModel``) becomes a graph that starts from the raw columns, one
input per column, and applies the model's preparation before the network: its export
(``neuronet.tabular.onnx``) builds on the pieces here (``Graph``, ``add_network``,
``class_outputs``).
"""

from __future__ import annotations

import numpy as np

from . import activations
from .layers import Dense, Dropout

OPSET = 17
IR_VERSION = 8  # the IR version that came with opset 17: readable by runtimes since 2022
# A model of a table compares text with Equal, which takes strings from opset 19 (IR 9, 2023).
TABLE_OPSET = 19
TABLE_IR_VERSION = 9

_ACTIVATION_OPS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu", "softmax": "Softmax",
                   "leaky_relu": "LeakyRelu", "exp": "Exp", "identity": None}


def require_onnx():
    try:
        import onnx
    except ImportError as exc:
        raise ImportError("ONNX export needs the onnx package: pip install 'neuronet[onnx]'"
                          ) from exc
    return onnx


def float_dtype(dtype, default):
    dtype = np.dtype(default if dtype is None else dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"ONNX export supports float32 and float64, got {dtype}")
    return dtype


class Graph:
    """Nodes and constant tensors gathered while walking the layers, with fresh names."""

    def __init__(self, dtype):
        self.onnx = require_onnx()
        self.dtype = dtype
        self.nodes, self.initializers = [], []
        self._count = 0

    def name(self, stem):
        self._count += 1
        return f"{stem}_{self._count}"

    def constant(self, stem, array, dtype=None):
        array = np.asarray(array, dtype=self.dtype if dtype is None else dtype)
        name = self.name(stem)
        if array.dtype.kind in "OU":
            tensor = self.onnx.helper.make_tensor(
                name, self.onnx.TensorProto.STRING, array.shape,
                [str(v).encode("utf-8") for v in array.ravel()])
        else:
            tensor = self.onnx.numpy_helper.from_array(array, name)
        self.initializers.append(tensor)
        return name

    def node(self, op, inputs, stem=None, **attributes):
        output = self.name(stem or op.lower())
        self.nodes.append(self.onnx.helper.make_node(op, list(inputs), [output],
                                                     name=self.name(op), **attributes))
        return output

    def rename(self, old, new):
        """Give the tensor ``old`` the graph output name ``new``."""
        for node in self.nodes:
            for i, name in enumerate(node.output):
                if name == old:
                    node.output[i] = new
            for i, name in enumerate(node.input):
                if name == old:
                    node.input[i] = new

    def model(self, inputs, outputs, doc, *, opset=OPSET, ir_version=IR_VERSION):
        helper = self.onnx.helper
        graph = helper.make_graph(self.nodes, "neuronet", inputs, outputs,
                                  initializer=self.initializers, doc_string=doc)
        model = helper.make_model(graph, producer_name="neuronet",
                                  opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = ir_version
        self.onnx.checker.check_model(model, full_check=True)
        return model


def elem_type(dtype):
    return require_onnx().helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def add_network(graph, network, x):
    """The nodes of ``network`` applied to tensor ``x``; returns the name of its output."""
    for position, layer in enumerate(network.layers, 1):
        if isinstance(layer, Dropout):
            continue
        if not isinstance(layer, Dense):
            raise ValueError(f"layer {position} ({layer!r}) has no ONNX form; only Dense and "
                             "Dropout layers can be exported")
        name = layer.activation.name
        if type(layer.activation) is not activations.ACTIVATIONS.get(name):
            raise ValueError(f"layer {position}'s activation {layer.activation!r} has no ONNX "
                             f"form; expected one of {', '.join(_ACTIVATION_OPS)}")
        weights = graph.constant("weights", layer.weights)
        if layer.bias is None:
            x = graph.node("MatMul", [x, weights], "sums")
        else:
            x = graph.node("Gemm", [x, weights, graph.constant("bias", layer.bias)], "sums")
        op = _ACTIVATION_OPS[name]
        if op == "Softmax":
            x = graph.node(op, [x], "outputs", axis=1)
        elif op == "LeakyRelu":
            x = graph.node(op, [x], "outputs", alpha=float(layer.activation.alpha))
        elif op is not None:
            x = graph.node(op, [x], "outputs")
    return x


def save_model(model, path):
    """Write ``model`` to ``path`` through a temporary file, so a failed write leaves any
    earlier file whole."""
    from ._files import atomic_write

    with atomic_write(path, mode="wb") as handle:
        handle.write(model.SerializeToString())


def network_to_onnx(network, path=None, *, dtype=None):
    """The network as an ONNX model (opset 17) with input "X" (N, n_inputs) and output "Y"
    (N, n_outputs), equal to ``network.predict``; written to ``path`` if one is given.

    Parameters
    ----------
    network : Network
    path : str or os.PathLike, optional
    dtype : np.float32 or np.float64; by default the network's own.
    """
    dtype = float_dtype(dtype, network.dtype)
    graph = Graph(dtype)
    out = add_network(graph, network, "X")
    if out == "X":  # pragma: no cover - a Network always has a Dense layer
        out = graph.node("Identity", ["X"])
    graph.rename(out, "Y")
    helper = graph.onnx.helper
    elem = elem_type(dtype)
    model = graph.model(
        [helper.make_tensor_value_info("X", elem, ["N", network.n_inputs])],
        [helper.make_tensor_value_info("Y", elem, ["N", network.n_outputs])],
        "neuronet Network",
    )
    if path is not None:
        save_model(model, path)
    return model


def class_outputs(graph, out, n_outputs, classes):
    """(probabilities, label, label's element type) from a classifier network's output: one
    sigmoid unit (the second class's probability) or a softmax over the classes."""
    if n_outputs == 1:
        first = graph.node("Sub", [graph.constant("one", 1.0), out])
        out = graph.node("Concat", [first, out], axis=1)
    index = graph.node("ArgMax", [out], axis=1, keepdims=0)
    table, label_type = label_tensor(graph, classes)
    return out, graph.node("Gather", [table, index], "label", axis=0), label_type


def label_tensor(graph, classes):
    """The classes as a constant, and the ONNX type of the labels that come out of it."""
    TensorProto = graph.onnx.TensorProto
    classes = np.asarray(classes)
    if classes.dtype.kind in "iu":
        return graph.constant("classes", classes, np.int64), TensorProto.INT64
    if classes.dtype.kind == "b":
        return graph.constant("classes", classes, np.bool_), TensorProto.BOOL
    if classes.dtype.kind == "f":
        return graph.constant("classes", classes, np.float64), TensorProto.DOUBLE
    if classes.dtype.kind in "OU" and all(isinstance(c, str) for c in classes):
        return graph.constant("classes", classes.astype(str), object), TensorProto.STRING
    raise ValueError(f"classes of dtype {classes.dtype} have no ONNX tensor type; expected "
                     "integers, booleans, floats or strings")


def estimator_to_onnx(estimator, path=None, *, dtype=None):
    """A fitted NetClassifier or NetRegressor as an ONNX model with input "X".

    The classifier's outputs are "label" (the predicted classes: int64, bool, double or string
    as ``classes_`` are; for multilabel an int64 0/1 matrix) and "probabilities" (N, n_classes).
    The regressor's output is "predictions", shaped as ``predict`` returns them.
    """
    from sklearn.base import is_classifier
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    network = estimator.network_
    dtype = float_dtype(dtype, network.dtype)
    graph = Graph(dtype)
    helper = graph.onnx.helper
    elem = elem_type(dtype)
    out = add_network(graph, network, "X")
    n = "N"
    if is_classifier(estimator):
        k = len(estimator.classes_)
        if estimator.multilabel_:
            probabilities = out
            half = graph.constant("half", 0.5)
            above = graph.node("Greater", [probabilities, half])
            label = graph.node("Cast", [above], "label", to=graph.onnx.TensorProto.INT64)
            label_type, label_shape = graph.onnx.TensorProto.INT64, [n, k]
        else:
            probabilities, label, label_type = class_outputs(graph, out, network.n_outputs,
                                                        estimator.classes_)
            label_shape = [n]
        graph.rename(label, "label")
        graph.rename(probabilities, "probabilities")
        outputs = [helper.make_tensor_value_info("label", label_type, label_shape),
                   helper.make_tensor_value_info("probabilities", elem, [n, k])]
    else:
        if estimator.y_ndim_ == 1:
            axes = graph.constant("axes", [1], np.int64)
            out = graph.node("Squeeze", [out, axes])
            shape = [n]
        else:
            shape = [n, network.n_outputs]
        graph.rename(out, "predictions")
        outputs = [helper.make_tensor_value_info("predictions", elem, shape)]
    inputs = [helper.make_tensor_value_info("X", elem, [n, network.n_inputs])]
    model = graph.model(inputs, outputs, f"neuronet {type(estimator).__name__}")
    if path is not None:
        save_model(model, path)
    return model
