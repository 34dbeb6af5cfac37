"""The hot loop's fast paths read a claim exactly as the full segment handlers do.

Inside a claim the parser reads the common shape of CLP, SVC and CAS (and DTM, REF, AMT, LQ, NM1)
itself and leaves anything else to the handler. Generated claims, valid, truncated and broken, are
read twice: as usual, and with `fast_paths=False`, which sends every segment to its handler. Every
event, field and problem must come out the same.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.conftest import group, interchange, transaction, x12

import remitflow.x12.parser
from remitflow.x12 import RemittanceParser

# --- segments -------------------------------------------------------------------------------------
# Each segment is drawn well-formed (what the fast paths take), with trailing elements omitted where
# the 835 allows; one time in four it is then spoilt: one or two elements replaced by a bad value, or
# cut short anywhere (what the fast paths must leave to the handler). One fault at a time, so each
# check a fast path makes is exercised on its own.

Element = tuple[st.SearchStrategy[str], st.SearchStrategy[str]]  # (good values, bad values)

GOOD_NUMBERS = st.sampled_from(["0", "0.00", "10", "10.5", "125.40", "-12.30", ".5", "7.", "007.10", "-0", "9" * 18])
# Spaces around a number: not X12, but real files have them. The handlers read them, with a warning
# once per element; the fast paths leave them to the handlers.
PADDED_NUMBERS = st.sampled_from([" 12", "12 ", " 12.50 ", "   -0.10", "1 "])
# Exponents, signs, separators and spaces that Decimal() alone would take or X12 does not allow.
BAD_NUMBERS = st.sampled_from(
    ["1E5", "12,50", "1 2", " ", "\t12", "abc", "1.2.3", "NaN", "--1", "+5", "1_000", "- 1", "-", ""]
)
NUMBER: Element = (st.one_of(GOOD_NUMBERS, GOOD_NUMBERS, PADDED_NUMBERS), BAD_NUMBERS)
OPTIONAL_NUMBER: Element = (st.one_of(st.just(""), GOOD_NUMBERS, PADDED_NUMBERS), BAD_NUMBERS.filter(bool))
REQUIRED_TEXT: Element = (st.sampled_from(["C1", "PCN-22", "A"]), st.just(""))


def text(*values: str) -> Element:
    """An element read as text: any value, or none, is good."""
    return (st.sampled_from(values), st.sampled_from(values))


@st.composite
def good_procedures(draw: st.DrawFn) -> str:
    """qualifier:code with up to four modifiers (an empty one is legal), then a description and parts past it."""
    parts = [draw(st.sampled_from(["HC", "NU", "AD", "N4"])), draw(st.sampled_from(["99213", "0450", "A0428"]))]
    parts += draw(st.lists(st.sampled_from(["25", "59", "GT", "LT", "95", ""]), max_size=4))
    if len(parts) == 6 and draw(st.booleans()):
        parts.append(draw(st.sampled_from(["OFFICE VISIT", ""])))
        parts += draw(st.lists(st.just("X"), max_size=2))
    return ":".join(parts)


# No qualifier, no code, no composite at all, or another separator than ISA16's ':' (read, with a warning).
BAD_PROCEDURES = st.one_of(
    st.sampled_from(["", "HC", ":99213", "HC:", "HC::25"]),
    good_procedures().map(lambda value: value.replace(":", ">")),
)
PROCEDURE: Element = (good_procedures(), BAD_PROCEDURES)


@st.composite
def spoilt(draw: st.DrawFn, segment_id: str, elements: list[Element], shortest: int) -> str:
    values = [draw(good) for good, _ in elements]
    keep = draw(st.integers(shortest, len(values)))
    if draw(st.integers(0, 3)) == 0:
        if draw(st.booleans()):
            for at in draw(st.lists(st.integers(0, len(values) - 1), min_size=1, max_size=2)):
                values[at] = draw(elements[at][1])
                keep = max(keep, at + 1)
        else:
            keep = draw(st.integers(0, len(values)))
    return "*".join([segment_id, *values[:keep]])


CLP: list[Element] = [
    REQUIRED_TEXT,  # CLP01 patient control number
    (st.sampled_from(["1", "2", "3", "4", "19", "20", "21", "22", "23", "25"]), st.sampled_from(["5", "0", "", "01"])),
    NUMBER,  # CLP03 charge
    NUMBER,  # CLP04 paid
    OPTIONAL_NUMBER,  # CLP05 patient responsibility
    text("12", "MC", ""),
    text("PAYER0001", ""),
    text("11", "13", ""),
    text("1", "7", ""),
    text("", "01"),  # CLP10, not read
    text("470", ""),
    OPTIONAL_NUMBER,  # CLP12 DRG weight
    OPTIONAL_NUMBER,  # CLP13 discharge fraction
    text("", "Y"),  # CLP14, not read
]
SVC: list[Element] = [
    PROCEDURE,
    NUMBER,  # SVC02 charge
    NUMBER,  # SVC03 paid
    text("", "0450"),  # SVC04 revenue code
    OPTIONAL_NUMBER,  # SVC05 units
    (st.one_of(st.just(""), good_procedures()), BAD_PROCEDURES.filter(bool)),  # SVC06 original procedure
    OPTIONAL_NUMBER,  # SVC07 original units
]
# CR is a group code in 4010 files only; a later triplet without a reason is skipped, whatever follows.
CAS_GROUP: Element = (st.sampled_from(["CO", "OA", "PI", "PR"]), st.sampled_from(["CR", "XX", ""]))
CAS_REASON: Element = (st.sampled_from(["45", "2", "1", "253", "B7"]), st.just(""))


def clp() -> st.SearchStrategy[str]:
    return spoilt("CLP", CLP, 4)


def svc() -> st.SearchStrategy[str]:
    return spoilt("SVC", SVC, 3)


@st.composite
def cas(draw: st.DrawFn) -> str:
    """One to six triplets (a seventh, past CAS19, is not read); the last quantity may be omitted."""
    triplets = draw(st.one_of(st.just(1), st.integers(1, 7)))  # one is by far the most common
    elements = [CAS_GROUP] + [CAS_REASON, NUMBER, OPTIONAL_NUMBER] * triplets
    return draw(spoilt("CAS", elements, len(elements) - 1))


CLAIM_EXTRAS = st.sampled_from(
    [
        "NM1*QC*1*DOE*JANE****MI*ABC123",
        "NM1*IL*1*DOE",
        "NM1*ZZ*1*DOE",
        "DTM*232*20240105",
        "DTM*050*20240230",
        "DTM*999*20240105",
        "AMT*AU*100.00",
        "AMT*AU*1E5",
        "REF*1K*ABC",
        "REF*1K",
        "QTY*CA*2",
    ]
)
LINE_EXTRAS = st.sampled_from(
    ["DTM*472*20240105", "DTM*150*2024", "REF*6R*LINE1", "REF*LU*11", "AMT*B6*80.00", "AMT*B6*x", "LQ*HE*N130", "LQ*HE"]
)


@st.composite
def claims(draw: st.DrawFn) -> list[str]:
    segments = [draw(clp())]
    segments += draw(st.lists(st.one_of(cas(), cas(), CLAIM_EXTRAS), max_size=3))
    for _ in range(draw(st.integers(0, 3))):
        segments.append(draw(svc()))
        segments += draw(st.lists(st.one_of(cas(), cas(), LINE_EXTRAS), max_size=4))
    return segments


@st.composite
def remittances(draw: st.DrawFn) -> bytes:
    """One 835 of one or two LX groups of claims: the first claim of a group is always read by its
    handler, the claims after it by the fast path when they fit."""
    body: list[str] = []
    for number in range(1, draw(st.integers(1, 2)) + 1):
        body.append(f"LX*{number}")
        for claim in draw(st.lists(claims(), min_size=1, max_size=4)):
            body += claim
    version = draw(st.sampled_from(["00501", "00501", "00401"]))  # 4010 takes CR as a CAS group
    return x12(interchange(group(transaction(*body)), version=version))


# --- the property ---------------------------------------------------------------------------------


def read(data: bytes, *, fast_paths: bool) -> dict[str, Any]:
    """Every event and problem as JSON-ready dicts: Decimals as written ('10.50', '-0'), not just equal."""
    parser = RemittanceParser(data, fast_paths=fast_paths)
    events = [(type(event).__name__, event.model_dump(mode="json")) for event in parser]
    return {"events": events, "problems": [problem.model_dump(mode="json") for problem in parser.problems]}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(remittances())
def test_fast_paths_read_claims_as_the_handlers_do(data: bytes) -> None:
    assert read(data, fast_paths=True) == read(data, fast_paths=False)


FAST_PATHS = ("fast_adjustments", "fast_claim", "fast_service_line")


@pytest.mark.skipif(
    bool(os.environ.get("REMITFLOW_COMPILED_READER")), reason="compiled code calls the fast paths directly"
)
def test_the_fast_paths_are_taken_unless_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Else the property above would compare the handlers with themselves."""
    claim = ["CLP*C1*1*100*80", "SVC*HC:99213*100*80", "CAS*CO*45*10**253*10"]
    data = x12(interchange(group(transaction("LX*1", *claim, *claim))))
    calls: list[str] = []

    def counted(name: str) -> Any:
        real = getattr(remitflow.x12.parser, name)

        def call(*args: Any) -> Any:
            calls.append(name)
            return real(*args)

        return call

    for name in FAST_PATHS:
        monkeypatch.setattr(remitflow.x12.parser, name, counted(name))
    list(RemittanceParser(data, fast_paths=False))
    assert calls == []
    list(RemittanceParser(data))
    assert sorted(set(calls)) == list(FAST_PATHS)
