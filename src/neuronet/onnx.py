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
from .embedding import Embedding
from .layers import Dense, Dropout

OPSET = 17
IR_VERSION = 8  # the IR version that came with opset 17: readable by runtimes since 2022
# A model of a table compares text with Equal, which takes strings from opset 19 (IR 9, 2023).
TABLE_OPSET = 19
TABLE_IR_VERSION = 9
#: The operators of classical machine learning (LabelEncoder: text to codes), in the version
#: that came with opset 19.
ML_DOMAIN, ML_OPSET = "ai.onnx.ml", 3

_ACTIVATION_OPS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu", "softmax": "Softmax",
                   "leaky_relu": "LeakyRelu", "exp": "Exp", "identity": None}


def require_onnx():
    """The ``onnx`` package, imported only when an export needs it.

    Returns
    -------
    module
        The imported ``onnx`` package.

    Raises
    ------
    ImportError
        If onnx is not installed; the message says how to install it
        (``pip install 'neuronet[onnx]'``).
    """
    try:
        import onnx
    except ImportError as exc:
        raise ImportError("ONNX export needs the onnx package: pip install 'neuronet[onnx]'"
                          ) from exc
    return onnx


def float_dtype(dtype, default):
    """The number type an exported graph computes in: ``dtype`` if given, else ``default``;
    ONNX models of neuronet are float32 or float64.

    Parameters
    ----------
    dtype : numpy dtype or None
        The type asked for (anything ``numpy.dtype`` accepts: ``np.float32``, ``"float64"``);
        None takes ``default``.
    default : numpy dtype
        The type used when ``dtype`` is None, usually the network's own.

    Returns
    -------
    numpy.dtype
        ``float32`` or ``float64``.

    Raises
    ------
    ValueError
        If the type is neither float32 nor float64.
    """
    dtype = np.dtype(default if dtype is None else dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"ONNX export supports float32 and float64, got {dtype}")
    return dtype


class Graph:
    """Nodes and constant tensors gathered while walking the layers, with fresh names.

    An exporter adds constants (``constant``) and operator nodes (``node``), each of which
    hands back the name of the tensor it makes, to be passed on as the next node's input;
    ``model`` then wraps everything into a checked ONNX model. Every name it makes is a stem
    and a counter ("weights_1", "sums_2"), so that names do not clash.

    Parameters
    ----------
    dtype : numpy.dtype
        The type of numeric constants unless one is given (the graph's float32 or float64).

    Attributes
    ----------
    onnx : module
        The ``onnx`` package.
    dtype : numpy.dtype
        As given.
    nodes : list of onnx.NodeProto
        The operator nodes, in the order they were added (an order in which they can run).
    initializers : list of onnx.TensorProto
        The constant tensors.

    Raises
    ------
    ImportError
        If onnx is not installed.
    """

    def __init__(self, dtype):
        self.onnx = require_onnx()
        self.dtype = dtype
        self.nodes, self.initializers = [], []
        self._count = 0

    def name(self, stem):
        """A name not used before in this graph: ``stem``, an underscore and a counter.

        Parameters
        ----------
        stem : str
            What the name starts with, saying what it names ("weights", "Gemm").

        Returns
        -------
        str
            For instance "weights_3".
        """
        self._count += 1
        return f"{stem}_{self._count}"

    def constant(self, stem, array, dtype=None):
        """Add a fixed tensor to the graph (an initializer), such as a layer's weights.

        Parameters
        ----------
        stem : str
            The start of its name (see ``name``).
        array : array_like
            Its values, of any shape.
        dtype : numpy dtype, optional
            The tensor's type; by default the graph's ``dtype``. ``object`` (or a unicode
            string type) makes a tensor of UTF-8 strings, each value written as ``str(v)``.

        Returns
        -------
        str
            The tensor's name, to use as a node's input.
        """
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
        """Add one operator to the graph, applied to ``inputs``, and name its one output.

        Parameters
        ----------
        op : str
            The ONNX operator ("Gemm", "Relu", "Concat"...), from the default domain.
        inputs : iterable of str
            The names of the tensors it takes, in the operator's order.
        stem : str, optional
            The start of the output's name; by default ``op`` in lower case.
        **attributes
            The operator's attributes (``axis=1``, ``to=TensorProto.INT64``).

        Returns
        -------
        str
            The name of the tensor the operator outputs.
        """
        output = self.name(stem or op.lower())
        self.nodes.append(self.onnx.helper.make_node(op, list(inputs), [output],
                                                     name=self.name(op), **attributes))
        return output

    def rename(self, old, new):
        """Give the tensor ``old`` the graph output name ``new``.

        Every node that outputs or takes ``old`` is changed to use ``new``; the graph's
        inputs and constants are not (rename the output of a node).

        Parameters
        ----------
        old : str
            The tensor's present name.
        new : str
            The name it is to have, such as "Y" or "label".
        """
        for node in self.nodes:
            for i, name in enumerate(node.output):
                if name == old:
                    node.output[i] = new
            for i, name in enumerate(node.input):
                if name == old:
                    node.input[i] = new

    def model(self, inputs, outputs, doc, *, opset=OPSET, ir_version=IR_VERSION):
        """The nodes and constants gathered so far as a complete ONNX model, checked.

        onnx's checker validates it in full (``full_check=True``: operators, and the types
        and shapes that flow between them) before it is returned.

        Parameters
        ----------
        inputs : list of onnx.ValueInfoProto
            The graph's inputs: name, element type and shape of each.
        outputs : list of onnx.ValueInfoProto
            The graph's outputs, named as the tensors that hold them (see ``rename``).
        doc : str
            The graph's description (its ``doc_string``).
        opset : int, default OPSET
            The version of the default operator set the model imports (17).
        ir_version : int, default IR_VERSION
            The ONNX file format version (8, that of opset 17).

        Returns
        -------
        onnx.ModelProto
            The model, produced by "neuronet".

        Raises
        ------
        onnx.checker.ValidationError
            If the model breaks the ONNX specification (an operator unknown to the opset, a
            missing input).
        onnx.shape_inference.InferenceError
            If the types or shapes of the tensors do not fit the operators.
        """
        helper = self.onnx.helper
        graph = helper.make_graph(self.nodes, "neuronet", inputs, outputs,
                                  initializer=self.initializers, doc_string=doc)
        imports = [helper.make_opsetid("", opset)]
        if any(node.domain == ML_DOMAIN for node in self.nodes):  # a LabelEncoder, say
            imports.append(helper.make_opsetid(ML_DOMAIN, ML_OPSET))
        model = helper.make_model(graph, producer_name="neuronet", opset_imports=imports)
        model.ir_version = ir_version
        self.onnx.checker.check_model(model, full_check=True)
        return model


