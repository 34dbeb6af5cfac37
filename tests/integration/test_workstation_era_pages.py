"""An ERA posted in chunks, on moto: its claims come back through the claims_by_era index in file
order, a page at a time, whichever chunk posted them and in whatever order the chunks ran."""

from __future__ import annotations

import pytest
from bench.posting import claim_rows
from tests.integration.conftest import Harness
from tests.integration.test_worklist_api import call
from tests.support.synth835 import generate_835

from remitflow.x12 import parse_835

KEY = "remittances/hospital-pages.835"
DATA, EXPECTED = generate_835(11, transactions=1, claims_per_transaction=230)
CLAIMS = parse_835(DATA).transactions[0].claims
CHUNK = 60  # four chunks for PostingWorker


@pytest.fixture
def posted(harness: Harness) -> Harness:
    harness.upload("claims/hospital.csv", claim_rows(CLAIMS).encode())
    harness.runner.pump()
    harness.runner.environment["POSTING_CHUNK_SIZE"] = str(CHUNK)
    harness.deliver(KEY, DATA)
    return harness


def test_a_chunked_era_pages_its_claims_in_file_order(posted: Harness) -> None:
    (summary,) = call(posted, "GET", "/api/eras").body["items"]
    assert summary["claims_count"] == len(CLAIMS) and summary["balanced"] is True
    assert summary["payment_amount"] == f"{EXPECTED[0].payment_amount:.2f}"
    seen: list[tuple[str, str]] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": "100"} | ({"cursor": cursor} if cursor else {})
        era = call(posted, "GET", f"/api/eras/{summary['era_id']}", query=query).body
        assert len(era["claims"]) <= 100
        seen.extend((c["claim_id"], c["paid_amount"]) for c in era["claims"])
        pages += 1
        cursor = era["claims_next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [(c.patient_control_number, f"{c.paid_amount:.2f}") for c in CLAIMS]
    assert era["invariant"]["holds"] is True
