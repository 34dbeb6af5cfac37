"""The one configuration model: read from the environment at the edge (handlers, CLI), passed down."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from remitflow.bank.csv_layout import CsvLayout
from remitflow.services.time_budget import check_chunk_size

if TYPE_CHECKING:
    from remitflow.domain.underpayment import UnderpaymentTolerance


class Settings(BaseSettings):
    """Names come from template.yaml's environment; the tolerance may be tuned per deployment."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", defer_build=True)

    inbox_bucket_name: str
    claims_table_name: str
    remittances_table_name: str
    followups_table_name: str
    followup_queue_url: str
    posting_queue_url: str  # PostingQueue: chunks of a remittance for PostingWorker
    # An underpayment is worth a biller's time when it is more than both of these.
    underpayment_tolerance_amount: Decimal = Field(default=Decimal("1.00"), ge=0)
    underpayment_tolerance_percent: Decimal = Field(default=Decimal(2), ge=0)
    # Claim payments read per BatchGetItem round trip (two keys each: claim and posting, max 100 keys).
    posting_batch_size: int = Field(default=50, ge=1, le=50)
    # Claim payments per PostingQueue chunk: small enough that PostingWorker posts the largest in
    # well under half its timeout. A transaction set of at most this many posts in RemittanceIngest.
    posting_chunk_size: int = Field(default=500, ge=1, le=5000)
    # Time an invocation keeps in hand: no chunk (or file) is started with less than this left.
    posting_time_reserve_ms: int = Field(default=30_000, ge=0)
    # Receives after which a chunk gives up for good (PostingQueue's redrive maxReceiveCount).
    posting_max_receives: int = Field(default=5, ge=1)
    # PostingWorker's Timeout in template.yaml: the largest chunk must need at most half of it.
    posting_worker_timeout_s: int = Field(default=180, ge=1, le=900)

    # ERA and EFT are released within three business days of each other (CAQH CORE 370).
    reassociation_window_business_days: int = Field(default=3, ge=0, le=30)
    # TRN03 ids a payer also uses, mapped to the one it uses on its ERAs (JSON: {"1999999999": "1411289245"}).
    payer_aliases: dict[str, str] = Field(default_factory=dict)
    # Per bank, where its CSV export puts each value: a file under deposits/<bank>/ is read with the
    # layout named <bank> (JSON: {"first-national": {"date": ["Posted On"], "amount": ["Amt"]}}).
    bank_csv_layouts: dict[str, CsvLayout] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _chunks_fit_the_worker(self) -> Settings:
        check_chunk_size(self.posting_chunk_size, self.posting_batch_size, self.posting_worker_timeout_s)
        return self

    @property
    def tolerance(self) -> UnderpaymentTolerance:
        from remitflow.domain.underpayment import UnderpaymentTolerance  # only posting needs it

        return UnderpaymentTolerance(
            amount=self.underpayment_tolerance_amount, percent=self.underpayment_tolerance_percent
        )
