"""`remitflow upload` shows an ERA's progress while its chunks post on `remitflow local up`, and the
ERA posts completely: the issue's 10,000 claims, at a size a test can wait for (chunks of 5)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from bench.posting import claim_rows
from tests.e2e.conftest import LocalUp, running_local_up
from tests.support.synth835 import generate_835

from remitflow.x12 import parse_835

pytestmark = pytest.mark.e2e
CHUNK = 5
DATA, EXPECTED = generate_835(17, transactions=2, claims_per_transaction=30)  # 6 chunks per transaction set


@pytest.fixture(scope="module")
def small_chunks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalUp]:
    work = tmp_path_factory.mktemp("progress-local-up")
    with running_local_up(work, with_samples=False, parameters=[f"PostingChunkSize={CHUNK}"]) as running:
        yield running


def test_upload_shows_the_chunks_posting_and_then_the_era_posted_whole(small_chunks: LocalUp, tmp_path: Path) -> None:
    claims = [c for t in parse_835(DATA).transactions for c in t.claims]
    (tmp_path / "claims.csv").write_text(claim_rows(claims))
    (tmp_path / "big.835").write_bytes(DATA)
    small_chunks.cli("upload", str(tmp_path / "claims.csv"), "--kind", "claims", "--wait", "110")

    done = small_chunks.cli("upload", str(tmp_path / "big.835"), "--kind", "remittance", "--wait", "110", "--json")

    # While it waits: one line per change, each transaction set's chunks counted and claims posted.
    progress = re.findall(r"trace (\S+): posting, (\d+) of (\d+|\?) chunks, (\d+) claim payments", done.stderr)
    assert progress, f"no progress shown while posting: {done.stderr[-1500:]}"
    assert {trace for trace, *_ in progress} <= {e.trace_number for e in EXPECTED}
    assert all(total in ("6", "?") and int(n) <= 6 and int(c) <= 30 for _, n, total, c in progress)
    # Then the summary: every claim of both transaction sets posted, the money accounted for.
    summary = json.loads(done.stdout)
    assert summary["status"] == "processed"
    for transaction, expected in zip(summary["transactions"], EXPECTED, strict=True):
        assert (transaction["status"], transaction["chunks_done"], transaction["chunks_total"]) == ("posted", 6, 6)
        assert transaction["claim_payments"] == transaction["claim_payments_done"] == expected.claims
        accounted = Decimal(transaction["posted_payment"]) + Decimal(transaction["unapplied_cash"])
        assert accounted - Decimal(transaction["provider_adjustments"]) == expected.payment_amount
