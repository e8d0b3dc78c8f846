"""Writing a table as CSV that a spreadsheet opens safely.

A spreadsheet runs a cell that begins with ``=`` (or ``+``, ``-``, ``@``) as a formula, and a
formula can reach other cells, other files and, through old features, other programs: text
that came from a data file (an ID, a class label, a column's name) must not become one. As
OWASP recommends against CSV injection, such a text cell is written with a leading
apostrophe, which the spreadsheet shows as text; a number (``-3``, ``+1.5e-7``) stays as it is.
"""

from __future__ import annotations

import csv
import re

__all__ = ["FORMULA_STARTS", "neutralize_formula", "write_csv"]

#: What a cell may begin with to be taken as a formula: OWASP's list (a tab or carriage return
#: before one is skipped by some spreadsheets).
FORMULA_STARTS = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def neutralize_formula(cell):
    """``cell`` as a spreadsheet shows it as text: a text that begins with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return and is not a number gets a leading apostrophe.

    Parameters
    ----------
    cell : str, a number or None
        Anything but text is returned as it is.

    Returns
    -------
    str, a number or None
        The cell, with ``'`` before it where a spreadsheet would read a formula.

    Examples
    --------
    >>> neutralize_formula("=1+2"), neutralize_formula("@SUM(A1)")
    ("'=1+2", "'@SUM(A1)")
    >>> neutralize_formula("-3.5"), neutralize_formula("Adelie")
    ('-3.5', 'Adelie')
    """
    if isinstance(cell, str) and cell[:1] in FORMULA_STARTS and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def write_csv(handle, header, columns, *, escape_formulas: bool = True) -> None:
    """Write a table to the open text file ``handle`` as CSV: the ``header`` row, then one
    row per position of the ``columns`` (lists of equal length, one per header cell).

    Parameters
    ----------
    handle : a text file opened with ``newline=""``, or standard output.
    header : list of str
    columns : list of lists of cells (str, numbers, None for an empty cell).
    escape_formulas : bool
        Whether text cells, the header's included, go through ``neutralize_formula`` (the
        default); False writes every cell as it is, for a program rather than a spreadsheet.
    """
    writer = csv.writer(handle, lineterminator="\n")
    if escape_formulas:
        header = [neutralize_formula(name) for name in header]
        columns = [[neutralize_formula(cell) for cell in column] for column in columns]
    writer.writerow(header)
    writer.writerows(zip(*columns))

