"""A follow-up small enough to travel: its detail cut to a byte budget, with a note of what was cut.

A follow-up carries the claim payment it is about, and a claim payment of a thousand service lines
is about 600 KB of JSON: more than one queue message holds (SQS: 256 KiB) and than one worklist item
keeps (DynamoDB: 400 KB). `fit` keeps the follow-up (same id, so still exactly once) and the
beginning of every long list in its detail, cutting the longest lists first, and says in
`detail["trimmed"]` how many entries of which list are shown and where the whole is: the original
file, which is kept, from the segment the claim starts at. Text longer than any 835 element
(1,000 characters) is cut first.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from remitflow.domain.followups import Followup

LONGEST_TEXT = 1_000  # no 835 element is near this; anything longer is cut with a mark
CUT_MARK = "... (cut)"


def json_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def fit(followup: Followup, limit: int) -> Followup:
    """`followup` if its JSON is at most `limit` bytes, else a copy whose detail is cut to fit."""
    if len(followup.model_dump_json().encode()) <= limit:
        return followup
    detail = copy.deepcopy(followup.detail)
    _cut_text(detail)
    others = len(followup.model_copy(update={"detail": {}}).model_dump_json().encode())
    cut: dict[str, int] = {}  # list path -> entries it had

    def with_note() -> dict[str, Any]:
        return detail | {"trimmed": _note(followup, detail, cut)} if cut else detail

    while others + json_size(with_note()) > limit:
        found = _longest_list(detail)
        if found is None:  # nothing left to cut but the essentials
            detail = {k: v for k, v in detail.items() if k in ("reason", "posting_id") and isinstance(v, str)}
            cut["detail"] = 0
            break
        path, entries = found
        cut.setdefault(path, len(entries))
        excess = others + json_size(with_note()) - limit
        each = max(1, json_size(entries) // len(entries))
        keep = max(0, len(entries) - max(1, -(-excess // each)))
        del entries[keep:]
    return followup.model_copy(update={"detail": with_note()})


def _note(followup: Followup, detail: dict[str, Any], cut: dict[str, int]) -> dict[str, Any]:
    segment = _segment_number(detail)
    where = f"{followup.source}" + (f", from segment {segment}" if segment is not None else "")
    shown = {path: {"shown": len(_at(detail, path)), "of": total} for path, total in cut.items() if path != "detail"}
    parts = [f"{v['shown']} of {v['of']} {path.rsplit('.', 1)[-1].replace('_', ' ')}" for path, v in shown.items()]
    return {
        "note": "this follow-up was too large for the queue and the worklist: "
        + (", ".join(parts) + " are shown" if parts else "only its reason is kept")
        + f"; the whole claim payment is in {where}",
        "lists": shown,
    }


def _segment_number(detail: dict[str, Any]) -> int | None:
    claim = detail.get("claim_payment")
    number = claim.get("segment_number") if isinstance(claim, dict) else detail.get("segment_number")
    return number if isinstance(number, int) else None


def _at(detail: dict[str, Any], path: str) -> list[Any]:
    value: Any = detail
    for name in path.split("."):
        value = value.get(name, []) if isinstance(value, dict) else []
    return value if isinstance(value, list) else []


def _longest_list(value: Any, path: str = "") -> tuple[str, list[Any]] | None:
    """The non-empty list with the most bytes of JSON, anywhere in `value`, and its dotted path."""
    best: tuple[int, str, list[Any]] | None = None
    if isinstance(value, dict):
        for name, item in value.items():
            inner = f"{path}.{name}" if path else name
            if isinstance(item, list) and item:
                size = json_size(item)
                if best is None or size > best[0]:
                    best = (size, inner, item)
            found = _longest_list(item, inner) if isinstance(item, dict) else None
            if found is not None and (best is None or json_size(found[1]) > best[0]):
                best = (json_size(found[1]), found[0], found[1])
    return None if best is None else (best[1], best[2])


def _cut_text(value: Any) -> None:
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for name, item in list(items):
        if isinstance(item, str) and len(item) > LONGEST_TEXT:
            value[name] = item[:LONGEST_TEXT] + CUT_MARK
        else:
            _cut_text(item)
