"""The end of a transaction set posted in chunks: who finishes it, and what finishing does.

Each chunk, once posted, is counted on the remittance's record by one atomic update (its marker and
`chunks_done` together, only while its marker is absent), and RemittanceIngest records the number of
chunks when it has read the whole set. Whichever of those updates leaves `chunks_done` equal to
`chunks_total` finishes the set: the PLB entries, the totals summed from the chunks' results, the
money invariant (BPR02 = posted + held - PLB, else UNBALANCED for the difference), the ERA on the
reconciliation waiting list, and the file's `processed/` summary. Finishing is idempotent (the PLB
entries and follow-ups have deterministic ids, the waiting list takes an ERA once ever), so a chunk
redelivered after a crash between its count and the finish finishes again, harmlessly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from pydantic import ValidationError

from remitflow.domain.followups import Followup, FollowupType, new_followup
from remitflow.domain.posting import RemittanceRef
from remitflow.services.chunk_plan import manifest_key
from remitflow.services.chunk_posting import ChunkResult
from remitflow.services.clock import utc_now
from remitflow.services.ports import FollowupSender, InboxFiles, RemittanceKey, RemittanceStorage
from remitflow.values import ZERO, cents, money_text
from remitflow.x12.models import TransactionHeader, TransactionTotals

if TYPE_CHECKING:
    from remitflow.domain.recon_models import EraPayment
    from remitflow.services.reconciliation import Reconciliation

logger = Logger(child=True)

FILE_MANIFEST = "file"
MAX_PROVIDER_LINES = 500  # PLB lines kept on the record for the ERA's view (far under 400 KB)


def remittance_key(header: TransactionHeader, source_key: str) -> RemittanceKey:
    remittance = RemittanceRef.from_header(header, source_key)
    return RemittanceKey(
        payer_id=remittance.payer_id,
        trace_number=remittance.trace_number,
        amount=header.payment.amount,
        payment_date=header.payment.effective_date,
    )


def ready_to_finish(record: Mapping[str, Any] | None) -> bool:
    """The finish decision: every chunk of the record's plan is counted and the set is not finished."""
    if record is None or record.get("chunks_total") is None:
        return False
    return int(record.get("chunks_done", 0)) >= int(record["chunks_total"]) and record.get("status") != "posted"


def chunk_totals(record: Mapping[str, Any]) -> ChunkResult:
    """The counted chunks' results, as summed on the record when each was counted."""
    return ChunkResult.from_item(dict(record.get("progress") or {}))


