"""Streaming X12 reading and the 835 (005010X221A1) health care claim payment/advice."""

from remitflow.x12.errors import Problem, Severity, X12SyntaxError
from remitflow.x12.models import BrokenClaim, TransactionEnd
from remitflow.x12.parser import RemittanceParser, parse_835
from remitflow.x12.tokenizer import Delimiters, SegmentReader

__all__ = [
    "BrokenClaim",
    "Delimiters",
    "Problem",
    "RemittanceParser",
    "SegmentReader",
    "Severity",
    "TransactionEnd",
    "X12SyntaxError",
    "parse_835",
]
