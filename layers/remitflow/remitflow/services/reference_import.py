"""Import claims (claims/) and fee schedules (fee-schedules/) from the billing system's CSV exports.

Good rows load; every bad row is listed in one IMPORT_ERROR follow-up for the file. A claim imported
again gets its new lines and charges; its balances and postings stay as they are.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from remitflow.domain.followups import unreadable_file
from remitflow.reference.csv_import import (
    RowProblem,
    import_error_followup,
    read_claims_csv,
    read_fee_schedule_csv,
)
from remitflow.services.clock import utc_now
from remitflow.services.ports import ClaimStorage, FollowupSender, InboxFiles, RemittanceStorage

logger = Logger(child=True)

KINDS = {"claims/": "claims", "fee-schedules/": "fee-schedule"}


@dataclass
class ImportSummary:
    source_key: str
    version_id: str | None
    kind: str | None
    processed_at: datetime
    loaded: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    encoding: str = "utf-8"
    followup_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "source_key": self.source_key,
            "version_id": self.version_id,
            "kind": self.kind,
            "processed_at": self.processed_at.isoformat(),
            "encoding": self.encoding,
            "loaded": self.loaded,
            "rejected_rows": len({p.row for p in self.problems if p.column is not None}),
            "problems": [p.model_dump(mode="json") for p in self.problems],
            "followup_id": self.followup_id,
        }


def text_lines(chunks: Iterable[bytes], encoding: str, digest: Any) -> Iterator[str]:
    """Decoded lines (endings kept, as csv wants them) from byte chunks; feeds `digest` on the way."""
    decoder = codecs.getincrementaldecoder(encoding)()
    rest = ""
    for chunk in chunks:
        digest.update(chunk)
        rest += decoder.decode(chunk)
        lines = rest.splitlines(keepends=True)
        rest = lines.pop() if lines and not lines[-1].endswith(("\n", "\r")) else ""
        yield from lines
    rest += decoder.decode(b"", final=True)
    if rest:
        yield rest


class ReferenceImport:
    def __init__(
        self,
        *,
        inbox: InboxFiles,
        claims: ClaimStorage,
        remittances: RemittanceStorage,
        queue: FollowupSender,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.inbox = inbox
        self.claims = claims
        self.remittances = remittances
        self.queue = queue
        self.clock = clock

    def import_file(self, key: str, version_id: str | None = None) -> ImportSummary:
        kind = next((kind for prefix, kind in KINDS.items() if key.startswith(prefix)), None)
        summary = ImportSummary(source_key=key, version_id=version_id, kind=kind, processed_at=self.clock())
        if kind is None:
            reason = f"{key} is not under claims/ or fee-schedules/: nothing knows how to import it"
            summary.problems = [RowProblem(row=0, column=None, reason=reason)]
            self._unreadable(summary, reason)
            return summary
        digest = self._read(summary, kind)
        if summary.problems:
            followup = import_error_followup(
                summary.problems,
                kind=kind,
                source=key,
                file_digest=digest,
                good_count=summary.loaded,
                now=summary.processed_at,
            )
            self.queue.send([followup])
            summary.followup_id = followup.id
        self.inbox.put_summary(key, summary.as_json())
        logger.info(
            "reference file imported",
            extra={"kind": kind, "loaded": summary.loaded, "problems": len(summary.problems)},
        )
        return summary

    def _read(self, summary: ImportSummary, kind: str) -> str:
        """Read and load the file; UTF-8 first, then Windows-1252, which spreadsheet exports often are,
        then Latin-1, which decodes any byte."""
        for encoding in ("utf-8-sig", "cp1252", "latin-1"):
            digest = hashlib.sha256()
            lines = text_lines(self.inbox.stream(summary.source_key, summary.version_id), encoding, digest)
            try:
                if kind == "claims":
                    claims = read_claims_csv(lines)
                    summary.problems = claims.problems
                    for claim in claims.claims:
                        self.claims.import_claim(claim)
                    summary.loaded = len(claims.claims)
                else:
                    fees = read_fee_schedule_csv(lines)
                    summary.problems = fees.problems
                    summary.loaded = self.remittances.put_fee_schedule(fees.entries)
            except UnicodeDecodeError:
                continue  # nothing was written: the readers finish reading before anything is stored
            summary.encoding = encoding.removesuffix("-sig")
            return digest.hexdigest()
        raise AssertionError("latin-1 decodes every byte")  # pragma: no cover

    def _unreadable(self, summary: ImportSummary, reason: str) -> None:
        followup = unreadable_file(
            summary.source_key, summary.version_id, reason=reason, created_at=summary.processed_at
        )
        self.queue.send([followup])
        summary.followup_id = followup.id
        self.inbox.put_summary(summary.source_key, summary.as_json())
        logger.warning("reference file not imported", extra={"reason": reason})
