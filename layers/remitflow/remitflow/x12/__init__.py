"""Streaming X12 reading and the 835 (005010X221A1) health care claim payment/advice."""

from typing import TYPE_CHECKING

from remitflow.lazy import lazy_exports

if TYPE_CHECKING:  # the names, for type checkers
    from remitflow.x12.errors import Problem as Problem
    from remitflow.x12.errors import Severity as Severity
    from remitflow.x12.errors import X12SyntaxError as X12SyntaxError
    from remitflow.x12.models import BrokenClaim as BrokenClaim
    from remitflow.x12.models import TransactionEnd as TransactionEnd
    from remitflow.x12.parser import RemittanceParser as RemittanceParser
    from remitflow.x12.parser import parse_835 as parse_835
    from remitflow.x12.tokenizer import Delimiters as Delimiters
    from remitflow.x12.tokenizer import SegmentReader as SegmentReader

__getattr__, __all__ = lazy_exports(
    __name__,
    {
        "errors": ("Problem", "Severity", "X12SyntaxError"),
        "models": ("BrokenClaim", "TransactionEnd"),
        "parser": ("RemittanceParser", "parse_835"),
        "tokenizer": ("Delimiters", "SegmentReader"),
    },
)
