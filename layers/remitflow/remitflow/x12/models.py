"""The 835 health care claim payment/advice (005010X221A1) as the rest of remitflow consumes it.

The parser checks every number and date itself and builds these with `trusted`/`build`, so reading
a file pays for validation once. Money is `Decimal` (a string in JSON); dates are `date`.
Field names follow the TR3 element names; comments give the element where the name is not obvious.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar

from pydantic import ConfigDict, Field

from remitflow.x12.base_models import Adjustment as Adjustment  # noqa: PLC0414  # the posting records' part
from remitflow.x12.base_models import X12Model as X12Model  # noqa: PLC0414
from remitflow.x12.base_models import build as build  # noqa: PLC0414
from remitflow.x12.base_models import field_template as field_template  # noqa: PLC0414
from remitflow.x12.errors import Problem


class FlatSegment(X12Model):
    """A segment whose elements map one-to-one onto fields: `ELEMENTS` gives each field's position.

    A field typed `list[str]` takes every non-empty element at its positions (remark code lists).
    """

    ELEMENTS: ClassVar[dict[str, int | tuple[int, ...]]] = {}


# --- envelope and header -------------------------------------------------------------------------


class Interchange(X12Model):
    control_number: str  # ISA13
    sender_id: str  # ISA06
    receiver_id: str  # ISA08
    interchange_date: date | None = None  # ISA09
    version: str  # ISA12
    usage: str  # ISA15: P production, T test
    group_control_number: str | None = None  # GS06
    implementation: str | None = None  # GS08, e.g. 005010X221A1


class Payment(FlatSegment):
    """BPR financial information and TRN reassociation trace."""

    ELEMENTS: ClassVar[dict[str, int | tuple[int, ...]]] = {
        "handling_code": 1,
        "amount": 2,
        "credit_debit": 3,
        "method": 4,
        "payment_format": 5,
        "sender_dfi_qualifier": 6,
        "sender_dfi_id": 7,
        "sender_account_qualifier": 8,
        "sender_account_number": 9,
        "originating_company_id": 10,
        "originating_company_supplemental_code": 11,
        "receiver_dfi_qualifier": 12,
        "receiver_dfi_id": 13,
        "receiver_account_qualifier": 14,
        "receiver_account_number": 15,
        "effective_date": 16,
        "business_function_code": 17,
        "secondary_dfi_qualifier": 18,
        "secondary_dfi_id": 19,
        "secondary_account_qualifier": 20,
        "secondary_account_number": 21,
    }
    handling_code: str
    amount: Decimal
    credit_debit: str
    method: str
    payment_format: str | None = None
    sender_dfi_qualifier: str | None = None
    sender_dfi_id: str | None = None
    sender_account_qualifier: str | None = None
    sender_account_number: str | None = None
    originating_company_id: str | None = None
    originating_company_supplemental_code: str | None = None
    receiver_dfi_qualifier: str | None = None
    receiver_dfi_id: str | None = None
    receiver_account_qualifier: str | None = None
    receiver_account_number: str | None = None
    effective_date: date | None = None
    business_function_code: str | None = None
    secondary_dfi_qualifier: str | None = None
    secondary_dfi_id: str | None = None
    secondary_account_qualifier: str | None = None
    secondary_account_number: str | None = None
    trace_type: str | None = None  # TRN01
    trace_number: str | None = None  # TRN02: the check number or EFT trace
    payer_identifier: str | None = None  # TRN03: "1" + the payer's EIN, as a rule
    trace_originating_supplemental_code: str | None = None  # TRN04


class Address(X12Model):
    line1: str | None = None  # N301
    line2: str | None = None  # N302
    city: str | None = None  # N401
    state: str | None = None
    postal_code: str | None = None
    country_code: str | None = None
    country_subdivision: str | None = None  # N407


class Reference(X12Model):
    qualifier: str
    value: str
    description: str | None = None  # REF03


class Communication(X12Model):
    qualifier: str  # TE telephone, EM email, UR url, FX fax, EX extension
    number: str


class Contact(X12Model):
    function_code: str  # PER01: CX claims, BL technical, IC information
    name: str | None = None
    communications: list[Communication] = Field(default_factory=list)


class RemittanceDelivery(X12Model):
    """RDM: how the payee asked to receive the remittance."""

    method: str  # RDM01: BM mail, EM email, FT file transfer, OL online
    name: str | None = None
    communication_number: str | None = None


class Party(X12Model):
    """1000A payer or 1000B payee identification."""

    entity_code: str  # N101: PR payer, PE payee
    name: str | None = None
    identifier_qualifier: str | None = None  # N103: XX NPI, FI tax id, XV CMS plan id
    identifier: str | None = None  # N104
    npi: str | None = None  # N104 when N103 is XX
    address: Address | None = None
    references: list[Reference] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    remittance_delivery: RemittanceDelivery | None = None


class TransactionHeader(X12Model):
    """Everything before the first LX/CLP of a transaction set: the header and the 1000A/1000B loops."""

    control_number: str  # ST02
    implementation_reference: str | None = None  # ST03
    segment_number: int  # position of ST in the file
    interchange: Interchange
    payment: Payment
    currency: str | None = None  # CUR02
    receiver_identifier: str | None = None  # REF*EV
    version_identifier: str | None = None  # REF*F2
    production_date: date | None = None  # DTM*405
    payer: Party | None = None
    payee: Party | None = None
    unrecognized_segments: list[str] = Field(default_factory=list)


# --- claim payment (loop 2100) and service payment (loop 2110) -----------------------------------


class Procedure(X12Model):
    """A value: the reader shares one instance among the lines that name the same composite."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    qualifier: str  # HC HCPCS/CPT, NU revenue code, N4 NDC, AD ADA...
    code: str
    modifiers: tuple[str, ...] = ()
    description: str | None = None  # composite component 7


