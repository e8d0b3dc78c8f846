"""A table model's networks as one: the mean of their outputs.

A ``TabularModel`` may hold several networks of one design (``TabularModel.networks``): the
networks of a cross-fit, each trained on all but one fold of the rows and stopped on that fold
(``fitting.choose_and_train``). Averaging models that learned from different rows and stopped
at different epochs cancels part of each one's error (the variance), which no single network
can: the reason the best tabular networks are ensembles.

What is averaged is what the output's activation gives, each network's sums first divided by
the model's temperature: for classes, the probabilities (a sigmoid's probability of the second
class, or the softmax's); for numbers, the prediction in the scale the networks learned (after
``(y - center) / scale`` and, for a skewed target, ``log(1 + y)``), turned into the target's
units afterwards. For a log-learned target that is the geometric mean of the members'
predictions, the same kind of average the loss each network was trained with rewards; the
arithmetic mean in the target's units would let one large prediction pull the others up.

``predict``, ``neuronet predict``, ``evaluate``, the permutation importance and the ONNX graph
all average the same way; a model of one network computes exactly what it did before.
"""

from __future__ import annotations

import copy

import numpy as np

from .scores import activated, outputs_from_logits

__all__ = ["calibrated_networks", "mean_outputs", "mean_predicted", "summed_first_layers"]


def mean_outputs(model, X, frame) -> np.ndarray:
    """The mean over the model's networks of their outputs after the output's activation.

    Parameters
    ----------
    model : TabularModel
        Its ``networks`` and ``temperature``.
    X : numpy.ndarray
        The prepared rows.
    frame : pandas.DataFrame
        The rows ``X`` was prepared from, to name them in an error.

    Returns
    -------
    numpy.ndarray
        Shape (rows, outputs): one sigmoid column, a softmax column per class, or the
        regression's standardized value.

    Raises
    ------
    ValueError
        For a row whose sums are not finite in some network.
    """
    outputs = []
    for network in model.networks:
        with np.errstate(over="ignore", invalid="ignore"):  # a non-finite sum is refused
            z = network.predict(X, logits=True)
            outputs.append(activated(model, z, frame))
    return _mean(outputs)


def _mean(arrays) -> np.ndarray:
    """The mean of arrays of one shape; one array is returned as it is, bit for bit."""
    total = arrays[0]
    for array in arrays[1:]:
        total = total + array
    return total / len(arrays) if len(arrays) > 1 else total


def mean_predicted(model, X, frame=None) -> np.ndarray:
    """What the model predicts from prepared rows: the mean over its networks.

    Parameters
    ----------
    model : TabularModel
        The model.
    X : numpy.ndarray
        The prepared rows.
    frame : pandas.DataFrame, optional
        The rows ``X`` was prepared from, to name them in an error.

    Returns
    -------
    numpy.ndarray
        Each class's probability, shape (rows, classes), or numbers in the target's units
        (before any log transform is undone).

    Raises
    ------
    ValueError
        For a row whose outputs are not finite.
    """
    answers = []
    for network in model.networks:
        with np.errstate(over="ignore", invalid="ignore"):
            z = network.predict(X, logits=True)
        answers.append(outputs_from_logits(model, z, frame))
    return _mean(answers)


def summed_first_layers(model, first_layer):
    """The model's networks as their first layers' sums side by side and the rest, for a
    permutation importance that changes only the sums of the inputs it shuffles.

    Parameters
    ----------
    model : TabularModel
        The model.
    first_layer : callable
        ``importance.first_layer``: a network as (W, b, rest).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray or None, callable)
        W and b of every network's first layer, joined column by column, and
        ``predict(sums)``: the mean answer of the networks from those joined sums.
    """
    parts = [first_layer(network) for network in model.networks]
    if len(parts) == 1:
        weights, bias, rest = parts[0]
        return weights, bias, lambda sums, frame=None: outputs_from_logits(
            model, rest(sums), frame)
    weights = np.hstack([w for w, _, _ in parts])
    bias = None if all(b is None for _, b, _ in parts) else np.concatenate(
        [np.zeros(w.shape[1]) if b is None else b for w, b, _ in parts])
    edges = np.cumsum([0] + [w.shape[1] for w, _, _ in parts])

    def predict(sums, frame=None):
        return _mean([outputs_from_logits(model, rest(np.array(sums[:, start:stop])), frame)
                      for (_, _, rest), start, stop in zip(parts, edges[:-1], edges[1:])])
    return weights, bias, predict


def calibrated_networks(model) -> list:
    """The model's networks with the temperature inside, for a graph that holds no division
    of its own.

    Parameters
    ----------
    model : TabularModel
        The model.

    Returns
    -------
    list of Network
        Copies whose last layer's weights and bias are divided by the temperature; the
        networks themselves when the temperature is 1.
    """
    if model.temperature == 1.0:
        return list(model.networks)
    found = []
    for network in model.networks:
        network = copy.deepcopy(network)
        last = network.dense_layers[-1]
        last.weights /= model.temperature
        if last.bias is not None:
            last.bias /= model.temperature
        found.append(network)
    return found
