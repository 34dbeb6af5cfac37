"""How a claim is kept as a ClaimsTable item: its fields as attributes, its lines as one JSON text
(`lines_json`, money and units as exact decimal text), so writing and reading a claim costs a few
attribute values instead of one map per line. Claims stored before keep `lines` as a list of maps;
every read takes both. Every store that reads claim items reads them here."""

from __future__ import annotations

from pydantic import ConfigDict, TypeAdapter

from remitflow.adapters.dynamodb import keys
from remitflow.adapters.dynamodb.shared import Item, plain, restore_ints
from remitflow.domain.claims import Claim, ClaimLine

_lines = TypeAdapter(list[ClaimLine], config=ConfigDict(defer_build=True))  # built on first use: cold start


def lines_json(lines: list[ClaimLine]) -> str:
    return _lines.dump_json(lines, exclude_none=True).decode()


def claim_item(claim: Claim) -> Item:
    # The balances are computed from the others: stored they would only go stale.
    fields: Item = plain(claim.model_dump(exclude={"insurance_balance", "patient_balance", "lines"}))
    return keys.claim(claim.claim_id) | {"kind": "claim", "lines_json": lines_json(claim.lines)} | fields


def claim_from(item: Item) -> Claim:
    """A claim item (decoded) as the Claim, its lines from their text or, stored before, their list."""
    text = item.get("lines_json")
    fields = restore_ints({name: value for name, value in item.items() if name not in ("lines_json", "lines")})
    fields["lines"] = _lines.validate_json(text) if isinstance(text, str) else restore_ints(item.get("lines", []))
    return Claim.model_validate(fields)
