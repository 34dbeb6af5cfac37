"""The follow-ups reconciliation raises for what the matcher leaves to a person.

An amount mismatch gets its AMOUNT_MISMATCH at once; an ERA or deposit still unmatched becomes
ERA_WITHOUT_DEPOSIT or DEPOSIT_WITHOUT_ERA once it has waited longer than the window (the daily
sweep). Ids depend only on the items, so running either again finds the same follow-ups.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import AwareDatetime

from remitflow.bank.models import BankTransaction
from remitflow.domain.calendar import business_days_between, business_days_text
from remitflow.domain.followups import Followup, FollowupType, new_followup
from remitflow.domain.matching import DEFAULT_WINDOW
from remitflow.domain.recon_models import AmountMismatch, Deposit, EraPayment, MatchResult
from remitflow.values import ZERO, money_text, stable_id


def overdue(
    result_or_unmatched_eras: MatchResult | Iterable[EraPayment],
    unmatched_deposits: Iterable[Deposit] | None = None,
    *,
    today: date,
    now: AwareDatetime,
    source: str,
    window_business_days: int = DEFAULT_WINDOW,
) -> list[Followup]:
    """Follow-ups for what has waited longer than the window: ERA_WITHOUT_DEPOSIT for an ERA paid more
    than `window_business_days` business days before `today`, DEPOSIT_WITHOUT_ERA for a deposit booked
    that long ago. Ids depend only on the item, so a daily sweep finds yesterday's follow-up again.

    Given a MatchResult, items in an amount mismatch are left out: they have their AMOUNT_MISMATCH
    follow-up already. An ERA without a payment date (BPR16) cannot be aged and is reported at once.
    """
    if isinstance(result_or_unmatched_eras, MatchResult):
        if unmatched_deposits is not None:
            raise ValueError("pass a MatchResult alone, or the unmatched ERAs and deposits")
        result = result_or_unmatched_eras
        in_mismatch_eras = {m.era_id for m in result.amount_mismatches}
        in_mismatch_deposits = {m.deposit_id for m in result.amount_mismatches}
        eras = [e for e in result.unmatched_eras if e.era_id not in in_mismatch_eras]
        deposits = [d for d in result.unmatched_deposits if d.deposit_id not in in_mismatch_deposits]
    else:
        eras, deposits = list(result_or_unmatched_eras), list(unmatched_deposits or ())
    window = window_business_days
    followups: list[Followup] = []
    for era in sorted(eras, key=lambda e: (e.payment_date or date.min, e.era_id)):
        if not era.needs_deposit:
            continue
        days: int | None
        if era.payment_date is None:
            days = None
            reason = (
                f"the ERA of {money_text(era.amount)} (trace {era.trace_number}) has no payment date (BPR16), "
                "so its deposit cannot be looked for in a window; find the deposit by hand"
            )
        else:
            days = business_days_between(era.payment_date, today)  # negative for a date still ahead
            if days <= window:
                continue
            what = "check" if era.method == "CHK" else "EFT"
            reason = (
                f"no deposit matches the ERA of {money_text(era.amount)} (trace {era.trace_number}) "
                f"{business_days_text(days)} after its payment date {era.payment_date}; the {what} was expected "
                f"within {business_days_text(window)}"
            )
        own_fields = {
            "payment_date": era.payment_date.isoformat() if era.payment_date else None,
            "method": era.method,
        }
        followups.append(
            _waiting_followup(era, own_fields, days=days, window=window, reason=reason, now=now, source=source)
        )
    for deposit in sorted(deposits, key=lambda d: (d.booking_date, d.deposit_id)):
        days = business_days_between(deposit.booking_date, today)
        if days <= window:
            continue
        trace = f"trace {deposit.trace_number}" if deposit.trace_number else "no trace"
        reason = (
            f"no ERA explains the deposit of {money_text(deposit.amount)} ({trace}) booked "
            f"{deposit.booking_date}, {business_days_text(days)} ago; an ERA was expected within "
            f"{business_days_text(window)}"
        )
        own_fields = {"booking_date": deposit.booking_date.isoformat()}
        followups.append(
            _waiting_followup(deposit, own_fields, days=days, window=window, reason=reason, now=now, source=source)
        )
    return followups


def _waiting_kind(item: EraPayment | Deposit) -> tuple[FollowupType, str, str]:
    if isinstance(item, EraPayment):
        return FollowupType.ERA_WITHOUT_DEPOSIT, "era", item.era_id
    return FollowupType.DEPOSIT_WITHOUT_ERA, "deposit", item.deposit_id


def waiting_followup_id(item: EraPayment | Deposit) -> str:
    """The id of the ERA_WITHOUT_DEPOSIT or DEPOSIT_WITHOUT_ERA that `overdue` raises (or raised) for
    the item: what the report and the sweep look up on the worklist."""
    type_, side, item_id = _waiting_kind(item)
    return stable_id("followup", type_.value, side, item_id)  # as new_followup derives it from the key


def _waiting_followup(
    item: EraPayment | Deposit,
    own_fields: dict[str, Any],
    *,
    days: int | None,
    window: int,
    reason: str,
    now: AwareDatetime,
    source: str,
) -> Followup:
    """ERA_WITHOUT_DEPOSIT or DEPOSIT_WITHOUT_ERA for one item, with what only its side has (`own_fields`:
    the ERA's payment date and method, the deposit's booking date) between the shared fields."""
    type_, side, item_id = _waiting_kind(item)
    return new_followup(
        type_,
        key=(side, item_id),  # the item alone: tomorrow's sweep must find today's follow-up
        created_at=now,
        source=source,
        payer_id=item.payer_id,
        amount=item.amount,
        detail={
            f"{side}_id": item_id,
            "trace_number": item.trace_number,
            **own_fields,
            "business_days_waiting": days,
            "window_business_days": window,
            f"{side}_source": item.source,
            "reason": reason,
        },
    )


def amount_mismatch_followups(mismatches: Iterable[AmountMismatch], now: AwareDatetime, source: str) -> list[Followup]:
    """One AMOUNT_MISMATCH per ERA/deposit pair; `amount` is the difference (deposit - ERA)."""
    followups = []
    for mismatch in sorted(mismatches, key=lambda m: (m.era_id, m.deposit_id)):
        direction = "less" if mismatch.difference < ZERO else "more"
        followups.append(
            new_followup(
                FollowupType.AMOUNT_MISMATCH,
                key=("era", mismatch.era_id, "deposit", mismatch.deposit_id),
                created_at=now,
                source=source,
                payer_id=mismatch.payer_id,
                amount=mismatch.difference,
                detail={
                    "era_id": mismatch.era_id,
                    "deposit_id": mismatch.deposit_id,
                    "trace_number": mismatch.trace_number,
                    "era_amount": money_text(mismatch.era_amount),
                    "deposit_amount": money_text(mismatch.deposit_amount),
                    "difference": money_text(mismatch.difference),
                    "reason": (
                        f"the deposit with trace {mismatch.trace_number} is {money_text(abs(mismatch.difference))} "
                        f"{direction} than its ERA ({money_text(mismatch.deposit_amount)} deposited, "
                        f"{money_text(mismatch.era_amount)} on the ERA)"
                    ),
                },
            )
        )
    return followups


def duplicate_bank_reference(
    transaction: BankTransaction,
    kept: Mapping[str, Any],
    *,
    identity: str,
    now: AwareDatetime,
) -> Followup:
    """DUPLICATE_BANK_REFERENCE: `transaction` has the bank reference, account and booking date of a
    transaction already kept (`kept`: its transaction_id, source, amount, direction) but another
    amount or direction. It is not kept or matched: a person decides which file is right. Names both
    files and amounts; the account only masked, and no bank text (it may name a person)."""
    kept_amount = kept.get("amount")
    kept_text = money_text(Decimal(str(kept_amount))) if kept_amount is not None else "an unknown amount"
    kept_source = str(kept.get("source", "another bank file"))
    reason = (
        f"bank reference {transaction.bank_reference} on account {transaction.masked_account or '(none)'} booked "
        f"{transaction.booking_date} is {money_text(transaction.amount)} ({transaction.direction.value}) in "
        f"{transaction.source} but {kept_text} ({kept.get('direction', 'unknown')}) in {kept_source}, which was "
        "kept; this one was not kept or matched: check which file is right"
    )
    return new_followup(
        FollowupType.DUPLICATE_BANK_REFERENCE,
        key=("bank_reference", identity, transaction.transaction_id),
        created_at=now,
        source=transaction.source,
        payer_id=transaction.payer_id,
        amount=transaction.amount,
        detail={
            "reason": reason,
            "bank_reference": transaction.bank_reference,
            "account": transaction.masked_account,
            "booking_date": transaction.booking_date.isoformat(),
            "transaction_id": transaction.transaction_id,
            "source": transaction.source,
            "format": transaction.format.value,
            "amount": money_text(transaction.amount),
            "direction": transaction.direction.value,
            "kept_transaction_id": kept.get("transaction_id"),
            "kept_source": kept_source,
            "kept_format": kept.get("format"),
            "kept_amount": None if kept_amount is None else kept_text,
            "kept_direction": kept.get("direction"),
        },
    )
