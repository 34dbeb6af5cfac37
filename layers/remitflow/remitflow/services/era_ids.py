"""The ERA's public id: its record's key ("ERA#payer#trace#amount#date") as URL-safe text, reversible
and stable, so a link to an ERA works in a URL and names exactly one 835 transaction set."""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal

from remitflow.domain.errors import NotFound
from remitflow.domain.posting import RemittanceRef
from remitflow.services.ports import RemittanceKey

ERA_KEY_PREFIX = "ERA#"


def public_era_id(record_key: str) -> str:
    """The record's key ("ERA#payer#trace#amount#date") as a URL-safe id, reversible and stable."""
    return base64.urlsafe_b64encode(record_key.encode()).decode().rstrip("=")


def record_key(era_id: str) -> str:
    """The record's key of a public era id; NotFound for text that is not one."""
    try:
        key = base64.urlsafe_b64decode(era_id + "=" * (-len(era_id) % 4)).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise NotFound(f"no ERA {era_id!r}") from None
    if not key.startswith(ERA_KEY_PREFIX):
        raise NotFound(f"no ERA {era_id!r}")
    return key


def era_link(remittance: RemittanceRef) -> str | None:
    """The public era id of the ERA a posting came in, when its BPR02 was kept with it."""
    if remittance.payment_amount is None:
        return None
    key = RemittanceKey(
        remittance.payer_id, remittance.trace_number, Decimal(remittance.payment_amount), remittance.payment_date
    )
    return public_era_id(key.era_id)
