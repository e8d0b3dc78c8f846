"""``train``: from a table and the name of its target column to a TabularModel, in one call.

The steps: read the table; give every column a role; drop the rows without a target value;
infer the task; gather the statistics of the training rows and fit the preparation; then
train the network twice — first on most rows while the rest choose the number of epochs
(the epoch of the lowest validation loss; on a small table, the lowest mean over folds of a
cross-validation), then from the same start on every row for that many epochs — so that the
model written has learned from all the data.

With ``client``, the same steps run on a Dask cluster (``distributed.train_on_cluster``): the
rule for roles, the task rule, ``Preparation.fit`` and ``choose_and_train`` are shared; only
where the rows are and how their statistics are counted differ.
"""

from __future__ import annotations

import numpy as np

from .._text import printable
from ..network import Network
from ..optimizers import LBFGS, SGD, Adam
from . import columns as conv
from .model import TabularModel
from .preparation import MAX_CATEGORIES, MIN_FREQUENCY, NumberInput, Preparation
from .reading import DataError, as_frame, source_name, where
from .roles import infer_roles
from .statistics import gather, spread

#: A numeric target is taken for classes when it holds whole numbers, at most this many
#: distinct values, and on average at least ROWS_PER_CLASS rows for each.
MAX_CLASSES = 20
ROWS_PER_CLASS = 5
TASK_RULE = ("text or true/false targets are classes; a numeric target is classes only when "
             f"it holds whole numbers with at most {MAX_CLASSES} distinct values and at least "
             f"{ROWS_PER_CLASS} rows per value on average (or just two values), and regression "
             "otherwise")
#: A validation split that would hold out fewer rows than this chooses the number of epochs
#: by cross-validation instead, over at least FOLDS_AT_LEAST folds.
MIN_VALIDATION_ROWS = 100
FOLDS_AT_LEAST = 3
#: Columns described one by one in the report; the rest are counted by role.
REPORT_COLUMNS = 60


def infer_task(target) -> str:
    """"classification" or "regression" for a target column (a pandas Series without
    missing values), by ``TASK_RULE``."""
    kind = target.dtype.kind
    unparsed = 0
    if kind == "b":
        return "classification"
    if kind in "iuf":
        values = target.to_numpy(dtype=np.float64)
    else:
        values, bad = conv.as_numbers(target)
        unparsed = len(bad)
    distinct = np.unique(values) if not unparsed else values[:0]
    whole = bool(np.array_equal(distinct, np.round(distinct)))
    return task_rule(kind, unparsed, len(distinct), whole, len(values))


def task_rule(kind, unparsed, distinct, whole, rows) -> str:
    """``TASK_RULE`` from what it reads of a target: the dtype's ``kind``, its text cells that
    are not numbers (``unparsed``), its distinct numbers (a count that may stop at
    ``MAX_CLASSES + 1``), whether they are ``whole`` and how many ``rows`` it has."""
    if kind == "b" or (kind not in "iuf" and unparsed):
        return "classification"
    if whole and distinct <= MAX_CLASSES and distinct * ROWS_PER_CLASS <= rows:
        return "classification"
    if whole and distinct == 2:
        return "classification"
    return "regression"


OPTIMIZERS = ("adam", "sgd", "lbfgs")


