"""The claims we billed, their running balances, and the allowed amounts we expect from each payer."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field, PrivateAttr, computed_field

from remitflow.values import ZERO, DomainModel, Money


class ClaimStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"  # the payer is done: nothing left on the insurance balance
    PARTIALLY_PAID = "partially_paid"
    # The payer processed the claim and paid nothing: what it allowed went to the patient (PR-1
    # deductible, PR-2 coinsurance, PR-3 copay). Nothing is left on the insurance balance; the patient owes.
    PATIENT_RESPONSIBILITY = "patient_responsibility"
    DENIED = "denied"
    FORWARDED = "forwarded"  # processed and sent on; waits for the next payer
    CLOSED = "closed"


def modifier_key(modifiers: Iterable[str]) -> tuple[str, ...]:
    """Modifiers as a lookup key: payers echo them in any order and case."""
    return tuple(sorted(m.strip().upper() for m in modifiers if m.strip()))


class ClaimLine(DomainModel):
    line_number: int
    procedure_code: str
    modifiers: list[str] = Field(default_factory=list)
    service_date: date
    units: Decimal = Decimal(1)
    charge_amount: Money
    line_control_number: str | None = None  # our 837 REF*6R, echoed in the 835
    expected_allowed: Money | None = None  # the contract amount for the whole line, when we know it


class Claim(DomainModel):
    # The balances below are stored with the claim, so reading one back brings them in: ignore them.
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    claim_id: str  # the patient control number we sent (837 CLM01, echoed in CLP01)
    account_id: str
    payer_id: str
    patient_name: str | None = Field(default=None, repr=False)  # PHI: kept out of repr so it is never logged
    status: ClaimStatus = ClaimStatus.OPEN
    lines: list[ClaimLine] = Field(default_factory=list)
    charge_amount: Money
    insurance_paid: Money = ZERO
    contractual_adjustment: Money = ZERO
    other_adjustment: Money = ZERO
    patient_responsibility: Money = ZERO
    patient_written_off: Money = ZERO  # the part of patient_responsibility a biller wrote off
    version: int = 0
    posting_ids: list[str] = Field(default_factory=list)
    appeals: list[str] = Field(default_factory=list)  # follow-ups appealed on this claim: the posting hook's marker

    @computed_field  # type: ignore[prop-decorator]
    @property
    def insurance_balance(self) -> Decimal:
        """What the payers still owe; negative is a credit balance (overpayment)."""
        return (
            self.charge_amount
            - self.insurance_paid
            - self.contractual_adjustment
            - self.other_adjustment
            - self.patient_responsibility
        )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def patient_balance(self) -> Decimal:
        # Patient payments are not posted yet; when they are, they come off here too.
        return self.patient_responsibility - self.patient_written_off


class FeeScheduleEntry(DomainModel):
    payer_id: str
    procedure_code: str
    modifiers: list[str] = Field(default_factory=list)
    allowed_amount: Money  # per unit


FeeKey = tuple[str, str, tuple[str, ...]]


class FeeSchedule(DomainModel):
    """Allowed amount per unit for (payer, procedure, modifiers); exact match only, since modifiers
    such as 26 or TC change the price."""

    entries: list[FeeScheduleEntry] = Field(default_factory=list)
    _index: dict[FeeKey, Decimal] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        for entry in self.entries:
            key = (entry.payer_id, entry.procedure_code.upper(), modifier_key(entry.modifiers))
            if key in self._index:
                raise ValueError(f"fee schedule lists payer {key[0]}, procedure {key[1]} {list(key[2])} twice")
            self._index[key] = entry.allowed_amount

    def allowed(self, payer_id: str, procedure_code: str, modifiers: Iterable[str] = ()) -> Decimal | None:
        return self._index.get((payer_id, procedure_code.upper(), modifier_key(modifiers)))
