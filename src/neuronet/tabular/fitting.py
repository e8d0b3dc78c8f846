"""Fitting a table's network: its design, its optimizer, and how long it trains.

``train`` trains twice: first on most rows while the rest choose the number of epochs (the
epoch of the lowest validation loss; where that would hold out fewer than
``MIN_VALIDATION_ROWS`` rows, the lowest mean over the folds of a cross-validation), then from
the same start on every row for that many, so that the model written has learned from all the
data. An ensemble (``members_of``: by default the folds of that cross-validation, or
``ensemble`` K on any table) keeps instead one network per fold, each at its lowest loss on
the fold it held out, and the model is their mean (``tabular.ensemble``).
``choose_and_train`` is that rule, told nothing of where the rows are: a trainer knows
them (the rows in memory, ``learning``; the partitions of a cluster, ``cluster_training``) and
trains a fresh network on the part of them it is asked for.
"""

from __future__ import annotations

import numpy as np

from ..embedding import Embedding
from ..layers import Dense, Dropout
from ..network import Network
from ..optimizers import LBFGS, SGD, Adam
from .model import TabularModel
from .reading import DataError

#: A validation split that would hold out fewer rows than this chooses the number of epochs
#: by cross-validation instead, over at least FOLDS_AT_LEAST folds.
MIN_VALIDATION_ROWS = 100
FOLDS_AT_LEAST = 3
#: The default patience: the validation run ends after this many epochs without a lower
#: validation loss.
PATIENCE = 20
#: The default dropout of the hidden layers, with adam and sgd.
DROPOUT = 0.1
#: The share of the codes of embedded categories read as "other" while training: no value's
#: vector can then stand in for the rest of the row, and "other" learns from every value.
EMBEDDING_DROP = 0.2


class Design:
    """The network for a task: its sizes, output, loss and metrics; ``network()`` makes a new
    one, always from the same start.

    Parameters
    ----------
    task : "classification" or "regression".
    classes : the classes (for classification).
    n_inputs : the preparation's inputs.
    hidden, activation, seed : the hidden layers' sizes and activation, and the seed of the
        starting weights (the "network" part of TrainSettings).
    dropout : float, default 0.0
        The fraction of each hidden layer's outputs that a Dropout layer after it zeroes in
        training; 0 puts no Dropout layer in.
    embedding : tuple, optional
        (code columns, codes of each, size) for an Embedding first layer, as
        ``Preparation.embedding()`` gives them; None for none. ``sizes`` then begins with
        the Embedding's outputs.
    """

    def __init__(self, task, classes, n_inputs, *, hidden, activation, seed, dropout=0.0,
                 embedding=None):
        if task == "regression":
            n_outputs, self.output, self.loss, self.metrics = 1, "identity", "mse", ["mae"]
        elif len(classes) == 2:
            # Two classes: one sigmoid unit, the probability of the second. It learns better
            # from few rows than a softmax over two units, whose two sums say one thing twice.
            n_outputs, self.output = 1, "sigmoid"
            self.loss, self.metrics = "binary_crossentropy", ["accuracy"]
        else:
            n_outputs, self.output = len(classes), "softmax"
            self.loss, self.metrics = "categorical_crossentropy", ["accuracy"]
        self.n_inputs, self.embedding = n_inputs, embedding
        if embedding is not None:
            columns, _, size = embedding
            n_inputs += len(columns) * (size - 1)
        self.sizes = [n_inputs, *hidden, n_outputs]
        self.activation, self.seed, self.dropout = activation, seed, dropout

    def network(self):
        """A new network of this design, from its seed's starting weights.

        Returns
        -------
        Network
            Dense layers of ``sizes``, with a Dropout layer after each hidden one where the
            design has dropout.
        """
        if not self.dropout and self.embedding is None:
            return Network.mlp(self.sizes, hidden=self.activation, output=self.output,
                               seed=self.seed)
        layers = [] if self.embedding is None else [
            Embedding(self.n_inputs, *self.embedding, drop=EMBEDDING_DROP)]
        for i, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            last = i == len(self.sizes) - 2
            layers.append(Dense(n_in, n_out, self.output if last else self.activation))
            if not last and self.dropout:
                layers.append(Dropout(self.dropout))
        return Network(layers, seed=self.seed)

    def line(self) -> str:
        """The report's line on the network.

        Returns
        -------
        str
            Its sizes, activations and number of parameters.
        """
        codes = 0 if self.embedding is None else len(self.embedding[0])
        embedded = "" if not codes else f"{self.n_inputs} ({codes} code{'s' * (codes > 1)} " \
            f"-> a learned embedding of {self.embedding[2]} each) -> "
        return (f"network:    {embedded}{' -> '.join(map(str, self.sizes))} ({self.activation} "
                f"hidden, {self.output} output), {self.network().n_parameters():,} parameters")


