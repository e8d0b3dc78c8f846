"""neuronet.tabular.settings: one definition of the options of ``tabular.train``. The command
line's flags and the Python keywords are the same options: every field has its flag and every
flag its field, with the same defaults, and a value one refuses the other refuses too."""

import dataclasses
import inspect
import math

import pytest

from neuronet.cli import build_parser
from neuronet.cli.common import CommandError
from neuronet.tabular import Preparation, TrainSettings, as_frame, infer_roles, train
from neuronet.tabular.fitting import Design
from neuronet.tabular.settings import options, settings_of

REQUIRED = ["data.csv", "--target", "y", "--out", "m.npz"]


def _train_parser():
    commands = next(a for a in build_parser()._actions if a.dest == "command")
    return commands.choices["train"]


def _cli(*flags):
    """The train command's arguments parsed from ``flags``, or the CommandError it raises."""
    return build_parser().parse_args(["train", *REQUIRED, *flags])


def test_every_option_has_its_flag_and_every_flag_its_option():
    actions = {a.dest: a for a in _train_parser()._actions
               if a.dest not in ("help", "data", "target", "out")}
    assert set(actions) == {option.name for option in options()}
    for option in options():
        assert option.flag in actions[option.name].option_strings, option.name
    # The flags keep the names they have always had.
    flags = {option.name: option.flag for option in options()}
    assert flags["batch_size"] == "--batch-size" and flags["client"] == "--dask"
    assert flags["timeout"] == "--dask-timeout" and flags["progress"] == "--quiet"


def test_the_flags_default_to_the_keywords_defaults(capsys):
    args = _cli()  # under pytest, standard error is no terminal: no progress bar
    for option in options():
        assert getattr(args, option.name) == option.default, option.name
    settings = TrainSettings(**{option.name: getattr(args, option.name) for option in options()})
    assert settings == TrainSettings()
    assert _cli("--quiet").progress is False
    assert TrainSettings().chosen_dropout == 0.1
    assert TrainSettings(optimizer="lbfgs").chosen_dropout == 0.0


# For each option: (command-line text, the same value in Python, whether it is a right value).
CASES = {
    "features": [("a,b", ["a", "b"], True), ("a", ["a"], True)],
    "categorical": [("a,b", ["a", "b"], True)],
    "numeric": [("c", ["c"], True)],
    "exclude": [("d,e", ["d", "e"], True)],
    "id": [("name", "name", True)],
    "task": [("regression", "regression", True), ("clustering", "clustering", False)],
    "hidden": [("32,16", (32, 16), True), ("none", (), True), ("0", (0,), False),
               ("8,x", "8,x", False)],
    "activation": [("tanh", "tanh", True), ("gelu", "gelu", False)],
    "epochs": [("3", 3, True), ("0", 0, False), ("2.5", 2.5, False), ("x", "x", False)],
    "batch_size": [("64", 64, True), ("-1", -1, False)],
    "optimizer": [("sgd", "sgd", True), ("rmsprop", "rmsprop", False)],
    "learning_rate": [("0.1", 0.1, True), ("0", 0.0, False), ("inf", math.inf, False),
                      ("nan", math.nan, False)],
    "validation_split": [("0", 0.0, True), ("0.5", 0.5, True), ("1", 1.0, False),
                         ("-0.1", -0.1, False)],
    "early_stopping": [("5", 5, True), ("0", 0, False)],
    "min_frequency": [("1", 1, True), ("0", 0, False)],
    "max_categories": [("10", 10, True), ("0", 0, False)],
    "embeddings": [("0", 0, True), ("16", 16, True), ("-1", -1, False)],
    "scaling": [("standard", "standard", True), ("quantile", "quantile", False)],
    "target_transform": [("log", "log", True), ("sqrt", "sqrt", False)],
    "numbers": [("plain", "plain", True), ("periodic", "periodic", False)],
    "weight_decay": [("0.001", 0.001, True), ("-1", -1.0, False)],
    "dropout": [("0.1", 0.1, True), ("1", 1.0, False)],
    "label_smoothing": [("0.1", 0.1, True), ("1", 1.0, False)],
    "seed": [("7", 7, True), ("-1", -1, False)],
    "client": [("local:2", "local:2", True)],
    "timeout": [("1.5", 1.5, True), ("0", 0.0, False)],
    "sep": [(";", ";", True)],
    "encoding": [("latin-1", "latin-1", True)],
    "class_weight": [("balanced", "balanced", True), ("a=2,b c=0.5", {"a": 2.0, "b c": 0.5}, True),
                     ("a=-1", {"a": -1.0}, False), ("a", "a", False),
                     ("a=inf", {"a": math.inf}, False)],
    "calibration": [("none", "none", True), ("platt", "platt", False)],
    "importance": [("0", 0, True), ("3", 3, True), ("-1", -1, False)],
    "ensemble": [("3", 3, True), ("1", 1, True), ("0", 0, False), ("2.5", 2.5, False)],
}


def test_the_flags_and_the_keywords_refuse_the_same_values():
    # Every option but the one switch has its cases: a new option without them fails here.
    assert set(CASES) == {o.name for o in options() if o.kind.type_name != "bool"}
    for option in options():
        for text, value, right in CASES.get(option.name, []):
            try:
                parsed = getattr(_cli(option.flag, text), option.name)
                cli_accepts = True
            except CommandError as exc:
                assert exc.status == 2 and f"argument {option.flag}: " in str(exc)
                cli_accepts = False
            try:
                TrainSettings(**{option.name: value})
                python_accepts = True
            except ValueError as exc:
                assert str(exc).startswith(f"{option.name} must "), exc
                python_accepts = False
            assert (cli_accepts, python_accepts) == (right, right), (option.name, text)
            if right:
                assert TrainSettings(**{option.name: parsed}) == \
                    TrainSettings(**{option.name: value}), (option.name, text)


