"""Permutation importance: how much a model's score drops when one column is shuffled.

Shuffling a column's cells among the rows keeps its values but breaks their link with the
target and the other columns; the score the model loses is what it drew from that column
(Breiman, 2001). Measured on rows the model did not learn from, it says what generalizes, not
what was memorized. A column whose information another column also carries can lose little:
the model reads it from the other.

The preparation reads every column on its own, so shuffling a column's cells is shuffling the
rows of its block of the network's inputs: the table is prepared once, not once per shuffle.
"""

from __future__ import annotations

import numpy as np

from .._text import printable
from ..layers import Dense
from ..metrics import log_loss, roc_auc
from .reading import pandas

__all__ = ["blocks_of", "check_scoring", "describe", "first_layer", "importance_table",
           "permutation_drops", "score"]

#: The scores importance can be measured in, for each task, the first the default; a loss
#: counts as a drop when it rises.
SCORINGS = {"classification": ("accuracy", "log_loss", "roc_auc"),
            "regression": ("r2", "rmse", "mae")}
_LOSSES = ("log_loss", "rmse", "mae")
#: At most this many rows (shuffles of a column times the rows scored) go through the network
#: at once.
STACKED_ROWS = 50_000
#: The words the report uses for a drop in each score.
MEANING = {"accuracy": "drop in accuracy", "log_loss": "rise in log loss",
           "roc_auc": "drop in ROC AUC", "r2": "drop in R²", "rmse": "rise in RMSE",
           "mae": "rise in MAE"}


def check_scoring(scoring, task) -> str:
    """The score's name: ``scoring``, or the task's default (accuracy, R²) when None.

    Parameters
    ----------
    scoring : str or None
        One of ``SCORINGS[task]``.
    task : str
        "classification" or "regression".

    Returns
    -------
    str
        The name of the score.

    Raises
    ------
    ValueError
        For a score the task has not.
    """
    names = SCORINGS[task]
    if scoring is None:
        return names[0]
    if scoring not in names:
        raise ValueError(f"scoring must be one of {', '.join(map(repr, names))} for "
                         f"{task}, got {scoring!r}")
    return scoring


def score(scoring, truth, predicted) -> float:
    """The score ``scoring`` of predictions against the truth.

    Parameters
    ----------
    scoring : str
        A name of ``SCORINGS``.
    truth : numpy.ndarray
        Class indices (classification) or numbers (regression), one per row.
    predicted : numpy.ndarray
        Each class's probability, shape (rows, classes), or the predicted numbers.

    Returns
    -------
    float
        The score; higher is better for accuracy, ROC AUC and R², lower for the others.
    """
    if scoring == "accuracy":
        return float(np.mean(predicted.argmax(axis=1) == truth))
    if scoring == "log_loss":
        return log_loss(truth, predicted)
    if scoring == "roc_auc":
        return roc_auc(truth, predicted)
    error = predicted - truth
    if scoring == "rmse":
        return float(np.sqrt(np.mean(error**2)))
    if scoring == "mae":
        return float(np.mean(np.abs(error)))
    spread = float(np.sum((truth - truth.mean()) ** 2))
    return 1 - float(np.sum(error**2)) / spread if spread > 0 else float("nan")


def blocks_of(preparation) -> list:
    """Where each column a preparation reads is among its outputs.

    Parameters
    ----------
    preparation : Preparation
        A fitted preparation.

    Returns
    -------
    list of (str, int, int)
        (column, start, stop) for each of its inputs: the column's inputs are
        ``X[:, start:stop]`` of the prepared rows ``X``.
    """
    blocks, start = [], 0
    for item in preparation.inputs:
        blocks.append((item.column, start, start + item.width()))
        start += item.width()
    return blocks


def first_layer(network):
    """A network as its first layer's sums and the rest: ``network.predict(X, logits=True)``
    is ``rest(X @ W + b)``.

    Parameters
    ----------
    network : Network
        A network whose first layer is Dense (as every table model's is).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray or None, callable)
        W and b of the first layer (float64), and ``rest(sums)``: the last layer's sums from
        the first layer's (which it overwrites).

    Raises
    ------
    ValueError
        For a network that does not begin with a Dense layer.
    """
    layers = network.layers
    if not isinstance(layers[0], Dense):
        raise ValueError(f"the network begins with {layers[0]!r}, not a Dense layer")

    def rest(sums):
        if len(layers) == 1:
            return sums
        with np.errstate(over="ignore", invalid="ignore"):  # a non-finite output is refused
            a = layers[0].activation.forward(sums, out=sums)
            for layer in layers[1:-1]:
                a = layer.forward(a)
            return layers[-1].sums(a)

    bias = None if layers[0].bias is None else layers[0].bias.astype(np.float64)
    return layers[0].weights.astype(np.float64), bias, rest


