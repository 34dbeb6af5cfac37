"""The 835 reader, loop by loop and segment by segment (005010X221A1): every element to its field."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from tests.support.synth835 import generate_835
from tests.unit.conftest import (
    BODY,
    BPR,
    CLAIM,
    PAYEE,
    PAYER,
    TRN,
    errors,
    group,
    interchange,
    parse,
    paying,
    single,
    transaction,
    warnings_,
    x12,
    x835,
)

from remitflow.x12 import RemittanceParser, TransactionEnd, parse_835
from remitflow.x12.models import ClaimPayment, ServiceLine, TransactionHeader, TransactionTotals

D = Decimal


def header_of(*segments: str) -> TransactionHeader:
    return single(parse(header=segments)).header


def claim_of(*segments: str) -> ClaimPayment:
    """The one claim of a transaction whose body is `segments` (a CLP is added when they have none)."""
    body = segments if segments[0].startswith("CLP") else (CLAIM[0], *segments)
    claims = single(parse(*body)).claims
    assert len(claims) == 1
    return claims[0]


def line_of(*segments: str) -> ServiceLine:
    """The one service line of a claim whose line segments are `segments` (an SVC is added when missing)."""
    body = segments if segments[0].startswith("SVC") else ("SVC*HC:99213*100.00*80.00", *segments)
    claim = claim_of(CLAIM[0], *body)
    assert len(claim.service_lines) == 1
    return claim.service_lines[0]


def numbered(segment_id: str, values: dict[int, str], last: int) -> str:
    """'ID*v1*v2...' with values at the given element positions and empty elements elsewhere."""
    return "*".join([segment_id, *(values.get(i, "") for i in range(1, last + 1))])


# --- header ---------------------------------------------------------------------------------------


def test_bpr_maps_all_21_elements() -> None:
    bpr = (
        "BPR*I*1234.56*C*ACH*CCP*01*011000015*DA*123456789*1512345678*SUPP1*01*021000021*DA*987654321"
        "*20230915*BF*01*031000053*SA*555555555"
    )
    payment = header_of(bpr, TRN).payment

    assert payment.model_dump(exclude={"trace_type", "trace_number", "payer_identifier"}) == {
        "handling_code": "I",
        "amount": D("1234.56"),
        "credit_debit": "C",
        "method": "ACH",
        "payment_format": "CCP",
        "sender_dfi_qualifier": "01",
        "sender_dfi_id": "011000015",
        "sender_account_qualifier": "DA",
        "sender_account_number": "123456789",
        "originating_company_id": "1512345678",
        "originating_company_supplemental_code": "SUPP1",
        "receiver_dfi_qualifier": "01",
        "receiver_dfi_id": "021000021",
        "receiver_account_qualifier": "DA",
        "receiver_account_number": "987654321",
        "effective_date": date(2023, 9, 15),
        "business_function_code": "BF",
        "secondary_dfi_qualifier": "01",
        "secondary_dfi_id": "031000053",
        "secondary_account_qualifier": "SA",
        "secondary_account_number": "555555555",
        "trace_originating_supplemental_code": None,
    }


def test_bpr_of_a_check_leaves_bank_fields_empty() -> None:
    payment = header_of(BPR, TRN).payment
    assert (payment.method, payment.amount, payment.effective_date) == ("CHK", D("80.00"), date(2023, 9, 15))
    assert payment.sender_dfi_id is None and payment.receiver_account_number is None


def test_trn_gives_the_trace_number_and_payer_identifier() -> None:
    payment = header_of(BPR, "TRN*1*EFT0042*1512345678*SUPP9").payment
    assert (payment.trace_type, payment.trace_number, payment.payer_identifier) == ("1", "EFT0042", "1512345678")
    assert payment.trace_originating_supplemental_code == "SUPP9"


def test_a_transaction_without_trn_is_read_with_a_warning() -> None:
    remittance = parse(*CLAIM, header=(BPR, PAYER, PAYEE))

    assert single(remittance).header.payment.trace_number is None
    assert any("TRN" in w.message for w in warnings_(remittance))


def test_cur_ref_ev_ref_f2_and_dtm_405_fill_the_header() -> None:
    header = header_of(BPR, TRN, "CUR*PR*CAD", "REF*EV*RECEIVER42", "REF*F2*1.1", "DTM*405*20230914")
    assert (header.currency, header.receiver_identifier, header.version_identifier) == ("CAD", "RECEIVER42", "1.1")
    assert header.production_date == date(2023, 9, 14)


def test_st_and_envelope_ids_reach_the_header() -> None:
    header = single(parse(*CLAIM)).header
    assert (header.control_number, header.implementation_reference, header.segment_number) == (
        "0001",
        "005010X221A1",
        3,
    )
    interchange_ = header.interchange
    assert (interchange_.control_number, interchange_.sender_id, interchange_.receiver_id) == (
        "000000001",
        "SENDER",
        "RECEIVER",
    )
    assert (interchange_.version, interchange_.usage, interchange_.interchange_date) == (
        "00501",
        "P",
        date(2023, 9, 15),
    )
    assert (interchange_.group_control_number, interchange_.implementation) == ("1", "005010X221A1")


def test_1000a_payer_with_address_reference_and_contacts() -> None:
    payer = header_of(
        BPR,
        TRN,
        "N1*PR*ACME HEALTH PLAN*XV*PLAN42",
        "N3*PO BOX 4410*SUITE 9",
        "N4*TORONTO*ON*M5V2T6*CA***ON",
        "REF*2U*PAYER77",
        "PER*CX*CLAIMS DEPT*TE*8005551212*EX*123",
        "PER*BL*EDI SUPPORT*TE*8005550000*EM*EDI@ACME.EXAMPLE*UR*ACME.EXAMPLE",
        "PER*IC**UR*ACME.EXAMPLE/PROVIDERS",
        PAYEE,
    ).payer

    assert payer is not None
    assert (payer.entity_code, payer.name, payer.identifier_qualifier, payer.identifier, payer.npi) == (
        "PR",
        "ACME HEALTH PLAN",
        "XV",
        "PLAN42",
        None,
    )
    assert payer.address is not None
    assert payer.address.model_dump() == {
        "line1": "PO BOX 4410",
        "line2": "SUITE 9",
        "city": "TORONTO",
        "state": "ON",
        "postal_code": "M5V2T6",
        "country_code": "CA",
        "country_subdivision": "ON",
    }
    assert [(r.qualifier, r.value) for r in payer.references] == [("2U", "PAYER77")]
    assert [(c.function_code, c.name) for c in payer.contacts] == [
        ("CX", "CLAIMS DEPT"),
        ("BL", "EDI SUPPORT"),
        ("IC", None),
    ]
    assert [[(m.qualifier, m.number) for m in c.communications] for c in payer.contacts] == [
        [("TE", "8005551212"), ("EX", "123")],
        [("TE", "8005550000"), ("EM", "EDI@ACME.EXAMPLE"), ("UR", "ACME.EXAMPLE")],
        [("UR", "ACME.EXAMPLE/PROVIDERS")],
    ]


def test_1000b_payee_with_npi_address_references_and_delivery() -> None:
    payee = header_of(
        BPR,
        TRN,
        PAYER,
        "N1*PE*RIVERSIDE CLINIC*XX*1234567893",
        "N3*1200 RIVERSIDE DR",
        "N4*AUSTIN*TX*78704",
        "REF*TJ*741852963",
        "REF*PQ*PAYEE55",
        "RDM*EM*BILLING OFFICE*BILLING@RIVERSIDE.EXAMPLE",
    ).payee

    assert payee is not None
    assert (payee.entity_code, payee.name, payee.identifier_qualifier, payee.npi) == (
        "PE",
        "RIVERSIDE CLINIC",
        "XX",
        "1234567893",
    )
    assert payee.address is not None
    assert (payee.address.line1, payee.address.line2, payee.address.city) == ("1200 RIVERSIDE DR", None, "AUSTIN")
    assert (payee.address.state, payee.address.postal_code) == ("TX", "78704")
    assert [(r.qualifier, r.value) for r in payee.references] == [("TJ", "741852963"), ("PQ", "PAYEE55")]
    assert payee.remittance_delivery is not None
    assert payee.remittance_delivery.model_dump() == {
        "method": "EM",
        "name": "BILLING OFFICE",
        "communication_number": "BILLING@RIVERSIDE.EXAMPLE",
    }


def test_a_payee_identified_by_tax_id_has_no_npi() -> None:
    payee = header_of(BPR, TRN, PAYER, "N1*PE*RIVERSIDE CLINIC*FI*741852963").payee
    assert payee is not None
    assert (payee.identifier_qualifier, payee.identifier, payee.npi) == ("FI", "741852963", None)


# --- 2000 header number ---------------------------------------------------------------------------


TS3 = "TS3*1234567893*11*20231231*4*5.00*6*7*8*9*10*11*12*13.00*14*15.00*16*17.00*18.00*19*20.00*21.00*22.00*23*24.00"
TS2 = "TS2*" + "*".join(f"{i}.5" for i in range(1, 20))


def test_lx_ts3_ts2_become_header_groups_and_number_the_claims() -> None:
    body = ("LX*1", TS3, TS2, *CLAIM, "LX*2", "CLP*C2*1*10.00*0.00**12*PAYER0002", "CAS*CO*45*10.00")
    result = single(parse(*body))

    groups = result.totals.header_groups
    assert [g.header_number for g in groups] == ["1", "2"]
    assert [c.header_number for c in result.claims] == ["1", "2"]
    assert groups[1].provider_summary is None and groups[1].supplemental_summary is None
    assert groups[0].provider_summary is not None
    assert groups[0].provider_summary.model_dump() == {
        "provider_identifier": "1234567893",
        "facility_type_code": "11",
        "fiscal_period_date": date(2023, 12, 31),
        "claim_count": D(4),
        "total_charge_amount": D("5.00"),
        "total_msp_payer_amount": D("13.00"),
        "total_non_lab_charge_amount": D("15.00"),
        "total_hcpcs_reported_charge_amount": D("17.00"),
        "total_hcpcs_payable_amount": D("18.00"),
        "total_professional_component_amount": D("20.00"),
        "total_msp_patient_liability_met_amount": D("21.00"),
        "total_patient_reimbursement_amount": D("22.00"),
        "total_pip_claim_count": D(23),
        "total_pip_adjustment_amount": D("24.00"),
    }


def test_ts2_maps_its_19_elements() -> None:
    supplemental = single(parse("LX*1", TS3, TS2, *CLAIM)).totals.header_groups[0].supplemental_summary
    names = [
        "total_drg_amount", "total_federal_specific_amount", "total_hospital_specific_amount",
        "total_disproportionate_share_amount", "total_capital_amount", "total_indirect_medical_education_amount",
        "total_outlier_day_count", "total_day_outlier_amount", "total_cost_outlier_amount",
        "average_drg_length_of_stay", "total_discharge_count", "total_cost_report_day_count",
        "total_covered_day_count", "total_noncovered_day_count", "total_msp_pass_through_amount",
        "average_drg_weight", "total_pps_capital_fsp_drg_amount", "total_pps_capital_hsp_drg_amount",
        "total_pps_dsh_drg_amount",
    ]  # fmt: skip
    assert supplemental is not None
    assert supplemental.model_dump() == {name: D(f"{i}.5") for i, name in enumerate(names, start=1)}


def test_claims_without_lx_have_no_header_number() -> None:
    assert claim_of(*CLAIM).header_number is None


# --- 2100 claim payment ---------------------------------------------------------------------------


def test_clp_maps_every_element() -> None:
    claim = claim_of("CLP*C1*2*500.00*300.00*50.00*MC*PAYERCTL9*13*7**470*1.2345*0.5")
    expected = {
        "segment_number": BODY,
        "patient_control_number": "C1",
        "status_code": "2",
        "charge_amount": D("500.00"),
        "paid_amount": D("300.00"),
        "patient_responsibility": D("50.00"),
        "claim_filing_indicator": "MC",
        "payer_claim_control_number": "PAYERCTL9",
        "facility_type_code": "13",
        "frequency_code": "7",
        "drg_code": "470",
        "drg_weight": D("1.2345"),
        "discharge_fraction": D("0.5"),
    }
    assert claim.model_dump(include=set(expected)) == expected


def test_a_short_clp_leaves_optional_fields_empty() -> None:
    claim = claim_of("CLP*C1*4*100.00*0")
    assert (claim.paid_amount, claim.patient_responsibility, claim.payer_claim_control_number) == (0, None, None)


def test_cas_reads_all_six_triplets_of_one_segment() -> None:
    claim = claim_of(CLAIM[0], "CAS*PR*1*10.00*1*2*2.50**3*3.00*2*A1*4.00**B1*-5.00**42*5.50*1")
    assert [(a.group, a.reason, a.amount, a.quantity) for a in claim.adjustments] == [
        ("PR", "1", D("10.00"), D(1)),
        ("PR", "2", D("2.50"), None),
        ("PR", "3", D("3.00"), D(2)),
        ("PR", "A1", D("4.00"), None),
        ("PR", "B1", D("-5.00"), None),
        ("PR", "42", D("5.50"), D(1)),
    ]


def test_several_cas_segments_keep_their_groups_in_order() -> None:
    claim = claim_of(CLAIM[0], "CAS*CO*45*15.00", "CAS*OA*23*3.00", "CAS*PI*94*1.00", "CAS*PR*3*1.00")
    assert [(a.group, a.reason) for a in claim.adjustments] == [("CO", "45"), ("OA", "23"), ("PI", "94"), ("PR", "3")]


@pytest.mark.parametrize(
    ("code", "field"),
    [
        ("QC", "patient"),
        ("IL", "insured"),
        ("74", "corrected_patient"),
        ("82", "rendering_provider"),
        ("TT", "crossover_carrier"),
        ("PR", "corrected_priority_payer"),
        ("GB", "other_subscriber"),
    ],
)
def test_each_nm1_entity_goes_to_its_field(code: str, field: str) -> None:
    claim = claim_of(*CLAIM, f"NM1*{code}*1*DOE*JANE*Q**JR*MI*W123456789")
    entity = getattr(claim, field)

    assert entity is not None
    assert entity.model_dump() == {
        "entity_code": code,
        "entity_type": "1",
        "last_name": "DOE",
        "first_name": "JANE",
        "middle_name": "Q",
        "suffix": "JR",
        "identifier_qualifier": "MI",
        "identifier": "W123456789",
    }
    others = {"patient", "insured", "corrected_patient", "rendering_provider", "crossover_carrier",
              "corrected_priority_payer", "other_subscriber"} - {field}  # fmt: skip
    assert all(getattr(claim, other) is None for other in others)


MIA_NAMES = {
    1: "covered_days", 2: "pps_operating_outlier_amount", 3: "lifetime_psychiatric_days", 4: "drg_amount",
    6: "disproportionate_share_amount", 7: "msp_pass_through_amount", 8: "pps_capital_amount",
    9: "pps_capital_fsp_drg_amount", 10: "pps_capital_hsp_drg_amount", 11: "pps_capital_dsh_drg_amount",
    12: "old_capital_amount", 13: "pps_capital_ime_amount", 14: "pps_operating_hsp_drg_amount",
    15: "cost_report_day_count", 16: "pps_operating_fsp_drg_amount", 17: "claim_pps_capital_outlier_amount",
    18: "claim_indirect_teaching_amount", 19: "nonpayable_professional_component_amount",
    24: "pps_capital_exception_amount",
}  # fmt: skip


def test_mia_maps_every_element_and_its_remark_codes() -> None:
    values = {i: f"{i}.25" for i in MIA_NAMES} | {5: "MA01", 20: "MA02", 21: "N10", 22: "N20", 23: "M15"}
    adjudication = claim_of(*CLAIM, numbered("MIA", values, 24)).inpatient_adjudication

    assert adjudication is not None
    assert adjudication.model_dump() == {name: D(f"{i}.25") for i, name in MIA_NAMES.items()} | {
        "remark_codes": ["MA01", "MA02", "N10", "N20", "M15"]
    }


def test_mia_with_some_fields_leaves_the_others_empty() -> None:
    adjudication = claim_of(*CLAIM, "MIA*3***1500.00*MA01").inpatient_adjudication
    assert adjudication is not None
    assert (adjudication.covered_days, adjudication.drg_amount, adjudication.remark_codes) == (
        D(3),
        D("1500.00"),
        ["MA01"],
    )
    assert adjudication.pps_capital_amount is None and adjudication.pps_operating_outlier_amount is None


def test_moa_maps_rate_amounts_and_remark_codes() -> None:
    adjudication = claim_of(*CLAIM, "MOA*0.85*12.50*MA01*MA18**N20**3.25*4.75").outpatient_adjudication
    assert adjudication is not None
    assert adjudication.model_dump() == {
        "reimbursement_rate": D("0.85"),
        "hcpcs_payable_amount": D("12.50"),
        "remark_codes": ["MA01", "MA18", "N20"],
        "esrd_payment_amount": D("3.25"),
        "nonpayable_professional_component_amount": D("4.75"),
    }


def test_claim_ref_dtm_per_amt_qty() -> None:
    claim = claim_of(
        *CLAIM,
        "REF*1L*GROUP77",
        "REF*EA*MRN42*MEDICAL RECORD",
        "DTM*232*20230801",
        "DTM*233*20230805",
        "DTM*036*20241231",
        "DTM*050*20230810",
        "PER*CX*CLAIM DESK*TE*8005551212",
        "AMT*AU*100.00",
        "AMT*I*1.25",
        "QTY*CA*3",
    )

    assert [(r.qualifier, r.value, r.description) for r in claim.references] == [
        ("1L", "GROUP77", None),
        ("EA", "MRN42", "MEDICAL RECORD"),
    ]
    assert (claim.statement_period_start, claim.statement_period_end) == (date(2023, 8, 1), date(2023, 8, 5))
    assert (claim.coverage_expiration_date, claim.received_date) == (date(2024, 12, 31), date(2023, 8, 10))
    assert [(c.function_code, c.name, c.communications[0].number) for c in claim.contacts] == [
        ("CX", "CLAIM DESK", "8005551212")
    ]
    assert [(a.qualifier, a.amount) for a in claim.amounts] == [("AU", D("100.00")), ("I", D("1.25"))]
    assert [(q.qualifier, q.quantity) for q in claim.quantities] == [("CA", D(3))]
    assert claim.other_dates == [] and claim.errors == []


def test_an_unknown_claim_date_qualifier_is_kept_under_other_dates() -> None:
    remittance = parse(*CLAIM, "DTM*999*20230801")
    claim = single(remittance).claims[0]

    assert [(d.qualifier, d.value) for d in claim.other_dates] == [("999", date(2023, 8, 1))]
    assert any(w.segment_number == BODY + 2 and w.element == "DTM01" for w in warnings_(remittance))


# --- 2110 service payment -------------------------------------------------------------------------


def test_svc_composite_with_modifiers_description_revenue_code_and_original_procedure() -> None:
    line = line_of("SVC*HC:99213:25:59:GT:RT:OFFICE VISIT*100.00*80.00*0450*2*HC:99214:25*3", "CAS*CO*45*20.00")

    assert line.procedure.model_dump() == {
        "qualifier": "HC",
        "code": "99213",
        "modifiers": ("25", "59", "GT", "RT"),
        "description": "OFFICE VISIT",
    }
    assert (line.charge_amount, line.paid_amount, line.revenue_code, line.units) == (
        D("100.00"),
        D("80.00"),
        "0450",
        D(2),
    )
    assert line.original_procedure is not None
    assert (line.original_procedure.code, line.original_procedure.modifiers) == ("99214", ("25",))
    assert line.original_units == D(3)


def test_svc_units_default_to_one() -> None:
    line = line_of("SVC*NU:0450*100.00*80.00", "CAS*CO*45*20.00")
    assert (line.procedure.qualifier, line.procedure.code, line.procedure.modifiers) == ("NU", "0450", ())
    assert line.units == D(1) and line.original_procedure is None and line.original_units is None


def test_svc_units_of_zero_are_kept() -> None:
    line = line_of("SVC*HC:99213*100.00*0.00**0", "CAS*CO*50*100.00")
    assert line.units == D(0)


def test_dtm_472_is_the_service_date() -> None:
    line = line_of("DTM*472*20230801", "DTM*150*20230701", "CAS*CO*45*20.00")
    assert (line.service_date, line.service_period_start) == (date(2023, 8, 1), date(2023, 7, 1))


def test_service_date_falls_back_to_the_start_of_a_150_151_period() -> None:
    line = line_of("DTM*150*20230801", "DTM*151*20230805", "CAS*CO*45*20.00")
    assert (line.service_date, line.service_period_start, line.service_period_end) == (
        date(2023, 8, 1),
        date(2023, 8, 1),
        date(2023, 8, 5),
    )


def test_line_cas_ref_amt_qty_and_lq() -> None:
    line = line_of(
        "CAS*CO*45*15.00",
        "CAS*PR*2*5.00",
        "REF*6R*LINE0001",
        "REF*LU*11",
        "AMT*B6*85.00",
        "AMT*KH*1.00",
        "QTY*ZK*2",
        "LQ*HE*N130",
        "LQ*HE*M15",
    )
    claim_level = claim_of(CLAIM[0], "SVC*HC:99213*100.00*80.00", "CAS*CO*45*20.00").adjustments

    assert [(a.group, a.reason, a.amount) for a in line.adjustments] == [("CO", "45", D(15)), ("PR", "2", D(5))]
    assert claim_level == []
    assert line.line_control_number == "LINE0001"
    assert [(r.qualifier, r.value) for r in line.references] == [("LU", "11")]
    assert line.allowed_amount == D("85.00")
    assert [(a.qualifier, a.amount) for a in line.amounts] == [("KH", D("1.00"))]
    assert [(q.qualifier, q.quantity) for q in line.quantities] == [("ZK", D(2))]
    assert line.remarks == ["N130", "M15"]


def test_several_lines_each_take_their_own_segments() -> None:
    claim = claim_of(
        "CLP*C1*1*150.00*110.00",
        "SVC*HC:99213*100.00*80.00",
        "CAS*CO*45*20.00",
        "REF*6R*L1",
        "SVC*HC:36415*50.00*30.00",
        "CAS*CO*45*20.00",
        "REF*6R*L2",
    )
    assert [(x.procedure.code, x.line_control_number, x.segment_number) for x in claim.service_lines] == [
        ("99213", "L1", BODY + 1),
        ("36415", "L2", BODY + 4),
    ]
    assert claim.balanced


# --- PLB ------------------------------------------------------------------------------------------


def test_plb_reads_six_reason_amount_pairs_and_repeats() -> None:
    result = single(
        parse(
            *CLAIM,
            "PLB*1234567893*20231231*L6*-5.00*WO:PAYER0001*20.00*FB:FWD1*3.00*72*1.00*J1*2.00*CS:ADJ9*4.00",
            "PLB*1234567893*20231231*IR*-0.50",
            header=paying("55.50"),
        )
    )

    adjustments = result.totals.provider_adjustments
    assert [(a.reason, a.reference, a.amount) for a in adjustments] == [
        ("L6", None, D("-5.00")),
        ("WO", "PAYER0001", D("20.00")),
        ("FB", "FWD1", D("3.00")),
        ("72", None, D("1.00")),
        ("J1", None, D("2.00")),
        ("CS", "ADJ9", D("4.00")),
        ("IR", None, D("-0.50")),
    ]
    assert {(a.provider_identifier, a.fiscal_period_date) for a in adjustments} == {("1234567893", date(2023, 12, 31))}
    assert result.totals.provider_adjustment_total == D("24.50")
    assert result.totals.balanced, result.totals.balance_errors


def test_a_negative_plb_adds_to_the_payment() -> None:
    result = single(
        parse(
            *CLAIM,
            "PLB*1234567893*20231231*L6*-5.00",
            header=paying("85.00"),
        )
    )
    assert result.totals.balanced, result.totals.balance_errors


# --- unknown segments -----------------------------------------------------------------------------


def test_an_unknown_segment_is_kept_with_a_warning_where_it_was_found() -> None:
    remittance = parse(
        "ZZA*HEADER",
        *CLAIM,
        "ZZB*CLAIM",
        "SVC*HC:99213*100.00*100.00",
        "ZZC*LINE",
        "PLB*1234567893*20231231*L6*0.00",
        "ZZD*END",
        header=(BPR, TRN, PAYER, PAYEE),
    )
    result = single(remittance)
    claim = result.claims[0]

    assert result.header.unrecognized_segments == ["ZZA*HEADER"]
    assert claim.unrecognized_segments == ["ZZB*CLAIM"]
    assert claim.service_lines[0].unrecognized_segments == ["ZZC*LINE"]
    assert result.totals.unrecognized_segments == ["ZZD*END"]
    assert result.totals.balanced, result.totals.balance_errors
    unknown = [(w.segment_number, w.segment_id) for w in warnings_(remittance)]
    assert unknown == [(BODY, "ZZA"), (BODY + 3, "ZZB"), (BODY + 5, "ZZC"), (BODY + 7, "ZZD")]


# --- versions, several sets and interchanges ------------------------------------------------------


def test_a_4010_file_is_read_with_a_single_warning_and_cas_cr_is_accepted() -> None:
    body = ("CLP*C1*1*100.00*80.00", "CAS*CR*45*20.00")
    data = x12(interchange(group(transaction(*body), implementation="004010X091A1"), version="00401"))
    remittance = parse_835(data)
    claim = single(remittance).claims[0]

    assert [(a.group, a.amount) for a in claim.adjustments] == [("CR", D("20.00"))]
    assert claim.balanced and errors(remittance) == []
    assert len([w for w in warnings_(remittance) if "4010" in w.message]) == 1


def test_cas_cr_is_an_error_in_5010() -> None:
    remittance = parse("CLP*C1*1*100.00*80.00", "CAS*CR*45*20.00")
    assert [(e.segment_number, e.element) for e in errors(remittance)] == [(BODY + 1, "CAS01")]


def second_header(amount: str) -> tuple[str, ...]:
    return (f"BPR*I*{amount}*C*CHK************20230916", "TRN*1*CHK2002*1512345678", PAYER, PAYEE)


def test_every_transaction_set_of_a_group_reports_its_own_payment() -> None:
    data = x12(
        interchange(
            group(
                transaction(*CLAIM),
                transaction("CLP*C2*1*60.00*50.00", "CAS*CO*45*10.00", control="0002", header=second_header("50.00")),
            )
        )
    )
    remittance = parse_835(data)

    assert [(t.header.control_number, t.header.payment.amount) for t in remittance.transactions] == [
        ("0001", D("80.00")),
        ("0002", D("50.00")),
    ]
    assert [[c.patient_control_number for c in t.claims] for t in remittance.transactions] == [["C1"], ["C2"]]
    assert remittance.problems == []


def test_every_interchange_and_group_of_a_file_is_read() -> None:
    first = interchange(group(transaction(*CLAIM)), group(transaction(*CLAIM, control="0002"), control="2"))
    second = interchange(
        group(transaction("CLP*C3*1*60.00*50.00", "CAS*CO*45*10.00", control="0003", header=second_header("50.00"))),
        control="000000002",
    )
    remittance = parse_835(x12(first + second))

    found = [
        (t.header.interchange.control_number, t.header.interchange.group_control_number, t.header.payment.amount)
        for t in remittance.transactions
    ]
    assert found == [("000000001", "1", D(80)), ("000000001", "2", D(80)), ("000000002", "1", D(50))]
    assert remittance.problems == []


def test_events_stream_header_claims_then_end() -> None:
    data = x835(*CLAIM, "CLP*C2*1*10.00*0.00", "CAS*CO*45*10.00")
    kinds = [type(event).__name__ for event in RemittanceParser(data)]
    assert kinds == ["TransactionHeader", "ClaimPayment", "ClaimPayment", "TransactionEnd"]


def test_a_claim_is_yielded_before_the_rest_of_the_file_is_read() -> None:
    data, _ = generate_835(5, claims_per_transaction=40)
    consumed = 0

    def source() -> Iterator[bytes]:
        nonlocal consumed
        for start in range(0, len(data), 256):
            consumed += 256
            yield data[start : start + 256]

    for event in RemittanceParser(source()):
        if isinstance(event, ClaimPayment):
            break
    assert consumed < len(data) // 2


# --- types and model integrity --------------------------------------------------------------------

RICH_BODY = (
    "LX*1",
    TS3,
    TS2,
    "CLP*C1*1*150.00*90.00*20.00*MC*PAYERCTL1*11*1**470*1.5*0.5",
    "CAS*OA*23*10.00*1",
    "NM1*QC*1*DOE*JANE****MI*W1",
    "NM1*82*1*SMITH*ANN****XX*1234567893",
    "MIA*3***1500.00*MA01",
    "MOA*0.85*12.50*MA01",
    "REF*1L*GROUP77",
    "DTM*232*20230801",
    "DTM*233*20230805",
    "DTM*999*20230802",
    "PER*CX*CLAIM DESK*TE*8005551212",
    "AMT*AU*100.00",
    "QTY*CA*3",
    "ZZZ*CLAIM",
    "SVC*HC:99213:25*130.00*80.00**1*HC:99214*1",
    "DTM*150*20230801",
    "DTM*151*20230802",
    "CAS*CO*45*30.00",
    "CAS*PR*2*20.00",
    "REF*6R*L1",
    "REF*LU*11",
    "AMT*B6*90.00",
    "QTY*ZK*2",
    "LQ*HE*N130",
    "SVC*HC:36415*20.00*20.00",
    "DTM*472*20230801",
    "PLB*1234567893*20231231*L6*-1.00*WO:PAYERCTL1*2.00",
)
RICH_HEADER = (
    "BPR*I*89.00*C*ACH*CCP*01*011000015*DA*123456789*1512345678**01*021000021*DA*987654321*20230915",
    "TRN*1*EFT0042*1512345678",
    "CUR*PR*USD",
    "REF*EV*RECEIVER42",
    "DTM*405*20230914",
    "N1*PR*ACME HEALTH PLAN",
    "N3*PO BOX 4410",
    "N4*ATLANTA*GA*30302",
    "PER*BL*EDI*TE*8005550000",
    "N1*PE*RIVERSIDE CLINIC*XX*1234567893",
    "N4*AUSTIN*TX*78704",
    "RDM*EM*BILLING*BILLING@RIVERSIDE.EXAMPLE",
)


def rich() -> list[BaseModel]:
    remittance = parse(*RICH_BODY, header=RICH_HEADER)
    result = single(remittance)
    assert result.totals.balanced, result.totals.balance_errors
    assert errors(remittance) == []
    return [result.header, *result.claims, result.totals]


def walk(value: Any, path: str = "") -> Any:
    """(path, model) for every model nested in `value`, `value` first."""
    if isinstance(value, BaseModel):
        yield path, value
        for name in type(value).model_fields:
            yield from walk(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")


@pytest.mark.parametrize("which", [0, 1, 2], ids=["header", "claim", "totals"])
def test_models_built_by_the_parser_validate_to_themselves(which: int) -> None:
    model = rich()[which]
    assert type(model).model_validate(model.model_dump()) == model


@pytest.mark.parametrize("model_type", [TransactionHeader, ClaimPayment, TransactionTotals])
def test_models_built_from_a_synthetic_file_validate_to_themselves(model_type: type[BaseModel]) -> None:
    data, _ = generate_835(21, transactions=2, claims_per_transaction=6)
    models = []
    for event in RemittanceParser(data):
        parts = [event.header, event.totals] if isinstance(event, TransactionEnd) else [event]
        models += [m for m in parts if type(m) is model_type]

    assert models
    for model in models:
        assert model_type.model_validate(model.model_dump()) == model


def test_fields_are_set_in_declaration_order_at_every_depth() -> None:
    for root in rich():
        for path, model in walk(root):
            assert list(model.__dict__) == list(type(model).model_fields), path


def test_json_of_a_claim_round_trips() -> None:
    claim = rich()[1]
    assert ClaimPayment.model_validate_json(claim.model_dump_json()) == claim


def test_money_is_decimal_and_dates_are_dates_everywhere() -> None:
    checked = set()
    for root in rich():
        for path, model in walk(root):
            for name, info in type(model).model_fields.items():
                value = getattr(model, name)
                annotation = str(info.annotation)
                assert not isinstance(value, float), f"{path}.{name}"
                if value is None:
                    continue
                if "Decimal" in annotation:
                    assert type(value) is Decimal, f"{path}.{name}: {value!r}"
                    checked.add("Decimal")
                elif "date" in annotation:
                    assert type(value) is date, f"{path}.{name}: {value!r}"
                    checked.add("date")
    assert checked == {"Decimal", "date"}


def test_json_holds_money_as_strings_and_dates_as_iso() -> None:
    dumped = rich()[1].model_dump(mode="json")
    assert (dumped["charge_amount"], dumped["drg_weight"]) == ("150.00", "1.5")
    assert dumped["statement_period_start"] == "2023-08-01"
    assert dumped["service_lines"][0]["adjustments"][1]["amount"] == "20.00"


def test_lines_naming_one_procedure_share_a_frozen_value_but_no_lists() -> None:
    data, _ = generate_835(5, transactions=1, claims_per_transaction=30, max_lines_per_claim=4)
    claims = [event for event in RemittanceParser(data) if isinstance(event, ClaimPayment)]
    lines = [line for claim in claims for line in claim.service_lines]
    by_text: dict[tuple[str, str, tuple[str, ...]], set[int]] = {}
    for line in lines:
        procedure = line.procedure
        by_text.setdefault((procedure.qualifier, procedure.code, procedure.modifiers), set()).add(id(procedure))
    assert len(by_text) < len(lines)  # the file repeats procedures, so some are shared
    assert all(len(ids) == 1 for ids in by_text.values())
    with pytest.raises(ValidationError):
        lines[0].procedure.code = "00000"

    # Each claim and line holds lists of its own, so appending to one never shows up in another.
    for models in (claims, lines):
        for name, info in type(models[0]).model_fields.items():
            if info.default_factory is list:
                assert len({id(getattr(model, name)) for model in models}) == len(models), name
