"""The synthetic 835 generator checked against itself.

`_audit` is a deliberately tiny, independent segment counter (not a parser): it takes the delimiters
from the fixed ISA positions, splits on the terminator and re-adds the money, so the balancing
identities, SE01/GE01/IEA01 counts and control numbers are verified in the generated text rather than
trusted from the generator's bookkeeping.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from tests.support.synth835 import (
    TransactionExpectation,
    balanced_835_strategy,
    generate_835,
    write_835,
)

MONEY = re.compile(r"-?\d+\.\d{2}")
PROCEDURES = {"99213", "99214", "99204", "36415", "87880", "97110", "93000", "71046", "20610", "29881"}
MODIFIERS = {"25", "59", "GT"}
ZERO = Decimal("0.00")


def _money(text: str) -> Decimal:
    assert MONEY.fullmatch(text), f"not a two-decimal amount: {text!r}"
    return Decimal(text)


@dataclass
class _Claim:
    elements: list[str]
    claim_cas: Decimal = ZERO
    line_cas: Decimal = ZERO
    patient_responsibility: Decimal = ZERO
    line_charges: Decimal = ZERO
    line_paid: Decimal = ZERO
    lines: int = 0


@dataclass
class _Set:
    control: str
    segments: int = 1
    payment: Decimal = ZERO
    trace: str = ""
    claims: list[_Claim] = field(default_factory=list)
    plb: Decimal = ZERO
    features: Counter[str] = field(default_factory=Counter)


def _cas_total(elements: list[str]) -> Decimal:
    """Sum of the amounts of one CAS segment (triplets reason, amount, quantity from CAS02)."""
    assert elements[1] in {"CO", "OA", "PI", "PR"}, elements
    amounts = elements[3::3]
    assert 1 <= len(amounts) <= 6, elements
    return sum((_money(amount) for amount in amounts), ZERO)


def _close_line(claim: _Claim | None, line: list[str] | None, line_cas: Decimal) -> None:
    if claim is None or line is None:
        return
    charge, paid = _money(line[2]), _money(line[3])
    assert charge - line_cas == paid, f"line {line}: {charge} - {line_cas} != {paid}"


def _close_claim(claim: _Claim | None) -> None:
    if claim is None:
        return
    clp = claim.elements
    charge, paid, responsibility = _money(clp[3]), _money(clp[4]), _money(clp[5])
    assert charge - (claim.claim_cas + claim.line_cas) == paid, f"claim {clp}"
    assert responsibility == claim.patient_responsibility, f"CLP05 of {clp}"
    if claim.lines:
        assert charge == claim.line_charges, f"CLP03 != sum SVC02 in {clp}"
        assert claim.line_paid - claim.claim_cas == paid, f"sum SVC03 - claim CAS != CLP04 in {clp}"


def _audit(data: bytes) -> list[_Set]:
    """Check envelope counts and every balancing identity; return what each set contains."""
    text = data.decode("ascii")
    assert text.startswith("ISA")
    element, component, terminator = text[3], text[104], text[105]
    pieces = text.split(terminator)
    line_ending = pieces[-1]  # what follows the last terminator is the line ending
    assert line_ending in {"", "\n", "\r\n"}
    segments = [pieces[0]]
    for piece in pieces[1:-1]:
        assert piece.startswith(line_ending), f"segment {piece[:20]!r} lacks the line ending"
        segments.append(piece[len(line_ending) :])
    assert all(s and "\n" not in s and "\r" not in s for s in segments), "stray line break in a segment"

    isa = segments[0].split(element)
    assert len(segments[0]) + 1 == 106 and len(isa) == 17
    assert [len(value) for value in isa[1:]] == [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1]
    assert isa[12] == "00501" and isa[16] == component
    assert isa[11] not in {element, component, terminator}
    assert segments[-1].split(element) == [
        "IEA",
        str(sum(s.startswith("GS" + element) for s in segments)),
        isa[13],
    ]

    sets: list[_Set] = []
    groups = 0
    group_control = ""
    group_sets = 0
    current: _Set | None = None
    claim: _Claim | None = None
    line: list[str] | None = None
    line_cas = ZERO
    for segment in segments[1:-1]:
        elements = segment.split(element)
        tag = elements[0]
        if current is not None:
            current.segments += 1
        if tag in {"CLP", "SVC", "PLB", "SE"}:
            _close_line(claim, line, line_cas)
            line, line_cas = None, ZERO
        if tag in {"CLP", "PLB", "SE"}:
            _close_claim(claim)
            claim = None
        if tag == "GS":
            assert elements[1] == "HP" and elements[8] == "005010X221A1" and current is None
            groups, group_control, group_sets = groups + 1, elements[6], 0
        elif tag == "GE":
            assert elements[1:] == [str(group_sets), group_control], segment
        elif tag == "ST":
            assert elements[1] == "835" and current is None
            current = _Set(control=elements[2])
            group_sets += 1
        elif tag == "SE":
            assert current is not None
            assert elements[1:] == [str(current.segments), current.control], f"{segment} for {current}"
            paid = sum((_money(c.elements[4]) for c in current.claims), ZERO)
            assert paid - current.plb == current.payment >= 0, f"set {current.control} does not balance"
            sets.append(current)
            current = None
        elif current is None:
            raise AssertionError(f"{tag} outside a transaction set")
        elif tag == "BPR":
            assert len(elements) == 17, segment
            current.payment = _money(elements[2])
            current.features[f"BPR04 {elements[4]}"] += 1
            if elements[4] == "ACH":
                assert elements[1] == "I" and all(elements[5:11] + elements[12:16]), segment
            else:
                assert (elements[1], elements[4]) in {("I", "CHK"), ("H", "NON")}, segment
                assert not any(elements[5:16]), segment
                assert (elements[4] == "NON") == (current.payment == 0), segment
            assert re.fullmatch(r"20\d{6}", elements[16]), segment
        elif tag == "TRN":
            assert elements[1] == "1" and re.fullmatch(r"1\d{9}", elements[3]), segment
            current.trace = elements[2]
        elif tag == "CLP":
            assert len(elements) == 10 and elements[6:] == ["12", elements[7], "11", "1"], segment
            assert elements[7].isdigit()
            claim = _Claim(elements)
            current.claims.append(claim)
            current.features[f"CLP02 {elements[2]}"] += 1
        elif tag == "NM1":
            assert len(elements) == 10 and elements[1:3] == ["QC", "1"] and elements[8] == "MI", segment
        elif tag == "CAS":
            assert claim is not None, segment
            amount = _cas_total(elements)
            if elements[1] == "PR":
                claim.patient_responsibility += amount
            current.features["CAS with several triplets"] += len(elements) > 4
            if line is None:
                claim.claim_cas += amount
                current.features["claim-level CAS"] += 1
            else:
                claim.line_cas += amount
                line_cas += amount
        elif tag == "SVC":
            assert claim is not None and len(elements) == 6 and elements[4] == "", segment
            qualifier, code, *modifiers = elements[1].split(component)
            assert qualifier == "HC" and code in PROCEDURES and set(modifiers) <= MODIFIERS, segment
            assert int(elements[5]) != 0
            line = elements
            claim.lines += 1
            claim.line_charges += _money(elements[2])
            claim.line_paid += _money(elements[3])
            current.features["modifier"] += bool(modifiers)
        elif tag == "AMT":
            assert line is not None and elements[1] == "B6", segment
            allowed, charge, paid = _money(elements[2]), _money(line[2]), _money(line[3])
            assert abs(paid) <= abs(allowed) <= abs(charge), f"paid/allowed/charge out of order: {line}"
            assert 20 <= abs(charge) <= 900, line
        elif tag == "LQ":
            assert line is not None and elements[1] == "HE", segment
            current.features["LQ"] += 1
        elif tag == "PLB":
            assert len(elements) % 2 == 1 and 5 <= len(elements) <= 15, segment
            assert re.fullmatch(r"\d{10}", elements[1]) and elements[2].endswith("1231"), segment
            for reason, value in zip(elements[3::2], elements[4::2], strict=True):
                current.plb += _money(value)
                current.features[f"PLB {reason.split(component)[0]}"] += 1
        elif tag == "DTM":
            assert elements[1] in {"405", "232", "233", "472"} and re.fullmatch(r"20\d{6}", elements[2])
    assert current is None and groups >= 1
    return sets


def _observed(audited: _Set) -> TransactionExpectation:
    return TransactionExpectation(
        control_number=audited.control,
        payment_amount=audited.payment,
        trace_number=audited.trace,
        claim_ids=[claim.elements[1] for claim in audited.claims],
        charge_total=sum((_money(c.elements[3]) for c in audited.claims), ZERO),
        paid_total=sum((_money(c.elements[4]) for c in audited.claims), ZERO),
        plb_total=audited.plb,
        service_lines=sum(claim.lines for claim in audited.claims),
        claims=len(audited.claims),
    )


def _assert_matches(data: bytes, expectations: list[TransactionExpectation]) -> list[_Set]:
    audited = _audit(data)
    assert [_observed(s) for s in audited] == expectations
    for expectation in expectations:
        for amount in (expectation.payment_amount, expectation.charge_total, expectation.paid_total):
            assert isinstance(amount, Decimal) and amount.as_tuple().exponent == -2
    return audited


@pytest.mark.parametrize("seed", range(20))
def test_default_file_balances_and_matches_its_expectations(seed: int) -> None:
    data, expectations = generate_835(seed, transactions=2)

    audited = _assert_matches(data, expectations)

    assert [e.claims for e in expectations] == [5, 5]
    assert all(1 <= claim.lines <= 4 or claim.lines == 0 for s in audited for claim in s.claims)
    assert len({e.control_number for e in expectations}) == 2


@pytest.mark.parametrize(
    ("element", "component", "terminator", "line_ending"),
    [
        ("*", ":", "~", ""),
        ("*", ":", "~", "\r\n"),
        ("|", ">", "~", "\n"),
        ("^", ":", "~", "\n"),
        ("*", ">", "\n", ""),
        ("|", ":", "\n", ""),
    ],
)
def test_delimiters_are_declared_in_the_isa_and_used_throughout(
    element: str, component: str, terminator: str, line_ending: str
) -> None:
    data, expectations = generate_835(
        7,
        transactions=3,
        element=element,
        component=component,
        terminator=terminator,
        line_ending=line_ending,
    )
    text = data.decode("ascii")

    assert (text[3], text[104], text[105]) == (element, component, terminator)
    assert text.endswith(terminator + line_ending)
    assert text.count(terminator + line_ending) == text.count(terminator)
    _assert_matches(data, expectations)


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    assert generate_835(42, transactions=2) == generate_835(42, transactions=2)
    assert generate_835(42)[0] != generate_835(43)[0]


def test_claim_without_lines_when_max_lines_is_zero() -> None:
    data, expectations = generate_835(5, claims_per_transaction=12, max_lines_per_claim=0)

    _assert_matches(data, expectations)
    assert expectations[0].service_lines == 0 and b"SVC*" not in data


@pytest.mark.parametrize(
    "kwargs",
    [
        {"element": ":", "component": ":"},
        {"terminator": "\n", "line_ending": "\n"},
        {"line_ending": "\r"},
        {"element": "A"},
        {"component": "-"},
        {"element": "**"},
        {"transactions": 0},
        {"claims_per_transaction": 0},
        {"max_lines_per_claim": -1},
    ],
)
def test_bad_options_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        generate_835(1, **kwargs)  # type: ignore[arg-type]


def test_many_seeds_cover_the_interesting_cases() -> None:
    """The generator must actually produce what the readers need to be tested against."""
    seen: Counter[str] = Counter()
    groups = Counter[int]()
    for seed in range(60):
        data, _ = generate_835(seed, transactions=3, claims_per_transaction=8)
        for audited in _audit(data):
            seen.update(audited.features)
        groups[data.count(b"~\nGS*")] += 1

    wanted = [
        "BPR04 ACH", "BPR04 CHK", "CLP02 1", "CLP02 2", "CLP02 19", "CLP02 4", "CLP02 22",
        "claim-level CAS", "CAS with several triplets", "modifier", "LQ", "PLB L6", "PLB WO",
    ]  # fmt: skip
    assert [feature for feature in wanted if not seen[feature]] == []
    assert len(groups) > 1, "never more than one GS group"


def test_reversal_negates_and_its_correction_reuses_the_claim_id() -> None:
    for seed in range(200):
        data, expectations = generate_835(seed, claims_per_transaction=6)
        text = data.decode("ascii")
        reversal = re.search(r"CLP\*(\w+)\*22\*(-[\d.]+)\*(-?[\d.]+)\*(-?[\d.]+)\*", text)
        if reversal is None:
            continue
        assert Decimal(reversal.group(3)) <= 0 and Decimal(reversal.group(4)) <= 0
        claim_ids = expectations[0].claim_ids
        index = claim_ids.index(reversal.group(1))
        if index + 1 < len(claim_ids):
            assert claim_ids[index + 1] == reversal.group(1)
        _assert_matches(data, expectations)
        return
    pytest.fail("no reversal in 200 seeds")


def test_npi_and_routing_numbers_carry_valid_check_digits() -> None:
    def luhn_ok(number: str) -> bool:
        digits = [int(d) for d in reversed(number)]
        return sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits)) % 10 == 0

    text = generate_835(11, transactions=3)[0].decode("ascii")
    npis = re.findall(r"N1\*PE\*[^*]+\*XX\*(\d+)~", text)
    routings = re.findall(r"BPR\*I\*[\d.]+\*C\*ACH\*CCP\*01\*(\d{9})\*DA\*\d+\*\d+\*\*01\*(\d{9})", text)
    assert npis and all(luhn_ok("80840" + npi) for npi in npis)
    for pair in routings:
        for routing in pair:
            d = [int(x) for x in routing]
            assert (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (rb"(CLP\*\w+\*1\*[\d.]+\*)(\d)", rb"\g<1>9\2"),  # a claim's paid amount
        (rb"SE\*(\d+)", rb"SE*1\1"),  # a segment count
        (rb"(SVC\*[^*]+\*)(\d)", rb"\g<1>8\2"),  # a line charge
        (rb"GE\*\d+", rb"GE*99"),  # a group's set count
    ],
)
def test_the_audit_catches_a_tampered_file(old: bytes, new: bytes) -> None:
    data, expectations = generate_835(3, transactions=2)
    tampered = re.sub(old, new, data, count=1)
    assert tampered != data

    with pytest.raises(AssertionError):
        _assert_matches(tampered, expectations)


@settings(max_examples=60, deadline=None)
@given(balanced_835_strategy())
def test_strategy_output_balances(generated: tuple[bytes, list[TransactionExpectation]]) -> None:
    data, expectations = generated

    _assert_matches(data, expectations)


def test_write_835_streams_a_balanced_file_of_the_target_size(tmp_path: Path) -> None:
    target = 400_000
    path = tmp_path / "big.835"

    claims, expectations = write_835(path, target, seed=9, claims_per_transaction=150)

    data = path.read_bytes()
    assert target <= len(data) < target + 2_000
    assert len(expectations) > 2, "expected several transaction sets"
    assert claims == sum(e.claims for e in expectations) == data.count(b"\nCLP*")
    assert data.count(b"\nGS*") == 1
    _assert_matches(data, expectations)
    assert write_835(tmp_path / "again.835", target, seed=9, claims_per_transaction=150) == (
        claims,
        expectations,
    )
    assert (tmp_path / "again.835").read_bytes() == data
