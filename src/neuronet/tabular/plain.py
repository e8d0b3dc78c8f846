"""A plain network used on a table: a model file written by ``Network.save``, without the
preparation of a table beside it.

Such a network takes numbers only: its inputs are the columns its metadata names
(``feature_names``), or every column but its target, as they are. Its outputs are read by its
metadata too: a classifier (``task`` "classification", ``classes`` given, or a softmax output)
gives the class of its largest output, its ``classes`` or 0, 1, ...; another gives its outputs
as numbers. ``PlainNetwork`` wraps it with the predicting methods of a TabularModel, so that
``neuronet predict`` and ``evaluate`` treat both alike (``for_tables``).
"""

from __future__ import annotations

import numpy as np

from .._text import printable
from ..metrics import classification_report, regression_report
from . import columns as conv
from .model import TabularModel, check_finite_outputs, class_texts
from .reading import DataError, as_frame, pandas, row_name, where


def for_tables(model, name=None):
    """Any loaded model as a model of tables, so one command predicts with either kind.

    Parameters
    ----------
    model : TabularModel or Network
        What ``neuronet.load`` gives.
    name : str, optional
        The model file's name, which messages about a plain network begin with.

    Returns
    -------
    TabularModel or PlainNetwork
        A TabularModel as it is; a Network wrapped as a PlainNetwork.
    """
    if isinstance(model, TabularModel):
        return model
    return PlainNetwork(model, name)


