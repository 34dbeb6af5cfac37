"""Bad input: every problem is a positioned Problem saying what was expected; nothing escapes, nothing is lost."""

from __future__ import annotations

import random
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.synth835 import generate_835
from tests.unit.conftest import (
    BODY,
    CLAIM,
    PAYEE,
    PAYER,
    TRN,
    errors,
    group,
    interchange,
    isa,
    parse,
    problem_at,
    single,
    transaction,
    x12,
    x835,
)

from remitflow.x12 import BrokenClaim, RemittanceParser, parse_835
from remitflow.x12.models import ClaimPayment, Remittance

GOOD = ("CLP*C2*1*50.00*40.00", "CAS*CO*45*10.00")  # with CLAIM: 120.00 paid in all
PAYS_BOTH = ("BPR*I*120.00*C*CHK************20230915", TRN, PAYER, PAYEE)


def read(*body: str) -> Remittance:
    return parse(*body, header=PAYS_BOTH)


def claim_ids(remittance: Remittance) -> list[str]:
    return [c.patient_control_number for t in remittance.transactions for c in t.claims]


def drain(data: object, chunk_size: int | None = None) -> RemittanceParser:
    """Iterate a parser to the end (any exception fails the test) and return it."""
    parser = RemittanceParser(data, chunk_size=chunk_size)  # type: ignore[arg-type]
    for _ in parser:
        pass
    return parser


# --- truncation ---------------------------------------------------------------------------------------


def test_a_file_cut_in_the_middle_of_a_claim() -> None:
    data = x835(*CLAIM, *GOOD)
    cut = data[: data.index(b"CLP*C2") + len("CLP*C2*1*50.")]
    remittance = parse_835(cut)
    result = single(remittance)

    assert claim_ids(remittance) == ["C1"]
    assert [b.patient_control_number for b in result.broken_claims] == ["C2"]
    assert not result.totals.complete and not result.totals.balanced
    assert "CLP04" in problem_at(remittance, BODY + 2, "CLP04").message
    missing = " ".join(e.message for e in errors(remittance))
    assert "no SE" in missing and "no GE" in missing and "no IEA" in missing
    assert any("terminator" in w.message for w in remittance.warnings)


def test_a_file_cut_right_after_a_segment() -> None:
    data = x835(*CLAIM, *GOOD)
    remittance = parse_835(data[: data.index(b"SE*")])
    result = single(remittance)

    assert claim_ids(remittance) == ["C1", "C2"]
    assert not result.totals.complete and not result.totals.balanced
    assert [e.message.split(":")[1].strip() for e in errors(remittance)] == [
        "transaction set 0001 has no SE",
        "functional group 1 has no GE",
        "interchange 000000001 has no IEA",
    ]
    assert all("the end of the file" in e.message for e in errors(remittance))


def test_no_cut_of_a_file_raises_and_every_early_cut_is_an_error() -> None:
    data, _ = generate_835(2, claims_per_transaction=3, max_lines_per_claim=2)
    last_iea = data.rindex(b"IEA*")
    for cut in range(last_iea):
        remittance = parse_835(data[:cut])
        assert errors(remittance), f"cut at byte {cut}: no error reported"


# --- envelope -----------------------------------------------------------------------------------------


def test_a_file_without_isa() -> None:
    remittance = parse_835(x12(group(transaction(*CLAIM))))

    assert remittance.transactions == []
    assert errors(remittance)[0].segment_number == 1
    assert "expected an ISA" in errors(remittance)[0].message


def test_a_wrong_se_count() -> None:
    data = x835(*CLAIM).replace(b"SE*8*0001", b"SE*7*0001")
    problem = problem_at(parse_835(data), 10, "SE01")
    assert "7" in problem.message and "8" in problem.message


def test_se02_must_repeat_st02() -> None:
    data = x835(*CLAIM).replace(b"SE*8*0001", b"SE*8*0002")
    problem = problem_at(parse_835(data), 10, "SE02")
    assert "'0001'" in problem.message and "'0002'" in problem.message and "expected" in problem.message


