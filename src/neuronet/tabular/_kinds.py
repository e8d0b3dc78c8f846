"""The kinds of values the options of ``neuronet.tabular.train`` take, each with its check.

A kind says whether a value from Python is one it takes (``accepts``), how to finish the
sentence "``name`` must ..." when it is not, and how to read one from a command line's text
(``parse``). ``TrainSettings`` (``tabular.settings``) gives every option one of these.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import numpy as np


class Kind:
    """The values an option takes.

    ``accepts(value)`` says whether a value from Python is one of them; ``must`` completes
    "``name`` must ..." in the error of one that is not. ``parse(text)`` reads a command line's
    text, or raises ValueError saying what was expected; ``choices`` lists the values a command
    line may name when they are few; ``type_name`` is how the documentation names them."""

    must = ""
    type_name = "object"
    choices: tuple | None = None

    def accepts(self, value) -> bool:
        raise NotImplementedError

    def normalized(self, value):
        """The value as the settings keep it (a list for names, a tuple for sizes), before
        it is checked; a value that cannot be made one is left as it is, for the check."""
        return value

    def must_or_none(self) -> str:
        """``must`` for an option that may also be None."""
        return self.must if "None" in self.must else f"{self.must} or None"

    def parse(self, text):
        return text

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.must}>"


class Whole(Kind):
    """A whole number of at least ``minimum``."""

    type_name = "int"

    def __init__(self, minimum: int, must: str | None = None):
        self.minimum = minimum
        self.must = must or f"be a whole number of at least {minimum}"

    def accepts(self, value) -> bool:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool) and \
            value >= self.minimum

    def parse(self, text):
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"expected a whole number, got {text!r}") from None
        if value < self.minimum:
            raise ValueError(f"expected at least {self.minimum}, got {value}")
        return value


class Number(Kind):
    """A number within bounds, described as ``expected`` ("a fraction in [0, 1)")."""

    type_name = "float"

    def __init__(self, within, expected: str):
        self.within, self.expected = within, expected
        self.must = f"be {expected}"

    def accepts(self, value) -> bool:
        return isinstance(value, numbers.Real) and not isinstance(value, bool) and \
            bool(self.within(float(value)))

    def parse(self, text):
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"expected {self.expected}, got {text!r}") from None
        if not self.within(value):
            raise ValueError(f"expected {self.expected}, got {text}")
        return value


class Choice(Kind):
    """One of a few names."""

    type_name = "str"

    def __init__(self, *choices: str, quoted: bool = True):
        self.choices = choices
        self.shown = [repr(c) if quoted else c for c in choices]
        self.must = f"be {_listed(self.shown)}"

    def accepts(self, value) -> bool:
        return isinstance(value, str) and value in self.choices

    def must_or_none(self) -> str:
        return f"be {_listed([*self.shown, 'None'])}"


def _listed(words) -> str:
    return ", ".join(words[:-1]) + " or " + words[-1]


class Sizes(Kind):
    """Layer sizes: whole numbers of at least 1 ("32,16" on a command line, "none" for
    none)."""

    type_name = "tuple of int"
    must = "hold layer sizes of at least 1"

    def normalized(self, value):
        return tuple(value) if _many(value) else value

    def accepts(self, value) -> bool:
        return isinstance(value, tuple) and all(
            isinstance(h, numbers.Integral) and not isinstance(h, bool) and h >= 1
            for h in value)

    def parse(self, text):
        if text.strip().lower() in ("", "none"):
            return ()
        try:
            sizes = tuple(int(part) for part in text.split(","))
        except ValueError:
            raise ValueError(f"expected sizes like 32,16, got {text!r}") from None
        if any(size < 1 for size in sizes):
            raise ValueError(f"layer sizes must be at least 1, got {text!r}")
        return sizes


class Names(Kind):
    """Column names: one, or a list of them ("a,b" on a command line)."""

    type_name = "str or list of str"
    must = "be a column name or a list of column names"

    def normalized(self, value):
        return list(value) if _many(value) else value

    def accepts(self, value) -> bool:
        return isinstance(value, str) or (isinstance(value, list) and
                                          all(isinstance(name, str) for name in value))

    def parse(self, text):
        return [name.strip() for name in text.split(",") if name.strip()]


def _many(value) -> bool:
    """Whether ``value`` is a collection of items (not text, not a mapping)."""
    return hasattr(value, "__iter__") and not isinstance(value, (str, bytes, Mapping))


class Text(Kind):
    """A piece of text."""

    type_name = "str"
    must = "be a string"

    def accepts(self, value) -> bool:
        return isinstance(value, str)


class Switch(Kind):
    """True or False."""

    type_name = "bool"
    must = "be True or False"

    def accepts(self, value) -> bool:
        return isinstance(value, (bool, np.bool_))


class Cluster(Kind):
    """Where a cluster is: a ``distributed.Client``, a scheduler's address or "local[:N]"
    (``distributed.connect`` checks which, when it connects)."""

    type_name = "str or distributed.Client"
    must = "be a distributed.Client, a scheduler's address or 'local[:N]'"

    def accepts(self, value) -> bool:
        return not isinstance(value, (bool, numbers.Number, bytes))


class ClassWeights(Kind):
    """How much the rows of each class weigh: "balanced", or a dict {class: weight}
    ("balanced" or "a=2,b=0.5" on a command line; a class named by its text)."""

    type_name = "'balanced' or dict"
    must = "be 'balanced' or a dict {class: weight} of numbers of zero or more"

    def normalized(self, value):
        return dict(value) if isinstance(value, Mapping) else value

    def accepts(self, value) -> bool:
        """Whether ``value`` is "balanced" or a dict of weights of zero or more.

        Parameters
        ----------
        value : object
            The value from Python.

        Returns
        -------
        bool
            Whether it is one.
        """
        if isinstance(value, str):
            return value == "balanced"
        return isinstance(value, dict) and all(
            isinstance(w, numbers.Real) and not isinstance(w, bool) and 0 <= w < math.inf
            for w in value.values())

    def parse(self, text):
        """The weights a command line spells: "balanced", or "a=2,b=0.5".

        Parameters
        ----------
        text : str
            The command line's text.

        Returns
        -------
        str or dict
            "balanced", or {class's text: weight}.

        Raises
        ------
        ValueError
            For text that is neither, or a weight that is negative or not finite.
        """
        if text.strip() == "balanced":
            return "balanced"
        weights = {}
        for part in text.split(","):
            label, equals, weight = part.rpartition("=")
            try:
                value = float(weight)
            except ValueError:
                value = math.nan
            if not equals or not label.strip() or not 0 <= value < math.inf:
                raise ValueError(f"expected 'balanced' or CLASS=WEIGHT,... with weights of "
                                 f"zero or more, got {text!r}")
            weights[label.strip()] = value
        return weights
