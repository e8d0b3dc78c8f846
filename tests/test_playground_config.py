"""neuronet.playground.config: every setting the page sends is checked by its own field."""

import pytest

from neuronet.playground import config as settings


def test_settings_are_checked_field_by_field():
    config, problems = settings.merge(settings.DEFAULTS, {
        "noise": 20, "layers": [8, 8], "lr": "fast", "features": ["x1", "x9"], "zoom": 3,
        "seed": 1.5, "batch": float("nan")})
    assert config["noise"] == 20 and config["layers"] == [8, 8]
    assert config["lr"] == settings.DEFAULTS["lr"] and config["seed"] == 1
    assert len(problems) == 5
    text = "; ".join(problems)
    for expected in ("lr: expected a number", "features: expected", "unknown setting 'zoom'",
                     "seed: expected a whole number", "batch: expected a whole number"):
        assert expected in text
    _, problems = settings.merge(settings.DEFAULTS, ["not", "a", "dict"])
    assert problems == ["settings must be an object of fields, got list"]
    too_deep, problems = settings.merge(settings.DEFAULTS, {"layers": [8] * 7})
    assert too_deep["layers"] == settings.DEFAULTS["layers"] and problems


def test_problem_type_and_data_set_stay_consistent():
    regression, _ = settings.merge(settings.DEFAULTS, {"problem": "regression"})
    assert regression["dataset"] == "plane"
    back, _ = settings.merge(regression, {"dataset": "spiral"})
    assert back["problem"] == "classification"




@pytest.mark.parametrize("field", sorted(settings.CHECKS))
@pytest.mark.parametrize("value", [10**400, -(10**400), 1e308, float("inf"), float("nan"),
                                   True, None, [10**400], {"a": 1}])
def test_every_field_refuses_what_it_cannot_hold_with_its_own_message(field, value):
    config, problems = settings.merge(settings.DEFAULTS, {field: value})
    if not problems:  # a value the field takes: it is kept as the field's own type
        assert config[field] == settings.CHECKS[field](value)
        return
    assert config[field] == settings.DEFAULTS[field]
    (problem,) = problems
    assert problem.startswith(f"{field}: expected ")
    if isinstance(value, int) and abs(value) > 10**30:
        assert problem.endswith("got a number of 401 digits")


def test_the_multi_class_sets_take_three_to_five_classes():
    config, problems = settings.merge(settings.DEFAULTS, {"dataset": "spirals", "classes": 5})
    assert not problems and settings.n_outputs(config) == 5
    kept, problems = settings.merge(config, {"classes": 6})
    assert kept["classes"] == 5 and problems == ["classes: expected a whole number from 3 to 5, "
                                                 "got 6"]
    binary, _ = settings.merge(config, {"dataset": "circle"})
    assert settings.n_outputs(binary) == 1  # two classes: one sigmoid unit, as before
    regression, _ = settings.merge(config, {"problem": "regression"})
    assert regression["dataset"] == "plane" and settings.n_outputs(regression) == 1
    assert settings.is_number(2.5) and not settings.is_number(float("inf"))
    assert not settings.is_number(True) and not settings.is_number("3")
