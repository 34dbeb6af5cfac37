"""Words for codes: every code the samples and the corpus carry has one (or is shown bare on purpose),
labels are short and ours, next actions come from the fixed set, and the group decides who is billed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from remitflow.domain.code_words import (
    MAX_LABEL,
    CodeKind,
    NextAction,
    Word,
    adjustment_word,
    code_text,
    describe,
    parse_table,
    reason_text,
    reasons_text,
    words,
)
from remitflow.x12 import parse_835
from remitflow.x12.models import Adjustment

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT.parent / "shared" / "corpus" / "835"
# The corpus's 835 files are the ones expected.json describes.
FILES = sorted(ROOT.glob("samples/remittances/*.835")) + [
    CORPUS / name for name in sorted(json.loads((CORPUS / "expected.json").read_text()))
]
# Codes we deliberately leave bare: none yet. A code added here must say why.
SHOWN_BARE: dict[CodeKind, set[str]] = {kind: set() for kind in CodeKind}


def _adjustments(adjustments: list[Adjustment]) -> Iterator[tuple[CodeKind, str]]:
    for adjustment in adjustments:
        yield CodeKind.CAS_GROUP, adjustment.group
        yield CodeKind.CARC, adjustment.reason


def codes_in(path: Path) -> Iterator[tuple[CodeKind, str]]:
    with path.open("rb") as stream:
        remittance = parse_835(stream)
    for transaction in remittance.transactions:
        for adjustment in transaction.totals.provider_adjustments:
            yield CodeKind.PLB_REASON, adjustment.reason
        for claim in transaction.claims:
            yield CodeKind.CLAIM_STATUS, claim.status_code
            yield from _adjustments(claim.adjustments)
            for adjudication in (claim.inpatient_adjudication, claim.outpatient_adjudication):
                for remark in adjudication.remark_codes if adjudication else ():
                    yield CodeKind.RARC, remark
            for line in claim.service_lines:
                yield from _adjustments(line.adjustments)
                yield from ((CodeKind.RARC, remark) for remark in line.remarks)


def test_the_corpus_is_there_to_be_read() -> None:
    assert len(FILES) == 19 and all(path.is_file() for path in FILES), f"the samples and the corpus under {CORPUS}"


def test_every_code_in_the_samples_and_the_corpus_has_words_or_is_shown_bare_on_purpose() -> None:
    seen: dict[CodeKind, set[str]] = {kind: set() for kind in CodeKind}
    for path in FILES:
        for kind, code in codes_in(path):
            seen[kind].add(code)
    assert seen[CodeKind.CARC] >= {"1", "2", "45", "50"}  # the reader did find the codes
    assert seen[CodeKind.RARC] and seen[CodeKind.PLB_REASON]
    missing = {
        kind.value: sorted(c for c in codes if describe(kind, c) is None and c not in SHOWN_BARE[kind])
        for kind, codes in seen.items()
    }
    assert missing == {kind.value: [] for kind in CodeKind}


@pytest.mark.parametrize(
    ("kind", "codes"),
    [
        (CodeKind.CARC, "1 2 3 4 5 16 18 22 23 24 27 29 31 45 50 96 97 109 119 151 167 170 197 204 242 253"),
        (CodeKind.RARC, "N115 M15 M80 N130 MA04 N362 N522 M86 N290 MA130"),
        (CodeKind.CLAIM_STATUS, "1 2 3 4 19 20 21 22 23 25"),
        (CodeKind.CAS_GROUP, "CO PR OA PI CR"),
        (CodeKind.PLB_REASON, "WO FB L6 72 CS J1 AH BD IR 50 WU C5 E3 FC GO HM IP LE RI SL TL"),
    ],
)
def test_the_codes_billers_meet_most_have_words(kind: CodeKind, codes: str) -> None:
    assert [code for code in codes.split() if describe(kind, code) is None] == []


def test_the_table_is_big_enough_to_be_useful() -> None:
    assert len(words(CodeKind.CARC)) >= 150
    assert len(words(CodeKind.RARC)) >= 50


@pytest.mark.parametrize("kind", list(CodeKind))
def test_labels_are_short_lower_case_words_and_actions_come_from_the_fixed_set(kind: CodeKind) -> None:
    for code, word in words(kind).items():
        assert 0 < len(word.label) <= MAX_LABEL, code
        assert word.label == word.label.strip() and not word.label.endswith("."), code
        assert word.next_action in set(NextAction), code
        assert word.category and word.category == word.category.lower(), code
        assert code == code.strip().upper() and code.isascii(), code


def test_every_kind_is_grouped_in_several_categories() -> None:
    categories = {word.category for word in words(CodeKind.CARC).values()}
    assert {"eligibility", "authorization", "coding", "timely filing", "coordination of benefits"} <= categories
    assert {"contractual", "patient cost share", "duplicates", "medical necessity"} <= categories


def test_a_word_reads_as_expected() -> None:
    assert describe("carc", "50") == Word("not medically necessary", "medical necessity", NextAction.APPEAL)
    assert describe(CodeKind.CLAIM_STATUS, "4") == Word("denied", "denied", NextAction.APPEAL)
    assert describe(CodeKind.PLB_REASON, " wo ") == describe(CodeKind.PLB_REASON, "WO")
    assert describe(CodeKind.CARC, "9999") is None
    assert describe(CodeKind.CARC, "50").as_json() == {  # type: ignore[union-attr]
        "label": "not medically necessary",
        "category": "medical necessity",
        "next_action": "appeal",
    }


def test_the_group_decides_who_is_billed() -> None:
    assert describe(CodeKind.CARC, "96").next_action == NextAction.WRITE_OFF  # type: ignore[union-attr]
    assert adjustment_word("PR", "96").next_action == NextAction.BILL_PATIENT  # type: ignore[union-attr]
    assert adjustment_word("CO", "96").next_action == NextAction.WRITE_OFF  # type: ignore[union-attr]
    assert adjustment_word("CO", "204").next_action == NextAction.WRITE_OFF  # type: ignore[union-attr]
    assert adjustment_word("PR", "1").next_action == NextAction.BILL_PATIENT  # type: ignore[union-attr]
    assert adjustment_word("CO", "50").next_action == NextAction.APPEAL  # type: ignore[union-attr]
    assert adjustment_word("CO", "ZZ9") is None


def test_codes_in_words_and_bare_where_we_have_none() -> None:
    assert code_text(CodeKind.CLAIM_STATUS, "4") == "4 denied"
    assert code_text(CodeKind.CLAIM_STATUS, "99") == "99"
    assert reason_text("CO-50") == "CO-50 not medically necessary (appeal)"
    assert reason_text("PR-1") == "PR-1 deductible (bill patient)"
    assert reason_text("CO-18") == "CO-18 duplicate claim or service (no action)"
    assert reason_text("N115") == "N115 decided under a local coverage policy (appeal)"
    assert reason_text("CO-Q99") == "CO-Q99"
    assert reasons_text(["CO-45", "ZZ1"]) == "CO-45 above the allowed amount (fee schedule) (write off); ZZ1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1 | appeal | x", "comes before any '# category' line"),
        ("# c\n1 | appeal", "expected 'code | next action | label'"),
        ("# c\n1 | phone them | x", "next action 'phone them' is not one of appeal"),
        ("# c\n1 | none | " + "x" * (MAX_LABEL + 1), "longer than"),
        ("# c\n1 | none | a\n1 | none | b", "1 appears twice"),
    ],
)
def test_a_malformed_row_is_refused_naming_its_line(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="code words t, line") as error:
        parse_table("t", text)
    assert message in str(error.value)
