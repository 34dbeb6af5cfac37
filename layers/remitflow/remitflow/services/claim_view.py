"""A claim as JSON for people (the CLI, the worklist API): balances, lines and every posting."""

from __future__ import annotations

import json
from typing import Any

from remitflow.services.era_ids import era_link
from remitflow.services.ports import ClaimStorage
from remitflow.values import money_text


def claim_view(store: ClaimStorage, claim_id: str) -> dict[str, Any] | None:
    """The claim as JSON (money as strings) with its postings, oldest first."""
    claim = store.get(claim_id)
    if claim is None:
        return None
    view: dict[str, Any] = claim.model_dump(mode="json", exclude={"posting_ids", "lines"})
    view["lines"] = [line.model_dump(mode="json") for line in claim.lines]
    view["postings"] = [
        {
            "posting_id": posting.record.posting_id,
            "outcome": posting.record.outcome.value,
            "status_code": posting.record.status_code,
            "payer_id": posting.record.remittance.payer_id,
            "trace_number": posting.record.remittance.trace_number,
            "payment_date": posting.record.remittance.payment_date,
            "payer_claim_control_number": posting.record.payer_claim_control_number,
            "posted_payment": money_text(posting.record.posted_payment),
            "unapplied_cash": money_text(posting.unapplied_cash),
            "reverses": posting.record.reverses,
            "source": posting.record.remittance.source_key,
            "era_id": era_link(posting.record.remittance),  # the ERA view's id, None for older postings
            "entries": [entry.model_dump(mode="json") for entry in posting.record.entries],
            "followups": [f.id for f in posting.followups],
        }
        for posting in store.postings(claim_id)
    ]
    return json.loads(json.dumps(view, default=str))  # type: ignore[no-any-return]
