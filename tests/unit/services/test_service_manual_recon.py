"""Reconciliation by hand on the fakes: undo a match and make it again, pair items whose amounts
differ only when the person says so, classify a card settlement, and race the matcher: one wins."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.services.fakes import FakeReconciliation
from tests.unit.services.practice import SAMPLES, Practice

from remitflow.domain.errors import Conflict, NotFound
from remitflow.domain.recon_followups import waiting_followup_id
from remitflow.domain.recon_models import Deposit
from remitflow.services.manual_recon import (
    ClassifyRequest,
    ManualMatchRequest,
    ManualReconciliation,
    UnmatchRequest,
)
from remitflow.services.worklist import InvalidRequest

SUMMIT = "remittances/summit-check-2025-01-21.835"
ACME_ERA = "ERA#1411289245#0123456789#319.50#2025-01-16"
CHECK_ERA = "ERA#1987654321#00045321#50.00#2025-01-21"


@pytest.fixture
def banked(loaded: Practice) -> Practice:
    """ACME (319.50, matched exactly), Summit's check (50.00, matched probably) and a 1,200.00 card
    settlement no ERA explains."""
    loaded.post()
    loaded.deposit()
    loaded.post(SUMMIT, (SAMPLES / SUMMIT).read_bytes())
    return loaded


def service(practice: Practice) -> ManualReconciliation:
    return ManualReconciliation(store=practice.reconciliation, worklist=practice.worklist, clock=practice.clock)


def match_of(practice: Practice, era_id: str) -> dict[str, Any]:
    (found,) = [m for m in service(practice).matches()["matches"] if m["era_ids"] == [era_id]]
    return found


def deposit_of(practice: Practice, amount: str) -> str:
    (deposit_id,) = [d["deposit_id"] for d in service(practice).unmatched()["deposits"] if d["amount"] == amount]
    return str(deposit_id)


def test_a_match_undone_waits_again_and_can_be_made_by_hand(banked: Practice) -> None:
    probable = match_of(banked, CHECK_ERA)

    after = service(banked).unmatch(probable["match_id"], UnmatchRequest(note="wrong check"), caller="ana")

    assert [e["era_id"] for e in after["eras"]] == [CHECK_ERA]
    assert sorted(d["amount"] for d in after["deposits"]) == ["1200.00", "50.00"]
    (undone,) = banked.reconciliation.unmatched_records
    assert (undone["audit"]["by"], undone["audit"]["note"]) == ("ana", "wrong check")
    banked.reconciler().reconcile(source="test")  # the matcher leaves what a person took apart
    assert [e["era_id"] for e in service(banked).unmatched()["eras"]] == [CHECK_ERA]

    request = ManualMatchRequest(era_ids=[CHECK_ERA], deposit_ids=[deposit_of(banked, "50.00")], note="stub matches")
    made = service(banked).match(request, caller="bo")

    assert (made["confidence"], made["rule"], made["audit"]["by"]) == ("manual", "matched by hand by bo", "bo")
    assert made["match_id"] == probable["match_id"]  # the same items: the same id
    assert [e["era_id"] for e in service(banked).unmatched()["eras"]] == []
    with pytest.raises(InvalidRequest, match="not waiting"):  # matched once
        service(banked).match(request, caller="ana")


def test_amounts_that_differ_need_the_persons_explicit_word(banked: Practice) -> None:
    service(banked).unmatch(match_of(banked, ACME_ERA)["match_id"], UnmatchRequest(note="n"), caller="ana")
    card = deposit_of(banked, "1200.00")
    request = {"era_ids": [ACME_ERA], "deposit_ids": [card], "note": "consolidated with card money"}

    with pytest.raises(InvalidRequest) as refused:
        service(banked).match(ManualMatchRequest.model_validate(request), caller="ana")
    assert refused.value.field == "amounts_differ" and "319.50" in refused.value.message
    assert "1200.00" in refused.value.message

    made = service(banked).match(ManualMatchRequest.model_validate(request | {"amounts_differ": True}), caller="ana")
    assert "differ by 880.50" in made["rule"]


def test_several_with_several_is_refused(banked: Practice) -> None:
    service(banked).unmatch(match_of(banked, ACME_ERA)["match_id"], UnmatchRequest(note="n"), caller="ana")
    service(banked).unmatch(match_of(banked, CHECK_ERA)["match_id"], UnmatchRequest(note="n"), caller="ana")
    deposits = [d["deposit_id"] for d in service(banked).unmatched()["deposits"]]
    request = ManualMatchRequest(era_ids=[ACME_ERA, CHECK_ERA], deposit_ids=deposits, note="n", amounts_differ=True)

    with pytest.raises(InvalidRequest, match="not several with several"):
        service(banked).match(request, caller="ana")


def test_a_card_settlement_is_classified_and_its_follow_up_resolved(banked: Practice) -> None:
    card_id = deposit_of(banked, "1200.00")
    card = banked.reconciliation.open_deposits[card_id]
    banked.reconciler().sweep(banked.now.date().replace(day=24))  # waited past the window: a follow-up
    banked.deliver_followups()
    followup_id = waiting_followup_id(card)
    assert banked.worklist.work_item(followup_id).followup.status.value == "open"  # type: ignore[union-attr]

    result = service(banked).classify(
        card_id, ClassifyRequest(category="card_settlement", note="CardConnect batch"), caller="ana"
    )

    assert result["bank_text"] == "CARDCONNECT MERCH SETTLE 8843 BATCH 0115"
    assert result["classification"]["category"] == "card_settlement"
    assert service(banked).unmatched()["deposits"] == []
    item = banked.worklist.work_item(followup_id)
    assert item is not None and (item.followup.status.value, item.resolved_by) == ("resolved", "ana")
    assert item.note == "classified by ana as not insurance: card_settlement"
    report = banked.reconciler().report(banked.now.date().replace(day=24))
    assert [(c["deposit_id"], c["category"], c["classified_by"]) for c in report["classified"]] == [
        (card_id, "card_settlement", "ana")
    ]
    assert report["deposits_without_era"] == [] and report["resolved"] == []  # classified, not unmatched
    assert report["totals"]["classified_deposit_total"] == "1200.00"
    with pytest.raises(InvalidRequest, match="not waiting"):
        service(banked).classify(card_id, ClassifyRequest(category="other", note="again"), caller="bo")


def test_an_unknown_match_is_not_found(banked: Practice) -> None:
    with pytest.raises(NotFound):
        service(banked).unmatch("nope", UnmatchRequest(note="n"), caller="ana")


class MatcherFirst(FakeReconciliation):
    """The automatic matcher commits between the person's read and the person's commit."""

    practice: Practice

    def commit_match(self, match: Any, eras: Any, deposits: list[Deposit], posted: Any, audit: Any = None) -> bool:
        if audit is not None and not getattr(self, "raced", False):
            self.raced = True
            self.practice.reconciler().reconcile(source="test")
        return super().commit_match(match, eras, deposits, posted, audit)


def test_a_manual_match_racing_the_matcher_one_wins(banked: Practice) -> None:
    service(banked).unmatch(match_of(banked, CHECK_ERA)["match_id"], UnmatchRequest(note="n"), caller="ana")
    racing = MatcherFirst(banked.remittances)
    racing.__dict__.update({k: v for k, v in banked.reconciliation.__dict__.items() if k != "remittances"})
    racing.practice = banked
    racing.undone.clear()  # as if the two had never been matched: both wait, and the matcher would pair them
    banked.reconciliation = racing
    request = ManualMatchRequest(era_ids=[CHECK_ERA], deposit_ids=[deposit_of(banked, "50.00")], note="n")

    with pytest.raises(Conflict, match="someone else first"):
        service(banked).match(request, caller="ana")

    assert match_of(banked, CHECK_ERA)["confidence"] == "probable"  # the matcher's stands, once
    assert "audit" not in match_of(banked, CHECK_ERA)
