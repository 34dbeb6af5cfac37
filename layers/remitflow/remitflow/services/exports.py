"""CSV exports of what billers look at: the worklist as filtered, a claim's or an account's ledger,
an ERA, and the reconciliation report.

Every cell goes through the spreadsheet guard (domain.spreadsheet), as the reconciliation report's
always have. An export is a file name, its columns and its rows as an iterator, so the CLI streams
an ERA of any size to a file page by page; the API, whose answer has a size limit, refuses an
export of more rows than `max_rows` with a message that says to use the CLI.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from remitflow.domain.errors import InvalidRequest, NotFound
from remitflow.domain.recon_report import report_csv
from remitflow.domain.spreadsheet import cell
from remitflow.services.claim_view import claim_view
from remitflow.services.era_view import EraView
from remitflow.services.ports import ClaimStorage
from remitflow.services.worklist import Worklist
from remitflow.services.worklist_models import MAX_PAGE, ListQuery

KINDS = ("worklist", "claim", "account", "era", "recon")
MAX_ROWS = 20_000  # what one HTTP answer carries (6 MB at ~250 bytes a row, with room to spare)

ERA_COLUMNS = (
    "kind",
    "trace_number",
    "payer_id",
    "payer_name",
    "payment_date",
    "claim_id",
    "account_id",
    "patient_name",
    "status_code",
    "charge_amount",
    "paid_amount",
    "patient_responsibility",
    "adjustments",
    "outcome",
    "posting_id",
    "reason",
    "reference",
    "amount",
)
LEDGER_COLUMNS = (
    "account_id",
    "claim_id",
    "posting_id",
    "payment_date",
    "trace_number",
    "payer_id",
    "era_id",
    "outcome",
    "status_code",
    "entry_kind",
    "group",
    "reason",
    "amount",
    "line_number",
    "procedure_code",
    "note",
)
WORKLIST_COLUMNS = (
    "id",
    "type",
    "status",
    "claim_id",
    "payer_id",
    "amount",
    "reason_codes",
    "created_at",
    "age_days",
    "assignee",
    "resolution",
    "note",
    "source",
)


@dataclass(frozen=True)
class Export:
    filename: str
    columns: tuple[str, ...]
    rows: Iterator[Mapping[str, Any]]
    size: int | None = None  # rows, when known before writing (an ERA's claims and PLB lines)


def csv_chunks(export: Export) -> Iterator[str]:
    """The export as CSV text, a header then a chunk per 500 rows, every cell guarded."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=export.columns, lineterminator="\n")
    writer.writeheader()
    for number, row in enumerate(export.rows, start=1):
        writer.writerow({column: cell(row.get(column)) for column in export.columns})
        if number % 500 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


class AccountClaims(Protocol):
    def account_claim_ids(self, account_id: str) -> list[str]: ...


class ReconReport(Protocol):
    def report(self, as_of: date) -> dict[str, Any]: ...


