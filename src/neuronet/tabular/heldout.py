"""What the held-out rows say of a trained table model: its calibration and which columns it
draws on.

The validation runs that trained the model are each trained on part of the rows and scored on
the others: the validation run whose best epoch is the model, the folds whose networks are an
ensemble, or the runs that chose the number of epochs of a ``refit`` on every row.
``HeldOutRuns`` keeps, for each run, its network at the epoch of its lowest validation loss and
the rows it held out. ``review`` then asks those networks, on their own held-out rows:

- calibration: the temperature that gives their probabilities the lowest log loss (with a
  cross-validation, over the rows of every fold), which the model written takes as its own:
  it was trained the same way, from the same start, for as long;
- importance: how much their score drops when a column is shuffled (``importance``).

Both are reported as train's report lines; a model trained without a validation split has
neither.
"""

from __future__ import annotations

import numpy as np

from ..callbacks import Callback
from ..metrics import calibration_error
from .calibration import fit_temperature, probabilities_at
from .importance import describe, importance_table
from .model import TabularModel

__all__ = ["HeldOutRuns", "review", "sampled"]

#: Permutation importance is measured on at most this many held-out rows (a sample of each
#: run's, in proportion): its drops settle long before, and the time grows with the rows
#: times the columns times the shuffles.
IMPORTANCE_ROWS = 5_000


class _BestEpoch(Callback):
    """Keeps a run's weights at its lowest validation loss, and gives them to ``runs`` with
    the held-out rows when the run ends."""

    def __init__(self, runs, rows):
        self.runs, self.rows = runs, rows
        self.best, self.weights = np.inf, None

    def on_train_begin(self, network, history):
        self.network = network

    def on_epoch_end(self, epoch, logs):
        loss = logs.get("val_loss", np.inf)
        if loss < self.best:
            self.best, self.weights = loss, self.network.get_weights()

    def on_train_end(self):
        if self.weights is not None:
            self.runs.append((self.weights, self.rows))


class HeldOutRuns:
    """The validation runs of one ``train``: for each, the weights at its best epoch and the
    rows it held out.

    Parameters
    ----------
    design : fitting.Design
        The design of the runs' networks (``design.network()`` makes one to put weights in).
    """

    def __init__(self, design):
        self.design = design
        self.runs = []

    def watch(self, held_out) -> list:
        """The callbacks for a run that holds out the rows ``held_out`` (indices): one that
        keeps its best epoch here. None (no held-out rows): none.

        Parameters
        ----------
        held_out : numpy.ndarray or None
            The indices of the rows the run is scored on.

        Returns
        -------
        list
            The callbacks to pass to ``fit``.
        """
        return [] if held_out is None else [_BestEpoch(self.runs, held_out)]

    def networks(self) -> list:
        """The networks of the runs at their best epochs.

        Returns
        -------
        list of (Network, numpy.ndarray)
            (network at its best epoch, the indices of its held-out rows) for each run, in
            the order they ran.
        """
        found = []
        for weights, rows in self.runs:
            network = self.design.network()
            network.set_weights(weights)
            found.append((network, rows))
        return found


def review(model, runs, X, y, settings, note) -> None:
    """Calibrate ``model`` and measure its columns' importance on the held-out rows.

    Parameters
    ----------
    model : TabularModel
        The model written; its ``temperature`` is set (classification, with
        ``settings.calibration`` "temperature") and ``model.importance`` is the importance
        table (or None).
    runs : HeldOutRuns
        The validation runs of its training.
    X : numpy.ndarray
        The prepared rows of the table.
    y : numpy.ndarray
        Their targets as the network learned them (class indices, or standardized numbers).
    settings : TrainSettings
        ``calibration``, ``importance`` (repeats) and ``seed``.
    note : callable
        Called with each line of the report.
    """
    model.importance = None
    networks = runs.networks()
    if not networks or getattr(model, "interrupted", False):
        return
    classifier = model.task == "classification"
    truth = np.asarray(y, dtype=np.float64).reshape(len(X))
    if classifier:
        truth = truth.astype(np.int64)
    else:
        truth = truth * model.target_scale + model.target_center
    rows = np.concatenate([held for _, held in networks])
    if classifier and settings.calibration == "temperature":
        logits = np.vstack([net.predict(X[held], logits=True) for net, held in networks])
        temperature = fit_temperature(logits, truth[rows])
        before = calibration_error(truth[rows], probabilities_at(logits, 1.0))
        after = calibration_error(truth[rows], probabilities_at(logits, temperature))
        model.temperature = temperature
        note(f"calibration: temperature {temperature:.4g}, fitted on {len(rows):,} held-out "
             f"rows: calibration error (ECE) {before:.4f} -> {after:.4f}")
    # A fold of one row cannot be shuffled; the others still say what the model draws on.
    scored = [(net, held) for net, held in networks if len(held) >= 2]
    if settings.importance and scored:
        scored = sampled(scored, settings.seed)
        rows = np.concatenate([held for _, held in scored])
        drops, baseline = [], 0.0
        seed = settings.seed if settings.seed is not None else 0
        for net, held in scored:
            fold = TabularModel(net, model.preparation, target=model.target, task=model.task,
                                classes=model.classes, target_center=model.target_center,
                                target_scale=model.target_scale,
                                temperature=model.temperature)
            score, dropped = fold.importance_of_inputs(
                X[held], truth[held], scoring="accuracy" if classifier else "r2",
                repeats=settings.importance, seed=seed)
            drops.append(dropped)
            baseline += score * len(held) / len(rows)
        table = importance_table(model.preparation.columns, np.hstack(drops),
                                 scoring="accuracy" if classifier else "r2",
                                 baseline=baseline, rows=len(rows))
        table.attrs.update(repeats=settings.importance, folds=len(scored))
        model.importance = table
        for line in describe(table):
            note(line)


def sampled(runs, seed=None, limit=None) -> list:
    """The runs with their held-out rows cut to a seeded sample of ``limit`` rows in all
    (``IMPORTANCE_ROWS`` by default), each run keeping its share; as they are when fewer.

    Parameters
    ----------
    runs : list of (Network, numpy.ndarray)
        (network, the indices of its held-out rows), as ``HeldOutRuns.networks`` gives them.
    seed : int, optional
        The seed of the sample (None: 0).
    limit : int, optional
        The rows kept at most (default ``IMPORTANCE_ROWS``).

    Returns
    -------
    list of (Network, numpy.ndarray)
        The same networks, each with its rows or a sorted sample of them (at least 2).
    """
    limit = IMPORTANCE_ROWS if limit is None else limit
    total = sum(len(held) for _, held in runs)
    if total <= limit:
        return runs
    rng = np.random.default_rng([seed if seed is not None else 0, total])
    kept = []
    for net, held in runs:
        size = min(len(held), max(2, int(round(limit * len(held) / total))))
        kept.append((net, np.sort(rng.choice(held, size=size, replace=False))))
    return kept
