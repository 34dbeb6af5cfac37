"""Builders for the posting engine tests: small inline 835s, claims that match them, a posting loop."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from remitflow.domain import (
    Claim,
    ClaimLine,
    FeeSchedule,
    Followup,
    PostingDecision,
    PostingRecord,
    ProviderLedgerEntry,
    RemittanceRef,
    decide,
    decide_provider_adjustments,
    hold_broken_claim,
    occurrences,
)
from remitflow.domain.underpayment import UnderpaymentTolerance
from remitflow.x12 import parse_835
from remitflow.x12.models import Adjustment, ClaimPayment, Transaction

NOW = datetime(2025, 1, 20, 9, 30, tzinfo=UTC)
PAYER = "1411289245"
TRACE = "TRACE0001"
SOURCE = "remittances/test.835"
REMITTANCE = RemittanceRef(payer_id=PAYER, trace_number=TRACE, payment_date=date(2025, 1, 16), source_key=SOURCE)
NO_FEES = FeeSchedule()


def _isa() -> str:
    fields = (
        "ISA", "00", " " * 10, "00", " " * 10, "ZZ", f"{'PAYERCLEAR':<15}", "ZZ", f"{'CLINIC':<15}",
        "250116", "0930", "^", "00501", "000000001", "0", "P", ":",
    )  # fmt: skip
    return "*".join(fields)


def _payment(body: Sequence[str]) -> Decimal:
    """BPR02 that balances the body: sum of CLP04 minus sum of PLB amounts."""
    total = Decimal(0)
    for segment in body:
        elements = segment.split("*")
        if elements[0] == "CLP":
            total += Decimal(elements[4])
        elif elements[0] == "PLB":
            total -= sum((Decimal(a) for a in elements[4::2] if a), Decimal(0))
    return total


def x835(*body: str, trace: str = TRACE, payer: str = PAYER) -> bytes:
    header = [
        "ST*835*0001*005010X221A1",
        f"BPR*I*{_payment(body)}*C*CHK************20250116",
        f"TRN*1*{trace}*{payer}",
        "N1*PR*TEST HEALTH PLAN",
        "N1*PE*TEST CLINIC*XX*1234567893",
        "LX*1",
    ]
    segments = [*header, *body]
    segments.append(f"SE*{len(segments) + 1}*0001")
    envelope = [
        _isa(),
        "GS*HP*PAYERCLEAR*CLINIC*20250116*0930*1*X*005010X221A1",
        *segments,
        "GE*1*1",
        "IEA*1*000000001",
    ]
    return "".join(s + "~\n" for s in envelope).encode()


def transaction(*body: str) -> Transaction:
    remittance = parse_835(x835(*body))
    assert len(remittance.transactions) == 1, [p.message for p in remittance.problems]
    return remittance.transactions[0]


def claim_payments(*body: str) -> list[ClaimPayment]:
    return transaction(*body).claims


def claim_payment(*body: str) -> ClaimPayment:
    (only,) = claim_payments(*body)
    return only


def claim_line(
    line_number: int,
    code: str,
    charge: str,
    *,
    modifiers: Sequence[str] = (),
    day: date = date(2025, 1, 2),
    control: str | None = None,
    expected: str | None = None,
    units: str = "1",
) -> ClaimLine:
    return ClaimLine(
        line_number=line_number,
        procedure_code=code,
        modifiers=list(modifiers),
        service_date=day,
        units=Decimal(units),
        charge_amount=Decimal(charge),
        line_control_number=control,
        expected_allowed=None if expected is None else Decimal(expected),
    )


def make_claim(claim_id: str, charge: str, lines: Iterable[ClaimLine] = (), **balances: Decimal) -> Claim:
    return Claim(
        claim_id=claim_id,
        account_id=f"ACCT-{claim_id}",
        payer_id=PAYER,
        charge_amount=Decimal(charge),
        lines=list(lines),
        **balances,
    )


def claim_for(cp: ClaimPayment, *, line_controls: bool = True) -> Claim:
    """The claim we would have billed for a claim payment (amounts as billed, never negative)."""
    lines = [
        ClaimLine(
            line_number=number,
            procedure_code=(svc.original_procedure or svc.procedure).code,
            modifiers=(svc.original_procedure or svc.procedure).modifiers,
            service_date=svc.service_date or date(2000, 1, 1),
            units=abs(svc.units),
            charge_amount=abs(svc.charge_amount),
            line_control_number=svc.line_control_number if line_controls else None,
        )
        for number, svc in enumerate(cp.service_lines, start=1)
    ]
    return make_claim(cp.patient_control_number, str(abs(cp.charge_amount)), lines)


def _negated_adjustments(adjustments: list[Adjustment]) -> list[Adjustment]:
    return [a.model_copy(update={"amount": -a.amount}) for a in adjustments]


def negated(cp: ClaimPayment, status_code: str) -> ClaimPayment:
    """The same claim payment with every amount negated: a reversal from its original, or back."""
    lines = [
        line.model_copy(
            update={
                "charge_amount": -line.charge_amount,
                "paid_amount": -line.paid_amount,
                "units": -line.units,
                "adjustments": _negated_adjustments(line.adjustments),
                "allowed_amount": None if line.allowed_amount is None else -line.allowed_amount,
            }
        )
        for line in cp.service_lines
    ]
    responsibility = cp.patient_responsibility
    return cp.model_copy(
        update={
            "status_code": status_code,
            "charge_amount": -cp.charge_amount,
            "paid_amount": -cp.paid_amount,
            "patient_responsibility": None if responsibility is None else -responsibility,
            "adjustments": _negated_adjustments(cp.adjustments),
            "service_lines": lines,
        }
    )


def decide_one(
    cp: ClaimPayment,
    claim: Claim | None,
    *,
    occurrence: int = 0,
    fee_schedule: FeeSchedule = NO_FEES,
    prior: Sequence[PostingRecord] = (),
    remittance: RemittanceRef = REMITTANCE,
    tolerance: UnderpaymentTolerance | None = None,
) -> PostingDecision:
    extra = {} if tolerance is None else {"tolerance": tolerance}
    return decide(
        cp,
        remittance=remittance,
        claim=claim,
        occurrence=occurrence,
        fee_schedule=fee_schedule,
        prior_postings=list(prior),
        now=NOW,
        **extra,
    )


@dataclass
class Books:
    """What the adapters would hold: claims, posting records per claim, and everything written."""

    claims: dict[str, Claim] = field(default_factory=dict)
    postings: dict[str, list[PostingRecord]] = field(default_factory=dict)
    decisions: list[PostingDecision] = field(default_factory=list)
    provider_entries: list[ProviderLedgerEntry] = field(default_factory=list)
    followups: list[Followup] = field(default_factory=list)


@dataclass
class Accounting:
    """Where one transaction set's money went."""

    posted: Decimal
    unapplied: Decimal
    provider_adjustments: Decimal

    @property
    def paid_out(self) -> Decimal:
        """What the payer sent according to our books: posted + unapplied - PLB."""
        return self.posted + self.unapplied - self.provider_adjustments


