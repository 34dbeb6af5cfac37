"""US banking days: the Federal Reserve's holiday schedule, for the ERA/EFT window (CAQH CORE 370).

The Fed's observance rule differs from the rule for federal employees (5 U.S.C. 6103):
- a holiday on a Sunday is observed on the Monday after: Reserve Banks are closed that Monday;
- a holiday on a Saturday is NOT moved to the Friday before: Reserve Banks (and FedACH) are open that
  Friday. So 2021-12-31 and 2026-07-03 are banking days even though federal offices close.
Juneteenth (June 19) is on the Fed schedule from 2022 (made a federal holiday in June 2021, too late for
the Reserve Banks to close that year).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

MONDAY, THURSDAY, SATURDAY, SUNDAY = 0, 3, 5, 6
JUNETEENTH_FROM = 2022


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` (0 = Monday) of the month."""
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    last = following - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def federal_holidays(year: int) -> dict[date, str]:
    """The days Federal Reserve Banks are closed for a holiday in `year`, observed date -> name.

    A Sunday holiday moves to Monday (same year: Jan 1 and Dec 25 never cross the year that way);
    a Saturday holiday is not observed at all by the Fed.
    """
    return dict(_holidays(year))


@lru_cache(maxsize=256)
def _holidays(year: int) -> dict[date, str]:
    actual: list[tuple[date, str]] = [
        (date(year, 1, 1), "New Year's Day"),
        (_nth_weekday(year, 1, MONDAY, 3), "Birthday of Martin Luther King, Jr."),
        (_nth_weekday(year, 2, MONDAY, 3), "Washington's Birthday"),
        (_last_weekday(year, 5, MONDAY), "Memorial Day"),
        (date(year, 7, 4), "Independence Day"),
        (_nth_weekday(year, 9, MONDAY, 1), "Labor Day"),
        (_nth_weekday(year, 10, MONDAY, 2), "Columbus Day"),
        (date(year, 11, 11), "Veterans Day"),
        (_nth_weekday(year, 11, THURSDAY, 4), "Thanksgiving Day"),
        (date(year, 12, 25), "Christmas Day"),
    ]
    if year >= JUNETEENTH_FROM:
        actual.append((date(year, 6, 19), "Juneteenth National Independence Day"))
    observed: dict[date, str] = {}
    for day, name in actual:
        if day.weekday() == SUNDAY:
            observed[day + timedelta(days=1)] = f"{name} (observed)"
        elif day.weekday() != SATURDAY:
            observed[day] = name
    return dict(sorted(observed.items()))


def holiday_name(day: date) -> str | None:
    return _holidays(day.year).get(day)


def is_business_day(day: date) -> bool:
    """Monday to Friday and not a Federal Reserve holiday: a day ACH settles."""
    return day.weekday() < SATURDAY and day not in _holidays(day.year)


def add_business_days(day: date, n: int) -> date:
    """The n-th business day after `day` (before it when n < 0); `day` itself when n == 0.

    `day` need not be a business day: add_business_days(Saturday, 1) is the next business day.
    """
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    while remaining:
        day += step
        if is_business_day(day):
            remaining -= 1
    return day


def business_days_between(a: date, b: date) -> int:
    """Business days from a to b, signed: those in (a, b] when b >= a, minus those in [b, a) when b < a.

    Excluding the start and counting the end in the direction of travel makes it the inverse of
    add_business_days: business_days_between(a, add_business_days(a, n)) == n for every a and n.
    """
    if b >= a:
        return sum(1 for offset in range(1, (b - a).days + 1) if is_business_day(a + timedelta(days=offset)))
    return -sum(1 for offset in range((a - b).days) if is_business_day(b + timedelta(days=offset)))


def business_days_text(count: int) -> str:
    """A count of business days as a sentence reads it: '1 business day', '3 business days'."""
    return f"{count} business day" if abs(count) == 1 else f"{count} business days"
