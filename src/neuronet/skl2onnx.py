"""Pipelines to ONNX: teaches skl2onnx the estimators ``NetClassifier`` and ``NetRegressor``,
so that a scikit-learn Pipeline of transformers that ends in one of them becomes one ONNX graph.

    from skl2onnx import to_onnx
    pipeline = make_pipeline(StandardScaler(), NetClassifier()).fit(X, y)
    onx = to_onnx(pipeline, X[:1])

Nothing needs calling: importing ``neuronet.sklearn`` arranges for the converters to be
registered as soon as skl2onnx is imported, before or after it (``register()`` does it at
once). The estimator's part of the graph is the one ``neuronet.onnx.estimator_to_onnx``
writes, placed into skl2onnx's graph under fresh names; its input is what the step before
it outputs. The outputs follow skl2onnx's conventions for scikit-learn's own estimators:

- a classifier gives "label" (N,) and "probabilities", by default as ZipMap (one
  ``{class: probability}`` dict per row), or as the (N, n_classes) matrix with
  ``options={NetClassifier: {"zipmap": False}}``;
- a regressor gives "variable", shape (N, n_targets).

The arithmetic is in the precision of the step's input (float32 input: a float32 network,
as skl2onnx converts MLPClassifier); other numbers are cast to the network's dtype first.
Needs the ``skl2onnx`` extra: ``pip install 'neuronet[skl2onnx]'``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np

#: The names under which skl2onnx knows the estimators.
ALIASES = {"NetClassifier": "NeuronetNetClassifier", "NetRegressor": "NeuronetNetRegressor"}
#: The oldest ONNX opset whose operators mean what the estimators' graphs use (Squeeze's
#: axes as an input, Softmax along one axis).
MIN_OPSET = 13
#: The estimator classes to register, handed over by ``neuronet.sklearn`` when it is imported
#: (this module never imports it: the estimators know their converters, not the reverse).
_ESTIMATORS: dict[str, type] = {}


def _skl2onnx() -> ModuleType:
    try:
        import skl2onnx
    except ImportError as exc:
        raise ImportError("converting a pipeline to ONNX needs skl2onnx: "
                          "pip install 'neuronet[skl2onnx]'") from exc
    return skl2onnx


def register() -> None:
    """Register the converters of ``NetClassifier`` and ``NetRegressor`` with skl2onnx, so
    that ``skl2onnx.to_onnx`` converts pipelines that end in them. Calling it again does no
    harm.

    Raises
    ------
    ImportError
        If skl2onnx (or scikit-learn, or onnx) is not installed.
    """
    skl2onnx = _skl2onnx()
    if not _ESTIMATORS:  # importing the estimators hands them over
        importlib.import_module("neuronet.sklearn")
    NetClassifier, NetRegressor = _ESTIMATORS["NetClassifier"], _ESTIMATORS["NetRegressor"]
    skl2onnx.update_registered_converter(
        NetClassifier, ALIASES["NetClassifier"], _classifier_shapes, _convert_classifier,
        options={"zipmap": [True, False, "columns"], "output_class_labels": [False, True],
                 "nocl": [False]})
    skl2onnx.update_registered_converter(
        NetRegressor, ALIASES["NetRegressor"], _regressor_shapes, _convert_regressor)


class _AfterImport(importlib.abc.MetaPathFinder):
    """Finds no module itself: when skl2onnx is about to be imported, it lets the other finders
    find it and wraps its loader, so that ``register()`` runs right after skl2onnx's own code.
    Python has no hook for "after module X is imported"; this is the usual way to make one."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != "skl2onnx":
            return None
        sys.meta_path.remove(self)  # once, and so that the search below finds the real module
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_register(module: ModuleType) -> None:
            exec_module(module)
            _register_quietly()

        # The loader stays skl2onnx's own (its resources, its file), with this one step added.
        spec.loader.exec_module = exec_and_register  # type: ignore[method-assign]
        return spec


