"""The options of ``neuronet.tabular.train``, defined once: ``TrainSettings``.

Each option is a field of one dataclass, with its default, the kind of value it takes and its
help. The kind checks a value (a wrong one gets a ValueError that names the option and what it
takes) and reads one from a command line's text. ``train`` takes the settings, or the same
names as keywords; the rows in memory and the cluster both read them; and ``neuronet train``
builds its flags from ``options()``. So a new option is one new field here, read by the step it
changes: a field's ``part`` names that step, and ``settings.part("preparation")`` are the
keywords ``Preparation.fit`` takes (``"reading"``, ``"roles"`` and ``"network"`` likewise).

``report``, the function that receives the report's lines, is an argument of ``train`` beside
the settings and no field: it says where to write, not how to learn, and no command line can
spell a function.
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import math

from ._kinds import Choice, ClassWeights, Cluster, Kind, Names, Number, Sizes, Switch, Text, Whole
from .fitting import DROPOUT, FOLDS_AT_LEAST, MIN_VALIDATION_ROWS, PATIENCE
from .preparation import (
    EMBED_ABOVE,
    ENCODINGS,
    MAX_BINNED,
    MAX_CATEGORIES,
    MAX_EMBEDDED,
    MIN_FREQUENCY,
    SCALINGS,
)
from .target import SKEWED, TASK_RULE, TASKS, TRANSFORMS

__all__ = ["Option", "TrainSettings", "options", "settings_of"]


# --- the options ----------------------------------------------------------------------------------


def _option(default, kind, help, *, part, flag=None, metavar=None, nullable=None, flag_help=None):
    """A field of TrainSettings: ``nullable`` (default: whether the default is None) says
    whether None is a value; ``flag`` is the command line's name of it (default: the name with
    dashes), ``flag_help`` its help where the flag says the opposite of the field (--quiet)."""
    return dataclasses.field(default=default, metadata={
        "kind": kind, "help": help, "part": part, "flag": flag, "metavar": metavar,
        "nullable": default is None if nullable is None else nullable, "flag_help": flag_help})


@dataclasses.dataclass(frozen=True)
class TrainSettings:
    """Every option of ``tabular.train``: how a table is read and learned from.

    ``TrainSettings(epochs=50, hidden=(64, 32))`` checks every value, and ValueError says which
    option is wrong and what it takes. The settings are frozen: ``dataclasses.replace(settings,
    seed=1)`` makes others. ``neuronet train`` has a flag for each (``--batch-size`` for
    ``batch_size``, ``--dask`` for ``client``, ``--quiet`` for ``progress=False``).
    """

    features: object = _option(None, Names(), "the only columns to learn from, comma-separated "
                               "(default: all but the target and those left out)",
                               part="roles")
    categorical: object = _option(None, Names(), "columns to take as categories whatever their "
                                  "values", part="roles", metavar="A,B")
    numeric: object = _option(None, Names(), "columns to take as numbers (text that is not a "
                              "number: missing)", part="roles", metavar="C")
    exclude: object = _option(None, Names(), "columns to leave out", part="roles", metavar="D,E")
    id: str | None = _option(None, Text(), "a column that names the rows: left out of "
                             "learning, written beside each prediction by predict",
                             part="roles", metavar="COLUMN")
    task: str | None = _option(None, Choice(*TASKS), f"default: inferred ({TASK_RULE})",
                               part="task")
    hidden: tuple = _option((32,), Sizes(), "hidden layer sizes, comma-separated ('none' for "
                            "none)", part="network")
    activation: str = _option("relu", Choice("relu", "tanh", "sigmoid", "leaky_relu",
                                             quoted=False), "hidden activation",
                              part="network")
    epochs: int = _option(200, Whole(1), "at most this many epochs (L-BFGS: iterations)",
                          part="fitting")
    batch_size: int = _option(64, Whole(1), "rows per step (L-BFGS steps on all rows at once)",
                              part="fitting")
    optimizer: str | None = _option(None, Choice("adam", "sgd", "lbfgs"),
                                    "default: adam, and lbfgs on a cluster (full-batch L-BFGS: "
                                    "the epochs count its iterations; no learning rate)",
                                    part="fitting")
    learning_rate: float | None = _option(
        None, Number(lambda v: 0 < v < math.inf, "a number greater than 0"),
        "default: 0.002 for adam, 0.01 for sgd (with momentum 0.9)", part="fitting")
    validation_split: float = _option(
        0.2, Number(lambda v: 0 <= v < 1, "a fraction in [0, 1)"),
        "share of rows held out to choose the number of epochs; when that is fewer than "
        f"{MIN_VALIDATION_ROWS} rows, cross-validation over 1/split folds (at least "
        f"{FOLDS_AT_LEAST}) chooses; 0 trains on every row for all the epochs",
        part="fitting")
    early_stopping: int | None = _option(
        None, Whole(1, "be a patience of at least 1 epoch"), "end the validation run after "
        "PATIENCE epochs without improvement; the lowest validation loss chooses (default: "
        f"{PATIENCE} on a held-out split; cross-validation of a small table runs every "
        "epoch; a patience of --epochs runs every epoch)", part="fitting", metavar="PATIENCE")
    # --- how the defaults learn (one run, ...) ---
    refit: bool = _option(False, Switch(), "after the validation run chose the number of "
                          "epochs, train again from the same start on every row for that many "
                          "(slower; default: the model is the validation run's best epoch)",
                          part="fitting")
    scaling: str = _option("robust", Choice(*SCALINGS), "numbers: robust (the median and "
                           "quartiles, then a smooth clip of outliers to 3) or standard (the "
                           "mean and standard deviation)", part="preparation")
    target_transform: str = _option(
        "auto", Choice(*TRANSFORMS), "regression: learn log(1 + y), predictions back in the "
        f"target's units: auto for a target without negative values, a skewness of at "
        f"least {SKEWED:g} and a log whose skewness is within {SKEWED:g} of 0; log always; "
        "none never (a cluster never does yet)", part="task")
    weight_decay: float = _option(
        0.0, Number(lambda v: 0 <= v < math.inf, "a number of at least 0"), "an L2 penalty "
        "on the weights (adam and sgd add weight_decay * w to each gradient)", part="fitting")
    dropout: float | None = _option(
        None, Number(lambda v: 0 <= v < 1, "a fraction in [0, 1)"), "share of each hidden "
        f"layer's outputs zeroed at random while training (default: {DROPOUT:g} with adam and "
        "sgd, 0 with lbfgs, which needs the same loss at every step)", part="fitting")
    label_smoothing: float = _option(
        0.0, Number(lambda v: 0 <= v < 1, "a fraction in [0, 1)"), "classification: learn "
        "(1 - s) * the true class + s spread evenly over the classes (not on a cluster yet)",
        part="fitting")
    ensemble: int | None = _option(
        None, Whole(1, "be a whole number of at least 1 or None"), "train K networks, each "
        "on all but one of K folds of the rows and stopped at its lowest loss on that fold, and "
        "average their outputs (a cross-fit; K times the training); 1: one network (the "
        "fastest); default: the fold networks where cross-validation trains them anyway (a "
        f"validation split of fewer than {MIN_VALIDATION_ROWS} rows), else one",
        part="fitting", metavar="K")
    numbers: str = _option("bins", Choice(*ENCODINGS), "bins: beside each number's value, a "
                           "piecewise-linear encoding between its octiles (an input per bin; "
                           f"in a table of at most {MAX_BINNED} numbers), or plain",
                           part="preparation")
    embeddings: int = _option(
        0, Whole(0), "a category with more than N values (each in at least min_frequency "
        "rows) becomes one code input and a learned embedding of up to 16 numbers per value "
        f"(its {MAX_EMBEDDED:,} most frequent values; rare and unseen ones share a learned "
        f"'other'); {EMBED_ABOVE} to try; 0 (the default): every category one-hot, its "
        "max_categories most frequent values (always so on a cluster)", part="preparation",
        metavar="N")
    # --- end of how the defaults learn ---
    min_frequency: int = _option(MIN_FREQUENCY, Whole(1), "a category's value seen in fewer "
                                 "rows is pooled with the other rare ones",
                                 part="preparation", metavar="N")
    max_categories: int = _option(MAX_CATEGORIES, Whole(1), "at most this many values of a "
                                  "category get an input each, the most frequent; the others "
                                  "are pooled", part="preparation", metavar="N")
    seed: int | None = _option(0, Whole(0, "be a whole number of at least 0 or None"),
                               "the seed of the split, the starting weights and the shuffling",
                               part="network", nullable=True)
    client: object = _option(
        None, Cluster(), "train on a Dask cluster: its scheduler's address "
        "(tcp://host:8786), or local[:N] to start N worker processes on this machine (default: "
        "one per core) for the run; one partition per file, which the workers must be able to "
        "read (needs neuronet[dask]); from Python, also a distributed.Client", part="cluster",
        flag="--dask", metavar="ADDRESS")
    timeout: float = _option(
        30.0, Number(lambda v: 0 < v < math.inf, "a number greater than 0"), "on a cluster, "
        "how long to wait for a scheduler that does not answer, when connecting and while "
        "training", part="cluster", flag="--dask-timeout", metavar="SECONDS")
    sep: str | None = _option(None, Text(), "the separator (default: detected among , ; tab |; "
                              "'tab' for tab)", part="reading", metavar="CHAR")
    encoding: str | None = _option(None, Text(), "the file's text encoding (default: UTF-8, "
                                   "with or without a byte order mark), e.g. latin-1",
                                   part="reading")
    class_weight: object = _option(
        None, ClassWeights(), "classifiers: how much the rows of each class weigh in the "
        "loss: 'balanced' (each class as much in all, for rare classes) or CLASS=WEIGHT,... "
        "(a class not named: 1); default: every row the same", part="fitting",
        metavar="balanced|A=W,...")
    calibration: str = _option(
        "temperature", Choice("temperature", "none"), "classifiers: divide the network's "
        "sums by a temperature fitted on the held-out rows, so that its probabilities say "
        "how often it is right (the labels stay the same); 'none' keeps them as trained",
        part="fitting")
    importance: int = _option(
        5, Whole(0), "how often each column is shuffled to measure its importance on the "
        "held-out rows (permutation importance, in the report); 0: not measured",
        part="fitting", metavar="REPEATS")
    progress: bool = _option(False, Switch(), "show progress bars", part="fitting",
                             flag="--quiet", flag_help="no progress bar (there is none when "
                             "standard error is not a terminal, as in a log file)")

    def __post_init__(self):
        for option in options():
            value = getattr(self, option.name)
            if value is None and option.nullable:
                continue
            value = option.kind.normalized(value)
            if not option.kind.accepts(value):
                must = option.kind.must_or_none() if option.nullable else option.kind.must
                raise ValueError(f"{option.name} must {must}, got {getattr(self, option.name)!r}")
            object.__setattr__(self, option.name, value)  # frozen: set once, here
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        if self.dropout and self.chosen_optimizer == "lbfgs":
            default = " (the default on a cluster)" if self.optimizer is None else ""
            raise ValueError(f"dropout needs adam or sgd; L-BFGS{default} needs the same loss "
                             "at every step, which dropout changes (choose adam or sgd, or a "
                             "dropout of 0)")
        if (self.ensemble or 1) > 1:
            self._check_ensemble()
        if self.learning_rate is not None and self.chosen_optimizer == "lbfgs":
            default = " (the default on a cluster)" if self.optimizer is None else ""
            raise ValueError(f"a learning rate applies to the optimizers adam and sgd; L-BFGS"
                             f"{default} finds its own step lengths (choose adam or sgd to set "
                             "one)")

    def _check_ensemble(self):
        """Refuse what an ensemble of fold networks cannot be combined with."""
        if self.on_cluster:
            raise ValueError(f"ensemble={self.ensemble}: a cluster trains one network; train "
                             "in this process (without client) for an ensemble, or pass "
                             "ensemble=1")
        if not self.validation_split:
            raise ValueError(f"ensemble={self.ensemble} trains each network on all but one "
                             "fold and stops it on that fold, which a validation split of 0 "
                             "leaves out; pass ensemble=1 to train one network on every row")
        if self.refit:
            raise ValueError(f"ensemble={self.ensemble} keeps the fold networks, and refit "
                             "trains one network on every row: choose one of them")

    @property
    def on_cluster(self) -> bool:
        """Whether the table is learned on a Dask cluster (``client`` given)."""
        return self.client is not None

    @property
    def chosen_dropout(self) -> float:
        """The dropout: ``dropout``, or the default for the optimizer."""
        if self.dropout is not None:
            return self.dropout
        return 0.0 if self.chosen_optimizer == "lbfgs" else DROPOUT

    @property
    def chosen_optimizer(self) -> str:
        """The optimizer's name: ``optimizer``, or the default where the rows are."""
        return self.optimizer or ("lbfgs" if self.on_cluster else "adam")

    def part(self, name: str) -> dict:
        """The options of one step of ``train``, with their values here.

        Parameters
        ----------
        name : str
            The step: "reading", "roles", "task", "preparation", "network", "fitting", "cluster".

        Returns
        -------
        dict
            {option: value}, in the order of the fields.

        Raises
        ------
        ValueError
            For a name that no option belongs to.
        """
        found = {o.name: getattr(self, o.name) for o in options() if o.part == name}
        if not found:
            raise ValueError(f"no option belongs to a part {name!r}")
        return found


