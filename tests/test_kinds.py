"""The kinds of values of the table options: what each accepts, and what a command line's
text becomes, or the error that says what was expected."""

import math

import pytest

from neuronet.tabular._kinds import Choice, ClassWeights, Names, Number, Sizes, Whole


def test_whole_accepts_whole_numbers_from_its_minimum_and_no_bool():
    kind = Whole(1)
    assert kind.accepts(1) and kind.accepts(10**9)
    assert not kind.accepts(0) and not kind.accepts(True) and not kind.accepts(2.0)
    assert kind.parse("7") == 7
    with pytest.raises(ValueError, match="expected a whole number, got 'x'"):
        kind.parse("x")
    with pytest.raises(ValueError, match="expected at least 1, got 0"):
        kind.parse("0")


def test_number_checks_its_bounds_and_names_them():
    kind = Number(lambda v: 0 <= v < 1, "a fraction in [0, 1)")
    assert kind.accepts(0.5) and not kind.accepts(1.0) and not kind.accepts(False)
    assert kind.must == "be a fraction in [0, 1)"
    assert kind.parse("0.25") == 0.25
    with pytest.raises(ValueError, match=r"expected a fraction in \[0, 1\), got 1.5"):
        kind.parse("1.5")


def test_choice_lists_its_names_and_none():
    kind = Choice("adam", "sgd", "lbfgs")
    assert kind.accepts("sgd") and not kind.accepts("SGD")
    assert kind.must == "be 'adam', 'sgd' or 'lbfgs'"
    assert kind.must_or_none() == "be 'adam', 'sgd', 'lbfgs' or None"


def test_sizes_and_names_read_a_command_lines_lists():
    sizes = Sizes()
    assert sizes.parse("64,32") == (64, 32) and sizes.parse("none") == ()
    assert sizes.normalized([8, 4]) == (8, 4) and sizes.accepts((8, 4))
    assert not sizes.accepts((8, 0))
    with pytest.raises(ValueError, match="layer sizes must be at least 1"):
        sizes.parse("8,0")
    names = Names()
    assert names.parse(" a, b ,,c") == ["a", "b", "c"]
    assert names.normalized(("a", "b")) == ["a", "b"] and names.normalized("a") == "a"


def test_class_weights_read_balanced_or_pairs_and_refuse_negative_weights():
    kind = ClassWeights()
    assert kind.parse("balanced") == "balanced"
    assert kind.parse("yes=2, no=0.5") == {"yes": 2.0, "no": 0.5}
    assert kind.accepts({"a": 1}) and not kind.accepts({"a": -1}) and not kind.accepts("x")
    assert not kind.accepts({"a": math.inf})
    for text in ("a=-1", "a", "=2", "a=nan"):
        with pytest.raises(ValueError, match="expected 'balanced' or CLASS=WEIGHT"):
            kind.parse(text)