def permutation_drops(predict, X, truth, blocks, *, scoring, repeats=5, seed=0, linear=None):
    """The score's drop for every shuffle of every column.

    Parameters
    ----------
    predict : callable
        ``predict(X)``: probabilities (rows, classes) or numbers (rows,) for prepared rows;
        with ``linear``, ``predict(S)`` from the sums ``S`` instead.
    X : numpy.ndarray
        The prepared rows, shape (rows, inputs).
    truth : numpy.ndarray
        The true class indices or numbers of the rows.
    blocks : list
        (column, start, stop) for each column: its inputs ``X[:, start:stop]``.
    scoring : str
        A name of ``SCORINGS``.
    repeats : int
        Shuffles per column.
    seed : int
        The seed of the shuffles: column ``i``'s come from ``numpy.random.default_rng([seed,
        i])``, the same whatever the other columns.
    linear : (numpy.ndarray, numpy.ndarray or None), optional
        (W, b) of a first layer that sums the inputs, ``S = X @ W + b``, when ``predict``
        reads those sums: a shuffle then changes the sums by the block's difference times
        its rows of W, far less work than the whole product again.

    Returns
    -------
    (float, numpy.ndarray)
        The score of the rows as they are, and the drops, shape (columns, repeats): the score
        lost (a loss gained) when the column is shuffled.

    Raises
    ------
    ValueError
        For fewer than two rows or a repeat count below 1.
    """
    if len(X) < 2:
        raise ValueError(f"permutation importance needs at least 2 rows, got {len(X)}")
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 1:
        raise ValueError(f"repeats must be a whole number of at least 1, got {repeats!r}")
    sign = -1.0 if scoring in _LOSSES else 1.0
    drops = np.empty((len(blocks), repeats))
    if linear is not None:
        weights, bias = linear
        sums = X @ weights
        if bias is not None:
            sums += bias
        baseline = score(scoring, truth, predict(sums.copy()))
        n = len(X)
        # The shuffles of a column go through the rest of the network together, as one block
        # of rows: one call per column rather than one per shuffle, in chunks of a bounded size.
        together = max(1, min(repeats, STACKED_ROWS // n))
        for i, (_, start, stop) in enumerate(blocks):
            rng = np.random.default_rng([seed, i])
            block, part = X[:, start:stop], weights[start:stop]
            for first in range(0, repeats, together):
                count = int(min(together, repeats - first))
                orders = np.concatenate([rng.permutation(n) for _ in range(count)])
                shuffled = np.tile(sums, (count, 1))
                shuffled += (block[orders] - np.tile(block, (count, 1))) @ part
                predicted = predict(shuffled)
                for r in range(count):
                    drops[i, first + r] = sign * (baseline - score(
                        scoring, truth, predicted[r * n:(r + 1) * n]))
        return baseline, drops
    baseline = score(scoring, truth, predict(X))
    work = np.array(X, copy=True)
    for i, (_, start, stop) in enumerate(blocks):
        rng = np.random.default_rng([seed, i])
        for r in range(repeats):
            work[:, start:stop] = X[rng.permutation(len(X)), start:stop]
            drops[i, r] = sign * (baseline - score(scoring, truth, predict(work)))
        work[:, start:stop] = X[:, start:stop]
    return baseline, drops


def importance_table(columns, drops, *, scoring, baseline, rows):
    """The importance of each column as a DataFrame, the most important first.

    Parameters
    ----------
    columns : list of str
        The columns, in the order of the rows of ``drops``.
    drops : numpy.ndarray
        Shape (columns, repeats): the score lost at each shuffle.
    scoring : str
        The score's name.
    baseline : float
        The score of the rows as they are.
    rows : int
        How many rows were scored.

    Returns
    -------
    pandas.DataFrame
        Columns "column", "importance" (the mean drop) and "std" (its standard deviation over
        the repeats); ``attrs`` holds "scoring", "baseline", "rows" and "repeats".
    """
    drops = np.asarray(drops, dtype=np.float64)
    table = pandas().DataFrame({"column": list(columns), "importance": drops.mean(axis=1),
                                "std": drops.std(axis=1)})
    # A stable sort: columns of equal importance keep the table's order.
    table = table.sort_values("importance", ascending=False, kind="mergesort")
    table = table.reset_index(drop=True)
    table.attrs.update(scoring=scoring, baseline=float(baseline), rows=int(rows),
                       repeats=int(drops.shape[1]))
    return table


def describe(table, limit=10, rows="held-out rows") -> list:
    """Lines of the report on an importance table: its ``limit`` most important columns.

    Parameters
    ----------
    table : pandas.DataFrame
        As ``importance_table`` gives it (``attrs["folds"]``, if set: the validation runs the
        rows were held out by).
    limit : int
        How many columns to show; the rest are counted.
    rows : str
        What the rows scored are, as the first line names them.

    Returns
    -------
    list of str
        The lines, without indentation of the first.
    """
    attrs = table.attrs
    folds = attrs.get("folds", 1)
    within = f" in each of {folds} folds" if folds > 1 else ""
    lines = [f"importance: {MEANING[attrs['scoring']]} when a column is shuffled, on "
             f"{attrs['rows']:,} {rows} ({attrs['repeats']} shuffles each{within}; "
             "mean ± standard deviation)"]
    shown = table.head(limit)
    width = max(len(printable(c)) for c in shown["column"])
    for column, value, spread in zip(shown["column"], shown["importance"], shown["std"]):
        lines.append(f"  {printable(column):<{width}}  {value:8.4f} ± {spread:.4f}")
    rest = len(table) - len(shown)
    if rest:
        lines.append(f"  ... and {rest:,} more column{'s' * (rest > 1)}")
    unused = int((table["importance"] <= 0).sum())
    if unused:
        lines.append(f"  ({unused:,} column{'s lose' if unused > 1 else ' loses'} nothing when "
                     "shuffled: the model draws nothing from them that it could not read "
                     "elsewhere)")
    return lines
