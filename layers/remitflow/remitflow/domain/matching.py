"""The ERA ↔ deposit matcher: which bank deposit pays which 835, and what is left over.

Pure: the caller passes every ERA payment and every deposit still waiting (either side may arrive
first) and gets back the matches, the amount mismatches and what is still unmatched. The same items in
any order give the same result. Rules, in order, each item used at most once:

a. exact: trace, payer id (after the alias table) and amount agree.
b. normalized: the traces agree after normalisation (whitespace, a trailing backslash or `~`, case;
   leading zeros only as a last resort), the payer agrees or the deposit names none, the amount agrees.
   (Trace-anchored sums: a deposit whose trace matches one ERA but whose amount is that ERA plus others
   of the same payer, or an ERA paid by several deposits carrying its trace, match here before c.)
c. the trace agrees but the amount does not: an AmountMismatch; both stay unmatched and are not
   offered to the amount rules below.
d. a deposit without a trace (check, lockbox, CSV without addenda): the only ERA of that amount within
   the window, itself having only that deposit as candidate -> `probable`.
e. summed amounts within the window: one deposit for several ERAs of one payer, or one ERA over several
   traceless deposits -> `probable`. The combination with the smallest date spread wins; a tie between
   different combinations, or one item wanted by two combinations, leaves them all unmatched.

The items it reads and the matches it makes are in `recon_models`; what becomes of the leftovers is in
`recon_followups`, the day's report in `recon_report`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TypeVar

from remitflow.domain.calendar import business_days_between, business_days_text
from remitflow.domain.recon_models import (
    AmountMismatch,
    Confidence,
    Deposit,
    EraPayment,
    Match,
    MatchResult,
    match_id,
    normalize_trace,
    strip_zeros,
)
from remitflow.values import ZERO, money_text

DEFAULT_WINDOW = 3  # business days between ERA and EFT release (CAQH CORE 370)
# Sum search bounds: at most this many items on the "many" side of one match, and at most this many
# steps of the subset search per deposit or ERA. A search that hits the step cap matches nothing and
# blocks its candidates from other sums (we cannot tell it was unique).
MAX_GROUP_SIZE = 6
MAX_SEARCH_STEPS = 20_000


def _days_apart(a: date, b: date) -> int:
    """Business days between two dates, whichever comes first."""
    return _distance(min(a, b), max(a, b))


@lru_cache(maxsize=65_536)
def _distance(first: date, last: date) -> int:
    return business_days_between(first, last)


# --- the matcher -----------------------------------------------------------------------------------

T = TypeVar("T")
_Item = TypeVar("_Item", EraPayment, Deposit)
_ItemKey = tuple[str, str]  # ("era", id) or ("deposit", id)


@dataclass(frozen=True)
class _Candidate:
    """A target (one deposit or one ERA) and what the sum search found for it."""

    target: _ItemKey
    best: tuple[_ItemKey, ...] | None  # the members of the unique best combination
    claims: frozenset[_ItemKey]  # everything it would take or might want (blocks other sums)
    rule: str


class _Matcher:
    def __init__(
        self,
        eras: Sequence[EraPayment],
        deposits: Sequence[Deposit],
        aliases: Mapping[str, str],
        window: int,
    ) -> None:
        if window < 0:
            raise ValueError(f"window_business_days must not be negative, got {window}")
        self.window = window
        self.reach = 2 * window + 7
        self.aliases = dict(aliases)
        self.clean_aliases = {normalize_trace(k): normalize_trace(v) for k, v in aliases.items()}
        self.eras = {e.era_id: e for e in sorted(eras, key=lambda e: e.era_id) if e.needs_deposit}
        self.deposits = {d.deposit_id: d for d in sorted(deposits, key=lambda d: d.deposit_id)}
        self.free_eras = set(self.eras)
        self.free_deposits = set(self.deposits)
        self.matches: list[Match] = []
        self.mismatches: list[AmountMismatch] = []

    # payer ids ---------------------------------------------------------------------------------------

    def exact_payer(self, payer_id: str) -> str:
        return self.aliases.get(payer_id, payer_id)

    def payer(self, payer_id: str) -> str:
        clean = normalize_trace(payer_id)
        return self.clean_aliases.get(clean, clean)

    def payer_fits(self, era: EraPayment, deposit: Deposit) -> bool:
        return deposit.payer_id is None or self.payer(deposit.payer_id) == self.payer(era.payer_id)

    def payer_note(self, era: EraPayment, deposit: Deposit) -> str:
        if deposit.payer_id is None:
            return "the deposit names no payer"
        if normalize_trace(deposit.payer_id) != normalize_trace(era.payer_id):
            return f"payer {deposit.payer_id} is {era.payer_id} by the alias table"
        return f"payer {era.payer_id} agrees"

    # helpers ---------------------------------------------------------------------------------------

    def free_era_list(self) -> list[EraPayment]:
        return [self.eras[i] for i in sorted(self.free_eras)]

    def free_deposit_list(self) -> list[Deposit]:
        return [self.deposits[i] for i in sorted(self.free_deposits)]

    def near(self, era: EraPayment, deposit: Deposit) -> bool:
        if era.payment_date is None:
            return False
        # Cheap reject first: w+1 business days never span more than 2w+7 calendar days.
        if abs((era.payment_date - deposit.booking_date).days) > self.reach:
            return False
        return _days_apart(era.payment_date, deposit.booking_date) <= self.window

    def fits_near(self, era: EraPayment, deposit: Deposit) -> bool:
        return self.near(era, deposit) and self.payer_fits(era, deposit)

    def around(self, by_date: Mapping[date, Sequence[T]], day: date | None) -> list[T]:
        """The items dated within calendar reach of `day` (the window check comes after)."""
        if day is None:
            return []
        found: list[T] = []
        for offset in range(-self.reach, self.reach + 1):
            found.extend(by_date.get(day + timedelta(days=offset), ()))
        return found

    def record(
        self,
        eras: Sequence[EraPayment],
        deposits: Sequence[Deposit],
        confidence: Confidence,
        rule: str,
        trace_number: str | None,
    ) -> None:
        self.matches.append(
            Match(
                match_id=match_id((e.era_id for e in eras), (d.deposit_id for d in deposits)),
                era_ids=tuple(sorted(e.era_id for e in eras)),
                deposit_ids=tuple(sorted(d.deposit_id for d in deposits)),
                confidence=confidence,
                rule=rule,
                trace_number=trace_number,
                era_amount=sum((e.amount for e in eras), ZERO),
                deposit_amount=sum((d.amount for d in deposits), ZERO),
            )
        )
        self.free_eras.difference_update(e.era_id for e in eras)
        self.free_deposits.difference_update(d.deposit_id for d in deposits)

    # a, b: one to one by trace ------------------------------------------------------------------------

    def pair_by_trace(
        self,
        trace_key: Callable[[str], str],
        fits: Callable[[EraPayment, Deposit], bool],
        confidence: Confidence,
        describe: Callable[[EraPayment, Deposit], str],
    ) -> None:
        """Pair ERAs and deposits whose traces agree under `trace_key`, with the same amount, that `fits`.
        When one has several partners (a duplicate), the closest dates pair first. Candidates are sorted
        by content, so the input order cannot matter."""
        index: defaultdict[tuple[str, Decimal], list[Deposit]] = defaultdict(list)
        for deposit in self.free_deposit_list():
            if deposit.trace_number is not None:
                index[(trace_key(deposit.trace_number), deposit.amount)].append(deposit)
        pairs: list[tuple[int, date, str, date, str]] = []
        for era in self.free_era_list():
            for deposit in index.get((trace_key(era.trace_number), era.amount), ()):
                if fits(era, deposit):
                    apart = abs((era.payment_date - deposit.booking_date).days) if era.payment_date else 1 << 30
                    when = era.payment_date or date.min
                    pairs.append((apart, when, era.era_id, deposit.booking_date, deposit.deposit_id))
        for _, _, era_id, _, deposit_id in sorted(pairs):
            if era_id in self.free_eras and deposit_id in self.free_deposits:
                era, deposit = self.eras[era_id], self.deposits[deposit_id]
                self.record([era], [deposit], confidence, describe(era, deposit), deposit.trace_number)

    def trace_pairs(self) -> list[tuple[EraPayment, Deposit]]:
        """Free ERAs and deposits whose traces agree by any normalisation (and whose payers fit)."""
        index: defaultdict[str, list[Deposit]] = defaultdict(list)
        for deposit in self.free_deposit_list():
            if deposit.trace_number is not None:
                index[strip_zeros(deposit.trace_number)].append(deposit)
        return [
            (era, deposit)
            for era in self.free_era_list()
            for deposit in index.get(strip_zeros(era.trace_number), ())
            if self.payer_fits(era, deposit)
        ]

    def exact(self) -> None:
        def fits(era: EraPayment, deposit: Deposit) -> bool:
            return deposit.payer_id is not None and self.exact_payer(deposit.payer_id) == self.exact_payer(era.payer_id)

        def describe(era: EraPayment, deposit: Deposit) -> str:
            payer = (
                f"payer {era.payer_id}"
                if deposit.payer_id == era.payer_id
                else f"payer {deposit.payer_id} (= {era.payer_id} by the alias table)"
            )
            return f"trace {era.trace_number}, {payer} and amount {money_text(era.amount)} agree exactly"

        self.pair_by_trace(str, fits, "exact", describe)

    def normalized(self) -> None:
        def describe_clean(era: EraPayment, deposit: Deposit) -> str:
            return (
                f"trace '{deposit.trace_number}' is the ERA's '{era.trace_number}' once whitespace, a trailing "
                f"backslash or ~ and case are set aside; {self.payer_note(era, deposit)}; "
                f"amount {money_text(era.amount)} agrees"
            )

        def describe_zeros(era: EraPayment, deposit: Deposit) -> str:
            return (
                f"trace '{deposit.trace_number}' is the ERA's '{era.trace_number}' only with leading zeros "
                f"stripped; {self.payer_note(era, deposit)}; amount {money_text(era.amount)} agrees"
            )

        self.pair_by_trace(normalize_trace, self.payer_fits, "normalized", describe_clean)
        self.pair_by_trace(strip_zeros, self.payer_fits, "normalized", describe_zeros)

    # sums -----------------------------------------------------------------------------------------------

    def search(
        self,
        total: Decimal,
        required: Sequence[T],
        pool: Sequence[T],
        amount: Callable[[T], Decimal],
        key: Callable[[T], str],
    ) -> list[tuple[T, ...]] | None:
        """Every combination of all of `required` plus some of `pool` (2..MAX_GROUP_SIZE items) whose
        amounts add up to `total`; None when the search would take more than MAX_SEARCH_STEPS."""
        rest = total - sum((amount(r) for r in required), ZERO)
        room = MAX_GROUP_SIZE - len(required)
        if rest < ZERO or room < 0:
            return []
        ordered = sorted(pool, key=lambda item: (amount(item), key(item)))
        found: list[tuple[T, ...]] = []
        steps = 0

        def extend(start: int, remaining: Decimal, chosen: list[T]) -> bool:
            nonlocal steps
            if remaining == ZERO:
                if len(required) + len(chosen) >= 2:
                    found.append((*required, *chosen))
                return True  # amounts are positive: nothing more can be added
            if len(chosen) == room:
                return True
            for index in range(start, len(ordered)):
                steps += 1
                if steps > MAX_SEARCH_STEPS:
                    return False
                value = amount(ordered[index])
                if value > remaining:
                    break  # sorted ascending: every later item is too big as well
                if not extend(index + 1, remaining - value, [*chosen, ordered[index]]):
                    return False
            return True

        return found if extend(0, rest, []) else None

    def spread(self, dates: Iterable[date | None]) -> int:
        known = [d for d in dates if d is not None]
        return _days_apart(min(known), max(known)) if known else 0

    def candidate(
        self,
        target: _ItemKey,
        target_date: date | None,
        found: Sequence[Sequence[EraPayment | Deposit]] | None,
        everything: Iterable[_ItemKey],
        rule: Callable[[int, int], str],
    ) -> _Candidate | None:
        """The best combination for one target, or what it blocks when it has no single best.
        `rule(spread, count)` words the match."""
        if found is None:
            return _Candidate(target, None, frozenset({target, *everything}), "")
        if not found:
            return None
        scored: list[tuple[int, tuple[_ItemKey, ...]]] = []
        for combination in found:
            keys = tuple(sorted(_key(item) for item in combination))
            dates = [target_date, *(_date(item) for item in combination)]
            scored.append((self.spread(dates), keys))
        low = min(spread for spread, _ in scored)
        best = sorted({keys for spread, keys in scored if spread == low})
        if len(best) > 1:  # two different combinations fit equally well: do not guess
            return _Candidate(target, None, frozenset({target, *(k for keys in best for k in keys)}), "")
        return _Candidate(target, best[0], frozenset({target, *best[0]}), rule(low, len(best[0])))

    def accept(self, candidates: Sequence[_Candidate]) -> None:
        """Take every best combination that no other target wants any part of."""
        wanted: defaultdict[_ItemKey, int] = defaultdict(int)
        for candidate in candidates:
            for item in candidate.claims:
                wanted[item] += 1
        for candidate in sorted(candidates, key=lambda c: c.target):
            if candidate.best is None or any(wanted[item] > 1 for item in candidate.claims):
                continue
            items = {*candidate.best, candidate.target}
            eras = [self.eras[i] for kind, i in sorted(items) if kind == "era"]
            deposits = [self.deposits[i] for kind, i in sorted(items) if kind == "deposit"]
            trace = next((d.trace_number for d in deposits if d.trace_number), None)
            if trace is None and len(eras) == 1:
                trace = eras[0].trace_number
            self.record(eras, deposits, "probable", candidate.rule, trace)

    def consolidated(
        self, deposit: Deposit, required: Sequence[EraPayment], pool: Sequence[EraPayment]
    ) -> _Candidate | None:
        """One deposit for several ERAs of one payer (all of `required` among them)."""
        payers = sorted({self.payer(e.payer_id) for e in [*required, *pool]})
        if required:
            anchors = {self.payer(e.payer_id) for e in required}
            if len(anchors) > 1:
                return None
            payers = sorted(anchors)
        target: _ItemKey = ("deposit", deposit.deposit_id)
        everything = [_key(e) for e in [*required, *pool]]
        found: list[tuple[EraPayment, ...]] = []
        for payer in payers:
            of_payer = [e for e in pool if self.payer(e.payer_id) == payer]
            result = self.search(deposit.amount, required, of_payer, _amount, _era_key)
            if result is None:  # too many to search: claim them all, take none
                return self.candidate(target, deposit.booking_date, None, everything, _no_rule)
            found.extend(result)
        anchor = deposit.trace_number if required else None

        def rule(spread: int, count: int) -> str:
            text = (
                f"one deposit of {money_text(deposit.amount)} booked {deposit.booking_date} is the sum of "
                f"{count} ERAs of one payer paid within {business_days_text(self.window)} of it "
                f"(date spread {business_days_text(spread)})"
            )
            if anchor is not None:
                text += f"; the deposit's trace '{anchor}' is that of one of them"
            return text

        return self.candidate(target, deposit.booking_date, found, everything, rule)

    def split(self, era: EraPayment, required: Sequence[Deposit], pool: Sequence[Deposit]) -> _Candidate | None:
        """One ERA paid by several deposits (all of `required` among them)."""
        found = self.search(era.amount, required, pool, _amount, _deposit_key)
        anchor = era.trace_number if required else None

        def rule(spread: int, count: int) -> str:
            text = (
                f"one ERA of {money_text(era.amount)} paid {era.payment_date or 'on an unknown date'} is the sum "
                f"of {count} deposits booked within {business_days_text(self.window)} of it "
                f"(date spread {business_days_text(spread)})"
            )
            if anchor is not None:
                text += f"; deposits carrying its trace '{anchor}' are among them"
            return text

        everything = [_key(d) for d in [*required, *pool]]
        return self.candidate(("era", era.era_id), era.payment_date, found, everything, rule)

    def anchored_sums(self) -> None:
        """Before calling a trace with another amount a mismatch: is it one part of a sum?"""
        tied_to_deposit: defaultdict[str, list[EraPayment]] = defaultdict(list)
        tied_to_era: defaultdict[str, list[Deposit]] = defaultdict(list)
        for era, deposit in self.trace_pairs():
            tied_to_deposit[deposit.deposit_id].append(era)
            tied_to_era[era.era_id].append(deposit)
        # Other ERAs join a sum only if no deposit carries their own trace: that one is theirs.
        untied = _by_date(e for e in self.free_era_list() if e.era_id not in tied_to_era)
        traceless = _by_date(d for d in self.free_deposit_list() if d.trace_number is None)
        candidates: list[_Candidate | None] = []
        for deposit_id, required in sorted(tied_to_deposit.items()):
            deposit = self.deposits[deposit_id]
            pool = [e for e in self.around(untied, deposit.booking_date) if self.fits_near(e, deposit)]
            candidates.append(self.consolidated(deposit, required, pool))
        for era_id, tied in sorted(tied_to_era.items()):
            era = self.eras[era_id]
            parts = [d for d in self.around(traceless, era.payment_date) if self.fits_near(era, d)]
            candidates.append(self.split(era, tied, parts))
        self.accept([c for c in candidates if c is not None])

    # c: same trace, other amount --------------------------------------------------------------------------

    def amount_mismatches(self) -> None:
        pairs = self.trace_pairs()
        for era, deposit in pairs:
            self.mismatches.append(
                AmountMismatch(
                    era_id=era.era_id,
                    deposit_id=deposit.deposit_id,
                    trace_number=era.trace_number,
                    payer_id=era.payer_id,
                    era_amount=era.amount,
                    deposit_amount=deposit.amount,
                    difference=deposit.amount - era.amount,
                )
            )
        # Both stay unmatched, and out of reach of the amount rules: the trace says they belong together.
        self.free_eras.difference_update(e.era_id for e, _ in pairs)
        self.free_deposits.difference_update(d.deposit_id for _, d in pairs)

    # d: a unique amount without a trace ---------------------------------------------------------------------

    def unique_amounts(self) -> None:
        by_amount: defaultdict[Decimal, list[Deposit]] = defaultdict(list)
        for deposit in self.free_deposit_list():
            if deposit.trace_number is None:
                by_amount[deposit.amount].append(deposit)
        per_era: dict[str, list[Deposit]] = {}
        per_deposit: defaultdict[str, list[EraPayment]] = defaultdict(list)
        for era in self.free_era_list():
            found = [d for d in by_amount.get(era.amount, ()) if self.fits_near(era, d)]
            per_era[era.era_id] = found
            for deposit in found:
                per_deposit[deposit.deposit_id].append(era)
        for era_id, found in sorted(per_era.items()):
            if len(found) != 1 or len(per_deposit[found[0].deposit_id]) != 1:
                continue  # two candidates either way: do not guess
            era, deposit = self.eras[era_id], found[0]
            assert era.payment_date is not None
            apart = _days_apart(era.payment_date, deposit.booking_date)
            rule = (
                f"the deposit carries no trace; it is the only one of {money_text(era.amount)} within "
                f"{business_days_text(self.window)} of the ERA (paid {era.payment_date}, booked "
                f"{deposit.booking_date}: {business_days_text(apart)} apart), and the ERA the only one of "
                "that amount for it"
            )
            self.record([era], [deposit], "probable", rule, era.trace_number)

    # e: sums without a trace ---------------------------------------------------------------------------------

    def sums(self) -> None:
        eras, deposits = self.free_era_list(), self.free_deposit_list()
        eras_by_date = _by_date(eras)
        traceless = _by_date(d for d in deposits if d.trace_number is None)
        candidates: list[_Candidate | None] = []
        for deposit in deposits:
            pool = [e for e in self.around(eras_by_date, deposit.booking_date) if self.fits_near(e, deposit)]
            candidates.append(self.consolidated(deposit, [], pool))
        for era in eras:
            parts = [d for d in self.around(traceless, era.payment_date) if self.fits_near(era, d)]
            candidates.append(self.split(era, [], parts))
        self.accept([c for c in candidates if c is not None])

    def run(self) -> None:
        self.exact()
        self.normalized()
        self.anchored_sums()
        self.amount_mismatches()
        self.unique_amounts()
        self.sums()


def _no_rule(spread: int, count: int) -> str:
    return ""


def _by_date(items: Iterable[_Item]) -> dict[date, list[_Item]]:
    grouped: defaultdict[date, list[_Item]] = defaultdict(list)
    for item in items:
        when = _date(item)
        if when is not None:
            grouped[when].append(item)
    return dict(grouped)


def _amount(item: EraPayment | Deposit) -> Decimal:
    return item.amount


def _era_key(era: EraPayment) -> str:
    return era.era_id


def _deposit_key(deposit: Deposit) -> str:
    return deposit.deposit_id


def _key(item: EraPayment | Deposit) -> _ItemKey:
    return ("era", item.era_id) if isinstance(item, EraPayment) else ("deposit", item.deposit_id)


def _date(item: EraPayment | Deposit) -> date | None:
    return item.payment_date if isinstance(item, EraPayment) else item.booking_date


def _unique(ids: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"two {what} share the id {item!r}")
        seen.add(item)


def match(
    eras: Iterable[EraPayment],
    deposits: Iterable[Deposit],
    *,
    payer_aliases: Mapping[str, str] | None = None,
    window_business_days: int = DEFAULT_WINDOW,
) -> MatchResult:
    """Match ERA payments to deposits (rules a-e in the module doc). `payer_aliases` maps a TRN03 alias
    (e.g. the EIN a bank shows without the leading "1") to the canonical payer id."""
    era_list, deposit_list = list(eras), list(deposits)
    _unique((e.era_id for e in era_list), "ERAs")
    _unique((d.deposit_id for d in deposit_list), "deposits")
    matcher = _Matcher(era_list, deposit_list, payer_aliases or {}, window_business_days)
    matcher.run()
    mismatched_eras = {m.era_id for m in matcher.mismatches}
    mismatched_deposits = {m.deposit_id for m in matcher.mismatches}
    waiting_eras = sorted(
        (e for i, e in matcher.eras.items() if i in matcher.free_eras or i in mismatched_eras),
        key=lambda e: (e.payment_date or date.min, e.era_id),
    )
    waiting_deposits = sorted(
        (d for i, d in matcher.deposits.items() if i in matcher.free_deposits or i in mismatched_deposits),
        key=lambda d: (d.booking_date, d.deposit_id),
    )
    return MatchResult(
        matches=tuple(sorted(matcher.matches, key=lambda m: (m.era_ids, m.deposit_ids))),
        amount_mismatches=tuple(sorted(matcher.mismatches, key=lambda m: (m.era_id, m.deposit_id))),
        unmatched_eras=tuple(waiting_eras),
        unmatched_deposits=tuple(waiting_deposits),
        no_deposit_needed=tuple(sorted(e.era_id for e in era_list if not e.needs_deposit)),
    )
