"""Training on a Dask cluster: the partitions prepared on their workers, and the network
trained there by ``neuronet.dask.fit``.

``train_on_cluster`` is what ``learning.train`` runs when the settings name a ``client``
(it finds this module by its name, ``learning.CLUSTER``): the steps of a local run, with the
table read and learned from on the workers (``distributed``, ``cluster_table``). Each partition
is prepared by the learned Preparation where it is; the rows held out to choose the number of
epochs are drawn in each partition by its own seeded permutation, so that they are the same
rows whichever workers hold them.
"""

from __future__ import annotations

import os

import numpy as np

from .. import dask as cluster
from .._text import printable
from ..callbacks import EarlyStopping
from .cluster_table import KEEP_COUNTS, Table, targets_of
from .distributed import connect, describe_cluster, matching
from .fitting import Design, make_optimizer, trained_model
from .learning import check_inputs, describe_table, text_columns
from .model import TabularModel
from .preparation import Preparation
from .reading import where
from .target import coded

__all__ = ["train_on_cluster"]


# --- preparing the partitions ---------------------------------------------------------------------


def _inputs_part(frame, preparation):
    X = preparation.transform(frame)
    check_inputs(X, preparation, frame)
    return X


def _targets_part(frame, target, coding, as_column):
    """The network's targets for one partition, by the target's TargetCoding: class indices
    (a column of 0.0 and 1.0 for one sigmoid output) or the standardized numbers."""
    y = coded(frame[target], coding, frame, target)
    return y[:, None].astype(np.float64) if as_column else y


def _subset_part(X, seed, index, split, held_out):
    """The rows of one partition that a split keeps for training, or holds out: the
    partition's own permutation, seeded by the seed and the partition's index."""
    order = np.random.default_rng([seed, index]).permutation(len(X))
    rows = _split_rows(order, split, held_out)
    return X[rows]


def _split_rows(order, split, held_out):
    """The rows (sorted) that ``split`` holds out, or keeps, of a partition whose rows are in
    the random ``order``: ("held-out", share, None) the first share of them, ("fold", k, folds)
    every folds-th from the k-th."""
    kind, a, b = split
    if kind == "held-out":
        n_val = int(round(len(order) * a))
        return np.sort(order[:n_val] if held_out else order[n_val:])
    mask = np.zeros(len(order), dtype=bool)
    mask[order[a::b]] = True
    return np.flatnonzero(mask if held_out else ~mask)


def _split_size(size, split, held_out) -> int:
    kind, a, b = split
    if kind == "held-out":
        n_val = int(round(size * a))
    else:
        n_val = len(range(a, size, b))
    return n_val if held_out else size - n_val


class _ClusterTrainer:
    """Trains fresh networks on the prepared partitions with ``neuronet.dask.fit``, for
    ``fitting.choose_and_train``: held-out rows are drawn in each partition by its own
    seeded permutation (the same rows whichever workers hold them)."""

    def __init__(self, session, X, y, sizes, n_features, design, settings):
        self.session, self.X, self.y, self.sizes = session, X, y, sizes
        self.n_features, self.design, self.settings = n_features, design, settings
        # Each partition draws its held-out rows from the seed; seed None (a new start each
        # time) draws one here, for every partition of this training alike.
        self.seed = settings.seed if settings.seed is not None else \
            int(np.random.SeedSequence().entropy % (1 << 63))
        self.n = int(sum(sizes))
        self.unit = "iterations" if settings.chosen_optimizer == "lbfgs" else "rounds"

    def held_out(self, n_val):
        return ("held-out", n_val / self.n, None)

    def fold(self, k, folds):
        return ("fold", k, folds)

    def _arrays(self, split, held_out):
        import dask.array as da

        client = self.session.client
        X, y, sizes = self.X, self.y, self.sizes
        if split is not None:
            X = [client.submit(_subset_part, part, self.seed, i, split, held_out,
                               key=self.session.key("split")) for i, part in enumerate(X)]
            y = [client.submit(_subset_part, part, self.seed, i, split, held_out,
                               key=self.session.key("split")) for i, part in enumerate(y)]
            sizes = [_split_size(size, split, held_out) for size in sizes]
        kept = [i for i, size in enumerate(sizes) if size]
        y_shape = (1,) if self.design.output == "sigmoid" else ()
        y_dtype = np.float64 if self.design.output != "softmax" else np.int64
        return (da.concatenate([da.from_delayed(X[i], shape=(sizes[i], self.n_features),
                                                dtype=np.float64) for i in kept]),
                da.concatenate([da.from_delayed(y[i], shape=(sizes[i], *y_shape),
                                                dtype=y_dtype) for i in kept]),
                sum(sizes))

    def fit(self, split, n_epochs, patience=None):
        settings = self.settings
        net = self.design.network()
        X, y, n_fit = self._arrays(split, held_out=False)
        validation, n_val, callbacks = None, 0, []
        if split is not None:
            X_val, y_val, n_val = self._arrays(split, held_out=True)
            validation = (X_val, y_val)
            if patience is not None:
                callbacks.append(EarlyStopping(patience, monitor="val_loss"))
        optimizer = make_optimizer(settings.chosen_optimizer, settings.learning_rate,
                                   settings.weight_decay)
        history = cluster.fit(net, X, y, loss=self.design.loss, optimizer=optimizer,
                              max_iter=n_epochs, client=self.session.client,
                              batch_size=settings.batch_size, metrics=self.design.metrics,
                              validation_data=validation, callbacks=callbacks,
                              progress=settings.progress, timeout=settings.timeout)
        return net, history, n_fit, n_val


