"""Text read from files, made safe to show. A name in a model file or a table (a feature, a
class, a target) is data from whoever wrote the file: printed raw, an escape sequence could
rewrite the terminal, and a control character makes an SVG that no XML parser accepts."""

from __future__ import annotations

import re
import unicodedata

# Categories shown as escapes: controls (Cc: C0, DEL, C1), formatting marks (Cf: the invisible
# direction overrides and zero-width characters), surrogates (Cs), private use (Co), and the
# line and paragraph separators (Zl, Zp), which break a one-line message.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
_UNSAFE = re.compile(r"[^ -~\xa0-\u02ff]")  # the common, always-safe range skips the lookups


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _shown(match) -> str:
    char = match.group()
    code = ord(char)
    # Noncharacters (U+FDD0..U+FDEF, and the last two of every plane) are forbidden in XML.
    noncharacter = 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE
    if noncharacter or unicodedata.category(char) in _HIDDEN:
        return _escape(char)
    return char


def printable(value) -> str:
    """``str(value)`` with every character that a terminal would act on or that XML forbids
    written as a Python-style escape (``\\x1b``, ``\\u202e``); other text, accents and
    scripts of every language included, is left as it is."""
    return _UNSAFE.sub(_shown, str(value))