def test_ge_count_and_control_number() -> None:
    remittance = parse_835(x835(*CLAIM).replace(b"GE*1*1", b"GE*2*7"))

    assert "2" in problem_at(remittance, 11, "GE01").message
    assert "expected GE02 '1'" in problem_at(remittance, 11, "GE02").message
    assert claim_ids(remittance) == ["C1"]


def test_iea_count_and_control_number() -> None:
    remittance = parse_835(x835(*CLAIM).replace(b"IEA*1*000000001", b"IEA*3*000000009"))

    assert "3" in problem_at(remittance, 12, "IEA01").message
    assert "expected IEA02 '000000001'" in problem_at(remittance, 12, "IEA02").message


def test_an_837_in_the_same_group_is_skipped_and_the_835_is_read() -> None:
    data = x12(interchange(group(transaction("CLM*X1*100.00", kind="837"), transaction(*CLAIM, control="0002"))))
    remittance = parse_835(data)

    problem = problem_at(remittance, 3, "ST01")
    assert "expected 835" in problem.message and "'837'" in problem.message
    assert [t.header.control_number for t in remittance.transactions] == ["0002"]
    assert claim_ids(remittance) == ["C1"]
    assert len(errors(remittance)) == 1


# --- bad elements -------------------------------------------------------------------------------------


def test_a_non_numeric_clp04_breaks_only_its_claim() -> None:
    remittance = read(*CLAIM, "CLP*C2*1*50.00*4O.00", "CAS*CO*45*10.00", "CLP*C3*1*10.00*10.00")
    result = single(remittance)

    problem = problem_at(remittance, BODY + 2, "CLP04")
    assert "expected a decimal number" in problem.message and "'4O.00'" in problem.message
    assert "claim C2" in problem.message
    assert claim_ids(remittance) == ["C1", "C3"]
    assert [(b.patient_control_number, b.segment_number) for b in result.broken_claims] == [("C2", BODY + 2)]
    assert result.broken_claims[0].problems == [problem]
    assert result.totals.unreadable_claim_count == 1
    assert not result.totals.balanced


def test_broken_claims_are_streamed_in_place() -> None:
    data = x835(*CLAIM, "CLP*C2*1*50.00*bad", *GOOD)
    kinds = [type(e).__name__ for e in RemittanceParser(data) if isinstance(e, ClaimPayment | BrokenClaim)]
    assert kinds == ["ClaimPayment", "BrokenClaim", "ClaimPayment"]


def test_a_non_numeric_cas_amount_marks_its_claim_unreadable() -> None:
    remittance = read(*CLAIM, "CLP*C2*1*50.00*40.00", "CAS*CO*45*1O.00")
    result = single(remittance)
    claim = result.claims[1]

    problem = problem_at(remittance, BODY + 3, "CAS03")
    assert "expected a decimal number" in problem.message and "'1O.00'" in problem.message
    assert claim_ids(remittance) == ["C1", "C2"]
    assert claim.errors and "CAS03" in claim.errors[0]
    assert not claim.balanced and result.claims[0].balanced
    assert not result.totals.balanced


def test_a_cas_without_its_amount_names_cas03() -> None:
    remittance = read(*CLAIM, "CLP*C2*1*50.00*40.00", "CAS*CO*45")
    problem = problem_at(remittance, BODY + 3)

    assert problem.element == "CAS03"
    assert "CAS03" in problem.message and "expected a decimal number" in problem.message


def test_a_non_numeric_svc02_marks_its_claim_unreadable() -> None:
    remittance = read(*CLAIM, "CLP*C2*1*50.00*40.00", "SVC*HC:99213*5O.00*40.00", "CAS*CO*45*10.00")
    result = single(remittance)
    claim = result.claims[1]

    problem = problem_at(remittance, BODY + 3, "SVC02")
    assert "expected a decimal number" in problem.message and "'5O.00'" in problem.message
    assert claim.service_lines == [] and claim.adjustments == []
    assert not claim.balanced and claim.errors
    assert result.claims[0].balanced and not result.totals.balanced