class PlainNetwork:
    """A network without a preparation, predicting for the rows of a table of numbers.

    Parameters
    ----------
    network : Network
    name : the model file's name, which messages about the network begin with.

    Attributes
    ----------
    target : the name of the target column (the metadata's ``target_name``), or None.
    task : "classification" or "regression", read off the metadata and the output.
    classes : for a classifier, the metadata's ``classes`` or 0, 1, ... (one per output; two
        for one sigmoid output).
    id_column : None (a plain network names no column of IDs).
    """

    id_column = None

    def __init__(self, network, name=None):
        self.network = network
        self.name = name
        meta = network.metadata
        self.target = meta.get("target_name") or None
        if "task" in meta:
            classifier = meta["task"] == "classification"
        else:
            classifier = "classes" in meta or network.output_activation == "softmax"
        self.task = "classification" if classifier else "regression"
        self.classes = (list(meta.get("classes") or range(max(network.n_outputs, 2)))
                        if classifier else None)

    def _about(self) -> str:
        return f"{printable(self.name)}: " if self.name else ""

    def read_rows(self, data, *, sep=None, encoding=None, extra=()):
        """The rows of a table as the network reads them.

        Parameters
        ----------
        data : pandas.DataFrame, str, os.PathLike or dict
            The rows: a DataFrame, the path of a CSV file, or a dict of columns.
        sep, encoding : str, optional
            For a CSV file, its separator (None guesses it) and its text encoding (None:
            UTF-8).
        extra : sequence of str, default ()
            Columns to read as text.

        Returns
        -------
        pandas.DataFrame
            The table.

        Raises
        ------
        ValueError
            For a network whose metadata holds input scaling, which only a preparation
            applies; DataError (a ValueError) for data that is not a table.
        """
        meta = self.network.metadata
        if "input_mean" in meta or "input_scale" in meta:
            raise ValueError(f"{self._about()}holds input scaling as metadata, which predict "
                             "does not apply; train the model again with neuronet train, which "
                             "keeps its preparation in the model")
        return as_frame(data, sep=sep, encoding=encoding, text_columns=list(extra))

    def inputs(self, frame) -> np.ndarray:
        """The network's inputs from the rows of a table: its columns of numbers, as they are.

        Parameters
        ----------
        frame : pandas.DataFrame
            The rows, with the columns named by the metadata's ``feature_names`` (default:
            all but the target).

        Returns
        -------
        numpy.ndarray
            Shape (rows, network inputs), float64.

        Raises
        ------
        DataError
            For a column that is missing, a count of columns that is not the network's, or
            a cell that is missing, not a number, or not finite.
        """
        meta, net = self.network.metadata, self.network
        names = meta.get("feature_names") or [c for c in frame.columns if c != self.target]
        lacking = [n for n in names if n not in frame.columns]
        if lacking:
            raise DataError(f"{where(frame)}no column {printable(lacking[0])!r}, which the "
                            "model needs as an input")
        if len(names) != net.n_inputs:
            raise DataError(f"{where(frame)}has {len(names)} feature columns, but the model "
                            f"expects {net.n_inputs}")
        X = np.empty((len(frame), len(names)))
        for i, name in enumerate(names):
            X[:, i], unparsed = conv.as_numbers(frame[name])
            bad = np.flatnonzero(np.isnan(X[:, i]))
            if len(bad):
                cell = frame[name].iloc[bad[0]]
                what = "missing value" if bad[0] not in unparsed else \
                    f"{printable(cell)!r} is not a number"
                raise DataError(f"{where(frame)}{row_name(frame, int(bad[0]))}, column "
                                f"{printable(name)!r}: {what} (a model saved without its "
                                "preparation takes numbers only)")
            conv.check_finite(X[:, i], frame, name)
        return X

    def _outputs(self, frame) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):  # a non-finite output is refused
            outputs = self.network.predict(self.inputs(frame))
        check_finite_outputs(outputs, frame)
        return outputs

    def _probabilities(self, outputs) -> np.ndarray:
        if self.network.n_outputs == 1:  # one sigmoid unit: the probability of the second
            return np.hstack([1 - outputs, outputs])
        return outputs

    def predict(self, data, *, proba=False, sep=None, encoding=None):
        """One prediction per row: a classifier's class, or the network's outputs.

        Parameters
        ----------
        data : pandas.DataFrame, str, os.PathLike or dict
            The rows: a DataFrame, the path of a CSV file, or a dict of columns.
        sep, encoding : str, optional
            For a CSV file, its separator (None guesses it) and its text encoding (None:
            UTF-8).
        proba : bool, default False
            Classifiers only: also each class's probability.

        Returns
        -------
        numpy.ndarray or tuple of (numpy.ndarray, pandas.DataFrame)
            The classes (among ``classes``), or the outputs, shape (rows, outputs); with
            ``proba=True``, the classes and a DataFrame with a column of probabilities per
            class.

        Raises
        ------
        ValueError
            With ``proba=True`` for a network that predicts numbers, for outputs that are not
            finite, or (DataError) for inputs that are not numbers.
        """
        if proba and self.task != "classification":
            raise ValueError(f"{self._about()}proba needs a classifier, but this model "
                             "predicts numbers")
        frame = self.read_rows(data, sep=sep, encoding=encoding)
        outputs = self._outputs(frame)
        if self.task != "classification":
            return outputs
        probabilities = self._probabilities(outputs)
        labels = np.asarray(self.classes, dtype=object)[probabilities.argmax(axis=1)]
        if not proba:
            return labels
        return labels, pandas().DataFrame(probabilities, columns=list(self.classes),
                                          index=frame.index)

    def evaluate(self, data, *, sep=None, encoding=None):
        """The scores of the network on the rows of a table, against its target column.

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
            As for a TabularModel, with "dropped" 0, since every row must have its target.

        Raises
        ------
        ValueError
            For a network that does not name its target column; DataError (a ValueError)
            for a table without it, or a target of numbers that are not all numbers.
        """
        if not self.target:
            raise ValueError(f"{self._about()}the model does not name its target column, so "
                             "there is nothing to compare its predictions with")
        frame = self.read_rows(data, sep=sep, encoding=encoding)
        if self.target not in frame.columns:
            raise DataError(f"{where(frame)}no target column {printable(self.target)!r} to "
                            "evaluate against")
        outputs = self._outputs(frame)
        if self.task == "classification":
            probabilities = self._probabilities(outputs)
            labels = np.asarray(self.classes, dtype=object)[probabilities.argmax(axis=1)]
            report = classification_report(conv.as_text(frame[self.target]), labels,
                                           self.classes, truth_names=class_texts(self.classes),
                                           probabilities=probabilities)
        else:
            truth, unparsed = conv.as_numbers(frame[self.target])
            if len(unparsed) or np.isnan(truth).any():
                raise DataError(f"{where(frame)}the target column {printable(self.target)!r} "
                                "is not all numbers")
            report = regression_report(truth, outputs[:, 0])
        report["dropped"] = 0
        return report

    def __repr__(self) -> str:
        return f"<PlainNetwork: {self.task} of {self.network!r}>"