def make_optimizer(optimizer, learning_rate, weight_decay=0.0):
    """A fresh optimizer for one training run, so no run inherits another's momentum.

    Parameters
    ----------
    optimizer : str
        "adam", "sgd" or "lbfgs"; any other name gives Adam.
    learning_rate : float or None
        The step size; None (or 0) takes 0.002 for adam (chosen with the tables' batches of
        64 rows) and 0.01 for sgd. L-BFGS takes none.
    weight_decay : float, default 0.0
        The L2 penalty.

    Returns
    -------
    Optimizer
        Adam, SGD with momentum 0.9, or LBFGS.
    """
    if optimizer == "lbfgs":
        return LBFGS(weight_decay=weight_decay)
    rate = learning_rate or (0.01 if optimizer == "sgd" else 0.002)
    return SGD(learning_rate=rate, momentum=0.9, weight_decay=weight_decay) \
        if optimizer == "sgd" else Adam(learning_rate=rate, weight_decay=weight_decay)


def smoothed(y, output, n_classes, smoothing):
    """Classification targets with label smoothing, so the network is not pushed to certainty.

    Each example's target is (1 - s) for the true class plus s spread evenly over the
    classes.

    Parameters
    ----------
    y : numpy.ndarray
        The class indices, one per example.
    output : str
        The network's output activation: "sigmoid" (one unit) or "softmax".
    n_classes : int
        How many classes there are.
    smoothing : float
        The share s, from 0 (none) to below 1.

    Returns
    -------
    numpy.ndarray
        For one sigmoid output, the second class's probability per example; for softmax, a
        row of probabilities per example.
    """
    if output == "sigmoid":
        return y * (1 - smoothing) + smoothing / 2
    soft = np.full((len(y), n_classes), smoothing / n_classes)
    soft[np.arange(len(y)), y] += 1 - smoothing
    return soft


def members_of(settings, n_val, n=None) -> int:
    """How many networks ``choose_and_train`` keeps, averaged, for these settings.

    Parameters
    ----------
    settings : TrainSettings
        Its ``ensemble`` (None: the default), ``validation_split``, ``refit`` and where the
        rows are.
    n_val : int
        The rows a validation split would hold out.
    n : int, optional
        The rows: a table of fewer than 2 * ``FOLDS_AT_LEAST``, or fewer than the folds,
        keeps one network by default (None: enough rows).

    Returns
    -------
    int
        ``ensemble`` where it is given; by default, where a cross-validation of
        ``cross_validation_folds`` folds chooses the epoch (fewer than
        ``MIN_VALIDATION_ROWS`` held out), those folds' networks, else 1 (and 1 on a
        cluster, without a validation split, or with ``refit``).
    """
    if settings.ensemble is not None:
        return settings.ensemble
    if settings.on_cluster or settings.refit or not settings.validation_split \
            or n_val >= MIN_VALIDATION_ROWS:
        return 1
    folds = cross_validation_folds(settings.validation_split)
    return 1 if n is not None and (n < 2 * FOLDS_AT_LEAST or folds > n) else folds


def cross_validation_folds(validation_split) -> int:
    """The folds of the cross-validation that chooses the epoch of a small table.

    Parameters
    ----------
    validation_split : float
        The share of rows held out, above 0.

    Returns
    -------
    int
        1 / split, rounded, and at least ``FOLDS_AT_LEAST``.
    """
    return max(FOLDS_AT_LEAST, int(round(1 / validation_split)))


