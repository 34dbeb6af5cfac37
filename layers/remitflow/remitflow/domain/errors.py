"""What can come of writing a decision, whoever stores it: someone got there first, it is already
done, or there is nothing there. The stores raise these (never a ClientError); services decide."""

from __future__ import annotations


class Conflict(Exception):
    """Someone else changed the record since we read it: read again and decide again."""


class ClaimChanged(Conflict):
    """The claim moved on since it was read (a posting, an import): decide again on the new version."""


class AlreadyPosted(Exception):
    """This posting id is already recorded: a retry, a redelivered event or a re-upload."""


class NotFound(LookupError):
    """No item with this key."""