def train(data, target, *, task=None, features=None, categorical=None, numeric=None,
          exclude=None, id=None, hidden=(32,), activation="relu", epochs=200, batch_size=32,
          optimizer=None, learning_rate=None, validation_split=0.2, early_stopping=None,
          seed=0, min_frequency=MIN_FREQUENCY, max_categories=MAX_CATEGORIES, sep=None,
          encoding=None, progress=False, report=None, client=None, timeout=60) -> TabularModel:
    """Train a network on the table ``data`` to predict its column ``target``.

    Parameters
    ----------
    data : a pandas DataFrame, the path of a CSV file ("-": standard input) or a dict of columns;
        with ``client``, also a pattern of CSV files (``"data/part-*.csv"``) or a dask DataFrame.
    target : the column to predict.
    task : "classification" or "regression"; by default inferred (``TASK_RULE``).
    features : the columns to learn from (default: all but the target and those left out).
    categorical, numeric, exclude : column names given that role whatever their values.
    id : a column that names the rows: left out of learning, written beside predictions.
    hidden : hidden layer sizes.   activation : "relu", "tanh", "sigmoid" or "leaky_relu".
    epochs : at most this many passes over the data (L-BFGS: iterations).
    batch_size : rows per step (not used by L-BFGS, which steps on all rows at once).
    optimizer : "adam" (learning rate 0.001 by default), "sgd" (0.01, momentum 0.9) or "lbfgs"
        (full-batch L-BFGS, no learning rate). Default: "adam", and "lbfgs" on a cluster.
    validation_split : the share of rows held out to choose the number of epochs; the model is
        then trained on every row for that many. Where that would hold out fewer than
        ``MIN_VALIDATION_ROWS`` rows, the choice is made by cross-validation over 1 / split
        folds instead (the lowest mean validation loss). 0: train on every row for ``epochs``.
    early_stopping : patience, in epochs, of the validation run; by default it runs every
        epoch and the lowest validation loss of them all chooses (on small tables the
        validation loss is noisy, and a patience stops it at a dip that is no minimum).
    seed : the seed of the split, the starting weights and the shuffling.
    min_frequency, max_categories : a category's value gets its own input when it is in at
        least ``min_frequency`` training rows, for at most ``max_categories`` values per
        column (the most frequent); the others are pooled.
    sep, encoding : for CSV files (default: detected separator, UTF-8).
    progress : show progress bars.   report : called with each line of a report of what was
        done (column roles, task, epochs, scores), e.g. ``print``.
    client : train on a Dask cluster (``neuronet[dask]``): a ``distributed.Client``, a
        scheduler's address ("tcp://host:8786"), or "local" / "local:N" for a LocalCluster of
        N worker processes on this machine, started and closed by this call. The rows are read
        and kept on the workers; the preparation is learned from counts they send back, and
        the network is trained by ``neuronet.dask.fit`` (see ``neuronet.tabular.distributed``).
    timeout : with ``client``, seconds to wait for a scheduler that does not answer.

    Returns a TabularModel; ``model.history`` is the last training's History and
    ``model.notes`` the report's lines.
    """
    say = report or (lambda line: None)
    notes = []

    def note(line=""):
        notes.append(line)
        say(line)

    _check_options(task, hidden, activation, epochs, batch_size, optimizer, learning_rate,
                   validation_split, early_stopping, client is not None)
    if not isinstance(target, str):
        raise DataError(f"target must be a column name, got {target!r}")
    options = dict(task=task, features=features, categorical=categorical, numeric=numeric,
                   exclude=exclude, id=id, hidden=tuple(hidden), activation=activation,
                   epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                   validation_split=validation_split, early_stopping=early_stopping, seed=seed,
                   min_frequency=min_frequency, max_categories=max_categories, sep=sep,
                   encoding=encoding, progress=progress)
    if client is not None:
        from .distributed import train_on_cluster

        return train_on_cluster(data, target, client=client, timeout=timeout,
                                optimizer=optimizer or "lbfgs", note=note, notes=notes,
                                **options)
    return _train_here(data, target, optimizer=optimizer or "adam", note=note, notes=notes,
                       **options)


def _train_here(data, target, *, task, features, categorical, numeric, exclude, id, hidden,
                activation, epochs, batch_size, optimizer, learning_rate, validation_split,
                early_stopping, seed, min_frequency, max_categories, sep, encoding, progress,
                note, notes) -> TabularModel:
    """``train`` on a table in this process's memory."""
    frame = as_frame(data, sep=sep, encoding=encoding, text_columns=text_columns(categorical,
                                                                                 id))
    roles = infer_roles(frame, target, categorical=categorical, numeric=numeric,
                        exclude=exclude, id=id, features=features)
    rows = len(frame)
    present = has_target(frame, target)
    if not present.any():
        raise DataError(f"{where(frame)}the target column {printable(target)!r} has no values")
    dropped = rows - int(present.sum())
    if dropped:
        frame = frame[present]
    inferred = task is None
    task = task or infer_task(frame[target])
    y, classes, center, scale = _targets(frame, target, task)

    statistics = gather(frame, roles)
    preparation = Preparation.fit(roles, statistics, min_frequency=min_frequency,
                                  max_categories=max_categories)
    X = preparation.transform(frame)
    check_inputs(X, preparation, frame)

    shown = printable(source_name(frame)) if source_name(frame) else "the table"
    note(f"data:       {shown}: {rows:,} rows, {frame.shape[1]:,} columns, target "
         f"{printable(target)!r}")
    describe_table(note, dropped, roles, preparation, task, inferred, classes, len(frame),
                   target)
    design = Design(task, classes, X.shape[1], hidden, activation, seed)
    if design.output == "sigmoid":
        y = y[:, None].astype(np.float64)
    note(design.line())
    trainer = _HereTrainer(X, y, design, optimizer, learning_rate, batch_size, seed, progress)
    return trained_model(trainer, note, notes, preparation, target, task, classes, center,
                         scale, id, epochs=epochs, validation_split=validation_split,
                         early_stopping=early_stopping, where=where(frame))