def safe_name(text: str) -> str:
    """A piece of a file name: letters, digits, dot, dash and underscore only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")[:80] or "export"


class Exports:
    def __init__(
        self,
        *,
        eras: EraView,
        claims: ClaimStorage,
        accounts: AccountClaims,
        worklist: Worklist,
        reconciliation: Callable[[], ReconReport],
    ) -> None:
        self.eras = eras
        self.claims = claims
        self.accounts = accounts
        self.worklist = worklist
        self.reconciliation = reconciliation  # built only for a recon export

    # -- an ERA: every claim payment in file order, then its PLB lines ---------------------------

    def era(self, era_id: str) -> Export:
        era = self.eras.show(era_id, limit=MAX_PAGE)
        count = era["claims_count"]
        size = None if count is None else int(count) + len(era["provider_adjustments"])
        name = f"era-{safe_name(str(era['trace_number']))}-{era['payment_date'] or 'undated'}.csv"
        return Export(filename=name, columns=ERA_COLUMNS, rows=self._era_rows(era_id, era), size=size)

    def _era_rows(self, era_id: str, era: dict[str, Any]) -> Iterator[dict[str, Any]]:
        head = {k: era[k] for k in ("trace_number", "payer_id", "payer_name", "payment_date")}
        page, cursor = era["claims"], era["claims_next_cursor"]
        while True:
            for claim in page:
                cas = "; ".join(f"{a['group']}-{a['reason']} {a['amount']}" for a in claim["adjustments"])
                yield head | claim | {"kind": "claim", "adjustments": cas}
            if cursor is None:
                break
            more = self.eras.show(era_id, cursor=cursor, limit=MAX_PAGE)
            page, cursor = more["claims"], more["claims_next_cursor"]
        for plb in era["provider_adjustments"]:
            yield head | {"kind": "provider_adjustment"} | plb
        yield head | {"kind": "total", "reason": "payment_amount", "amount": era["payment_amount"]}

    # -- ledgers ------------------------------------------------------------------------------------

    def claim(self, claim_id: str) -> Export:
        view = claim_view(self.claims, claim_id)
        if view is None:
            raise NotFound(f"no claim {claim_id!r}")
        return Export(filename=f"claim-{safe_name(claim_id)}-ledger.csv", columns=LEDGER_COLUMNS, rows=ledger(view))

    def account(self, account_id: str) -> Export:
        ids = self.accounts.account_claim_ids(account_id)
        if not ids:
            raise NotFound(f"no account {account_id!r}")

        def rows() -> Iterator[dict[str, Any]]:
            for claim_id in ids:
                view = claim_view(self.claims, claim_id)
                if view is not None:
                    yield from ledger(view)

        return Export(filename=f"account-{safe_name(account_id)}-ledger.csv", columns=LEDGER_COLUMNS, rows=rows())

    # -- the worklist as filtered, every page -------------------------------------------------------

    def worklist_view(self, query: ListQuery) -> Export:
        first = self.worklist.list(query.model_copy(update={"cursor": None, "limit": MAX_PAGE}))

        def rows() -> Iterator[dict[str, Any]]:
            page = first
            while True:
                yield from (item.model_dump(mode="json") for item in page.items)
                if page.next_cursor is None:
                    return
                page = self.worklist.list(query.model_copy(update={"cursor": page.next_cursor, "limit": MAX_PAGE}))

        return Export(filename=f"worklist-{query.status}.csv", columns=WORKLIST_COLUMNS, rows=rows())

    # -- the reconciliation report, as of a day -----------------------------------------------------

    def recon(self, as_of: date) -> tuple[str, str]:
        """The report's own CSV (the file the daily sweep writes): its name and text."""
        return f"reconciliation-{as_of.isoformat()}.csv", report_csv(self.reconciliation().report(as_of))


def ledger(view: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """A claim's ledger: one row per entry of every posting, oldest first; a posting without
    entries (held money, a no-op) is one row with its outcome."""
    for posting in view["postings"]:
        base = {
            "account_id": view["account_id"],
            "claim_id": view["claim_id"],
            "posting_id": posting["posting_id"],
            "payment_date": posting["payment_date"],
            "trace_number": posting["trace_number"],
            "payer_id": posting["payer_id"],
            "era_id": posting.get("era_id"),
            "outcome": posting["outcome"],
            "status_code": posting["status_code"],
        }
        if not posting["entries"]:
            yield base | {"entry_kind": "held" if posting["unapplied_cash"] != "0.00" else None}
            continue
        for entry in posting["entries"]:
            yield base | {
                "entry_kind": entry["kind"],
                "group": entry.get("group"),
                "reason": entry.get("reason"),
                "amount": entry["amount"],
                "line_number": entry.get("line_number"),
                "procedure_code": entry.get("procedure_code"),
                "note": entry.get("note"),
            }


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidRequest("kind", f"expected one of {', '.join(KINDS)}, found {kind!r}")
    return kind


def too_big(export: Export, limit: int = MAX_ROWS) -> bool:
    return export.size is not None and export.size > limit


__all__: Sequence[str] = ("Export", "Exports", "check_kind", "csv_chunks", "too_big")