def choose_and_train(trainer, note, settings, *, task, scale, where=""):
    """Train as ``train`` says: with a validation split, first on most rows while the rest
    choose the number of epochs (or by cross-validation when the split would hold out fewer
    than ``MIN_VALIDATION_ROWS``), then from the same start on every row for that many; or,
    for an ensemble (``members_of``), one network per fold, each at its own best epoch.

    Parameters
    ----------
    trainer : knows the rows: ``n``, ``unit`` ("epochs", "iterations"...),
        ``held_out(n_val)`` and ``fold(k, folds)`` (splits), and ``fit(split, n_epochs,
        patience)``, which trains a fresh network on the rows a split keeps (None: every row)
        and returns (network, history, rows trained on, rows held out).
    note : called with each line of the report.
    settings : TrainSettings (``epochs``, ``validation_split``, ``early_stopping``,
        ``ensemble``, ``refit``).
    task, scale : the task, and the target's scale (regression's scores in its units).
    where : the table's name for messages ("file.csv: ").

    Returns
    -------
    (networks, history): the networks the model averages (one, but for an ensemble) and the
    History of the last training. KeyboardInterrupt when Ctrl-C came before any epoch ended.
    """
    n, unit = trainer.n, trainer.unit
    epochs, validation_split = settings.epochs, settings.validation_split
    label = label_of(unit)
    if not validation_split:
        net, history, _, _ = trainer.fit(None, epochs)
        if history.epochs == 0:
            raise KeyboardInterrupt
        note(f"training:   {scores(history, task, scale, '', -1)} after {history.epochs} "
             f"{unit} on all {n:,} rows (no validation split)")
        return [net], history
    n_val = int(round(n * validation_split))
    if n_val < 1 or n_val >= n:
        raise DataError(f"{where}a validation split of {validation_split:g} of "
                        f"{n:,} rows leaves {n - n_val} to train on and {n_val} to "
                        "validate; both need rows (or pass a validation split of 0)")
    members = members_of(settings, n_val, n)
    if members > 1:
        return _cross_fit(trainer, note, settings, members, task=task, scale=scale,
                          where=where)
    if n_val < MIN_VALIDATION_ROWS and n >= 2 * FOLDS_AT_LEAST:
        # Few held-out rows choose the epoch by chance. Cross-validation lets every row
        # be held out once: each fold trains from the same start on the other rows, and
        # the epoch of the lowest mean validation loss over the folds is the choice.
        folds = cross_validation_folds(validation_split)
        curves = []
        for k in range(folds):
            net, history, n_fit, _ = trainer.fit(trainer.fold(k, folds), epochs,
                                                 settings.early_stopping)
            if history.epochs == 0:
                raise KeyboardInterrupt
            curves.append(history)
            if history.interrupted:
                break
        length = min(h.epochs for h in curves)
        mean_loss = np.mean([h.val_loss[:length] for h in curves], axis=0)
        best = int(np.argmin(mean_loss)) + 1
        note(f"{label}{best} (lowest mean validation loss over {folds} folds of the "
             f"{n:,} rows: too few for a {validation_split:.0%} split alone)")
        averaged = {key: float(np.mean([h[key][best - 1] for h in curves]))
                    for key in curves[0].history if key.startswith("val_")}
        note(f"validation: {scores(averaged, task, scale, 'val_', None)} at "
             f"{unit.removesuffix('s')} {best}, averaged over the folds")
    else:
        # The run stops PATIENCE epochs after its lowest validation loss and keeps that
        # epoch's weights: without a second run, they are the model.
        patience = settings.early_stopping or min(PATIENCE, epochs)
        net, history, n_fit, held = trainer.fit(trainer.held_out(n_val), epochs, patience)
        if history.epochs == 0:
            raise KeyboardInterrupt
        best = int(np.argmin(history.val_loss)) + 1
        stopped = f", stopped early at {unit.removesuffix('s')} {history.epochs}" \
            if history.stopped_early else ""
        note(f"{label}{best} (lowest validation loss on {held:,} held-out rows, "
             f"{validation_split:.0%}{stopped})")
        note(f"validation: {scores(history, task, scale, 'val_', best - 1)} at "
             f"{unit.removesuffix('s')} {best}")
        if not settings.refit and not history.interrupted:
            note(f"training:   {scores(history, task, scale, '', best - 1)} at "
                 f"{unit.removesuffix('s')} {best} on {n_fit:,} rows: the model is that "
                 "epoch's network (--refit trains again on every row)")
            return [net], history
    if history.interrupted:
        note(f"interrupted: kept the network trained so far on {n_fit:,} rows")
        return [net], history
    first, first_history = net, history
    net, history, _, _ = trainer.fit(None, best)  # the same start, every row
    if history.epochs == 0:  # Ctrl-C before an epoch on every row ended
        note(f"interrupted: kept the network trained on {n_fit:,} rows")
        return [first], first_history
    note(f"training:   {scores(history, task, scale, '', -1)} after "
         f"{history.epochs} {unit} on all {n:,} rows")
    return [net], history