def _register_quietly() -> None:
    # An incompatible skl2onnx must not break the user's `import skl2onnx`: say so instead.
    try:
        register()
    except Exception as exc:  # noqa: BLE001 - any failure is reported the same way
        warnings.warn(f"neuronet could not register its estimators with skl2onnx: {exc}",
                      RuntimeWarning, stacklevel=2)


def register_when_imported(classifier: type, regressor: type) -> None:
    """Register the converters of ``classifier`` and ``regressor`` (NetClassifier and
    NetRegressor) now if skl2onnx is imported already, else as soon as it is.

    ``neuronet.sklearn`` calls this when it is imported; importing skl2onnx itself there would
    cost every user of the estimators a second.

    Parameters
    ----------
    classifier : type
        The estimator class converted as a classifier (``neuronet.sklearn.NetClassifier``).
    regressor : type
        The estimator class converted as a regressor (``neuronet.sklearn.NetRegressor``).
    """
    _ESTIMATORS.update(NetClassifier=classifier, NetRegressor=regressor)
    if "skl2onnx" in sys.modules:
        _register_quietly()
    elif not any(isinstance(finder, _AfterImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AfterImport())


# --- shapes ---------------------------------------------------------------------------------


def _computing_dtype(operator: Any) -> np.dtype:
    """The dtype the estimator's graph computes in: its input's if that is float32 or float64,
    else the network's (the input is cast to it)."""
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    kind = type(operator.inputs[0].type)
    if kind is FloatTensorType:
        return np.dtype(np.float32)
    if kind is DoubleTensorType:
        return np.dtype(np.float64)
    return np.dtype(operator.raw_operator.network_.dtype)


def _tensor_type(dtype: np.dtype) -> type:
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    return FloatTensorType if dtype == np.float32 else DoubleTensorType


def _check_input(operator: Any) -> None:
    from skl2onnx.common.data_types import (
        BooleanTensorType,
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
    )
    from skl2onnx.common.utils import check_input_and_output_numbers

    name = type(operator.raw_operator).__name__
    check_input_and_output_numbers(operator, input_count_range=1)
    kind = type(operator.inputs[0].type)
    if kind not in (FloatTensorType, DoubleTensorType, Int64TensorType, BooleanTensorType):
        raise ValueError(f"{name} takes a tensor of numbers, got {kind.__name__}; put a step "
                         "that turns text into numbers (such as OneHotEncoder) before it")
    n_inputs = operator.raw_operator.network_.n_inputs
    width = operator.inputs[0].get_second_dimension()
    if isinstance(width, int) and width != n_inputs:
        raise ValueError(f"{name} was fitted on {n_inputs} features, but the step before it "
                         f"gives {width}")


def _label_type(classes: Any) -> type:
    from skl2onnx.common.data_types import (
        BooleanTensorType,
        DoubleTensorType,
        Int64TensorType,
        StringTensorType,
    )

    kind = np.asarray(classes).dtype.kind
    return {"i": Int64TensorType, "u": Int64TensorType, "b": BooleanTensorType,
            "f": DoubleTensorType}.get(kind, StringTensorType)


def _classifier_shapes(operator: Any) -> None:
    from skl2onnx.common.utils import check_input_and_output_numbers

    _check_input(operator)
    check_input_and_output_numbers(operator, output_count_range=2)
    estimator = operator.raw_operator
    # Yes/no labels: one sigmoid output per label (two classes have one output in all).
    if estimator.out_activation_ == "logistic" and estimator.n_outputs_ > 1:
        raise ValueError("a multilabel NetClassifier has no skl2onnx converter; its own "
                         "to_onnx(path) writes its graph")
    n = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = _label_type(estimator.classes_)([n])
    dtype = _computing_dtype(operator)
    operator.outputs[1].type = _tensor_type(dtype)([n, len(estimator.classes_)])


def _regressor_shapes(operator: Any) -> None:
    from skl2onnx.common.utils import check_input_and_output_numbers

    _check_input(operator)
    check_input_and_output_numbers(operator, output_count_range=1)
    n = operator.inputs[0].get_first_dimension()
    n_outputs = operator.raw_operator.network_.n_outputs
    operator.outputs[0].type = _tensor_type(_computing_dtype(operator))([n, n_outputs])


# --- conversion -----------------------------------------------------------------------------


def _check_opset(container: Any, estimator: Any) -> None:
    opset = container.target_opset
    if opset is not None and opset < MIN_OPSET:
        raise ValueError(f"{type(estimator).__name__} needs ONNX opset {MIN_OPSET} or later; "
                         f"the conversion asked for opset {opset} (target_opset)")


def _input(scope: Any, operator: Any, container: Any, dtype: np.dtype) -> str:
    """The name of the estimator's input, cast to ``dtype`` where it is of another type."""
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    name = operator.inputs[0].full_name
    if type(operator.inputs[0].type) in (FloatTensorType, DoubleTensorType):
        return name
    from onnx import helper

    cast = scope.get_unique_variable_name("neuronet_input")
    container.add_node("Cast", [name], [cast], name=scope.get_unique_operator_name("Cast"),
                       to=helper.np_dtype_to_tensor_dtype(dtype))
    return cast


def _inline(scope: Any, container: Any, model: Any, x: str, outputs: dict[str, str]) -> None:
    """Place the nodes and constants of the ONNX ``model`` into skl2onnx's ``container``: its
    input "X" read from tensor ``x``, its outputs named as ``outputs`` maps them, every other
    name made fresh, so that two estimators in one graph never share one."""
    from onnx import TensorProto, helper, numpy_helper

    names: dict[str, str] = {"X": x}
    for tensor in model.graph.initializer:
        names[tensor.name] = fresh = scope.get_unique_variable_name(f"neuronet_{tensor.name}")
        array = numpy_helper.to_array(tensor)
        content: object
        if tensor.data_type == TensorProto.STRING:
            content = [v.decode("utf-8") if isinstance(v, bytes) else str(v)
                       for v in array.ravel()]
        else:
            content = array.ravel()
        container.add_initializer(fresh, tensor.data_type, list(array.shape), content)
    for node in model.graph.node:
        for name in node.output:
            names[name] = outputs.get(name) or scope.get_unique_variable_name(f"neuronet_{name}")
        attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        container.add_node(node.op_type, [names[name] for name in node.input],
                           [names[name] for name in node.output],
                           name=scope.get_unique_operator_name(f"neuronet_{node.op_type}"),
                           op_version=MIN_OPSET, **attributes)


def _convert_classifier(scope: Any, operator: Any, container: Any) -> None:
    from .onnx import estimator_to_onnx

    estimator = operator.raw_operator
    _check_opset(container, estimator)
    dtype = _computing_dtype(operator)
    x = _input(scope, operator, container, dtype)
    model = estimator_to_onnx(estimator, dtype=dtype)
    _inline(scope, container, model, x, {"label": operator.outputs[0].full_name,
                                         "probabilities": operator.outputs[1].full_name})


def _convert_regressor(scope: Any, operator: Any, container: Any) -> None:
    from onnx import TensorProto

    from .onnx import estimator_to_onnx

    estimator = operator.raw_operator
    _check_opset(container, estimator)
    dtype = _computing_dtype(operator)
    x = _input(scope, operator, container, dtype)
    model = estimator_to_onnx(estimator, dtype=dtype)
    predictions = scope.get_unique_variable_name("neuronet_predictions")
    _inline(scope, container, model, x, {"predictions": predictions})
    # The estimator's graph gives one target as a vector (N,), as predict does; skl2onnx's
    # regressors give (N, n_targets) always.
    shape = scope.get_unique_variable_name("neuronet_shape")
    n_outputs = estimator.network_.n_outputs
    container.add_initializer(shape, TensorProto.INT64, [2], [-1, n_outputs])
    container.add_node("Reshape", [predictions, shape], [operator.outputs[0].full_name],
                       name=scope.get_unique_operator_name("neuronet_Reshape"),
                       op_version=MIN_OPSET)
