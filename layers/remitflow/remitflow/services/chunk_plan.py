"""Cutting a transaction set's claim payments into chunks a PostingWorker can post alone.

RemittanceIngest reads the file once; for each transaction set, `ChunkPlanner` follows the claim
events and the byte offsets of the framing segments (x12.offsets) and closes a `PostingChunk` every
`size` claims. A chunk names the byte ranges a worker reads (the ISA and GS, the transaction's
header, the 2000 loop's LX, then its own claims), the file's segment number of its first CLP, and
the occurrence of each of its claim payments among the earlier ones of the transaction set (posting
ids count them), so a worker reads only its part of the file and derives the very posting ids a
whole-file read would.

A chunk whose claims the offsets cannot be matched to (no ISA, multi-byte delimiters, a CLP where
the reader saw none) is planned by claim ordinals instead: the worker streams the object from the
start and posts claims skip..skip+count of transaction set `transaction`. Slower, never wrong.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from remitflow.services.ports import RemittanceKey
from remitflow.x12.models import BrokenClaim, ClaimPayment, TransactionHeader
from remitflow.x12.offsets import SegmentOffsets, SegmentSpan

ClaimEvent = ClaimPayment | BrokenClaim
_AFTER_HEADER = frozenset({"LX", "CLP", "PLB", "SE"})


class EraKey(BaseModel):
    """A RemittanceKey as a message carries it (the amount as text in JSON)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    payer_id: str
    trace_number: str
    amount: Decimal
    payment_date: date | None = None

    @classmethod
    def of(cls, key: RemittanceKey) -> EraKey:
        return cls(
            payer_id=key.payer_id, trace_number=key.trace_number, amount=key.amount, payment_date=key.payment_date
        )

    def key(self) -> RemittanceKey:
        return RemittanceKey(
            payer_id=self.payer_id, trace_number=self.trace_number, amount=self.amount, payment_date=self.payment_date
        )