@dataclasses.dataclass(frozen=True)
class Option:
    """One field of TrainSettings as a command line or a page of documentation reads it.

    Parameters
    ----------
    name : str
        The field's name, a keyword of ``train``.
    default : object
        Its default value.
    kind : Kind
        The values it takes.
    help, flag_help : str
        What it does; ``flag_help`` (or None) where the flag says the opposite (--quiet).
    part : str
        The step of ``train`` it belongs to (see ``TrainSettings.part``).
    flag, metavar : str
        The command line's flag, and the name of its value in help (or None).
    nullable : bool
        Whether None is one of its values.
    """

    name: str
    default: object
    kind: Kind
    help: str
    part: str
    flag: str
    metavar: str | None
    nullable: bool
    flag_help: str | None

    @property
    def negated(self) -> bool:
        """Whether the flag turns the option off (``--quiet``: ``progress=False``)."""
        return self.flag_help is not None


def options() -> tuple:
    """Every option of ``train``, for a command line or documentation to list.

    Returns
    -------
    tuple of Option
        The options of TrainSettings, in the order of its fields.
    """
    return _OPTIONS


def settings_of(settings=None, options=None, function="train") -> TrainSettings:
    """Settings with some options changed: how ``train``'s keywords become TrainSettings.

    Parameters
    ----------
    settings : TrainSettings, optional
        The settings to start from; None: the defaults.
    options : dict, optional
        {option: value}, the options to change.
    function : str, default "train"
        The name the errors give the function that took the options.

    Returns
    -------
    TrainSettings
        ``settings`` itself where no option changes; else new ones, each value checked.

    Raises
    ------
    TypeError
        For a name that is no option (naming the nearest one) or settings of another type;
        ValueError for a value an option does not take.
    """
    options = dict(options or {})
    unknown = [name for name in options if name not in _NAMES]
    if unknown:
        near = difflib.get_close_matches(unknown[0], _NAMES, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise TypeError(f"{function}() got an unexpected keyword argument {unknown[0]!r}{hint}; "
                        "its options are the fields of neuronet.tabular.TrainSettings")
    if settings is None:
        return TrainSettings(**options)
    if not isinstance(settings, TrainSettings):
        raise TypeError(f"settings must be a TrainSettings, got {type(settings).__name__}")
    return dataclasses.replace(settings, **options) if options else settings


def with_options(function):
    """``function`` (which takes ``**options``) shown with every option as a keyword of its own
    and its default, as ``help()`` and the documentation show its signature."""
    signature = inspect.signature(function)
    kept = [p for p in signature.parameters.values() if p.kind != p.VAR_KEYWORD]
    kept += [inspect.Parameter(o.name, inspect.Parameter.KEYWORD_ONLY, default=o.default)
             for o in options()]
    function.__signature__ = signature.replace(parameters=kept)
    return function


def _read_options() -> tuple:
    found = []
    for field in dataclasses.fields(TrainSettings):
        meta = field.metadata
        found.append(Option(field.name, field.default, meta["kind"], meta["help"], meta["part"],
                            meta["flag"] or "--" + field.name.replace("_", "-"),
                            meta["metavar"], meta["nullable"], meta["flag_help"]))
    return tuple(found)


def _parameters() -> str:
    """The numpydoc Parameters section of TrainSettings, written from its fields."""
    lines = ["", "    Parameters", "    ----------"]
    for option in _OPTIONS:
        kind = option.kind.type_name + (" or None" if option.nullable else "")
        # Literal text: a help may hold characters reStructuredText reads as markup.
        lines.append(f"    {option.name} : {kind}, default {option.default!r}")
        flag = (f"on the command line: shown on a terminal unless ``{option.flag}``"
                if option.negated else f"``{option.flag}`` on the command line")
        lines.append(f"        {_literal(option.help)} ({flag})")
    return "\n".join(lines) + "\n"


def _literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("`", "\\`").replace("|", "\\|")


_OPTIONS = _read_options()
_NAMES = [option.name for option in _OPTIONS]
TrainSettings.__doc__ = (TrainSettings.__doc__ or "") + _parameters()