def test_a_non_numeric_bpr02_is_reported_with_the_transaction() -> None:
    header = ("BPR*I*8O.00*C*CHK************20230915", TRN, PAYER, PAYEE)
    remittance = parse(*CLAIM, header=header)

    problem = problem_at(remittance, 4, "BPR02")
    assert "expected a decimal number" in problem.message and "'8O.00'" in problem.message
    assert problem.transaction == "0001"
    assert not any(t.totals.balanced for t in remittance.transactions)


def test_an_unreadable_payee_reference_does_not_hide_the_claims() -> None:
    remittance = parse(*CLAIM, *GOOD, header=(*PAYS_BOTH, "REF*TJ"))

    problem = problem_at(remittance, 8, "REF02")
    assert "expected" in problem.message
    assert claim_ids(remittance) == ["C1", "C2"]
    assert not single(remittance).totals.balanced


def test_a_non_numeric_plb_amount_unbalances_the_transaction() -> None:
    remittance = read(*CLAIM, *GOOD, "PLB*1234567893*20231231*L6*-1.OO")
    result = single(remittance)

    problem = problem_at(remittance, BODY + 4, "PLB04")
    assert "expected a decimal number" in problem.message and "'-1.OO'" in problem.message
    assert claim_ids(remittance) == ["C1", "C2"]
    assert not result.totals.balanced


@pytest.mark.parametrize("value", ["20230231", "2023-08-01", "230801"])
def test_an_invalid_date_keeps_the_money_and_flags_the_claim(value: str) -> None:
    remittance = read(*CLAIM, f"DTM*232*{value}", *GOOD)
    result = single(remittance)
    claim = result.claims[0]

    problem = problem_at(remittance, BODY + 2, "DTM02")
    assert "expected" in problem.message and "CCYYMMDD" in problem.message and repr(value) in problem.message
    assert claim_ids(remittance) == ["C1", "C2"]
    assert (claim.paid_amount, claim.statement_period_start) == (80, None)
    assert not claim.balanced and claim.errors
    assert not result.totals.balanced


def test_money_in_exponent_or_special_form_is_refused() -> None:
    for amount in ("8E1", "NaN", "Infinity", "8 0", "80,00", "1_0"):
        remittance = read(*CLAIM, f"CLP*C2*1*50.00*{amount}")
        assert problem_at(remittance, BODY + 2, "CLP04"), amount


def test_one_bad_claim_among_many_keeps_the_rest() -> None:
    data, expectations = generate_835(4, claims_per_transaction=10)
    segments = data.split(b"~\n")
    third_clp = [i for i, s in enumerate(segments) if s.startswith(b"CLP*")][2]
    elements = segments[third_clp].split(b"*")
    elements[4] = b"12.3.4"
    segments[third_clp] = b"*".join(elements)
    remittance = parse_835(b"~\n".join(segments))
    result = single(remittance)
    expected_ids = expectations[0].claim_ids

    assert [b.patient_control_number for b in result.broken_claims] == [expected_ids[2]]
    assert claim_ids(remittance) == expected_ids[:2] + expected_ids[3:]
    assert not result.totals.balanced
    assert problem_at(remittance, third_clp + 1, "CLP04")


# --- not X12 --------------------------------------------------------------------------------------------

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
GZIP = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(random.Random(1).randrange(256) for _ in range(300))


@pytest.mark.parametrize(
    "data",
    [bytes(random.Random(7).randrange(256) for _ in range(2000)), b"\x00" * 500, GZIP, PDF, b"ISA\x00\x00\x00"],
    ids=["random", "nul", "gzip", "pdf", "isa-nul"],
)
def test_binary_input_is_one_clear_error(data: bytes) -> None:
    remittance = parse_835(data)

    assert remittance.transactions == []
    assert len(errors(remittance)) == 1
    message = errors(remittance)[0].message
    assert "segment 1" in message and "ISA" in message and "expected" in message
    assert message.isprintable() and len(message) < 300


def test_nul_bytes_inside_a_file_are_not_silently_accepted() -> None:
    data = x835(*CLAIM).replace(b"CLP*C1*1*100.00*80.00", b"CLP*C1*1*100.00*80\x00.00")
    remittance = parse_835(data)
    assert problem_at(remittance, BODY, "CLP04")


