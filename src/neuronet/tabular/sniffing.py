"""What a CSV file's first lines say of how it is written: the separator of its fields and
the decimal mark of its numbers, for ``reading.read_csv`` to read it by when none is given.

The separator is the one that splits the lines into the same number of fields (quoted fields
aside); the decimal mark is the comma only where the numbers are written as ``3,5`` and
never as ``3.5``, as spreadsheets export them where the comma is the decimal mark.
"""

from __future__ import annotations

import re

#: Separators detected when none is given, in order of preference when a file is ambiguous.
SEPARATORS = (",", ";", "\t", "|")
#: How many of a file's first bytes are read to detect them.
SAMPLE_BYTES = 1 << 16

__all__ = ["SAMPLE_BYTES", "SEPARATORS", "detect_decimal", "detect_separator"]


def _sample_lines(text: str, count: int) -> list:
    """The first lines of ``text`` (a file's first bytes) that are not blank, at most ``count``,
    without the last one where the sample may have cut it."""
    lines = [line for line in text.splitlines()[:count] if line.strip()]
    if len(text) >= SAMPLE_BYTES - 4 and len(lines) > 1:
        lines = lines[:-1]
    return lines


def detect_separator(text: str) -> str:
    """The separator among ``SEPARATORS`` that splits the first lines of ``text`` into the
    same number (more than one) of fields; "," when none does.

    Parameters
    ----------
    text : str
        The first lines of a file.

    Returns
    -------
    str
        One of ``SEPARATORS``: the one whose field count most lines agree on.
    """
    lines = _sample_lines(text, 50)
    best, best_score = ",", (0, 0)
    for sep in SEPARATORS:
        counts = [_fields(line, sep) for line in lines]
        if not counts or counts[0] < 2:
            continue
        agreeing = sum(count == counts[0] for count in counts)
        score = (agreeing, counts[0])
        if score > best_score:
            best, best_score = sep, score
    return best


_COMMA_DECIMAL = re.compile(r'"?[-+]?\d*,\d+"?')
_POINT_DECIMAL = re.compile(r'"?[-+]?\d*\.\d+(?:[eE][-+]?\d+)?"?')


def detect_decimal(text: str, sep: str) -> str:
    """"," where the data lines of ``text`` (the first of a file) write numbers with a decimal
    comma, as ``3,5``, and none with a point; "." otherwise, and always when the separator is
    the comma itself.

    Parameters
    ----------
    text : str
        The first lines of a file, the header first.
    sep : str
        The file's separator.

    Returns
    -------
    str
        "," or ".".
    """
    if sep == ",":
        return "."
    lines = _sample_lines(text, 200)[1:]  # the data lines, under the header
    commas = points = 0
    for line in lines:
        for field in line.split(sep):
            field = field.strip()
            if _COMMA_DECIMAL.fullmatch(field):
                commas += 1
            elif _POINT_DECIMAL.fullmatch(field):
                points += 1
    return "," if commas and not points else "."


def _fields(line: str, sep: str) -> int:
    """Fields in one line, with quoted separators not counted (enough for detection)."""
    return len(re.sub(r'"[^"]*"', "", line).split(sep))