def trained_model(trainer, note, notes, preparation, target, task, classes, center, scale, id,
                  **rule) -> TabularModel:
    """The TabularModel of the network that ``choose_and_train`` trains by ``rule``."""
    net, history = choose_and_train(trainer, note, task=task, scale=scale, **rule)
    model = TabularModel(net, preparation, target=target, task=task, classes=classes,
                         target_center=center, target_scale=scale, id_column=id)
    model.history = history
    model.notes = notes
    model.interrupted = bool(history.interrupted)
    return model


def text_columns(categorical, id) -> list:
    """The columns read as text as written ("007" stays "007", not the number 7): the
    categories named and the ID."""
    texts = [categorical] if isinstance(categorical, str) else list(categorical or [])
    if id is not None:
        texts.append(id)
    return texts


def has_target(frame, target) -> np.ndarray:
    """Which rows of ``frame`` have a value in the target column."""
    values = frame[target]
    present = ~values.isna().to_numpy()
    if values.dtype.kind not in "iufbM":
        present &= conv.as_text(values) != None  # noqa: E711 - elementwise
    return present


def describe_table(note, dropped, roles, preparation, task, inferred, classes, rows,
                   target) -> None:
    """The report's lines on the rows left out, the columns and the task (``rows``: those
    with a target value)."""
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
    if task == "classification" and len(classes) == rows:
        # Trained all the same (the user asked), but no class has a second row to learn from.
        numbers = inferred and not isinstance(classes[0], (bool, str))
        note(f"note:       every row has a class of its own in {printable(target)!r}: a class "
             "seen once cannot be learned (is it an identifier?"
             + (" if it is a quantity: --task regression)" if numbers else ")"))


class Design:
    """The network for a task: its sizes, output, loss and metrics; ``network()`` makes a new
    one, always from the same start."""

    def __init__(self, task, classes, n_inputs, hidden, activation, seed):
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
        self.sizes = [n_inputs, *hidden, n_outputs]
        self.activation, self.seed = activation, seed

    def network(self):
        return Network.mlp(self.sizes, hidden=self.activation, output=self.output,
                           seed=self.seed)

    def line(self) -> str:
        return (f"network:    {' -> '.join(map(str, self.sizes))} ({self.activation} hidden, "
                f"{self.output} output), {self.network().n_parameters():,} parameters")


def make_optimizer(optimizer, learning_rate):
    """A fresh optimizer for one training run."""
    if optimizer == "lbfgs":
        return LBFGS()
    rate = learning_rate or (0.01 if optimizer == "sgd" else 0.001)
    return SGD(learning_rate=rate, momentum=0.9) if optimizer == "sgd" else \
        Adam(learning_rate=rate)


class _HereTrainer:
    """Trains fresh networks on parts of the rows in memory, for ``choose_and_train``."""

    unit = "epochs"

    def __init__(self, X, y, design, optimizer, learning_rate, batch_size, seed, progress):
        self.X, self.y, self.design = X, y, design
        self.optimizer, self.learning_rate = optimizer, learning_rate
        self.batch_size, self.progress = batch_size, progress
        self.n = len(X)
        self.order = np.random.default_rng(seed).permutation(self.n)
        if optimizer == "lbfgs":
            self.unit = "iterations"

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
        X, y = self.X, self.y
        validation = None
        if split is not None:
            val, rows = split
            validation = (X[val], y[val])
            X, y = X[rows], y[rows]
        history = net.fit(X, y, loss=self.design.loss,
                          optimizer=make_optimizer(self.optimizer, self.learning_rate),
                          epochs=n_epochs, batch_size=self.batch_size,
                          validation_data=validation, early_stopping=patience,
                          metrics=self.design.metrics, progress=self.progress)
        return net, history, len(X), 0 if validation is None else len(validation[0])


