"""The one configuration model: read from the environment at the edge (handlers, CLI), passed down."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from remitflow.domain.underpayment import UnderpaymentTolerance


class Settings(BaseSettings):
    """Names come from template.yaml's environment; the tolerance may be tuned per deployment."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    inbox_bucket_name: str
    claims_table_name: str
    remittances_table_name: str
    followups_table_name: str
    idempotency_table_name: str
    followup_queue_url: str
    # An underpayment is worth a biller's time when it is more than both of these.
    underpayment_tolerance_amount: Decimal = Field(default=Decimal("1.00"), ge=0)
    underpayment_tolerance_percent: Decimal = Field(default=Decimal(2), ge=0)
    # Claim payments read per BatchGetItem round trip (two keys each: claim and posting, max 100 keys).
    posting_batch_size: int = Field(default=50, ge=1, le=50)

    @property
    def tolerance(self) -> UnderpaymentTolerance:
        return UnderpaymentTolerance(
            amount=self.underpayment_tolerance_amount, percent=self.underpayment_tolerance_percent
        )
