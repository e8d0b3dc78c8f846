"""printable: text from files shown without control characters, everything else intact."""

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neuronet._text import printable


@pytest.mark.parametrize("raw, shown", [
    ("species", "species"),
    ("Adélie penguin", "Adélie penguin"),
    ("体重 (kg)", "体重 (kg)"),
    ("\x1b[2J\x1b[31mred", "\\x1b[2J\\x1b[31mred"),
    ("a\nb\tc\rd", "a\\x0ab\\x09c\\x0dd"),
    ("bell\x07 del\x7f c1\x9b", "bell\\x07 del\\x7f c1\\x9b"),
    ("abc\u202edcba", "abc\\u202edcba"),          # right-to-left override
    ("zero\u200bwidth", "zero\\u200bwidth"),
    ("line\u2028para\u2029", "line\\u2028para\\u2029"),
    ("\ufffe\uffff\ufdd0", "\\ufffe\\uffff\\ufdd0"),
    ("\U0010ffff", "\\U0010ffff"),
    (42, "42"),
])
def test_printable(raw, shown):
    assert printable(raw) == shown


@given(st.text())
def test_printable_is_one_line_and_well_formed_xml(text):
    shown = printable(text)
    assert "\n" not in shown and "\r" not in shown and "\x1b" not in shown
    ET.fromstring(f"<t>{escape(shown)}</t>")  # raises if XML forbids a character
