"""Words for remittance codes: a short label in our own words, its category and the usual next action.

One table for every place a code is shown (the page through `GET /api/codes`, the CLI, the follow-ups'
summaries, the exports). The rows live in `code_words_data`; they are read once, on first use. A code
without a row is shown bare: `describe` returns None and `code_text` gives the code alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from functools import cache
from types import MappingProxyType

from remitflow.domain import code_words_data


class CodeKind(StrEnum):
    CARC = "carc"  # CAS reason
    RARC = "rarc"  # remark (MIA, MOA, LQ*HE)
    CLAIM_STATUS = "claim_status"  # CLP02
    CAS_GROUP = "cas_group"  # CAS01
    PLB_REASON = "plb_reason"  # PLB03-1 ...


class NextAction(StrEnum):
    APPEAL = "appeal"
    CORRECT_AND_RESUBMIT = "correct_and_resubmit"
    BILL_PATIENT = "bill_patient"
    BILL_NEXT_PAYER = "bill_next_payer"
    WRITE_OFF = "write_off"
    NONE = "none"


MAX_LABEL = 48  # a label fits beside the code in a table cell


@dataclass(frozen=True, slots=True)
class Word:
    label: str
    category: str
    next_action: NextAction

    def as_json(self) -> dict[str, str]:
        return {key: str(value) for key, value in asdict(self).items()}


_TABLES = {
    CodeKind.CARC: code_words_data.CARC,
    CodeKind.RARC: code_words_data.RARC,
    CodeKind.CLAIM_STATUS: code_words_data.CLAIM_STATUS,
    CodeKind.CAS_GROUP: code_words_data.CAS_GROUP,
    CodeKind.PLB_REASON: code_words_data.PLB_REASON,
}


def parse_table(kind: str, text: str) -> dict[str, Word]:
    """`code | next action | label` rows under `# category` lines; a malformed row names its line."""
    words: dict[str, Word] = {}
    category = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            category = line.lstrip("# ").strip()
            continue
        cells = [cell.strip() for cell in line.split("|")]
        where = f"code words {kind}, line {number}"
        if len(cells) != 3 or not all(cells):
            raise ValueError(f"{where}: expected 'code | next action | label', found {line!r}")
        code, action, label = cells
        if not category:
            raise ValueError(f"{where}: {code} comes before any '# category' line")
        if action not in NextAction.__members__.values():
            raise ValueError(f"{where}: next action {action!r} is not one of {', '.join(NextAction)}")
        if len(label) > MAX_LABEL:
            raise ValueError(f"{where}: the label of {code} is longer than {MAX_LABEL} characters")
        if code in words:
            raise ValueError(f"{where}: {code} appears twice")
        words[code] = Word(label=label, category=category, next_action=NextAction(action))
    return words


@cache
def words(kind: CodeKind) -> Mapping[str, Word]:
    """Every word of one kind of code, by code, in the table's order."""
    return MappingProxyType(parse_table(kind.value, _TABLES[kind]))


def describe(kind: CodeKind | str, code: str) -> Word | None:
    """The word for `code`, or None: then show the code bare. Codes are matched as written, trimmed."""
    return words(CodeKind(kind)).get(code.strip().upper())


def adjustment_word(group: str, reason: str) -> Word | None:
    """The CARC's word, with the next action the group decides: what the patient owes (PR) is billed
    to the patient; what the provider must absorb (CO, PI) is never billed to the patient."""
    word = describe(CodeKind.CARC, reason)
    if word is None:
        return None
    group = group.strip().upper()
    if group == "PR" and word.next_action in (NextAction.WRITE_OFF, NextAction.NONE):
        return Word(word.label, word.category, NextAction.BILL_PATIENT)
    if group in ("CO", "PI") and word.next_action == NextAction.BILL_PATIENT:
        return Word(word.label, word.category, NextAction.WRITE_OFF)
    return word


def action_text(action: NextAction) -> str:
    return "no action" if action == NextAction.NONE else action.value.replace("_", " ")


def code_text(kind: CodeKind | str, code: str) -> str:
    """`4 denied`, or the bare code when we have no word for it."""
    word = describe(kind, code)
    return code if word is None else f"{code} {word.label}"


def reason_text(reason_code: str) -> str:
    """A follow-up's reason code in words: CARCs come as "CO-50", RARCs as "N115".
    "CO-50 not medically necessary (appeal)"; the bare code when we have no word."""
    group, dash, reason = reason_code.partition("-")
    word = adjustment_word(group, reason) if dash else describe(CodeKind.RARC, reason_code)
    return reason_code if word is None else f"{reason_code} {word.label} ({action_text(word.next_action)})"


def reasons_text(reason_codes: Iterable[str]) -> str:
    return "; ".join(reason_text(code) for code in reason_codes)
