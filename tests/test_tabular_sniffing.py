"""neuronet.tabular.sniffing: the separator and the decimal mark found from a file's first lines,
as ``read_csv`` uses them when none is given."""

import pytest

from neuronet.tabular.sniffing import SAMPLE_BYTES, SEPARATORS, detect_decimal, detect_separator


@pytest.mark.parametrize("sep", SEPARATORS)
def test_each_separator_is_found_with_quoted_ones_in_fields(sep):
    text = f'name{sep}note\n"a{sep}b"{sep}1\nc{sep}"d{sep}e{sep}f"\n'
    assert detect_separator(text) == sep


def test_an_ambiguous_file_takes_the_separator_most_lines_agree_on_then_the_first():
    assert detect_separator("a;b,c\n1;2,3\n4;5\n") == ";"  # ";" splits all three in two
    assert detect_separator("a;b,c\n1;2,3\n") == ","  # both do: the first of SEPARATORS
    assert detect_separator("a;b;c,d\n1;2;3,4\n") == ";"  # both do: more fields wins
    assert detect_separator("one column\n1\n2\n") == ","


def test_a_line_cut_by_the_sample_is_not_counted():
    # The sample of a large file may end inside a line; that line does not decide.
    line = "1;2,5;" + "x" * 393 + "\n"
    last = "4;5.5;" + "y" * 330
    text = "a;b;c\n" + line * 163 + last
    assert len(text) >= SAMPLE_BYTES - 4 and text.count("\n") < 200
    assert detect_decimal(text, ";") == ","
    assert detect_decimal("a;b;c\n" + line + last, ";") == "."  # a short file's last counts


def test_the_header_is_not_read_for_the_decimal_mark():
    assert detect_decimal("a;1.5\nx;2,5\n", ";") == ","
    assert detect_decimal("a;b\nx;2.5e3\ny;2,5\n", ";") == "."  # a point anywhere: points
    assert detect_decimal('a,b\n"1,5",2\n', ",") == "."  # the separator is never the mark