class TransactionFinish:
    def __init__(
        self,
        *,
        inbox: InboxFiles,
        remittances: RemittanceStorage,
        queue: FollowupSender,
        reconciliation: Reconciliation | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.inbox = inbox
        self.remittances = remittances
        self.queue = queue
        self.reconciliation = reconciliation
        self.clock = clock

    def finish_if_ready(
        self, source_key: str, plan: str, transaction: int, record: Mapping[str, Any] | None
    ) -> bool | None:
        """Finish the set when `record` (as an update of the counter left it) says so. None when it
        did not; else whether the ERA went on the waiting list now."""
        if not ready_to_finish(record):
            return None
        assert record is not None
        manifest = self.inbox.read_json(manifest_key(source_key, plan, str(transaction)))
        if manifest is None:
            raise LookupError(f"{source_key}: no manifest for transaction set {transaction} of plan {plan}")
        opened = self.finish(source_key, record, manifest)
        self.refresh_summary(source_key, plan)
        return opened

    def finish(self, source_key: str, record: Mapping[str, Any], manifest: Mapping[str, Any]) -> bool:
        """Finish the set; True when its ERA went on the reconciliation waiting list now."""
        # The last chunk's rules load with the first finish: most of PostingWorker's chunks are not last.
        from remitflow.domain.provider_adjustments import decide_provider_adjustments  # noqa: PLC0415
        from remitflow.domain.remittance_balance import unbalanced_transaction  # noqa: PLC0415

        header = TransactionHeader.model_validate(manifest["header"])
        totals = TransactionTotals.model_validate(manifest["totals"])
        remittance = RemittanceRef.from_header(header, source_key)
        key = remittance_key(header, source_key)
        now = _received_at(record) or self.clock()
        posted = chunk_totals(record)
        entries, followups = decide_provider_adjustments(totals.provider_adjustments, remittance, now)
        provider = cents(sum((e.amount for e in entries), ZERO))
        accounted = cents(posted.posted_payment + posted.unapplied_cash - provider)
        unbalanced = unbalanced_transaction(
            totals,
            remittance=remittance,
            transaction_key=key.era_id,
            payment_amount=header.payment.amount,
            accounted=accounted,
            now=now,
        )
        if unbalanced is not None:  # money beyond what the claims' own follow-ups hold
            followups.append(unbalanced)
        era, method_followup = self._era(header, key, source_key, now)
        if method_followup is not None:
            followups.append(method_followup)
        finish_followups = Counter(f.type.value for f in {f.id: f for f in followups}.values())
        self.remittances.finish_remittance(
            key,
            {
                "status": "posted",
                "claim_payments": posted.claim_payments,
                "outcomes": dict(posted.outcomes),
                "posted_payment": cents(posted.posted_payment),
                "unapplied_cash": cents(posted.unapplied_cash),
                "provider_adjustments": provider,
                "balanced": totals.balanced,
                "money_accounted_for": accounted == cents(header.payment.amount),
                "finish_followups": dict(finish_followups),
                # The PLB lines as the ERA's view shows them (a set has a handful; capped all the same).
                "provider_lines": [
                    {
                        "reason": a.reason,
                        "reference": a.reference,
                        "amount": a.amount,
                        "provider_id": a.provider_identifier,
                    }
                    for a in totals.provider_adjustments[:MAX_PROVIDER_LINES]
                ],
                "provider_line_count": len(totals.provider_adjustments),
                "charge_total": totals.charge_total,
                "paid_total": totals.paid_total,
                "unreadable_claims": totals.unreadable_claim_count,
            },
            entries,
        )
        if followups:
            self.queue.send(followups)
        opened = False
        if era is not None and self.reconciliation is not None:
            opened = self.reconciliation.open_era(era, cents(posted.posted_payment))
            if opened:
                self.reconciliation.reconcile(source=source_key)
        logger.info(
            "transaction set posted",
            extra={"source_key": source_key, "claim_payments": posted.claim_payments, "balanced": totals.balanced},
        )
        return opened

    def _era(
        self, header: TransactionHeader, key: RemittanceKey, source_key: str, now: datetime
    ) -> tuple[EraPayment | None, Followup | None]:
        """The ERA for the waiting list; a payment method outside the TR3's list cannot be matched, and
        says so in a follow-up rather than failing the posted set."""
        from remitflow.domain.recon_models import EraPayment  # noqa: PLC0415  # as in `finish`

        try:
            return EraPayment.from_header(header, source_key, era_id=key.era_id), None
        except ValidationError:
            method = header.payment.method
            followup = new_followup(
                FollowupType.IMPORT_ERROR,
                key=("payment_method", key.era_id),
                created_at=now,
                source=source_key,
                payer_id=key.payer_id,
                amount=key.amount,
                detail={
                    "reason": f"BPR04 payment method {method[:10]!r} is not ACH, BOP, CHK, FWT or NON: "
                    "the payment was posted but cannot be matched to a deposit",
                    "trace_number": key.trace_number,
                    "payment_amount": money_text(key.amount),
                },
            )
            return None, followup

    # -- the file's summary -------------------------------------------------------------------

    def refresh_summary(self, source_key: str, plan: str) -> dict[str, Any] | None:
        """Rewrite processed/<key>.json from the records of the file's transaction sets. Two sets
        finishing at once may each read before the other's finish: the rewrite is repeated until
        what it read is still what the records say."""
        manifest = self.inbox.read_json(manifest_key(source_key, plan, FILE_MANIFEST))
        if manifest is None:
            return None
        written: dict[str, Any] | None = None
        for _ in range(3):
            summary = file_summary(manifest, self._records(manifest["transactions"]))
            if summary == written:
                break
            self.inbox.put_summary(source_key, summary)
            written = summary
        return written

    def _records(self, transactions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any] | None]:
        """Each planned transaction set's record (None for a set with no key or no record yet), read
        together: a file of many sets rewrites its summary after every chunk."""
        era_ids = [_key(t["key"]).era_id if t.get("key") else None for t in transactions]
        found = {str(r["pk"]): r for r in self.remittances.records([e for e in era_ids if e])}
        return [found.get(e) if e else None for e in era_ids]