class Entity(X12Model):
    """An NM1 in loop 2100. Holds PHI: never log it."""

    entity_code: str  # QC patient, IL insured, 74 corrected patient, 82 rendering provider, ...
    entity_type: str | None = None  # 1 person, 2 non-person
    last_name: str | None = None  # or organization name
    first_name: str | None = None
    middle_name: str | None = None
    suffix: str | None = None
    identifier_qualifier: str | None = None
    identifier: str | None = None


class AmountEntry(X12Model):
    qualifier: str  # AMT01: AU coverage, B6 allowed, D8 discount, I interest, ...
    amount: Decimal


class QuantityEntry(X12Model):
    qualifier: str  # QTY01: CA covered days, CD co-insured days, ZK federal units ...
    quantity: Decimal


class DateEntry(X12Model):
    qualifier: str
    value: date


class InpatientAdjudication(FlatSegment):
    """MIA, Medicare inpatient adjudication."""

    ELEMENTS: ClassVar[dict[str, int | tuple[int, ...]]] = {
        "covered_days": 1,
        "pps_operating_outlier_amount": 2,
        "lifetime_psychiatric_days": 3,
        "drg_amount": 4,
        "remark_codes": (5, 20, 21, 22, 23),
        "disproportionate_share_amount": 6,
        "msp_pass_through_amount": 7,
        "pps_capital_amount": 8,
        "pps_capital_fsp_drg_amount": 9,
        "pps_capital_hsp_drg_amount": 10,
        "pps_capital_dsh_drg_amount": 11,
        "old_capital_amount": 12,
        "pps_capital_ime_amount": 13,
        "pps_operating_hsp_drg_amount": 14,
        "cost_report_day_count": 15,
        "pps_operating_fsp_drg_amount": 16,
        "claim_pps_capital_outlier_amount": 17,
        "claim_indirect_teaching_amount": 18,
        "nonpayable_professional_component_amount": 19,
        "pps_capital_exception_amount": 24,
    }
    covered_days: Decimal | None = None
    pps_operating_outlier_amount: Decimal | None = None
    lifetime_psychiatric_days: Decimal | None = None
    drg_amount: Decimal | None = None
    remark_codes: list[str] = Field(default_factory=list)
    disproportionate_share_amount: Decimal | None = None
    msp_pass_through_amount: Decimal | None = None
    pps_capital_amount: Decimal | None = None
    pps_capital_fsp_drg_amount: Decimal | None = None
    pps_capital_hsp_drg_amount: Decimal | None = None
    pps_capital_dsh_drg_amount: Decimal | None = None
    old_capital_amount: Decimal | None = None
    pps_capital_ime_amount: Decimal | None = None
    pps_operating_hsp_drg_amount: Decimal | None = None
    cost_report_day_count: Decimal | None = None
    pps_operating_fsp_drg_amount: Decimal | None = None
    claim_pps_capital_outlier_amount: Decimal | None = None
    claim_indirect_teaching_amount: Decimal | None = None
    nonpayable_professional_component_amount: Decimal | None = None
    pps_capital_exception_amount: Decimal | None = None