# --- training -------------------------------------------------------------------------------------


def train_on_cluster(data, target, settings, note, notes) -> TabularModel:
    """``learning.train`` with ``settings.client``: the same steps, on the cluster's workers
    (``note``: called with each line of the report, which ``notes`` collects).

    Parameters
    ----------
    data : str, os.PathLike, DataFrame, dict or dask DataFrame
        The table: a CSV file or a pattern of them (``"data/part-*.csv"``), a pandas or dask
        DataFrame, or a dict of columns.
    target : str
        The column to predict.
    settings : TrainSettings
        The options; ``settings.client`` names the cluster (a ``distributed.Client``, a
        scheduler's address, or ``"local:N"``).
    note : callable
        Called with each line of the report.
    notes : list of str
        The lines of the report so far (``note`` appends to it); it becomes the model's
        ``notes``.

    Returns
    -------
    TabularModel
        The trained model, the same kind ``learning.train`` gives.

    Raises
    ------
    ValueError
        For a client that is none; a DataError (a ValueError) for a file or pattern that
        matches nothing and for what is wrong in the table.
    ConnectionError
        When no scheduler answers at the address within ``settings.timeout`` seconds.
    """
    if isinstance(data, (str, os.PathLike)):
        matching(os.fspath(data))  # no file: said before a cluster is started
    client, local, made = connect(settings.client, settings.timeout)
    try:
        table = Table.read(data, client, **settings.part("reading"),
                           text_columns=text_columns(settings), timeout=settings.timeout)
        shown = printable(table.name) if table.name else "the table"
        count = len(table.files or table.parts)
        parts = f"{count:,} {'file' if table.files else 'partition'}{'s' * (count != 1)}"
        if table.files and len(table.parts) != count:
            parts += f" read in {len(table.parts):,} parts"
        note(f"data:       {shown}: {table.rows:,} rows in {parts}, {len(table.columns):,} "
             f"columns, target {printable(target)!r}")
        note(f"cluster:    {describe_cluster(client, local)}")
        try:
            return _train_table(table, target, settings, note, notes)
        finally:
            table.release()
    finally:
        if made:
            client.close()
        if local is not None:
            local.close()


def _train_table(table, target, settings, note, notes) -> TabularModel:
    passes = table.passes
    roles = table.infer_roles(target, **settings.part("roles"))
    training, dropped = table.with_target(target)
    inferred, coding = targets_of(training, target, settings.task)
    if coding.task == "classification" and settings.label_smoothing:
        raise ValueError("label smoothing is not available on a cluster yet: there the network "
                         "learns the true classes (choose a label_smoothing of 0)")
    if coding.task == "regression" and settings.target_transform == "log":
        raise ValueError("target_transform 'log' is not available on a cluster yet: there the "
                         "target is standardized as it is (choose 'auto' or 'none')")
    statistics = training.gather(roles, keep=max(KEEP_COUNTS, settings.max_categories + 1))
    # A cluster counts a category's values up to a limit, so it cannot give the thousands an
    # embedding learns from: its categories stay one-hot, max_categories of them.
    preparation = Preparation.fit(roles, statistics,
                                  **{**settings.part("preparation"), "embeddings": 0})
    design = Design(coding.task, coding.classes, preparation.n_features,
                    **settings.part("network"), dropout=settings.chosen_dropout)
    X = passes.map("prepare", _inputs_part, training.parts, preparation)
    y = passes.map("prepare-target", _targets_part, training.parts, target, coding,
                   design.output == "sigmoid")
    passes.wait(X + y, "preparing the partitions")

    describe_table(note, dropped, roles, preparation, coding, inferred, training.rows, target)
    if coding.task == "regression":
        note("target:     standardized as it is: a cluster does not learn log(1 + y) of a "
             "skewed target yet")
    if any(role.role == "category" and role.learned for role in roles):
        note("categories: one-hot on a cluster (no learned embeddings there yet), at most "
             f"{settings.max_categories} values each")
    note(f"prepared:   roles and statistics from {passes.count} passes over the "
         f"{len(training.parts):,} partitions; each partition prepared on its worker")
    note(design.line())
    if settings.chosen_optimizer == "lbfgs":
        note("optimizer:  L-BFGS, full batch: each iteration adds up the loss and gradient of "
             "every partition")
    else:
        note(f"optimizer:  {settings.chosen_optimizer}, model averaging: each round every "
             "partition trains a copy for an epoch of its rows, then the copies are averaged")
    trainer = _ClusterTrainer(passes.session, X, y, training.sizes, preparation.n_features,
                              design, settings)
    return trained_model(trainer, note, notes, settings, preparation, target, coding,
                         where(table.meta))
