"""``train``: from a table and the name of its target column to a TabularModel, in one call.

The steps: read the table; give every column a role; drop the rows without a target value;
infer the task and code the target (``target``); gather the statistics of the training rows
and fit the preparation; then train the network as ``fitting.choose_and_train`` says, first on
most rows while the rest choose the number of epochs, then on every row for that many. The
options of every step are one TrainSettings (``settings``).

With ``client``, the same steps run on a Dask cluster: the cluster's half of the tables
(``cluster_training``, with ``cluster_table`` and ``distributed``) plugs in by its module's
name, ``CLUSTER``, imported when a table is trained there. It shares this module's steps (the
rule for roles, the task rule, ``Preparation.fit``, ``choose_and_train``, the report) and
imports them; this module never imports it back, so the learning in memory stands alone, data
flows one way, and ``import neuronet`` loads no cluster code. A module named, rather than one
that registers itself when imported, because nothing else would import it first: the name is
looked up only when ``client`` asks for a cluster, as ``serialization.sections`` finds the
module of a section's kind.
"""

from __future__ import annotations

import importlib
import inspect
import logging

import numpy as np

from .._text import printable
from ..targets import class_weights
from .fitting import Design, make_optimizer, smoothed, trained_model
from .heldout import HeldOutRuns, review
from .leakage import notes as leakage_notes
from .leakage import suspects
from .model import TabularModel
from .preparation import NumberInput, Preparation
from .reading import DataError, as_frame, source_name, where
from .roles import infer_roles
from .settings import TrainSettings, settings_of, with_options
from .statistics import gather
from .target import has_target, infer_task, targets

#: The module that trains on a Dask cluster: its ``train_on_cluster(data, target, settings,
#: note, notes)`` does what ``train`` does, with the rows on the cluster's workers.
CLUSTER = "neuronet.tabular.cluster_training"
#: Columns described one by one in the report; the rest are counted by role.
REPORT_COLUMNS = 60


@with_options
def train(data, target, settings=None, *, report=None, **options) -> TabularModel:
    """Train a network on the table ``data`` to predict its column ``target``.

    Every option of TrainSettings is a keyword too (``epochs=50``, ``hidden=(64, 32)``,
    ``client="local:2"``), which changes ``settings``; each is listed below, after
    ``report``, with its default and meaning.

    Parameters
    ----------
    data : DataFrame, str or dict
        A pandas DataFrame, the path of a CSV file ("-": standard input) or a dict of columns;
        on a cluster (``client``), also a pattern of CSV files (``"data/part-*.csv"``) or a
        dask DataFrame.
    target : str
        The column to predict.
    settings : TrainSettings, optional
        The options (default: ``TrainSettings()``, every option at its default).
    report : callable, optional
        Called with each line of a report of what was done (column roles, task, epochs,
        scores), e.g. ``print``; by default the lines go to the ``neuronet`` logger as notes
        (level INFO), shown only where logging is configured to show them.
    **options
        The options, below.

    Returns
    -------
    TabularModel
        ``model.history`` is the last training's History and ``model.notes`` the report's
        lines.

    Raises
    ------
    ValueError
        For an option's wrong value (naming it), and a DataError (a ValueError) for what is
        wrong in the table, naming the file, row and column where known.
    TypeError
        For a name that is no option.
    """
    settings = settings_of(settings, options)
    say = report or (lambda line: line and logging.getLogger(__name__).info(line))
    notes = []

    def note(line=""):
        notes.append(line)
        say(line)

    if not isinstance(target, str):
        raise DataError(f"target must be a column name, got {target!r}")
    if settings.on_cluster and settings.class_weight is not None:
        raise ValueError("class_weight is not available on a cluster yet; train in this "
                         "process (without client) to weigh the classes")
    if settings.on_cluster:
        cluster = importlib.import_module(CLUSTER)
        return cluster.train_on_cluster(data, target, settings, note, notes)
    return _train_here(data, target, settings, note, notes)


def _every_option(doc: str) -> str:
    """``doc`` with its ``**options`` entry replaced by one entry per option, as
    TrainSettings's docstring lists them: the signature that ``with_options`` gives ``train``
    names every option, and its documentation names the same."""
    doc, own = inspect.cleandoc(doc), inspect.cleandoc(TrainSettings.__doc__)
    entries = own[own.index("----------\n", own.index("\nParameters\n")) + 11:].rstrip()
    start, end = doc.index("**options\n"), doc.index("\n\nReturns\n")
    return doc[:start] + entries + doc[end:]


train.__doc__ = _every_option(train.__doc__)


