"""Scoring a TabularModel: the rows that have a target, the network's outputs checked and
turned into answers, and the permutation importance of each column.

``TabularModel.evaluate``, ``feature_importance`` and ``importance_of_inputs`` are these, so
a score and an importance read the same rows and the same outputs as ``predict`` does.
"""

from __future__ import annotations

import numpy as np

from .._text import printable
from ..metrics import class_indices
from . import columns as conv
from .reading import DataError, pandas, row_name, where
from .section import class_texts


def check_finite_outputs(outputs, frame) -> None:
    """Refuse outputs that overflowed, naming their rows: no prediction is given for them.

    Parameters
    ----------
    outputs : numpy.ndarray
        The network's outputs, one row per row of ``frame``.
    frame : pandas.DataFrame
        The rows the outputs are for, to name them.

    Raises
    ------
    ValueError
        When an output is NaN or infinite, naming the first five such rows.
    """
    bad = ~np.isfinite(outputs).all(axis=1)
    if bad.any():
        rows = np.flatnonzero(bad)
        shown = ", ".join(row_name(frame, int(i)).removeprefix("row ") for i in rows[:5])
        more = f" and {len(rows) - 5:,} more" if len(rows) > 5 else ""
        raise ValueError(f"{where(frame)}the model's outputs are not finite (NaN or "
                         f"infinity) for row{'s' * (len(rows) > 1)} {shown}{more}; no "
                         "prediction is given for an output that overflowed (are the "
                         "inputs of these rows far outside the training data?)")


def class_probabilities(outputs) -> np.ndarray:
    """Each class's probability from a classifier's outputs, one column per class.

    Parameters
    ----------
    outputs : numpy.ndarray
        The outputs after the activation: one sigmoid column (the second class's
        probability) or a softmax column per class.

    Returns
    -------
    numpy.ndarray
        Shape (rows, classes); for one sigmoid column, the first class's probability put
        before it.
    """
    if outputs.shape[1] == 1:
        return np.hstack([1 - outputs, outputs])
    return outputs


def activated(model, z, frame=None) -> np.ndarray:
    """The output's activation of a network's sums, divided first by the model's temperature.

    Parameters
    ----------
    model : TabularModel
        Its ``temperature`` and its networks' output activation.
    z : numpy.ndarray
        The sums before the output's activation, shape (rows, outputs).
    frame : pandas.DataFrame, optional
        The rows, to name them in an error.

    Returns
    -------
    numpy.ndarray
        The activation's outputs, shape (rows, outputs).

    Raises
    ------
    ValueError
        For a row whose sums are not finite.
    """
    if model.temperature != 1.0:
        z = z / model.temperature
    if frame is None:
        frame = pandas().DataFrame(index=range(len(z)))
    # A sum that overflowed to infinity would still give a sigmoid of 1, a confident answer
    # from a broken computation: refused before the activation hides it.
    check_finite_outputs(z, frame)
    return model.network.layers[-1].activation.forward(z, out=z)


def outputs_from_logits(model, z, frame=None) -> np.ndarray:
    """What the model answers from its network's sums before the output's activation.

    Parameters
    ----------
    model : TabularModel
        The model whose network gave the sums.
    z : numpy.ndarray
        The sums, one row per row of the table; with a temperature of 1, the activation
        overwrites them.
    frame : pandas.DataFrame, optional
        The rows, to name them in an error.

    Returns
    -------
    numpy.ndarray
        Each class's probability, shape (rows, classes), or numbers in the target's units
        (before any log transform is undone).

    Raises
    ------
    ValueError
        For a row whose sums are not finite.
    """
    outputs = activated(model, z, frame)
    if model.task == "classification":
        return class_probabilities(outputs)
    return outputs[:, 0] * model.target_scale + model.target_center


def scored_rows(model, data, sep=None, encoding=None):
    """The rows of a table that have a target value, to score the model on.

    Parameters
    ----------
    model : TabularModel
        The model to score.
    data : pandas.DataFrame, str, os.PathLike or dict
        The rows: a DataFrame, the path of a CSV file, or a dict of columns.
    sep, encoding : str, optional
        For a CSV file, its separator (None guesses it) and its text encoding (None: UTF-8).

    Returns
    -------
    tuple of (pandas.DataFrame, numpy.ndarray, int)
        The rows with a target value, their target values (text for classes, numbers for
        regression), and how many rows had none.

    Raises
    ------
    DataError
        For a table without the target column or the model's columns, or with no target
        value at all.
    """
    frame = model.read_rows(data, sep=sep, encoding=encoding)
    if model.target not in frame.columns:
        raise DataError(f"{where(frame)}no target column {printable(model.target)!r} to "
                        "evaluate against")
    target = frame[model.target]
    if model.task == "classification":
        truth = conv.as_text(target)
        keep = truth != None  # noqa: E711 - elementwise
    else:
        truth = conv.target_numbers(frame, model.target)
        keep = ~np.isnan(truth)
    dropped = int(len(frame) - keep.sum())
    if not keep.any():
        raise DataError(f"{where(frame)}no row has a value in the target column "
                        f"{printable(model.target)!r}")
    if dropped:
        frame = frame[keep]
    return frame, truth[keep], dropped


def feature_importance(model, data, *, scoring=None, repeats=5, seed=0, sep=None,
                       encoding=None):
    """Permutation importance of each column a model reads; ``TabularModel`` tells more.

    Parameters
    ----------
    model : TabularModel
        The model.
    data : pandas.DataFrame, str, os.PathLike or dict
        The rows, with the target column.
    scoring : str, optional
        The score, as for ``TabularModel.feature_importance``.
    repeats : int, default 5
        Shuffles of each column.
    seed : int, default 0
        The seed of the shuffles.
    sep, encoding : str, optional
        How to read a CSV file.

    Returns
    -------
    pandas.DataFrame
        As ``TabularModel.feature_importance`` gives it.

    Raises
    ------
    ValueError
        For a scoring the task has not, a repeat count below 1, fewer than two rows to score,
        or (DataError) a table without the target or the model's columns.
    """
    from .importance import check_scoring, importance_table

    scoring = check_scoring(scoring, model.task)
    frame, truth, _ = scored_rows(model, data, sep, encoding)
    if model.task == "classification":
        truth = class_indices(class_texts(model.classes), truth)
        frame, truth = frame[truth >= 0], truth[truth >= 0]
    X = model.preparation.transform(frame)
    baseline, drops = model.importance_of_inputs(X, truth, scoring=scoring, repeats=repeats,
                                                 seed=seed, frame=frame)
    return importance_table(model.preparation.columns, drops, scoring=scoring,
                            baseline=baseline, rows=len(X))
