"""Helpers for the X12 reader tests: wrap only the segments a test is about in a valid envelope.

Segments are written with '*' between elements and ':' between components; `x12()` adds the
terminator. In a file built by `x835(*body)` the segments are numbered ISA 1, GS 2, ST 3, the four
HEADER segments 4-7, so the first body segment is number `BODY` (8).

HEADER pays 80.00 and CLAIM (charge 100.00, CO-45 20.00, paid 80.00) balances it exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from remitflow.x12 import parse_835
from remitflow.x12.errors import Problem
from remitflow.x12.models import Remittance, Transaction

ISA_CONTROL = "000000001"
BPR = "BPR*I*80.00*C*CHK************20230915"
TRN = "TRN*1*CHK1001*1512345678"
PAYER = "N1*PR*ACME HEALTH PLAN"
PAYEE = "N1*PE*RIVERSIDE CLINIC*XX*1234567893"
HEADER = (BPR, TRN, PAYER, PAYEE)
CLAIM = ("CLP*C1*1*100.00*80.00**12*PAYER0001", "CAS*CO*45*20.00")
BODY = 3 + len(HEADER) + 1


def paying(amount: str) -> tuple[str, ...]:
    """HEADER with another BPR02."""
    return (f"BPR*I*{amount}*C*CHK************20230915", TRN, PAYER, PAYEE)


def isa(
    control: str = ISA_CONTROL,
    *,
    version: str = "00501",
    repetition: str = "^",
    component: str = ":",
    element: str = "*",
) -> str:
    """A fixed-width ISA (106 characters with its terminator)."""
    fields = (
        "ISA", "00", " " * 10, "00", " " * 10, "ZZ", f"{'SENDER':<15}", "ZZ", f"{'RECEIVER':<15}",
        "230915", "1200", repetition, version, control, "0", "P", component,
    )  # fmt: skip
    return element.join(fields)


def transaction(*body: str, control: str = "0001", header: Sequence[str] = HEADER, kind: str = "835") -> list[str]:
    """ST, the header, the body and an SE whose SE01 counts them."""
    segments = [f"ST*{kind}*{control}*005010X221A1", *header, *body]
    return [*segments, f"SE*{len(segments) + 1}*{control}"]


def group(*transactions: list[str], control: str = "1", implementation: str = "005010X221A1") -> list[str]:
    inner = [segment for t in transactions for segment in t]
    gs = f"GS*HP*SENDER*RECEIVER*20230915*1200*{control}*X*{implementation}"
    return [gs, *inner, f"GE*{len(transactions)}*{control}"]


def interchange(*groups: list[str], control: str = ISA_CONTROL, version: str = "00501") -> list[str]:
    inner = [segment for g in groups for segment in g]
    repetition = "^" if version >= "00501" else "U"
    return [isa(control, version=version, repetition=repetition), *inner, f"IEA*{len(groups)}*{control}"]


def x12(segments: Iterable[str], end: str = "~\n") -> bytes:
    """The segments as file bytes, each followed by `end` (terminator plus optional line break)."""
    return "".join(segment + end for segment in segments).encode()


def x835(*body: str, header: Sequence[str] = HEADER) -> bytes:
    """One interchange, one group, one 835 transaction set holding `header` and `body`."""
    return x12(interchange(group(transaction(*body, header=header))))


def parse(*body: str, header: Sequence[str] = HEADER) -> Remittance:
    return parse_835(x835(*body, header=header))


def single(remittance: Remittance) -> Transaction:
    """The only transaction set of a remittance (fails loudly when there is not exactly one)."""
    assert len(remittance.transactions) == 1, [p.message for p in remittance.problems]
    return remittance.transactions[0]


def errors(remittance: Remittance) -> list[Problem]:
    return [p for p in remittance.problems if p.severity == "error"]


def warnings_(remittance: Remittance) -> list[Problem]:
    return [p for p in remittance.problems if p.severity == "warning"]


def problem_at(remittance: Remittance, segment_number: int, element: str | None = None) -> Problem:
    """The one error reported at `segment_number` (and `element`), with its message checked for both."""
    found = [
        p
        for p in errors(remittance)
        if p.segment_number == segment_number and (element is None or p.element == element)
    ]
    assert len(found) == 1, [p.message for p in remittance.problems]
    problem = found[0]
    assert f"segment {segment_number}" in problem.message
    if element is not None:
        assert element in problem.message
    return problem