def _key(key: Mapping[str, Any]) -> RemittanceKey:
    """A planned transaction set's remittance key, as the manifest keeps it."""
    return RemittanceKey(
        payer_id=key["payer_id"],
        trace_number=key["trace_number"],
        amount=Decimal(key["amount"]),
        payment_date=datetime.fromisoformat(key["payment_date"]).date() if key["payment_date"] else None,
    )


def file_summary(manifest: Mapping[str, Any], records: list[dict[str, Any] | None]) -> dict[str, Any]:
    """The file's summary as the ingest left it, each transaction set's progress and totals filled in
    from its record (only a record of this manifest's plan counts)."""
    summary = dict(manifest["summary"])
    followups: Counter[str] = Counter(summary.get("followups_by_type", {}))
    transactions = []
    statuses = []
    for planned, record in zip(manifest["transactions"], records, strict=True):
        entry = dict(planned["summary"])
        if record is not None and planned.get("key") and record.get("plan") == manifest["plan"]:
            status = str(record.get("status", "posting"))
            entry["status"] = status
            entry["chunks_done"] = int(record.get("chunks_done", 0))
            entry["chunks_total"] = int(record["chunks_total"]) if record.get("chunks_total") is not None else None
            results = chunk_totals(record)
            entry["claim_payments_done"] = results.claim_payments  # in the chunks counted so far
            entry["chunks_failed"] = len(record.get("failed_chunks") or ())
            followups.update(results.followups)
            if status == "posted":
                followups.update({k: int(v) for k, v in dict(record.get("finish_followups") or {}).items()})
                entry |= {
                    "claim_payments": int(record.get("claim_payments", 0)),
                    "outcomes": {k: int(v) for k, v in sorted(dict(record.get("outcomes") or {}).items())},
                    "posted_payment": money_text(Decimal(record.get("posted_payment", 0))),
                    "unapplied_cash": money_text(Decimal(record.get("unapplied_cash", 0))),
                    "provider_adjustments": money_text(Decimal(record.get("provider_adjustments", 0))),
                    "money_accounted_for": bool(record.get("money_accounted_for", False)),
                }
            statuses.append(status)
        transactions.append(entry)
    summary["transactions"] = transactions
    summary["followups_by_type"] = dict(sorted(followups.items()))
    posted = [t for t in transactions if t.get("status") == "posted"]
    summary["claims_posted"] = sum(t["outcomes"].get(o, 0) for t in posted for o in ("posted", "forwarded", "reversed"))
    summary["dollars_posted"] = money_text(cents(sum((Decimal(t["posted_payment"]) for t in posted), ZERO)))
    if summary.get("status") != "unreadable":
        if "failed" in statuses:
            summary["status"] = "failed"
        elif any(s != "posted" for s in statuses):
            summary["status"] = "posting"
        else:
            summary["status"] = "processed"
    return summary


def _received_at(record: Mapping[str, Any]) -> datetime | None:
    value = record.get("received_at")
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


__all__ = ["TransactionFinish", "file_summary", "ready_to_finish", "remittance_key"]
