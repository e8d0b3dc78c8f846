"""TabularModel: a network and the preparation of the table it learned from, used as one.

Whatever predicts with it — ``predict`` in Python, ``neuronet predict`` on a file, its ONNX
graph — reads raw rows and applies the same preparation, so they all give the same answers.
"""

from __future__ import annotations

import copy
import logging

import numpy as np

from .._text import printable
from ..metrics import class_indices, classification_report, regression_report
from . import columns as conv
from . import section
from .reading import DataError, as_frame, pandas, row_name, where

# The section's names, offered here as before they had their own room.
from .section import CLASS_KINDS, VERSION, class_kind, class_texts, parse_classes  # noqa: F401
from .target import TASKS


class TabularModel:
    """A model of a table: ``preparation`` turns its columns into numbers, ``network`` maps
    them to the target.

    Parameters
    ----------
    network : Network
        The network, from the prepared inputs to the target.
    preparation : Preparation
        What turns the table's columns into the network's inputs.
    target : str
        The name of the column it predicts.
    task : str
        "classification" or "regression".
    classes : list, optional
        For classification, the class labels as they were in the data.
    target_center, target_scale : float
        For regression, the network predicts (target - target_center) / target_scale.
    id_column : str, optional
        A column that names the rows, written beside predictions by the CLI.
    target_transform : str, optional
        For regression, None, or "log": the network predicts
        (log(1 + target) - target_center) / target_scale, and predictions are turned back.
    temperature : float, default 1.0
        For classification, the network's sums are divided by it before the output's
        activation (``calibration``: 1 keeps the probabilities as trained).
    class_weights : array of float, optional
        For classification, the weight each class's rows had in training (one per class;
        None: all 1), kept to be reported.

    Raises
    ------
    ValueError
        For a task that is neither, a target_transform other than None and "log", or a
        temperature that is not a finite number above 0.
    """

    def __init__(self, network, preparation, *, target, task, classes=None, target_center=0.0,
                 target_scale=1.0, id_column=None, target_transform=None, temperature=1.0,
                 class_weights=None):
        if target_transform not in (None, "log"):
            raise ValueError(f"target_transform must be None or 'log', got {target_transform!r}")
        if task not in TASKS:
            raise ValueError(f"task must be 'classification' or 'regression', got {task!r}")
        self.network = network
        self.preparation = preparation
        self.target = target
        self.task = task
        self.classes = list(classes) if classes is not None else None
        self.target_center = float(target_center)
        self.target_scale = float(target_scale)
        self.target_transform = target_transform if task == "regression" else None
        self.id_column = id_column
        self.temperature = float(temperature)
        if not (np.isfinite(self.temperature) and self.temperature > 0):
            raise ValueError(f"temperature must be a finite number above 0, got {temperature!r}")
        self.class_weights = None if class_weights is None else \
            np.asarray(class_weights, dtype=np.float64)
        # What train found on the way, for the report: the permutation importance on the
        # held-out rows (a DataFrame, or None) and the columns flagged as possible leakage.
        self.importance = None
        self.leakage = []
        network.metadata.update(task=task, target_name=target)

    # --- predicting -------------------------------------------------------------------------------

    def read_rows(self, data, *, sep=None, encoding=None, extra=()):
        """The rows of ``data`` (a DataFrame, a CSV path or a dict of columns) as the model reads
        them: a DataFrame with the columns it needs (categories and the ID read as text, as
        written), the target if present, and the ``extra`` columns (read as text) that the
        file has. DataError for a column the model needs that ``data`` lacks. ``predict``,
        ``predict_proba`` and ``evaluate`` take what it returns as it is: a file read once
        serves them all."""
        texts = [item.column for item in self.preparation.inputs if item.kind in
                 ("category", "boolean")]
        needed = [*self.preparation.columns, self.target, *extra]
        texts += extra
        if self.id_column:
            needed.append(self.id_column)
            texts.append(self.id_column)
        frame = as_frame(data, sep=sep, encoding=encoding, text_columns=texts, columns=needed)
        self.preparation.check_columns(frame)
        return frame

    def prepare(self, data, *, sep=None, encoding=None) -> np.ndarray:
        """The network's inputs for the rows of ``data`` (a DataFrame, a CSV path or a dict of
        columns): the preparation applied."""
        return self.preparation.transform(self.read_rows(data, sep=sep, encoding=encoding))

    def _outputs(self, frame) -> np.ndarray:
        # The sums before the output's activation: one that overflowed to infinity would
        # still give a sigmoid of 1, a confident answer from a broken computation.
        with np.errstate(over="ignore", invalid="ignore"):  # a non-finite sum is refused
            z = self.network.predict(self.preparation.transform(frame), logits=True)
            if self.temperature != 1.0:
                z /= self.temperature
        check_finite_outputs(z, frame)
        return self.network.layers[-1].activation.forward(z, out=z)

    def calibrated_network(self):
        """The network with the temperature inside, for a graph that holds no division of
        its own.

        Returns
        -------
        Network
            A copy whose last layer's weights and bias are divided by the temperature; the
            network itself when the temperature is 1.
        """
        if self.temperature == 1.0:
            return self.network
        network = copy.deepcopy(self.network)
        last = network.dense_layers[-1]
        last.weights /= self.temperature
        if last.bias is not None:
            last.bias /= self.temperature
        return network

    def _probabilities(self, outputs) -> np.ndarray:
        if outputs.shape[1] == 1:  # one sigmoid unit: the probability of the second class
            return np.hstack([1 - outputs, outputs])
        return outputs

    def _labels(self, indices) -> np.ndarray:
        return np.asarray(self.classes, dtype=object if isinstance(self.classes[0], str)
                          else None)[indices]

    def predict(self, data, *, proba=False, sep=None, encoding=None):
        """One prediction per row of ``data`` (a DataFrame, a CSV path or a dict of columns):
        class labels as they were in the training data, or numbers in the target's units.

        With ``proba=True`` (classifiers only), (the labels, each class's probability as
        ``predict_proba`` gives it), from one pass of the network. Raises ValueError for a
        row whose outputs are not finite, rather than labelling it."""
        frame = self.read_rows(data, sep=sep, encoding=encoding)
        if proba:
            probabilities = self.predict_proba(frame)
            return self._labels(probabilities.to_numpy().argmax(axis=1)), probabilities
        outputs = self._outputs(frame)
        if self.task == "classification":
            return self._labels(self._probabilities(outputs).argmax(axis=1))
        values = outputs[:, 0] * self.target_scale + self.target_center
        if self.target_transform == "log":
            with np.errstate(over="ignore"):
                values = np.exp(values) - 1  # as the ONNX graph computes it
            check_finite_outputs(values[:, None], frame)
        return values

    def predict_proba(self, data, *, sep=None, encoding=None):
        """Each class's probability for each row of ``data``: a DataFrame with one column per
        class (the labels as column names) and the rows' index."""
        if self.task != "classification":
            raise ValueError("predict_proba needs a classifier, but this model predicts numbers "
                             f"({printable(self.target)!r}); use predict")
        frame = self.read_rows(data, sep=sep, encoding=encoding)
        probabilities = self._probabilities(self._outputs(frame))
        return pandas().DataFrame(probabilities, columns=list(self.classes), index=frame.index)

    # --- scoring ----------------------------------------------------------------------------------

    def evaluate(self, data, *, sep=None, encoding=None):
        """Every score of the model on the rows of ``data`` that have a target value.

        Returns
        -------
        ClassificationReport or RegressionReport (``neuronet.metrics``)
            A dict that prints (``str(report)``) as ``neuronet evaluate`` shows it. For
            classification: "accuracy", "log_loss", "roc_auc", per-class "precision",
            "recall", "f1" and "support", the "confusion" matrix (rows: true class), a class
            the model never saw counted as a wrong prediction ("unseen"); for regression:
            "mse", "rmse", "mae" and "r2". Also "rows" (scored) and "dropped" (rows without a
            target value).
        """
        frame, truth, dropped = self._scored_rows(data, sep, encoding)
        if dropped:
            logging.getLogger(__name__).info(  # a note, that a user may silence
                f"{where(frame)}{dropped:,} row{'s' * (dropped > 1)} without a target value "
                "left out of the scores")
        if self.task == "classification":
            probabilities = self._probabilities(self._outputs(frame))
            report = classification_report(truth, self._labels(probabilities.argmax(axis=1)),
                                           self.classes, truth_names=class_texts(self.classes),
                                           probabilities=probabilities)
        else:
            report = regression_report(truth, self.predict(frame))
        report["dropped"] = dropped
        return report

    def _scored_rows(self, data, sep, encoding):
        """(the rows of ``data`` with a target value, their target values: text for classes,
        numbers for regression, how many rows had none)."""
        frame = self.read_rows(data, sep=sep, encoding=encoding)
        if self.target not in frame.columns:
            raise DataError(f"{where(frame)}no target column {printable(self.target)!r} to "
                            "evaluate against")
        target = frame[self.target]
        if self.task == "classification":
            truth = conv.as_text(target)
            keep = truth != None  # noqa: E711 - elementwise
        else:
            truth = conv.target_numbers(frame, self.target)
            keep = ~np.isnan(truth)
        dropped = int(len(frame) - keep.sum())
        if not keep.any():
            raise DataError(f"{where(frame)}no row has a value in the target column "
                            f"{printable(self.target)!r}")
        if dropped:
            frame = frame[keep]
        return frame, truth[keep], dropped

    def feature_importance(self, data, *, scoring=None, repeats=5, seed=0, sep=None,
                           encoding=None):
        """Permutation importance of each column the model reads, on the rows of ``data``.

        Each column's cells are shuffled among the rows, ``repeats`` times, and the model's
        score on the shuffled rows compared with its score on the rows as they are: the
        score lost is what the model draws from that column. Give it rows the model did not
        learn from (a test set): on its training rows it measures what was memorized too.

        Parameters
        ----------
        data : DataFrame, str or dict
            The rows, with the target column (a DataFrame, a CSV path or a dict of columns);
            rows without a target value are left out, and for classification so are rows of
            a class the model never saw.
        scoring : str, optional
            The score: "accuracy" (default), "log_loss" or "roc_auc" for classes, "r2"
            (default), "rmse" or "mae" for numbers; a loss that rises counts as a drop.
        repeats : int, default 5
            Shuffles of each column.
        seed : int, default 0
            The seed of the shuffles: the same seed gives the same table.
        sep, encoding : str, optional
            How to read a CSV file, as for ``predict``.

        Returns
        -------
        pandas.DataFrame
            One row per column, the most important first: "column", "importance" (the mean
            drop of the score) and "std" (its standard deviation over the shuffles).
            ``attrs`` holds "scoring", "baseline" (the score unshuffled), "rows" and
            "repeats".

        Raises
        ------
        ValueError
            For a scoring the task has not, a repeat count below 1, or fewer than two rows
            to score; DataError (a ValueError) for a table without the target column or the
            model's columns.
        """
        from .importance import check_scoring, importance_table

        scoring = check_scoring(scoring, self.task)
        frame, truth, _ = self._scored_rows(data, sep, encoding)
        if self.task == "classification":
            truth = class_indices(class_texts(self.classes), truth)
            frame, truth = frame[truth >= 0], truth[truth >= 0]
        X = self.preparation.transform(frame)
        baseline, drops = self.importance_of_inputs(X, truth, scoring=scoring, repeats=repeats,
                                                    seed=seed, frame=frame)
        return importance_table(self.preparation.columns, drops, scoring=scoring,
                                baseline=baseline, rows=len(X))

    def importance_of_inputs(self, X, truth, *, scoring, repeats=5, seed=0, frame=None):
        """The permutation importance's drops of each column from prepared rows, as
        ``importance.permutation_drops`` gives them (``feature_importance`` makes the table).

        Parameters
        ----------
        X : numpy.ndarray
            The prepared rows (the preparation's output).
        truth : numpy.ndarray
            Their class indices, or numbers in the target's units.
        scoring : str
            A name of ``importance.SCORINGS``.
        repeats : int, default 5
            Shuffles of each column.
        seed : int, default 0
            The seed of the shuffles.
        frame : DataFrame, optional
            The rows ``X`` was prepared from, to name them in an error.

        Returns
        -------
        (float, numpy.ndarray)
            The score of the rows as they are, and the drops, shape (columns, repeats).

        Raises
        ------
        ValueError
            For fewer than two rows, a repeat count below 1, or outputs that are not finite.
        """
        from .importance import blocks_of, first_layer, permutation_drops

        weights, bias, rest = first_layer(self.network)

        def predict(sums):
            return self._from_logits(rest(sums), frame)
        return permutation_drops(predict, X, truth, blocks_of(self.preparation),
                                 scoring=scoring, repeats=repeats, seed=seed,
                                 linear=(weights, bias))

    def predicted_from_inputs(self, X, frame=None) -> np.ndarray:
        """What the model predicts from prepared rows ``X`` (the preparation's output): each
        class's probability, shape (rows, classes), or numbers in the target's units.

        Parameters
        ----------
        X : numpy.ndarray
            Shape (rows, ``preparation.n_features``).
        frame : DataFrame, optional
            The rows ``X`` was prepared from, to name them in an error.

        Returns
        -------
        numpy.ndarray
            The probabilities or the numbers.

        Raises
        ------
        ValueError
            For a row whose outputs are not finite.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            z = self.network.predict(X, logits=True)
        return self._from_logits(z, frame)

    def _from_logits(self, z, frame):
        if self.temperature != 1.0:
            z = z / self.temperature
        if frame is None:
            frame = pandas().DataFrame(index=range(len(z)))
        check_finite_outputs(z, frame)
        outputs = self.network.layers[-1].activation.forward(z, out=z)
        if self.task == "classification":
            return self._probabilities(outputs)
        return outputs[:, 0] * self.target_scale + self.target_center

    # --- saving and exporting ---------------------------------------------------------------------

    def save(self, path):
        """Write the model (network and preparation) to ``path``, one .npz file that
        ``neuronet.load`` reads back as a TabularModel; return ``path``."""
        from ..serialization import save

        return save(self.network, path, section=("tabular", *self.to_section()))

    def to_onnx(self, path=None):
        """The model as an ONNX graph with one input per column the model reads (see
        ``onnx_inputs``) and outputs "label" and "probabilities" (classification) or
        "value" (regression); written to ``path`` if given. Needs the ``onnx`` extra."""
        from .onnx import tabular_to_onnx

        return tabular_to_onnx(self, path)

    def onnx_inputs(self, data, *, sep=None, encoding=None) -> dict:
        """The ONNX graph's inputs for the rows of ``data``: for each column, an array of
        shape (rows, 1): text (str objects, "" where missing) for categories and booleans,
        float64 (NaN where missing) for numbers, and float64 days since 1970-01-01 UTC (NaN
        where missing) for dates."""
        from .onnx import onnx_input_name

        frame = self.read_rows(data, sep=sep, encoding=encoding)
        feeds = {}
        for item in self.preparation.inputs:
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

    # --- describing -------------------------------------------------------------------------------

    def summary(self) -> str:
        """What the model reads, what it predicts, and its network's layers."""
        lines = [f"TabularModel: {self.task} of {printable(self.target)!r}"]
        lines += self.describe()
        return "\n".join([*lines, self.network.summary()])

    def describe(self, limit: int = 12) -> list:
        """Lines that say how the model reads a table (the first ``limit`` input columns) and
        what it predicts."""
        prep = self.preparation
        lines = [f"preparation (table section version {VERSION}): {len(prep.inputs):,} columns "
                 f"-> {prep.n_features:,} inputs, learned from the training rows"]
        lines += [f"  {line}" for line in prep.describe(limit)]
        if self.task == "classification":
            shown = ", ".join(printable(c) for c in self.classes[:10])
            more = f", ... ({len(self.classes) - 10} more)" if len(self.classes) > 10 else ""
            lines.append(f"  classes ({len(self.classes)}): {shown}{more}")
            if self.class_weights is not None:
                weights = ", ".join(f"{printable(c)} {w:.4g}" for c, w in
                                    zip(self.classes[:10], self.class_weights))
                lines.append(f"  class weights in training: {weights}{more and ', ...'}")
            if self.temperature != 1.0:
                lines.append(f"  probabilities calibrated: the network's sums divided by a "
                             f"temperature of {self.temperature:.4g}")
        else:
            y = "log(1 + y)" if self.target_transform == "log" else "y"
            lines.append(f"  target {printable(self.target)!r} predicted as ({y} - "
                         f"{self.target_center:.6g}) / {self.target_scale:.6g}")
        if self.id_column:
            lines.append(f"  id column: {printable(self.id_column)!r} (written beside "
                         "predictions)")
        return lines

    def __repr__(self) -> str:
        sizes = [self.network.n_inputs] + [layer.n_outputs for layer in self.network.dense_layers]
        return (f"<TabularModel: {self.task} of {printable(self.target)!r} from "
                f"{len(self.preparation.inputs)} columns, network "
                f"{'-'.join(map(str, sizes))}>")

    # --- as a section of a model file: the checks live in section.py --------------------------

    def to_section(self):
        """The model as the "tabular" section of a model file holds it, beside its network.

        Returns
        -------
        tuple of (dict, dict)
            The fields (version, task, target, id column, kind of the classes) and the arrays
            (the preparation's, then the classes or the target's scaling), by name.
        """
        return section.to_section(self)

    @classmethod
    def from_section(cls, network, fields, arrays):
        """The model again from its network and the section ``to_section`` gave.

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
        TabularModel
            The model, predicting as the one that was saved.

        Raises
        ------
        ValueError
            When the section is unsound: fields missing or extra, a version newer than this
            neuronet reads, a preparation or classes that do not fit the network, an array
            that is malformed or unexpected.
        """
        return cls(network, **section.model_options(network, fields, arrays))


def check_finite_outputs(outputs, frame) -> None:
    """ValueError naming the rows of ``frame`` whose network outputs are not finite: no
    prediction is given for an output that overflowed."""
    bad = ~np.isfinite(outputs).all(axis=1)
    if bad.any():
        rows = np.flatnonzero(bad)
        shown = ", ".join(row_name(frame, int(i)).removeprefix("row ") for i in rows[:5])
        more = f" and {len(rows) - 5:,} more" if len(rows) > 5 else ""
        raise ValueError(f"{where(frame)}the model's outputs are not finite (NaN or "
                         f"infinity) for row{'s' * (len(rows) > 1)} {shown}{more}; no "
                         "prediction is given for an output that overflowed (are the "
                         "inputs of these rows far outside the training data?)")


def from_section(network, fields, arrays) -> TabularModel:
    """What ``neuronet.load`` gives for a model file with a "tabular" section."""
    return TabularModel.from_section(network, fields, arrays)