def _train_here(data, target, settings, note, notes) -> TabularModel:
    """``train`` on a table in this process's memory."""
    frame = as_frame(data, **settings.part("reading"), text_columns=text_columns(settings))
    roles = infer_roles(frame, target, **settings.part("roles"))
    rows = len(frame)
    present = has_target(frame, target)
    if not present.any():
        raise DataError(f"{where(frame)}the target column {printable(target)!r} has no values")
    dropped = rows - int(present.sum())
    if dropped:
        frame = frame[present]
    inferred = settings.task is None
    y, coding = targets(frame, target, settings.task or infer_task(frame[target]),
                        settings.target_transform)

    statistics = gather(frame, roles)
    preparation = Preparation.fit(roles, statistics, **settings.part("preparation"))
    X = preparation.transform(frame)
    check_inputs(X, preparation, frame)

    shown = printable(source_name(frame)) if source_name(frame) else "the table"
    note(f"data:       {shown}: {rows:,} rows, {frame.shape[1]:,} columns, target "
         f"{printable(target)!r}")
    describe_table(note, dropped, roles, preparation, coding, inferred, len(frame), target,
                   settings.target_transform)
    leaks = suspects(frame, target, roles, coding.task)
    for line in leakage_notes(leaks, target, coding.task):
        note(line)
    design = Design(coding.task, coding.classes, X.shape[1], **settings.part("network"),
                    dropout=settings.chosen_dropout, embedding=preparation.embedding())
    if design.output == "sigmoid":
        y = y[:, None].astype(np.float64)
    note(design.line())
    weights, sample_weight = _weighing(settings, coding, y, note, where(frame))
    runs = HeldOutRuns(design)
    trainer = _RowsTrainer(X, y, design, settings, runs, sample_weight)
    model = trained_model(trainer, note, notes, settings, preparation, target, coding,
                          where(frame))
    model.class_weights = weights
    model.leakage = [column for column, _, _ in leaks]
    review(model, runs, X, y, settings, note)
    return model


def _weighing(settings, coding, y, note, where=""):
    """(the weight of each class, the weight of each row) for ``settings.class_weight``, or
    (None, None) without it; the report's line says what they are."""
    if settings.class_weight is None:
        return None, None
    if coding.task != "classification":
        raise DataError(f"{where}class_weight weighs the rows of each class, but the target is "
                        "numbers (regression)")
    codes = np.asarray(y).reshape(len(y)).astype(np.int64)
    try:
        weights = class_weights(settings.class_weight, coding.classes, codes, coding.texts)
    except ValueError as exc:
        raise DataError(f"{where}{exc}") from None
    shown = ", ".join(f"{printable(c)} {w:.4g}" for c, w in zip(coding.classes[:10], weights))
    how = "balanced" if settings.class_weight == "balanced" else "as asked"
    note(f"weights:    each row weighs as its class ({how}): {shown}"
         + (", ..." if len(weights) > 10 else ""))
    return weights, weights[codes]


class _RowsTrainer:
    """Trains fresh networks on parts of the rows in memory, for ``choose_and_train``."""

    def __init__(self, X, y, design, settings, runs=None, sample_weight=None):
        self.X, self.y, self.design, self.settings = X, y, design, settings
        self.runs, self.sample_weight = runs, sample_weight
        self.n = len(X)
        self.order = np.random.default_rng(settings.seed).permutation(self.n)
        self.unit = "iterations" if settings.chosen_optimizer == "lbfgs" else "epochs"

    def held_out(self, n_val):
        """The split that holds out ``n_val`` rows drawn at random."""
        return np.sort(self.order[:n_val]), np.sort(self.order[n_val:])

    def fold(self, k, folds):
        """The split that holds out fold ``k`` of ``folds``."""
        order = self.order
        return (np.sort(order[k::folds]),
                np.sort(np.concatenate([order[j::folds] for j in range(folds) if j != k])))

    def fit(self, split, n_epochs, patience=None):
        """(network, history, rows trained on, rows held out) of a fresh network trained for
        ``n_epochs`` on every row (``split`` None) or on those the split keeps."""
        net = self.design.network()
        settings = self.settings
        X, y = self.X, self.y
        validation = None
        weights, callbacks = self.sample_weight, []
        if split is not None:
            val, rows = split
            validation = (X[val], y[val])  # scored against the true classes
            X, y = X[rows], y[rows]
            weights = None if weights is None else weights[rows]
            callbacks = self.runs.watch(val) if self.runs is not None else []
        if settings.label_smoothing and self.design.output != "identity":
            y = smoothed(y, self.design.output, self.design.sizes[-1], settings.label_smoothing)
        optimizer = make_optimizer(settings.chosen_optimizer, settings.learning_rate,
                                   settings.weight_decay)
        history = net.fit(X, y, loss=self.design.loss, optimizer=optimizer, epochs=n_epochs,
                          batch_size=settings.batch_size, validation_data=validation,
                          early_stopping=patience, metrics=self.design.metrics,
                          progress=settings.progress, sample_weight=weights,
                          callbacks=callbacks)
        return net, history, len(X), 0 if validation is None else len(validation[0])


def text_columns(settings) -> list:
    """The columns read as text as written ("007" stays "007", not the number 7).

    Parameters
    ----------
    settings : TrainSettings
        Its ``categorical`` and ``id`` name the columns.

    Returns
    -------
    list of str
        The categories named, and the ID.
    """
    categorical = settings.categorical
    texts = [categorical] if isinstance(categorical, str) else list(categorical or [])
    if settings.id is not None:
        texts.append(settings.id)
    return texts


