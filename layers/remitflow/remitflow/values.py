"""The values every subpackage shares: money quantized to cents, deterministic ids, the immutable model base.

It imports nothing of remitflow, so the bank readers and the domain can both build on it: the domain
reads the readers' models, and no reader needs the domain."""

from __future__ import annotations

import hashlib
import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def money_text(amount: Decimal) -> str:
    """Money for JSON: a string with two decimals, never a float."""
    return str(cents(amount))


def _money_input(value: object) -> object:
    # pydantic would accept 0.1 and carry its binary error into the ledger.
    if isinstance(value, float):
        raise ValueError(f"money must be a Decimal or a string, not the float {value!r}")
    # Decimal() reads any Unicode digit; money is written in ASCII digits only.
    if isinstance(value, str) and not value.isascii():
        raise ValueError(f"money must be written in digits 0-9, not {value!r}")
    return value


Money = Annotated[Decimal, BeforeValidator(_money_input), AfterValidator(cents)]


def stable_id(*parts: str | int | None) -> str:
    """The same parts always give the same id (retries and re-uploads must find what they wrote)."""
    text = json.dumps(parts, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class DomainModel(BaseModel):
    """Immutable: a decision never changes the claim it was given, it returns a new one."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