class OutpatientAdjudication(FlatSegment):
    """MOA, Medicare outpatient adjudication."""

    ELEMENTS: ClassVar[dict[str, int | tuple[int, ...]]] = {
        "reimbursement_rate": 1,
        "hcpcs_payable_amount": 2,
        "remark_codes": (3, 4, 5, 6, 7),
        "esrd_payment_amount": 8,
        "nonpayable_professional_component_amount": 9,
    }
    reimbursement_rate: Decimal | None = None
    hcpcs_payable_amount: Decimal | None = None
    remark_codes: list[str] = Field(default_factory=list)
    esrd_payment_amount: Decimal | None = None
    nonpayable_professional_component_amount: Decimal | None = None


class ServiceLine(X12Model):
    """Loop 2110 service payment information."""

    segment_number: int
    procedure: Procedure  # SVC01
    charge_amount: Decimal  # SVC02
    paid_amount: Decimal  # SVC03
    revenue_code: str | None = None  # SVC04
    units: Decimal  # SVC05, one when not sent
    original_procedure: Procedure | None = None  # SVC06: what was billed, when the payer changed it
    original_units: Decimal | None = None  # SVC07
    service_date: date | None = None  # DTM*472, else the start of DTM*150
    service_period_start: date | None = None  # DTM*150
    service_period_end: date | None = None  # DTM*151
    adjustments: list[Adjustment] = Field(default_factory=list)
    line_control_number: str | None = None  # REF*6R, our 837 line item control number
    references: list[Reference] = Field(default_factory=list)
    allowed_amount: Decimal | None = None  # AMT*B6
    amounts: list[AmountEntry] = Field(default_factory=list)
    quantities: list[QuantityEntry] = Field(default_factory=list)
    remarks: list[str] = Field(default_factory=list)  # LQ02 remark codes (RARC when LQ01 is HE)
    other_dates: list[DateEntry] = Field(default_factory=list)
    unrecognized_segments: list[str] = Field(default_factory=list)
    balanced: bool = True


class UnreadableServiceLine(X12Model):
    """A 2110 service payment whose SVC did not read (an element missing or malformed): kept with what
    did read and its problems, never posted; its claim holds the error and is not balanced."""

    segment_number: int
    segment: str  # the SVC as written (procedure codes and amounts)
    procedure: Procedure | None = None  # SVC01, when it read
    charge_amount: Decimal | None = None  # SVC02, when it read
    paid_amount: Decimal | None = None  # SVC03, when it read
    service_date: date | None = None  # DTM*472, else the start of DTM*150
    line_control_number: str | None = None  # REF*6R
    adjustments: list[Adjustment] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)


