"""neuronet.tabular.writing: CSV whose text cells a spreadsheet shows as text, never runs."""

import csv
import io

import pytest

from neuronet.tabular.writing import neutralize_formula, write_csv

DANGEROUS = ["=HYPERLINK(\"http://example.com\",\"x\")", "=1+2", "+cmd|' /C calc'!A0",
             "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1", "-", "+", "=", "@", "-inf", "+nan",
             "- 3"]
NUMBERS = ["-3", "+1.5", "-1e5", "-.5", "+7.", "-2.5E-07", "0", "12", "3.25"]
PLAIN = ["", "Adelie", "1", "a=b", " =1", "'=1", "ü", "probability_=x"]


@pytest.mark.parametrize("cell", DANGEROUS)
def test_a_cell_a_spreadsheet_would_run_gets_an_apostrophe(cell):
    assert neutralize_formula(cell) == "'" + cell


@pytest.mark.parametrize("cell", NUMBERS + PLAIN)
def test_numbers_and_plain_text_stay_as_they_are(cell):
    assert neutralize_formula(cell) == cell


@pytest.mark.parametrize("cell", [None, -3, -2.5, 7, True])
def test_what_is_not_text_is_returned_as_it_is(cell):
    assert neutralize_formula(cell) is cell


def _written(header, columns, **options):
    buffer = io.StringIO(newline="")
    write_csv(buffer, header, columns, **options)
    return list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))


def test_every_text_cell_is_neutralized_the_header_included():
    rows = _written(["@id", "label", "probability_=x"],
                    [["=cmd()", "42", "-7"], ["=2*3", "cat", "+x"], ["0.5", "-0.25", "1"]])
    assert rows == [["'@id", "label", "probability_=x"],
                    ["'=cmd()", "'=2*3", "0.5"],
                    ["42", "cat", "-0.25"],
                    ["-7", "'+x", "1"]]


def test_without_escaping_every_cell_is_written_as_it_is():
    rows = _written(["@id", "label"], [["=cmd()", "\t-x"], ["=2*3", None]],
                    escape_formulas=False)
    assert rows == [["@id", "label"], ["=cmd()", "=2*3"], ["\t-x", ""]]


def test_cells_with_separators_quotes_and_line_breaks_round_trip():
    cells = ['a,b', 'say "hi"', "two\nlines", "=a,b"]
    rows = _written(["x"], [cells])
    assert [row[0] for row in rows[1:]] == ['a,b', 'say "hi"', "two\nlines", "'=a,b"]