def choose_and_train(trainer, note, *, epochs, validation_split, early_stopping, task, scale,
                     where=""):
    """Train as ``train`` says: with a validation split, first on most rows while the rest
    choose the number of epochs (or by cross-validation when the split would hold out fewer
    than ``MIN_VALIDATION_ROWS``), then from the same start on every row for that many.
    ``trainer`` knows the rows: ``n``, ``unit`` ("epochs", "iterations"...), ``held_out(n_val)``,
    ``fold(k, folds)`` and ``fit(split, n_epochs, patience)``. Returns (network, history)."""
    n, unit = trainer.n, trainer.unit
    label = f"{unit + ':':12}"
    if not validation_split:
        net, history, _, _ = trainer.fit(None, epochs)
        if history.epochs == 0:
            raise KeyboardInterrupt
        note(f"training:   {_scores(history, task, scale, '', -1)} after {history.epochs} "
             f"{unit} on all {n:,} rows (no validation split)")
        return net, history
    n_val = int(round(n * validation_split))
    if n_val < 1 or n_val >= n:
        raise DataError(f"{where}a validation split of {validation_split:g} of "
                        f"{n:,} rows leaves {n - n_val} to train on and {n_val} to "
                        "validate; both need rows (or pass a validation split of 0)")
    if n_val < MIN_VALIDATION_ROWS and n >= 2 * FOLDS_AT_LEAST:
        # Few held-out rows choose the epoch by chance. Cross-validation lets every row
        # be held out once: each fold trains from the same start on the other rows, and
        # the epoch of the lowest mean validation loss over the folds is the choice.
        folds = max(FOLDS_AT_LEAST, int(round(1 / validation_split)))
        curves = []
        for k in range(folds):
            net, history, n_fit, _ = trainer.fit(trainer.fold(k, folds), epochs,
                                                 early_stopping)
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
        note(f"validation: {_scores(averaged, task, scale, 'val_', None)} at "
             f"{unit.removesuffix('s')} {best}, averaged over the folds")
    else:
        net, history, n_fit, held = trainer.fit(trainer.held_out(n_val), epochs,
                                                early_stopping)
        if history.epochs == 0:
            raise KeyboardInterrupt
        best = int(np.argmin(history.val_loss)) + 1
        stopped = f", stopped early at {unit.removesuffix('s')} {history.epochs}" \
            if history.stopped_early else ""
        note(f"{label}{best} (lowest validation loss on {held:,} held-out rows, "
             f"{validation_split:.0%}{stopped})")
        note(f"validation: {_scores(history, task, scale, 'val_', best - 1)} at "
             f"{unit.removesuffix('s')} {best}")
    if history.interrupted:
        note(f"interrupted: kept the network trained so far on {n_fit:,} rows")
        return net, history
    first, first_history = net, history
    net, history, _, _ = trainer.fit(None, best)  # the same start, every row
    if history.epochs == 0:  # Ctrl-C before an epoch on every row ended
        note(f"interrupted: kept the network trained on {n_fit:,} rows")
        return first, first_history
    note(f"training:   {_scores(history, task, scale, '', -1)} after "
         f"{history.epochs} {unit} on all {n:,} rows")
    return net, history


def _scores(history, task, scale, prefix, at) -> str:
    """The scores of epoch ``at`` (counted from 0) of a History, or of a dict of numbers
    (``at`` None)."""
    def score(name):
        return history[prefix + name] if at is None else history[prefix + name][at]

    if task == "classification":
        return f"loss {score('loss'):.4f}, accuracy {score('accuracy'):.4f}"
    return f"MSE {score('loss') * scale**2:.6g}, MAE {score('mae') * scale:.6g}"


def _targets(frame, target, task):
    """(y for the network, classes, center, scale) from the target column (no gaps)."""
    column = frame[target]
    if task == "classification":
        classes, texts = class_list(column.dtype.kind, distinct_targets(column))
        check_classes(classes, texts, where(frame), target)
        return class_codes(column, texts), classes, 0.0, 1.0
    values = regression_numbers(frame, target)
    if np.ptp(values) == 0:
        raise one_value(where(frame), target, values[0])
    mean, std = spread(values[:, None])
    center, scale = float(mean[0]), float(std[0])
    return standardized(values, center, scale, frame, target), None, center, scale


def distinct_targets(column):
    """The values of a target column that ``class_list`` makes classes of: true/false values,
    numbers (float64) or texts, each distinct once."""
    kind = column.dtype.kind
    if kind == "b":
        return set(column.tolist())
    if kind in "iuf":
        return np.unique(column.to_numpy(dtype=np.float64))
    return set(conv.as_text(column).tolist())