class ClaimPayment(X12Model):
    """Loop 2100 claim payment information with its service lines."""

    segment_number: int
    header_number: str | None = None  # LX01 of the enclosing 2000 loop
    patient_control_number: str  # CLP01: our 837 CLM01
    status_code: str  # CLP02
    charge_amount: Decimal  # CLP03
    paid_amount: Decimal  # CLP04
    patient_responsibility: Decimal | None = None  # CLP05
    claim_filing_indicator: str | None = None  # CLP06
    payer_claim_control_number: str | None = None  # CLP07
    facility_type_code: str | None = None  # CLP08
    frequency_code: str | None = None  # CLP09
    drg_code: str | None = None  # CLP11
    drg_weight: Decimal | None = None  # CLP12
    discharge_fraction: Decimal | None = None  # CLP13
    adjustments: list[Adjustment] = Field(default_factory=list)
    patient: Entity | None = None  # NM1*QC
    insured: Entity | None = None  # NM1*IL
    corrected_patient: Entity | None = None  # NM1*74
    rendering_provider: Entity | None = None  # NM1*82
    crossover_carrier: Entity | None = None  # NM1*TT
    corrected_priority_payer: Entity | None = None  # NM1*PR
    other_subscriber: Entity | None = None  # NM1*GB
    inpatient_adjudication: InpatientAdjudication | None = None
    outpatient_adjudication: OutpatientAdjudication | None = None
    references: list[Reference] = Field(default_factory=list)
    statement_period_start: date | None = None  # DTM*232
    statement_period_end: date | None = None  # DTM*233
    coverage_expiration_date: date | None = None  # DTM*036
    received_date: date | None = None  # DTM*050
    contacts: list[Contact] = Field(default_factory=list)
    amounts: list[AmountEntry] = Field(default_factory=list)
    quantities: list[QuantityEntry] = Field(default_factory=list)
    other_dates: list[DateEntry] = Field(default_factory=list)
    unrecognized_segments: list[str] = Field(default_factory=list)
    service_lines: list[ServiceLine] = Field(default_factory=list)
    unreadable_service_lines: list[UnreadableServiceLine] = Field(default_factory=list)
    balanced: bool = True
    balance_errors: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)  # segments of this claim that could not be read

    def all_adjustments(self) -> list[Adjustment]:
        """Claim-level and line-level CAS triplets together."""
        return self.adjustments + [a for line in self.service_lines for a in line.adjustments]


# --- transaction trailer ---------------------------------------------------------------------------


class ProviderAdjustment(X12Model):
    """One PLB reason/amount pair. A positive amount reduces the payment; a negative one adds to it."""

    provider_identifier: str  # PLB01
    fiscal_period_date: date | None = None  # PLB02
    reason: str  # composite component 1: L6 interest, WO recovery, FB forwarding balance, 72, J1, CS...
    reference: str | None = None  # composite component 2
    amount: Decimal


class ProviderSummary(FlatSegment):
    """TS3 provider summary of a 2000 loop (institutional claims)."""

    ELEMENTS: ClassVar[dict[str, int | tuple[int, ...]]] = {
        "provider_identifier": 1,
        "facility_type_code": 2,
        "fiscal_period_date": 3,
        "claim_count": 4,
        "total_charge_amount": 5,
        "total_msp_payer_amount": 13,
        "total_non_lab_charge_amount": 15,
        "total_hcpcs_reported_charge_amount": 17,
        "total_hcpcs_payable_amount": 18,
        "total_professional_component_amount": 20,
        "total_msp_patient_liability_met_amount": 21,
        "total_patient_reimbursement_amount": 22,
        "total_pip_claim_count": 23,
        "total_pip_adjustment_amount": 24,
    }
    provider_identifier: str | None = None
    facility_type_code: str | None = None
    fiscal_period_date: date | None = None
    claim_count: Decimal | None = None
    total_charge_amount: Decimal | None = None
    total_msp_payer_amount: Decimal | None = None
    total_non_lab_charge_amount: Decimal | None = None
    total_hcpcs_reported_charge_amount: Decimal | None = None
    total_hcpcs_payable_amount: Decimal | None = None
    total_professional_component_amount: Decimal | None = None
    total_msp_patient_liability_met_amount: Decimal | None = None
    total_patient_reimbursement_amount: Decimal | None = None
    total_pip_claim_count: Decimal | None = None
    total_pip_adjustment_amount: Decimal | None = None


