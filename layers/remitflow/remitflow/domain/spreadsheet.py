"""CSV cells a spreadsheet will not run: every CSV remitflow writes goes through `cell`.

Text from outside (bank text, trace numbers, payer names, notes) that starts like a formula gets a
leading apostrophe; money and counts stay numbers a spreadsheet can add.
"""

from __future__ import annotations

import re

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def cell(value: object) -> str:
    """Text as a spreadsheet will not run it: trace numbers come from bank files."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    text = str(value)
    if _NUMBER.fullmatch(text):  # money and counts stay numbers a spreadsheet can add
        return text
    return "'" + text if text.startswith(_FORMULA_START) else text