def test_an_unreadable_segment_is_reported_in_a_short_printable_message() -> None:
    remittance = read(*CLAIM, "THIS IS NOT A SEGMENT BUT A LONG LINE OF FREE TEXT " * 6, *GOOD)

    problems = [p for p in remittance.problems if p.segment_number == BODY + 2]
    assert problems
    for problem in problems:
        assert problem.message.isprintable() and len(problem.message) < 300, problem.message
    assert claim_ids(remittance) == ["C1", "C2"]


def test_padding_after_the_interchange_is_reported_in_a_printable_message() -> None:
    remittance = parse_835(x835(*CLAIM) + b"\x00" * 200)

    assert claim_ids(remittance) == ["C1"]
    assert remittance.problems
    for problem in remittance.problems:
        assert problem.message.isprintable() and len(problem.message) < 300, repr(problem.message)


# --- nothing escapes ------------------------------------------------------------------------------------

SAMPLE, _ = generate_835(3, claims_per_transaction=4, max_lines_per_claim=2)
SEGMENTS = SAMPLE.split(b"~\n")
NOISE = st.text(alphabet=string.ascii_letters + string.digits + "*:~^|>.- \n\x00", max_size=20)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    parser = drain(data)
    if data.strip():
        assert any(p.severity == "error" for p in parser.problems) or parser.transactions_read


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_corrupted_element_never_raises(data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(SEGMENTS) - 2), label="segment")
    elements = SEGMENTS[index].split(b"*")
    position = data.draw(st.integers(0, len(elements)), label="element")
    noise = data.draw(NOISE, label="noise").encode()
    if position == len(elements):
        elements.append(noise)
    else:
        elements[position] = noise
    corrupted = [*SEGMENTS[:index], b"*".join(elements), *SEGMENTS[index + 1 :]]
    chunk_size = data.draw(st.sampled_from([None, 1, 5, 64]), label="chunk")

    drain(b"~\n".join(corrupted), chunk_size)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(SAMPLE)), st.binary(min_size=1, max_size=30))
def test_random_bytes_spliced_into_a_file_never_raise(at: int, noise: bytes) -> None:
    drain(SAMPLE[:at] + noise + SAMPLE[at:])


MALFORMED_OR_RARE = (
    "LX*1", "TS3*1*11*20231231*1*1.00", "TS2*1.00", "MIA*1***1.00*MA01", "MOA*0.5*1*MA01", "CUR*PR*USD",
    "RDM*EM*A*B", "NM1*QC*1*A", "REF*EV*X", "DTM*405*20230101", "PER*CX*A*TE*1", "AMT*AU*1", "QTY*CA*1",
    "N1*PE*A*XX*1", "N3*A", "N4*A*B*C", "ST*837*0009", "SVC*HC:99213:25*1*1**1*HC:99214*1", "ST*835", "SE",
    "GE", "IEA", "LX", "TS3", "CLP", "CLP*A", "CAS", "CAS*CO", "CAS*CO*45", "CAS*XX*45*1", "SVC", "SVC*HC",
    "SVC*:", "SVC*HC:1*x", "PLB", "PLB*1*2*3", "PLB*1*2*L6*x", "N1", "N1*XX*A", "N3", "N4", "REF", "REF*6R",
    "DTM", "DTM*472", "DTM*472*x", "PER", "RDM", "AMT*B6", "QTY*X", "LQ", "LQ*HE", "MIA*x",
    "MOA*1*2*3*4*5*6*7*x", "NM1", "NM1*ZZ", "CUR", "TRN", "BPR", "BPR*I*x", "ISA*00", "ZZZ",
)  # fmt: skip
VOCABULARY = sorted({s.decode() for s in SEGMENTS[:-1]} | set(MALFORMED_OR_RARE))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(VOCABULARY), max_size=30), st.booleans())
def test_segments_in_any_order_never_raise(body: list[str], with_isa: bool) -> None:
    drain(x12([isa()] * with_isa + body))