class ProviderSupplementalSummary(FlatSegment):
    """TS2 Medicare Part A provider supplemental summary."""

    ELEMENTS: ClassVar[dict[str, int | tuple[int, ...]]] = {
        "total_drg_amount": 1,
        "total_federal_specific_amount": 2,
        "total_hospital_specific_amount": 3,
        "total_disproportionate_share_amount": 4,
        "total_capital_amount": 5,
        "total_indirect_medical_education_amount": 6,
        "total_outlier_day_count": 7,
        "total_day_outlier_amount": 8,
        "total_cost_outlier_amount": 9,
        "average_drg_length_of_stay": 10,
        "total_discharge_count": 11,
        "total_cost_report_day_count": 12,
        "total_covered_day_count": 13,
        "total_noncovered_day_count": 14,
        "total_msp_pass_through_amount": 15,
        "average_drg_weight": 16,
        "total_pps_capital_fsp_drg_amount": 17,
        "total_pps_capital_hsp_drg_amount": 18,
        "total_pps_dsh_drg_amount": 19,
    }
    total_drg_amount: Decimal | None = None
    total_federal_specific_amount: Decimal | None = None
    total_hospital_specific_amount: Decimal | None = None
    total_disproportionate_share_amount: Decimal | None = None
    total_capital_amount: Decimal | None = None
    total_indirect_medical_education_amount: Decimal | None = None
    total_outlier_day_count: Decimal | None = None
    total_day_outlier_amount: Decimal | None = None
    total_cost_outlier_amount: Decimal | None = None
    average_drg_length_of_stay: Decimal | None = None
    total_discharge_count: Decimal | None = None
    total_cost_report_day_count: Decimal | None = None
    total_covered_day_count: Decimal | None = None
    total_noncovered_day_count: Decimal | None = None
    total_msp_pass_through_amount: Decimal | None = None
    average_drg_weight: Decimal | None = None
    total_pps_capital_fsp_drg_amount: Decimal | None = None
    total_pps_capital_hsp_drg_amount: Decimal | None = None
    total_pps_dsh_drg_amount: Decimal | None = None


class HeaderGroup(X12Model):
    """A 2000 loop: LX header number with its optional TS3/TS2 summaries."""

    header_number: str
    provider_summary: ProviderSummary | None = None
    supplemental_summary: ProviderSupplementalSummary | None = None


class TransactionTotals(X12Model):
    """What is known only at SE: the provider adjustments, the sums and the balancing verdict."""

    claim_count: int = 0  # readable claim payments; see unreadable_claims for the others
    service_line_count: int = 0  # SVC segments, readable or not
    charge_total: Decimal = Decimal(0)
    paid_total: Decimal = Decimal(0)  # sum of CLP04
    provider_adjustment_total: Decimal = Decimal(0)  # sum of PLB amounts
    provider_adjustments: list[ProviderAdjustment] = Field(default_factory=list)
    header_groups: list[HeaderGroup] = Field(default_factory=list)
    unreadable_claim_count: int = 0
    balanced: bool = True
    balance_errors: list[str] = Field(default_factory=list)
    complete: bool = True  # False when the set ended without its SE
    unrecognized_segments: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)  # unreadable segments outside claims (header, PLB, SE)


class BrokenClaim(X12Model):
    """A claim payment that could not be read whole. It is reported, never silently dropped."""

    transaction: str
    segment_number: int  # its CLP; the claim spans segments segment_number..last_segment_number of the file
    last_segment_number: int
    patient_control_number: str | None = None
    status_code: str | None = None
    charge_amount: Decimal | None = None
    paid_amount: Decimal | None = None
    payer_claim_control_number: str | None = None
    problems: list[Problem] = Field(default_factory=list)


class TransactionEnd(X12Model):
    header: TransactionHeader
    totals: TransactionTotals


# What RemittanceParser yields, in file order.
Event = TransactionHeader | ClaimPayment | BrokenClaim | TransactionEnd


class Transaction(X12Model):
    """A whole transaction set, for callers that want it in memory (tests, small files, the CLI)."""

    header: TransactionHeader
    claims: list[ClaimPayment] = Field(default_factory=list)
    broken_claims: list[BrokenClaim] = Field(default_factory=list)
    totals: TransactionTotals


class Remittance(X12Model):
    """A whole 835 file in memory."""

    transactions: list[Transaction] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]