def _cross_fit(trainer, note, settings, folds, *, task, scale, where=""):
    """``choose_and_train`` for an ensemble: a network per fold, trained on the other folds
    and kept at its lowest loss on its own; (networks, the last one's History)."""
    n, unit, epochs = trainer.n, trainer.unit, settings.epochs
    if folds > n:
        raise DataError(f"{where}an ensemble of {folds} networks needs a row in each of "
                        f"{folds} folds, and there are {n:,} rows (pass a smaller ensemble)")
    # Each network stops PATIENCE epochs after its lowest loss on its fold and keeps that
    # epoch: measured on small tables, as good as running every epoch, in two thirds of the
    # time, for the average forgives each network's epoch chosen by few rows.
    patience = settings.early_stopping or min(PATIENCE, epochs)
    networks, runs = [], []
    for k in range(folds):
        net, history, n_fit, held = trainer.fit(trainer.fold(k, folds), epochs, patience)
        if history.epochs == 0:
            break
        networks.append(net)
        runs.append((history, int(np.argmin(history.val_loss)), n_fit, held))
        if history.interrupted:
            break
    if not networks:
        raise KeyboardInterrupt
    bests = [best + 1 for _, best, _, _ in runs]
    shown = ", ".join(map(str, bests))
    note(f"{label_of(unit)}{shown} (each network's lowest validation loss on its fold of "
         f"the {n:,} rows, {folds} folds)")
    weights = np.array([held for _, _, _, held in runs], dtype=np.float64)
    weights = weights / weights.sum() if weights.sum() else np.full(len(runs), 1 / len(runs))

    def mean(prefix):
        return {key: float(sum(w * h[key][best] for w, (h, best, _, _) in zip(weights, runs)))
                for key in runs[0][0].history if key.startswith(prefix)}
    note(f"validation: {scores(mean('val_'), task, scale, 'val_', None)} out of fold "
         "(each row scored by the network that did not learn from it)")
    trained = {key: value for key, value in mean("").items() if not key.startswith("val_")}
    note(f"training:   {scores(trained, task, scale, '', None)} (the networks' mean at their "
         "best epochs, each on the rows of the other folds)")
    averaged = "their mean probability" if task == "classification" else \
        "their mean prediction"
    if len(networks) < folds:
        note(f"interrupted: kept the {len(networks)} networks trained so far")
    note(f"model:      an ensemble of {len(networks)} fold network"
         f"{'s' * (len(networks) > 1)}, {averaged} (--ensemble 1 trains one network)")
    return networks, runs[-1][0]


def label_of(unit) -> str:
    """The report's label of the epochs' line.

    Parameters
    ----------
    unit : str
        "epochs", "iterations" or "rounds".

    Returns
    -------
    str
        ``unit`` and a colon, padded to the report's column.
    """
    return f"{unit + ':':12}"


def trained_model(trainer, note, notes, settings, preparation, target, coding,
                  where="") -> TabularModel:
    """The TabularModel of the network that ``choose_and_train`` trains, ready to use.

    Parameters
    ----------
    trainer : object
        The rows and how to train on them, as for ``choose_and_train``.
    note : callable
        Called with each line of the report.
    notes : list of str
        The report's lines, kept on the model.
    settings : TrainSettings
        How to train; its ``id`` names the model's column of IDs.
    preparation : Preparation
        What turns the table's columns into the network's inputs.
    target : str
        The target column's name.
    coding : TargetCoding
        How the target became what the network learns: the task, the classes, the centre,
        scale and transform.
    where : str, default ""
        The table's name for messages ("file.csv: ").

    Returns
    -------
    TabularModel
        The model, with ``history`` the last training's History, ``notes`` the report's
        lines and ``interrupted`` whether Ctrl-C ended it.

    Raises
    ------
    KeyboardInterrupt
        When Ctrl-C came before any epoch ended.
    """
    networks, history = choose_and_train(trainer, note, settings, task=coding.task,
                                         scale=coding.scale, where=where)
    model = TabularModel(networks[0], preparation, target=target, task=coding.task,
                         classes=coding.classes, target_center=coding.center,
                         target_scale=coding.scale, target_transform=coding.transform,
                         id_column=settings.id, members=networks[1:])
    model.history = history
    model.notes = notes
    model.interrupted = bool(history.interrupted)
    return model


def scores(history, task, scale, prefix, at) -> str:
    """The report's scores of one epoch: loss and accuracy, or MSE and MAE in the target's
    units.

    Parameters
    ----------
    history : History or dict
        A History, or a dict of numbers.
    task : str
        "classification" or "regression".
    scale : float
        The target's scale, which turns a regression's scores back into its units.
    prefix : str
        ``"val_"`` for the validation scores, ``""`` for the training ones.
    at : int or None
        The epoch (counted from 0; -1 the last) of a History; None for a dict.

    Returns
    -------
    str
        The scores, as the report shows them.
    """
    def score(name):
        return history[prefix + name] if at is None else history[prefix + name][at]

    if task == "classification":
        return f"loss {score('loss'):.4f}, accuracy {score('accuracy'):.4f}"
    return f"MSE {score('loss') * scale**2:.6g}, MAE {score('mae') * scale:.6g}"