def post_transaction(
    books: Books, tx: Transaction, *, source: str = SOURCE, fee_schedule: FeeSchedule = NO_FEES
) -> Accounting:
    """Decide every claim payment of a transaction set in order, writing each result as an adapter would."""
    remittance = RemittanceRef.from_header(tx.header, source)
    posted = unapplied = Decimal(0)
    for cp, occurrence in zip(tx.claims, occurrences(tx.claims), strict=True):
        claim_id = cp.patient_control_number
        decision = decide(
            cp,
            remittance=remittance,
            claim=books.claims.get(claim_id),
            occurrence=occurrence,
            fee_schedule=fee_schedule,
            prior_postings=books.postings.get(claim_id, []),
            now=NOW,
        )
        if decision.claim is not None:
            books.claims[claim_id] = decision.claim
            books.postings.setdefault(claim_id, []).append(decision.record())
        books.decisions.append(decision)
        books.followups.extend(decision.followups)
        posted += decision.posted_payment
        unapplied += decision.unapplied_cash
    for broken in tx.broken_claims:
        held = hold_broken_claim(broken, remittance, NOW)
        books.followups.append(held)
        unapplied += held.amount or 0
    entries, followups = decide_provider_adjustments(tx.totals.provider_adjustments, remittance, NOW)
    books.provider_entries.extend(entries)
    books.followups.extend(followups)
    return Accounting(posted, unapplied, sum((e.amount for e in entries), Decimal(0)))