def elem_type(dtype):
    """The ONNX element type (a ``TensorProto`` number) that holds a numpy dtype's values.

    Parameters
    ----------
    dtype : numpy dtype
        Anything ``numpy.dtype`` accepts, such as ``np.float32``.

    Returns
    -------
    int
        For instance ``TensorProto.FLOAT`` (1) for float32, ``TensorProto.DOUBLE`` (11) for
        float64.

    Raises
    ------
    ImportError
        If onnx is not installed.
    ValueError
        If ONNX has no element type for it (a date, for instance).
    """
    return require_onnx().helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def add_network(graph, network, x):
    """The nodes of ``network`` applied to tensor ``x``; returns the name of its output.

    Each Dense layer adds ``Gemm(x, weights, bias)`` (``MatMul(x, weights)`` without a bias)
    and then its activation's operator (none for identity); a Dropout layer adds nothing, as
    it does nothing at prediction time; an Embedding layer gathers each code column's rows of
    its table (``Gather`` on the codes cast to integers) and concatenates them after the
    columns it passes through.

    Parameters
    ----------
    graph : Graph
        The graph the nodes and weights are added to, in its ``dtype``.
    network : Network
        The network, of Dense and Dropout layers.
    x : str
        The name of the tensor the network takes, shape (N, n_inputs).

    Returns
    -------
    str
        The name of the tensor the last layer outputs, shape (N, n_outputs); ``x`` itself if
        no layer adds a node.

    Raises
    ------
    ValueError
        If a layer is not Dense, Dropout or Embedding, or a layer's activation is not one of
        neuronet's own (sigmoid, tanh, relu, softmax, leaky_relu, exp, identity).
    """
    for position, layer in enumerate(network.layers, 1):
        if isinstance(layer, Dropout):
            continue
        if isinstance(layer, Embedding):
            x = _add_embedding(graph, layer, x)
            continue
        if not isinstance(layer, Dense):
            raise ValueError(f"layer {position} ({layer!r}) has no ONNX form; only Dense, "
                             "Dropout and Embedding layers can be exported")
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


def _add_embedding(graph, layer, x):
    """The nodes of an Embedding layer: the passed columns, then each code column's vector.

    A code is read as ``Embedding.codes`` reads it: one that is not a whole number within its
    column's count is 0.
    """
    int64 = graph.onnx.TensorProto.INT64
    raw = graph.node("Gather", [x, graph.constant("code_columns", layer.columns, np.int64)],
                     "codes", axis=1)
    whole = graph.node("Round", [raw])
    valid = graph.node("And", [
        graph.node("Equal", [whole, raw]),
        graph.node("And", [
            graph.node("GreaterOrEqual", [whole, graph.constant("zero", [0.0])]),
            graph.node("Less", [whole, graph.constant("counts", layer.counts)])])], "valid")
    codes = graph.node("Where", [valid, whole, graph.constant("zero", [0.0])])
    rows = graph.node("Add", [graph.node("Cast", [codes], to=int64),
                              graph.constant("offsets", layer.offsets, np.int64)], "rows")
    vectors = graph.node("Gather", [graph.constant("table", layer.weights), rows], "vectors",
                         axis=0)
    width = len(layer.columns) * layer.dim
    vectors = graph.node("Reshape", [vectors, graph.constant("shape", [-1, width], np.int64)],
                         "embedded")
    if not len(layer.passed):
        return vectors
    passed = graph.node("Gather", [x, graph.constant("passed", layer.passed, np.int64)],
                        "passed", axis=1)
    return graph.node("Concat", [passed, vectors], "embedded", axis=1)


