"""WorklistIntake on the in-memory fakes: a batch of follow-ups opens together, a repeat changes
nothing, what the store refuses is refused alone, and an APPEAL_ANSWERED closes its appeals on its own."""

from __future__ import annotations

from collections.abc import Sequence

from tests.unit.services.fakes import FakeWorklist
from tests.unit.services.practice import Practice
from tests.unit.services.test_service_appeals import answer_835, appealed, denied  # noqa: F401  (a fixture)

from remitflow.domain.errors import StoreBusy
from remitflow.domain.followups import Followup
from remitflow.domain.resolutions import WorkItem
from remitflow.services.ports import Additions, FollowupChange
from remitflow.services.worklist_intake import WorklistIntake


class Refuses(FakeWorklist):
    """The worklist store, refusing the ids in `busy` (StoreBusy) and any change while `changes_busy`."""

    def __init__(self, practice: Practice, busy: set[str]) -> None:
        super().__init__(practice.claims, practice.remittances)
        self.items = practice.worklist.items
        self.busy = busy
        self.changes_busy = False
        self.batches: list[list[str]] = []

    def add_many(self, followups: Sequence[Followup]) -> Additions:
        self.batches.append([f.id for f in followups])
        added = super().add_many([f for f in followups if f.id not in self.busy]).added
        return Additions(added=added, refused={i: StoreBusy(f"follow-up {i}: busy") for i in self.busy})

    def change(self, change: FollowupChange) -> WorkItem:
        if self.changes_busy:
            raise StoreBusy(f"follow-up {change.followup_id}: busy")
        return super().change(change)


def test_a_batch_opens_together_and_a_refused_follow_up_is_refused_alone(loaded: Practice) -> None:
    loaded.post()
    sent = list(loaded.queue.sent)
    worklist = Refuses(loaded, busy={sent[0].id})

    additions = WorklistIntake(worklist).receive_all([*sent, sent[1]])  # sent[1] twice

    assert worklist.batches == [[f.id for f in sent] + [sent[1].id]]  # one call for the batch
    assert additions.added == {f.id for f in sent[1:]}
    assert set(additions.refused) == {sent[0].id}
    assert worklist.work_item(sent[0].id) is None
    assert isinstance(additions.refused[sent[0].id], StoreBusy)

    worklist.busy.clear()  # delivered again once the store is back
    again = WorklistIntake(worklist).receive_all(sent)
    assert again.added == {sent[0].id} and again.refused == {}


def test_an_appeal_answer_the_store_cannot_record_is_refused_alone(appealed: Practice) -> None:  # noqa: F811
    appealed.post("remittances/acme-appeal-2025-03-01.835", answer_835())
    fresh = appealed.queue.sent[appealed.delivered :]
    (answer,) = [f for f in fresh if f.type.value == "appeal_answered"]
    worklist = Refuses(appealed, busy=set())
    worklist.changes_busy = True

    additions = WorklistIntake(worklist).receive_all(fresh)

    assert set(additions.refused) == {answer.id}
    assert worklist.batches == []  # an answer never becomes an item
    assert denied(appealed).followup.status.value == "appealed"

    worklist.changes_busy = False  # delivered again
    assert WorklistIntake(worklist).receive_all([answer]) == Additions()
    assert denied(appealed).followup.status.value == "resolved"
