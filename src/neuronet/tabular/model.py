"""TabularModel: a network and the preparation of the table it learned from, used as one.

Whatever predicts with it — ``predict`` in Python, ``neuronet predict`` on a file, its ONNX
graph — reads raw rows and applies the same preparation, so they all give the same answers.
"""

from __future__ import annotations

import logging

import numpy as np

from .._text import printable
from ..metrics import classification_report, regression_report
from . import ensemble, scores, section
from .reading import as_frame, pandas, where

# Names of scores.py and section.py, offered here as before they had rooms of their own.
from .scores import (
    check_finite_outputs,  # noqa: F401
    class_probabilities,
    outputs_from_logits,  # noqa: F401
    scored_rows,
)
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
    members : list of Network, optional
        An ensemble's other networks, of the design of ``network``: the model's outputs are
        the mean over ``networks``, ``[network, *members]`` (``tabular.ensemble``).

    Raises
    ------
    ValueError
        For a task that is neither, a target_transform other than None and "log", or a
        temperature that is not a finite number above 0, or members of another shape.
    """

    def __init__(self, network, preparation, *, target, task, classes=None, target_center=0.0,
                 target_scale=1.0, id_column=None, target_transform=None, temperature=1.0,
                 class_weights=None, members=None):
        if target_transform not in (None, "log"):
            raise ValueError(f"target_transform must be None or 'log', got {target_transform!r}")
        if task not in TASKS:
            raise ValueError(f"task must be 'classification' or 'regression', got {task!r}")
        self.network = network
        self.networks = [network, *(members or [])]
        shapes = [[w.shape for w in net.parameters()] for net in self.networks]
        if any(shape != shapes[0] for shape in shapes):
            raise ValueError("the members of an ensemble must have the network's layers")
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
        """The rows of a table as the model reads them, so one reading serves every question.

        ``predict``, ``predict_proba`` and ``evaluate`` take what it returns as it is: a file
        read once serves them all.

        Parameters
        ----------
        data : pandas.DataFrame, str, os.PathLike or dict
            The rows: a DataFrame, the path of a CSV file, or a dict of columns.
        sep, encoding : str, optional
            For a CSV file, its separator (None guesses it) and its text encoding (None:
            UTF-8).
        extra : sequence of str, default ()
            More columns to keep, read as text, where the data has them.

        Returns
        -------
        pandas.DataFrame
            The columns the model needs (categories and the ID read as text, as written), the
            target if present, and the ``extra`` columns that the data has.

        Raises
        ------
        DataError
            For a column the model needs that ``data`` lacks.
        """
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
        """The network's inputs for the rows of a table: the learned preparation applied.

        Parameters
        ----------
        data : pandas.DataFrame, str, os.PathLike or dict
            The rows: a DataFrame, the path of a CSV file, or a dict of columns.
        sep, encoding : str, optional
            For a CSV file, its separator (None guesses it) and its text encoding (None:
            UTF-8).

        Returns
        -------
        numpy.ndarray
            One row of float64 inputs per row of ``data``.

        Raises
        ------
        DataError
            For a column the model needs that ``data`` lacks.
        """
        return self.preparation.transform(self.read_rows(data, sep=sep, encoding=encoding))

    def _outputs(self, frame) -> np.ndarray:
        return ensemble.mean_outputs(self, self.preparation.transform(frame), frame)

    def calibrated_network(self):
        """The (first) network with the temperature inside, for a graph that holds no
        division of its own; ``ensemble.calibrated_networks`` gives every member's.

        Returns
        -------
        Network
            A copy whose last layer's weights and bias are divided by the temperature; the
            network itself when the temperature is 1.
        """
        return ensemble.calibrated_networks(self)[0]

    def _labels(self, indices) -> np.ndarray:
        return np.asarray(self.classes, dtype=object if isinstance(self.classes[0], str)
                          else None)[indices]

    def predict(self, data, *, proba=False, sep=None, encoding=None):
        """One prediction per row: a class label as in the training data, or a number in the
        target's units.

        Parameters
        ----------
        data : pandas.DataFrame, str, os.PathLike or dict
            The rows: a DataFrame, the path of a CSV file, or a dict of columns.
        sep, encoding : str, optional
            For a CSV file, its separator (None guesses it) and its text encoding (None:
            UTF-8).
        proba : bool, default False
            Classifiers only: also each class's probability, from the same pass of the
            network.

        Returns
        -------
        numpy.ndarray or tuple of (numpy.ndarray, pandas.DataFrame)
            The labels or numbers, one per row; with ``proba=True``, the labels and the
            probabilities as ``predict_proba`` gives them.

        Raises
        ------
        ValueError
            For a row whose outputs are not finite, rather than labelling it; with
            ``proba=True``, for a model that predicts numbers.
        """
        frame = self.read_rows(data, sep=sep, encoding=encoding)
        if proba:
            probabilities = self.predict_proba(frame)
            return self._labels(probabilities.to_numpy().argmax(axis=1)), probabilities
        outputs = self._outputs(frame)
        if self.task == "classification":
            return self._labels(class_probabilities(outputs).argmax(axis=1))
        values = outputs[:, 0] * self.target_scale + self.target_center
        if self.target_transform == "log":
            with np.errstate(over="ignore"):
                values = np.exp(values) - 1  # as the ONNX graph computes it
            check_finite_outputs(values[:, None], frame)
        return values

    def predict_proba(self, data, *, sep=None, encoding=None):
        """How likely each class is, for each row of a table.

        Parameters
        ----------
        data : pandas.DataFrame, str, os.PathLike or dict
            The rows: a DataFrame, the path of a CSV file, or a dict of columns.
        sep, encoding : str, optional
            For a CSV file, its separator (None guesses it) and its text encoding (None:
            UTF-8).

        Returns
        -------
        pandas.DataFrame
            One column per class (the labels as column names), with the rows' index.

        Raises
        ------
        ValueError
            For a model that predicts numbers, or a row whose outputs are not finite.
        """
        if self.task != "classification":
            raise ValueError("predict_proba needs a classifier, but this model predicts numbers "
                             f"({printable(self.target)!r}); use predict")
        frame = self.read_rows(data, sep=sep, encoding=encoding)
        probabilities = class_probabilities(self._outputs(frame))
        return pandas().DataFrame(probabilities, columns=list(self.classes), index=frame.index)

    # --- scoring ----------------------------------------------------------------------------------

    def evaluate(self, data, *, sep=None, encoding=None):
        """Every score of the model on the rows of ``data`` that have a target value.

        Parameters
        ----------
        data : pandas.DataFrame, str, os.PathLike or dict
            The rows: a DataFrame, the path of a CSV file, or a dict of columns.
        sep, encoding : str, optional
            For a CSV file, its separator (None guesses it) and its text encoding (None:
            UTF-8).

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
        frame, truth, dropped = scored_rows(self, data, sep, encoding)
        if dropped:
            logging.getLogger(__name__).info(  # a note, that a user may silence
                f"{where(frame)}{dropped:,} row{'s' * (dropped > 1)} without a target value "
                "left out of the scores")
        if self.task == "classification":
            probabilities = class_probabilities(self._outputs(frame))
            report = classification_report(truth, self._labels(probabilities.argmax(axis=1)),
                                           self.classes, truth_names=class_texts(self.classes),
                                           probabilities=probabilities)
        else:
            report = regression_report(truth, self.predict(frame))
        report["dropped"] = dropped
        return report

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
        return scores.feature_importance(self, data, scoring=scoring, repeats=repeats,
                                         seed=seed, sep=sep, encoding=encoding)

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
        from ..embedding import Embedding
        from .importance import blocks_of, first_layer, permutation_drops

        if isinstance(self.network.layers[0], Embedding):  # no first sums to shift
            return permutation_drops(lambda inputs: self.predicted_from_inputs(inputs, frame),
                                     X, truth, blocks_of(self.preparation),
                                     scoring=scoring, repeats=repeats, seed=seed)
        weights, bias, mean = ensemble.summed_first_layers(self, first_layer)
        return permutation_drops(lambda sums: mean(sums, frame), X, truth,
                                 blocks_of(self.preparation),
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
        return ensemble.mean_predicted(self, X, frame)

    # --- saving and exporting ---------------------------------------------------------------------

    def save(self, path):
        """Write the model (network and preparation) to one file that ``neuronet.load`` reads
        back as a TabularModel.

        Parameters
        ----------
        path : str or os.PathLike
            Where to write the .npz file; it is written whole or not at all.

        Returns
        -------
        str or os.PathLike
            ``path``, as the model file's writer returns it.
        """
        from ..serialization import save

        return save(self.network, path, section=("tabular", *self.to_section()))

    def to_onnx(self, path=None):
        """The model as an ONNX graph that reads the raw columns, for other runtimes.

        The graph has one input per column the model reads (see ``onnx_inputs``) and outputs
        "label" and "probabilities" (classification) or "value" (regression). Needs the
        ``onnx`` extra.

        Parameters
        ----------
        path : str or os.PathLike, optional
            Where to write the graph; None writes nothing.

        Returns
        -------
        onnx.ModelProto
            The graph.
        """
        from .onnx import tabular_to_onnx

        return tabular_to_onnx(self, path)

    def onnx_inputs(self, data, *, sep=None, encoding=None) -> dict:
        """What the ONNX graph is fed for the rows of a table, one array per column.

        Parameters
        ----------
        data : pandas.DataFrame, str, os.PathLike or dict
            The rows: a DataFrame, the path of a CSV file, or a dict of columns.
        sep, encoding : str, optional
            For a CSV file, its separator (None guesses it) and its text encoding (None:
            UTF-8).

        Returns
        -------
        dict of str to numpy.ndarray
            By the graph's input names, an array of shape (rows, 1) per column: text (str
            objects, "" where missing) for categories and booleans, float64 (NaN where
            missing) for numbers, and float64 days since 1970-01-01 UTC (NaN where missing)
            for dates.

        Raises
        ------
        DataError
            For a column the model needs that ``data`` lacks.
        """
        from .onnx import onnx_feeds

        return onnx_feeds(self, self.read_rows(data, sep=sep, encoding=encoding))

    # --- describing -------------------------------------------------------------------------------

    def summary(self) -> str:
        """What the model reads, what it predicts, and its network's layers.

        Returns
        -------
        str
            Lines of text, as ``neuronet info`` prints them.
        """
        lines = [f"TabularModel: {self.task} of {printable(self.target)!r}"]
        lines += self.describe()
        if len(self.networks) > 1:
            lines.append(f"each of the {len(self.networks)} networks of the ensemble:")
        return "\n".join([*lines, self.network.summary()])

    def describe(self, limit: int = 12) -> list:
        """Lines that say how the model reads a table and what it predicts.

        Parameters
        ----------
        limit : int, default 12
            How many input columns to describe; the rest are counted.

        Returns
        -------
        list of str
            The lines, without line ends.
        """
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
        if len(self.networks) > 1:
            mean = "probability" if self.task == "classification" else "prediction"
            lines.append(f"  ensemble: {len(self.networks)} networks of one design, "
                         f"{self.network.n_parameters():,} parameters each, trained on "
                         f"{len(self.networks)} folds of the rows; the model is their mean "
                         f"{mean}")
        if self.id_column:
            lines.append(f"  id column: {printable(self.id_column)!r} (written beside "
                         "predictions)")
        return lines

    def __repr__(self) -> str:
        sizes = [self.network.n_inputs] + [layer.n_outputs for layer in self.network.dense_layers]
        return (f"<TabularModel: {self.task} of {printable(self.target)!r} from "
                f"{len(self.preparation.inputs)} columns, network "
                f"{'-'.join(map(str, sizes))}"
                + (f" x {len(self.networks)}>" if len(self.networks) > 1 else ">"))

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


def from_section(network, fields, arrays) -> TabularModel:
    """What ``neuronet.load`` gives for a model file with a "tabular" section.

    Parameters
    ----------
    network : neuronet.network.Network
        The network of the model file, already loaded.
    fields : dict
        The section's fields.
    arrays : dict of str to numpy.ndarray
        The section's arrays, by name.

    Returns
    -------
    TabularModel
        The model, as ``TabularModel.from_section`` reads it.

    Raises
    ------
    ValueError
        When the section is unsound.
    """
    return TabularModel.from_section(network, fields, arrays)