class PostingChunk(BaseModel):
    """One PostingQueue message: where a run of claim payments is and what its posting ids count."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    kind: Literal["posting_chunk"] = "posting_chunk"
    source_key: str
    version_id: str | None = None
    era: EraKey
    plan: str
    set_index: int  # the transaction set's ordinal among the file's: its manifest is named by it
    chunk: int  # 0-based, within its transaction set
    # Byte ranges [start, end) read in this order; empty: the whole object, from its start.
    parts: list[tuple[int, int]] = []
    first_claim_number: int | None = None  # file segment number of the first CLP (ranged chunks)
    transaction: int = 0  # which transaction set of what `parts` hold (0: the only one, when ranged)
    skip: int = 0  # claim events of that transaction set before this chunk's
    count: int  # claim events of this chunk (readable or not)
    occurrences: list[int]  # per readable claim payment of the chunk, in order
    fingerprint: str  # of the chunk's CLP01s: a worker that reads other claims refuses to post


def manifest_key(source_key: str, plan: str, name: str) -> str:
    """Where RemittanceIngest keeps what finishing a file's transaction sets needs: under processed/,
    which triggers nothing ("file" for the file's, the transaction set's ordinal for each set's)."""
    return f"processed/manifests/{source_key}/{plan}/{name}.json"


def fingerprint(claims: Iterable[str | None]) -> str:
    digest = hashlib.sha256()
    for claim_id in claims:
        digest.update((claim_id or "").strip().encode() + b"\x1f")
    return digest.hexdigest()[:20]


def plan_id(version_id: str | None, size: int) -> str:
    """Chunks of one plan count towards one finish; another version or chunk size is another plan."""
    return hashlib.sha256(f"{version_id or '-'}#{size}".encode()).hexdigest()[:12]


def occurrence_key(claim: ClaimPayment) -> tuple[str, str | None, str]:
    """What posting ids count occurrences of (remitflow.domain.posting.posting_id)."""
    return (claim.patient_control_number, claim.payer_claim_control_number, claim.status_code)


def claim_id_of(event: ClaimEvent) -> str | None:
    return event.patient_control_number


class ChunkPlanner:
    """The chunks of one transaction set, closed as its claims stream past; see the module doc."""

    def __init__(
        self,
        *,
        source_key: str,
        version_id: str | None,
        era: RemittanceKey,
        plan: str,
        size: int,
        transaction: int,
        header: TransactionHeader,
        offsets: SegmentOffsets | None,
        envelope: list[SegmentSpan],
    ) -> None:
        self.source_key, self.version_id, self.era, self.plan = source_key, version_id, EraKey.of(era), plan
        self.size = size
        self.transaction = transaction  # ordinal of the transaction set among the file's headers
        self.offsets = offsets if offsets is not None and offsets.usable else None
        self.occurrences: Counter[tuple[str, str | None, str]] = Counter()
        self.claims_seen = 0
        self.chunks_closed = 0
        self._prefix: list[tuple[int, int]] = []
        self._header_end = -1
        self._last_lx: SegmentSpan | None = None
        self._ranged = False
        self._open: _OpenChunk | None = None
        if self.offsets is not None:
            self._ranged = self._find_header(header, envelope)

    # -- alignment with the offsets -----------------------------------------------------------

    def _find_header(self, header: TransactionHeader, envelope: list[SegmentSpan]) -> bool:
        """Take spans up to this transaction's ST (noting the ISA and GS on the way) and the end of
        its header; False when they cannot be found."""
        assert self.offsets is not None
        isa = next((s for s in reversed(envelope) if s.segment_id == "ISA"), None)
        gs = next((s for s in reversed(envelope) if s.segment_id == "GS"), None)
        while (span := self.offsets.take()) is not None:
            if span.segment_id == "ISA":
                isa, gs = span, None
            elif span.segment_id == "GS":
                gs = span
            elif span.segment_id == "ST" and span.first == header.control_number.strip():
                following = self.offsets.peek()
                if isa is None or following is None or following.segment_id not in _AFTER_HEADER:
                    return False
                envelope[:] = [s for s in (isa, gs) if s is not None]
                self._prefix = [(s.start, s.end) for s in envelope] + [(span.start, following.start)]
                self._header_end = following.start
                return True
        return False

    def _clp_of(self, event: ClaimEvent) -> SegmentSpan | None:
        """The CLP span of the reader's next claim, or None (the plan goes on by ordinals)."""
        assert self.offsets is not None
        while (span := self.offsets.peek()) is not None:
            if span.segment_id in ("ST", "ISA", "GS"):  # past this transaction set: lost the thread
                return None
            self.offsets.take()
            if span.segment_id == "LX":
                self._last_lx = span
            elif span.segment_id == "CLP":
                return span if span.first == (claim_id_of(event) or "").strip() else None
        return None

    # -- the stream of claims -----------------------------------------------------------------

    def add(self, event: ClaimEvent) -> PostingChunk | None:
        """Take the next claim event; returns the chunk this claim closed, if any."""
        closed = None
        span = self._clp_of(event) if self._ranged else None
        if self._ranged and span is None:
            self._ranged = False  # from here on, by ordinals
        if self._open is not None and self._open.count >= self.size:
            closed = self._close(end=span.start if span is not None else None)
        if self._open is None:
            self._open = _OpenChunk(skip=self.claims_seen, span=span, lx=self._last_lx)
        elif self._open.span is not None and span is None:
            self._open.span = None  # the chunk's claims can no longer be framed by bytes
        chunk = self._open
        chunk.count += 1
        chunk.claim_ids.append(claim_id_of(event))
        if isinstance(event, ClaimPayment):
            key = occurrence_key(event)
            chunk.occurrences.append(self.occurrences[key])
            self.occurrences[key] += 1
        if chunk.first_number is None:
            chunk.first_number = event.segment_number
        self.claims_seen += 1
        return closed

    def finish(self) -> PostingChunk | None:
        """The transaction set ended: the last chunk, if it has claims."""
        if self._open is None:
            return None
        end = None
        if self._ranged and self.offsets is not None:
            following = self.offsets.peek()
            end = following.start if following is not None else self.offsets.size
        return self._close(end=end)

    def _close(self, *, end: int | None) -> PostingChunk:
        chunk = self._open
        assert chunk is not None
        self._open = None
        number = self.chunks_closed
        self.chunks_closed += 1
        common = {
            "source_key": self.source_key,
            "version_id": self.version_id,
            "era": self.era,
            "plan": self.plan,
            "set_index": self.transaction,
            "chunk": number,
            "count": chunk.count,
            "occurrences": chunk.occurrences,
            "fingerprint": fingerprint(chunk.claim_ids),
        }
        if chunk.span is not None and end is not None and self._header_end >= 0:
            parts = list(self._prefix)
            if chunk.lx is not None and chunk.lx.start >= self._header_end:
                parts.append((chunk.lx.start, chunk.lx.end))
            parts.append((chunk.span.start, end))
            return PostingChunk(**common, parts=_merged(parts), first_claim_number=chunk.first_number)
        return PostingChunk(**common, transaction=self.transaction, skip=chunk.skip)


class _OpenChunk:
    def __init__(self, *, skip: int, span: SegmentSpan | None, lx: SegmentSpan | None) -> None:
        self.skip = skip
        self.span = span
        self.lx = lx
        self.count = 0
        self.first_number: int | None = None
        self.occurrences: list[int] = []
        self.claim_ids: list[str | None] = []


def _merged(parts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in parts:
        if merged and merged[-1][1] == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged
