"""Reference CSVs take ASCII digits and letters only: money, units, line numbers and dates in another
script's digits are refused, and upper() does not make codes out of letters nobody wrote."""

from __future__ import annotations

import pytest
from tests.unit.reference.test_csv_import import FEE_HEADER, FULL_HEADER, HEADER, PAYER, claims_csv, line

from remitflow.reference import read_claims_csv, read_fee_schedule_csv


@pytest.mark.parametrize("charge", ["１２５.００", "١٢٥.٠٠", "1٢5.00", "$１,250.00"])
def test_a_charge_in_other_digits_is_refused_at_its_row_and_column(charge: str) -> None:
    result = read_claims_csv(claims_csv(line("PCN1", charge=f'"{charge}"'), line("PCN2")))
    assert [(p.row, p.column) for p in result.problems if p.column == "charge_amount"] == [(2, "charge_amount")]
    assert [c.claim_id for c in result.claims] == ["PCN2"]


@pytest.mark.parametrize("when", ["２０２５-01-06", "01/06/٢٠٢٥", "2025010６"])
def test_a_service_date_in_other_digits_is_refused(when: str) -> None:
    result = read_claims_csv(claims_csv(line("PCN1", when=when), line("PCN2")))
    assert (2, "service_date") in [(p.row, p.column) for p in result.problems]
    assert [c.claim_id for c in result.claims] == ["PCN2"]


@pytest.mark.parametrize(("column", "value"), [("units", "２"), ("line_number", "١"), ("expected_allowed", "９.５0")])
def test_units_line_numbers_and_allowed_amounts_in_other_digits_are_refused(column: str, value: str) -> None:
    values = {"line_number": "", "modifiers": "", "units": "", "line_control_number": "", "expected_allowed": ""}
    values[column] = value
    row = f"{line('PCN1')},{','.join(values.values())},"
    result = read_claims_csv(claims_csv(row, header=FULL_HEADER))
    assert (2, column) in [(p.row, p.column) for p in result.problems]
    assert result.claims == []


@pytest.mark.parametrize("modifier", ["\u00df", "\ufb00", "2\u017f"])  # sharp s, ff ligature, long s
def test_a_modifier_that_is_ascii_only_after_upper_is_refused(modifier: str) -> None:
    result = read_fee_schedule_csv(f"{FEE_HEADER}\n{PAYER},99213,{modifier},90.00\n{PAYER},99214,,110.00\n")
    assert [(p.row, p.column) for p in result.problems] == [(2, "modifiers")]
    assert [(e.procedure_code, e.modifiers) for e in result.entries] == [("99214", [])]


def test_a_procedure_code_that_is_ascii_only_after_upper_is_refused() -> None:
    result = read_claims_csv(claims_csv(line("PCN1", code="9921\ufb00"), line("PCN2"), header=HEADER))
    assert (2, "procedure_code") in [(p.row, p.column) for p in result.problems]
    assert [c.claim_id for c in result.claims] == ["PCN2"]