def class_list(kind, distinct):
    """(classes, their texts) from the distinct values of a target column whose dtype is of
    ``kind``: sorted, numbers as int where all are whole."""
    if kind == "b":
        classes = sorted(distinct)
        return classes, ["True" if c else "False" for c in classes]
    if kind in "iuf":
        numbers = np.unique(np.asarray(distinct, dtype=np.float64))
        whole = np.array_equal(numbers, np.round(numbers))
        classes = [int(v) for v in numbers] if whole else [float(v) for v in numbers]
        return classes, [conv.number_text(float(v)) for v in numbers]
    classes = sorted(distinct)
    return classes, classes


def check_classes(classes, texts, where, target) -> None:
    if len(classes) < 2:
        raise DataError(f"{where}the target {printable(target)!r} has only one value "
                        f"({printable(texts[0])!r}); a classifier needs at least two classes")


def class_codes(column, texts) -> np.ndarray:
    """The class of each cell of a target column, as its index among ``texts``."""
    return np.asarray(_index(texts).get_indexer(conv.as_text(column)), dtype=np.int64)


def regression_numbers(frame, target) -> np.ndarray:
    """The target's numbers, or a DataError naming the first cell that is not one."""
    return conv.target_numbers(frame, target, ", which regression needs (use --task "
                               "classification for classes)")


def one_value(where, target, value) -> DataError:
    return DataError(f"{where}the target {printable(target)!r} has only one value "
                     f"({value:g}); there is nothing to learn")


def standardized(values, center, scale, frame, target) -> np.ndarray:
    """(values - center) / scale, or a DataError when that overflows."""
    y = (values - center) / scale
    if not np.isfinite(y).all():
        raise DataError(f"{where(frame)}the target {printable(target)!r} holds values too large "
                        "to standardize")
    return y


def _index(texts):
    from .reading import pandas

    return pandas().Index(texts, dtype=object)


def check_inputs(X, preparation, frame) -> None:
    """A DataError naming the column whose values cannot be standardized (they overflow)."""
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
                what = f"number, standardized{gaps}"
            else:
                cycles = f" + {'/'.join(item.cycles)} cycles" if item.cycles else ""
                what = f"date -> days since 1970{cycles}, standardized{gaps}"
        else:
            extra = [" + (missing)"] * item.missing_slot + [" + (other)"] * item.pooled_slot
            what = (f"{'boolean' if item.boolean else 'category'}, {len(item.values)} value"
                    f"{'s' * (len(item.values) != 1)}{''.join(extra)}, one input each")
        lines.append(f"{name}: {what}" + (f"; {role.note}" if role.note else ""))
    if rest:
        counted = ", ".join(f"{count:,} {what}" for what, count in rest.items())
        lines.append(f"... and {sum(rest.values()):,} more columns: {counted}")
    return lines


def _check_options(task, hidden, activation, epochs, batch_size, optimizer, learning_rate,
                   validation_split, early_stopping, cluster) -> None:
    if task not in (None, "classification", "regression"):
        raise ValueError(f"task must be 'classification', 'regression' or None, got {task!r}")
    if any(isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1 for h in hidden):
        raise ValueError(f"hidden must hold layer sizes of at least 1, got {hidden!r}")
    if activation not in ("relu", "tanh", "sigmoid", "leaky_relu"):
        raise ValueError(f"activation must be relu, tanh, sigmoid or leaky_relu, got "
                         f"{activation!r}")
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
    if optimizer not in (None, *OPTIMIZERS):
        raise ValueError(f"optimizer must be 'adam', 'sgd' or 'lbfgs', got {optimizer!r}")
    if learning_rate is not None and not 0 < learning_rate < float("inf"):
        raise ValueError(f"learning_rate must be a number greater than 0, got {learning_rate!r}")
    if learning_rate is not None and (optimizer or ("lbfgs" if cluster else "adam")) == "lbfgs":
        default = " (the default on a cluster)" if cluster and optimizer is None else ""
        raise ValueError(f"a learning rate applies to the optimizers adam and sgd; L-BFGS"
                         f"{default} finds its own step lengths (choose adam or sgd to set one)")
    if isinstance(validation_split, bool) or not 0 <= validation_split < 1:
        raise ValueError(f"validation_split must be a fraction in [0, 1), got "
                         f"{validation_split!r}")
    if early_stopping is not None and (isinstance(early_stopping, bool) or early_stopping < 1):
        raise ValueError(f"early_stopping must be a patience of at least 1 epoch, got "
                         f"{early_stopping!r}")
