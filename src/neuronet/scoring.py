"""Scoring: the loss and metrics of a network over many rows, and the loss's gradient.

Chunk by chunk, so that data read from disk is never loaded whole, and as sums, so that the
totals of parts of the data (a cluster's partitions, a full-batch optimizer's blocks) add up
to the total of the whole: ``score_sums`` and ``block_total`` are what each part computes,
``score_values`` turns added sums into scores.
"""

from __future__ import annotations

import numpy as np

from . import batches, losses, targets
from ._checks import as_count
from .metrics import build as build_metrics
from .metrics import names_for as metric_names


def evaluate(network, X, y, *, loss, metrics=None) -> dict:
    """{"loss": ..., metric: ...} of the network on (X, y), scored as ``fit`` scores them.

    Parameters
    ----------
    network : Network
    X, y : array_like
        Inputs and targets.
    loss : str or Loss
    metrics : list of str, optional
        As for ``Network.fit``.

    Returns
    -------
    dict
    """
    loss = losses.get(loss)
    names = metric_names(metrics, loss)
    X = network.check_inputs(X, "X")
    ys = targets.prepare(network, loss, y, X.shape[0])
    return score(network, X, ys, loss, build_metrics(names, ys))


def score_sums(network, X, ys, loss, metric_fns) -> dict:
    """The loss and metrics' sums over the rows of (X, ys), chunk by chunk (data read from
    disk is never loaded whole): {"loss": summed loss, "rows": n, name: sums}. Sums of several
    parts of the data add up (``batches.add``); ``score_values`` turns them into scores.

    Parameters
    ----------
    network : Network
    X : array_like
        The inputs, checked (``Network.check_inputs``).
    ys : Targets
        Their targets (``targets.prepare``).
    loss : Loss
    metric_fns : dict
        {name: Metric} (``metrics.build``).

    Returns
    -------
    dict
    """
    n = X.shape[0]
    *body, last = network.layers
    fused = network.fuses(loss)
    total = 0.0
    sums = {name: 0.0 for name in metric_fns}
    for start, stop, inputs in batches.chunks(X, network.chunk_rows(), network.dtype):
        labels = None if ys.codes is None else ys.codes[start:stop]
        expected = ys.rows(slice(start, stop))
        for layer in body:
            inputs = layer.forward(inputs)
        if fused:
            z = last.sums(inputs)
            value = loss.value_from_logits(z, expected)
            outputs = last.activation.forward(z, out=z)
        else:
            outputs = last.forward(inputs)
            value = loss.value(outputs, expected)
        total += value if loss.summed else value * (stop - start)
        for name, metric in metric_fns.items():
            sums[name] = sums[name] + metric.sums(outputs, expected, labels)
    return {"loss": loss.scale * total, "rows": n, **sums}


def score_values(sums, loss, metric_fns) -> dict:
    """{"loss": mean loss (the total for a summed loss), metric: score} from ``score_sums``.

    Parameters
    ----------
    sums : dict
        From ``score_sums``, or their total over parts of the data.
    loss : Loss
    metric_fns : dict
        {name: Metric}.

    Returns
    -------
    dict
    """
    scores = {"loss": sums["loss"] if loss.summed else sums["loss"] / sums["rows"]}
    scores.update({name: metric.value(sums[name]) for name, metric in metric_fns.items()})
    return scores


def score(network, X, ys, loss, metric_fns) -> dict:
    """{"loss": ..., metric: ...} of the network on the rows of (X, ys).

    Parameters
    ----------
    network : Network
    X : array_like
        The inputs, checked (``Network.check_inputs``).
    ys : Targets
        Their targets (``targets.prepare``).
    loss : Loss
    metric_fns : dict
        {name: Metric} (``metrics.build``).

    Returns
    -------
    dict
    """
    return score_values(score_sums(network, X, ys, loss, metric_fns), loss, metric_fns)


def loss_and_gradient(network, X, y, loss, *, sample_weight=None, batch_size=None):
    """Network.loss_and_gradient's body; see its docstring.

    Parameters
    ----------
    network : Network
    X, y, loss, sample_weight, batch_size
        As for ``Network.loss_and_gradient``.

    Returns
    -------
    loss : float
    gradient : ndarray
    """
    loss = losses.get(loss)
    targets.check_loss_fits_output(network, loss)
    X = network.check_inputs(X, "X")
    ys = targets.prepare(network, loss, y, X.shape[0])
    W = None
    if sample_weight is not None:
        W = np.ascontiguousarray(targets.check_sample_weight(sample_weight, X.shape[0])[:, None],
                                 dtype=network.dtype)
    if batch_size is not None:
        batch_size = as_count(batch_size, "batch_size", minimum=1)
    with network.claim():  # it uses the same buffers as training
        found = block_total(network, X, ys, W, loss, batch_size)
    return found["loss"], found["gradient"]


def block_total(network, X, ys, W, loss, batch_size=None) -> dict:
    """{"loss": the loss summed over the rows of X, "gradient": its flat gradient (float64)},
    computed chunk by chunk: one block's total, for a full-batch optimizer to add up.

    Parameters
    ----------
    network : Network
    X : array_like
        The block's inputs, checked.
    ys : Targets
        Their targets.
    W : ndarray or None
        A column of normalized sample weights.
    loss : Loss
    batch_size : int, optional
        Rows per chunk.

    Returns
    -------
    dict
    """
    batch_size = batch_size or network.chunk_rows(megabytes=8)
    *body, last = network.layers
    fused = network.fuses(loss)
    gradient = np.zeros(network.n_parameters())
    total = 0.0
    for start, stop, inputs in batches.chunks(X, batch_size, network.dtype):
        expected = ys.rows(slice(start, stop))
        weights = None if W is None else W[start:stop]
        for layer in body:
            inputs = layer.forward(inputs, training=True)
        # The chunk's loss is a mean over its rows (unless the loss is a sum): times the rows,
        # it is the chunk's total.
        factor = loss.scale * (1 if loss.summed else stop - start)
        if fused:
            outputs, value = last.forward_with_loss(inputs, loss, expected, weights)
            grad = loss.gradient_from_logits(outputs, expected, scale=factor)
        else:
            outputs = last.forward(inputs, training=True)
            value = loss.value(outputs, expected, weights)
            grad = loss.gradient(outputs, expected)
            grad *= factor
        total += value * factor
        if weights is not None:
            grad *= weights
        network.backward(grad, through_activation=not fused)
        offset = 0
        for g in network.gradients():
            gradient[offset:offset + g.size] += g.ravel()
            offset += g.size
    return {"loss": total, "gradient": gradient}
