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