def save_model(model, path):
    """Write ``model`` to ``path`` through a temporary file, so a failed write leaves any
    earlier file whole.

    Parameters
    ----------
    model : onnx.ModelProto
        The model to write, in ONNX's binary (protobuf) form.
    path : str or os.PathLike
        The file.

    Raises
    ------
    ValueError
        If ``path`` is empty or names a folder (ends with a slash).
    PermissionError
        If ``path`` is an existing file that is read-only (it is left as it was), or its
        folder may not be written to.
    OSError
        If the file cannot be written for another reason (no such folder, disk full).
    """
    from ._files import atomic_write

    with atomic_write(path, mode="wb") as handle:
        handle.write(model.SerializeToString())


def network_to_onnx(network, path=None, *, dtype=None):
    """The network as an ONNX model (opset 17) with input "X" (N, n_inputs) and output "Y"
    (N, n_outputs), equal to ``network.predict``; written to ``path`` if one is given.

    Parameters
    ----------
    network : Network
        The network to export, of Dense and Dropout layers.
    path : str or os.PathLike, optional
        Where to write the model (atomically, see ``save_model``); None writes nothing.
    dtype : np.float32 or np.float64, optional
        The type of "X", "Y" and the arithmetic; by default the network's own.

    Returns
    -------
    onnx.ModelProto
        The model.

    Raises
    ------
    ImportError
        If onnx is not installed.
    ValueError
        If ``dtype`` is not float32 or float64, or a layer or activation has no ONNX form
        (see ``add_network``).
    OSError
        If ``path`` cannot be written (see ``save_model``).
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
    sigmoid unit (the second class's probability) or a softmax over the classes.

    One unit ``p`` becomes the two columns ``1 - p, p``; the label is the class of the
    largest probability in each row (the first, on a tie), looked up in a constant table of
    ``classes``.

    Parameters
    ----------
    graph : Graph
        The graph the nodes are added to.
    out : str
        The name of the network's output tensor, shape (N, n_outputs).
    n_outputs : int
        The network's number of outputs: 1 for a sigmoid unit, else the number of classes.
    classes : array_like
        The class labels in the order of the network's outputs (``classes_``).

    Returns
    -------
    probabilities : str
        The name of the (N, n_classes) tensor of probabilities.
    label : str
        The name of the (N,) tensor of predicted classes.
    label_type : int
        The ONNX element type of the labels (see ``label_tensor``).

    Raises
    ------
    ValueError
        If the classes have no ONNX tensor type (see ``label_tensor``).
    """
    if n_outputs == 1:
        first = graph.node("Sub", [graph.constant("one", 1.0), out])
        out = graph.node("Concat", [first, out], axis=1)
    index = graph.node("ArgMax", [out], axis=1, keepdims=0)
    table, label_type = label_tensor(graph, classes)
    return out, graph.node("Gather", [table, index], "label", axis=0), label_type


def label_tensor(graph, classes):
    """The classes as a constant, and the ONNX type of the labels that come out of it.

    Integers become int64, booleans bool, floats double (float64) and text strings.

    Parameters
    ----------
    graph : Graph
        The graph the constant is added to.
    classes : array_like
        The class labels.

    Returns
    -------
    name : str
        The name of the constant tensor that holds the classes.
    label_type : int
        Its ONNX element type: ``TensorProto.INT64``, ``BOOL``, ``DOUBLE`` or ``STRING``.

    Raises
    ------
    ValueError
        If the classes are of another kind (dates, or objects that are not all strings).
    """
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

    Parameters
    ----------
    estimator : NetClassifier or NetRegressor
        The fitted estimator; its ``network_`` is exported.
    path : str or os.PathLike, optional
        Where to write the model (atomically, see ``save_model``); None writes nothing.
    dtype : np.float32 or np.float64, optional
        The type of "X", of the probabilities or predictions, and of the arithmetic; by
        default the network's own.

    Returns
    -------
    onnx.ModelProto
        The model, opset 17.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    ImportError
        If onnx is not installed.
    ValueError
        If ``dtype`` is not float32 or float64, a layer or activation has no ONNX form
        (see ``add_network``), or the classes have no ONNX tensor type (see ``label_tensor``).
    OSError
        If ``path`` cannot be written (see ``save_model``).
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