def test_the_messages_of_a_wrong_value():
    def refused(**value):
        with pytest.raises(ValueError) as info:
            TrainSettings(**value)
        return str(info.value)

    assert refused(epochs=0) == "epochs must be a whole number of at least 1, got 0"
    assert refused(task="x") == "task must be 'classification', 'regression' or None, got 'x'"
    assert refused(activation="gelu") == \
        "activation must be relu, tanh, sigmoid or leaky_relu, got 'gelu'"
    assert refused(hidden=[8, 0]) == "hidden must hold layer sizes of at least 1, got [8, 0]"
    assert refused(validation_split=1) == \
        "validation_split must be a fraction in [0, 1), got 1"
    assert refused(early_stopping=True) == \
        "early_stopping must be a patience of at least 1 epoch or None, got True"
    assert refused(exclude=3) == \
        "exclude must be a column name or a list of column names or None, got 3"
    assert refused(optimizer="lbfgs", learning_rate=0.1).startswith(
        "a learning rate applies to the optimizers adam and sgd; L-BFGS finds its own")
    assert "(the default on a cluster)" in refused(client="local", learning_rate=0.1)
    # An ensemble's networks each hold out a fold: not on a cluster, nor without held-out
    # rows, nor beside a refit on every row.
    assert refused(client="local", ensemble=3).startswith(
        "ensemble=3: a cluster trains one network; train in this process")
    assert refused(validation_split=0, ensemble=2).startswith(
        "ensemble=2 trains each network on all but one fold and stops it on that fold, which a "
        "validation split of 0 leaves out")
    assert refused(refit=True, ensemble=5) == (
        "ensemble=5 keeps the fold networks, and refit trains one network on every row: "
        "choose one of them")
    assert TrainSettings(client="local", ensemble=1).ensemble == 1
    assert refused(ensemble=0) == \
        "ensemble must be a whole number of at least 1 or None, got 0"
    with pytest.raises(CommandError, match="argument --epochs: expected at least 1, got 0"):
        _cli("--epochs", "0")
    with pytest.raises(CommandError, match=r"argument --hidden: expected sizes like 32,16"):
        _cli("--hidden", "8,x")
    with pytest.raises(CommandError, match=r"argument --task: invalid choice: 'x'"):
        _cli("--task", "x")


def test_settings_are_frozen_normalized_and_changed_by_keywords():
    settings = TrainSettings(hidden=[16, 8], epochs=5)
    assert settings.hidden == (16, 8)  # a tuple, whatever was given
    names = TrainSettings(exclude=(c for c in ["a", "b"]), categorical="c")
    assert (names.exclude, names.categorical) == (["a", "b"], "c")  # a generator read once
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.epochs = 6
    changed = settings_of(settings, {"seed": 3})
    assert (changed.seed, changed.epochs, settings.seed) == (3, 5, 0)
    assert settings_of(settings, {}) is settings
    assert settings_of(None, {"epochs": 2}) == TrainSettings(epochs=2)
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'epoch' \(did you mean "
                       "'epochs'\\?\\)"):
        settings_of(None, {"epoch": 2})
    with pytest.raises(TypeError, match="settings must be a TrainSettings, got dict"):
        settings_of({"epochs": 2}, {})
    assert TrainSettings().chosen_optimizer == "adam"
    assert TrainSettings(client="local").chosen_optimizer == "lbfgs"
    assert TrainSettings(client="local", optimizer="sgd").chosen_optimizer == "sgd"


def test_each_part_is_what_the_step_it_feeds_takes():
    # A new option of a part must be a keyword of the function that part is given to.
    settings = TrainSettings(categorical=["a"], min_frequency=2, hidden=(4,), sep=";")
    feeds = {"roles": infer_roles, "preparation": Preparation.fit, "network": Design,
             "reading": as_frame}
    for part, function in feeds.items():
        taken = inspect.signature(function).parameters
        assert set(settings.part(part)) <= set(taken), part
    assert settings.part("roles") == {"features": None, "categorical": ["a"], "numeric": None,
                                      "exclude": None, "id": None}
    assert settings.part("preparation") == {"min_frequency": 2, "max_categories": 100,
                                            "scaling": "robust", "numbers": "bins",
                                            "embeddings": 0}
    assert settings.part("network") == {"hidden": (4,), "activation": "relu", "seed": 0}
    with pytest.raises(ValueError, match="no option belongs to a part 'nope'"):
        settings.part("nope")
    parts = {option.part for option in options()}
    assert parts == {"roles", "task", "network", "fitting", "preparation", "cluster", "reading"}


def test_train_and_the_documentation_show_every_option():
    parameters = inspect.signature(train).parameters
    for option in options():
        assert parameters[option.name].default == option.default
        assert parameters[option.name].kind == inspect.Parameter.KEYWORD_ONLY
        assert f"    {option.name} : " in TrainSettings.__doc__
    assert "epochs : int, default 200" in TrainSettings.__doc__
    assert "``--dask`` on the command line" in TrainSettings.__doc__
