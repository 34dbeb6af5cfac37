"""What can come of writing a decision, whoever stores it: someone got there first, it is already
done, there is nothing there, the store stays busy past its retries, or the record is beyond what it
can hold. The stores raise these (never a ClientError); services decide. And what a person asked that
cannot be done as asked: a request field to change (InvalidRequest, ResolutionError)."""

from __future__ import annotations


class InvalidRequest(ValueError):
    """A request field is wrong; `field` names it (the API answers 400)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Conflict(Exception):
    """Someone else changed the record since we read it: read again and decide again."""


class ClaimChanged(Conflict):
    """The claim moved on since it was read (a posting, an import): decide again on the new version."""


class AlreadyPosted(Exception):
    """This posting id is already recorded: a retry, a redelivered event or a re-upload."""


class NotFound(LookupError):
    """No item with this key."""


class StoreBusy(Exception):
    """The store kept refusing a write (throttled, failing with 5xx, or cancelled by transactions on the
    same items) after its bounded retries. Nothing of the write was stored; the caller fails and its
    idempotent work is retried later (for an ingest: by Lambda, then the failure queue).
    `held_by_others`: it was other transactions on the same items, not DynamoDB's capacity."""

    def __init__(self, message: str, *, held_by_others: bool = False) -> None:
        super().__init__(message)
        self.held_by_others = held_by_others


class Unstorable(Exception):
    """A record the store cannot keep whatever the retries: an item over DynamoDB's 400 KB, a
    transaction over 100 items or 4 MB, a number of more than 38 digits. The message says which record
    and which limit (never its content: it may hold PHI). The caller holds the money for a person."""


class ResolutionError(InvalidRequest):
    """A resolution (or a match, an undo) cannot be carried out as asked; `field` names the request
    field to change. An InvalidRequest, so the API answers 400 and the CLI names the field as for any."""


class AlreadyApplied(Exception):
    """This follow-up's posting is already on the claim: someone resolved it first."""