def describe_table(note, dropped, roles, preparation, coding, inferred, rows, target,
                   transform="auto") -> None:
    """The report's lines on the rows left out, the columns and the task.

    Parameters
    ----------
    note : callable
        Called with each line.
    dropped : int
        How many rows were left out for having no target value.
    roles : dict
        Each column's role, as ``infer_roles`` gives them.
    preparation : Preparation
        What the columns become.
    coding : TargetCoding
        How the target is learned: the task, classes and transform.
    inferred : bool
        Whether the task was inferred, not asked for.
    rows : int
        The rows with a target value.
    target : str
        The target column's name.
    transform : str, default "auto"
        The target_transform asked for.
    """
    task, classes = coding.task, coding.classes
    if dropped:
        note(f"            {dropped:,} row{'s' * (dropped > 1)} without a target value "
             "left out")
    note("columns:")
    for line in _column_lines(roles, preparation):
        note(f"  {line}")
    other = "regression" if task == "classification" else "classification"
    how = (f"inferred; --task {other} to change it" if inferred else "as asked")
    kind = f"{task} ({how})"
    if task == "classification":
        listed = ", ".join(printable(c) for c in classes[:10])
        kind += f", {len(classes):,} classes: {listed}" + (", ..." if len(classes) > 10 else "")
    note(f"task:       {kind}")
    if coding.transform == "log":
        asked = "as asked" if transform == "log" else "a skewed target without negative values"
        note(f"target:     learned as log(1 + y) ({asked}; --target-transform none to "
             "change it): the scores below are on that scale, predictions in the target's "
             "units")
    if task == "classification" and len(classes) == rows:
        # Trained all the same (the user asked), but no class has a second row to learn from.
        numbers = inferred and not isinstance(classes[0], (bool, str))
        note(f"note:       every row has a class of its own in {printable(target)!r}: a class "
             "seen once cannot be learned (is it an identifier?"
             + (" if it is a quantity: --task regression)" if numbers else ")"))


def check_inputs(X, preparation, frame) -> None:
    """Refuse prepared inputs that overflowed, naming the column they come from.

    Parameters
    ----------
    X : numpy.ndarray
        The prepared rows.
    preparation : Preparation
        What prepared them, to find the column of each input.
    frame : pandas.DataFrame
        The rows ``X`` was prepared from, to name the table.

    Raises
    ------
    DataError
        For the first column whose values cannot be standardized (they overflow).
    """
    if np.isfinite(X).all():
        return
    column = int(np.argmax(~np.isfinite(X).all(axis=0)))
    start = 0
    for item in preparation.inputs:
        if start + item.width() > column:
            break
        start += item.width()
    raise DataError(f"{where(frame)}column {printable(item.column)!r} holds values too large to "
                    "standardize (their differences overflow a float); rescale the column or "
                    "leave it out with --exclude")


def _column_lines(roles, preparation) -> list:
    by_column = {item.column: item for item in preparation.inputs}
    lines, rest = [], {}
    learned = 0
    for role in roles:
        if role.role == "target":
            continue
        learned += 1
        name = printable(role.column)
        if learned > REPORT_COLUMNS:
            what = role.role if role.learned else f"left out ({role.role})"
            rest[what] = rest.get(what, 0) + 1
            continue
        if not role.learned:
            lines.append(f"{name}: left out, {role.role}" + (f" ({role.note})" if role.note
                                                             else ""))
            continue
        item = by_column[role.column]
        if isinstance(item, NumberInput):
            gaps = " + was-missing input" if item.indicator else ""
            if item.date_format is None:
                how = ("robust-scaled, signed log" if item.log else
                       "robust-scaled, clipped" if item.clip else "standardized")
                bins = f" + {len(item.edges) - 1} bins" if item.edges else ""
                what = f"number, {how}{gaps}{bins}"
            else:
                cycles = f" + {'/'.join(item.cycles)} cycles" if item.cycles else ""
                what = f"date -> days since 1970{cycles}, standardized{gaps}"
        elif item.embedding:
            gap = ", (missing) its own" if item.missing_slot else ""
            what = (f"category, {len(item.values):,} values -> a learned embedding of "
                    f"{item.embedding} (rare and unseen values: a learned (other){gap})")
        else:
            extra = [" + (missing)"] * item.missing_slot + [" + (other)"] * item.pooled_slot
            what = (f"{'boolean' if item.boolean else 'category'}, {len(item.values)} value"
                    f"{'s' * (len(item.values) != 1)}{''.join(extra)}, one input each")
        lines.append(f"{name}: {what}" + (f"; {role.note}" if role.note else ""))
    if rest:
        counted = ", ".join(f"{count:,} {what}" for what, count in rest.items())
        lines.append(f"... and {sum(rest.values()):,} more columns: {counted}")
    return lines
