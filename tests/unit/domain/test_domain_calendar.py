"""Banking days on the Federal Reserve's schedule: the window ERA and EFT must meet in (CAQH CORE 370)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from remitflow.domain.calendar import (
    add_business_days,
    business_days_between,
    federal_holidays,
    holiday_name,
    is_business_day,
)

# The Fed's published schedules for these years (observed dates).
FED_2024 = [
    date(2024, 1, 1), date(2024, 1, 15), date(2024, 2, 19), date(2024, 5, 27), date(2024, 6, 19),
    date(2024, 7, 4), date(2024, 9, 2), date(2024, 10, 14), date(2024, 11, 11), date(2024, 11, 28),
    date(2024, 12, 25),
]  # fmt: skip
FED_2025 = [
    date(2025, 1, 1), date(2025, 1, 20), date(2025, 2, 17), date(2025, 5, 26), date(2025, 6, 19),
    date(2025, 7, 4), date(2025, 9, 1), date(2025, 10, 13), date(2025, 11, 11), date(2025, 11, 27),
    date(2025, 12, 25),
]  # fmt: skip
# 2026: July 4 is a Saturday, and the Fed does not close on Friday July 3.
FED_2026 = [
    date(2026, 1, 1), date(2026, 1, 19), date(2026, 2, 16), date(2026, 5, 25), date(2026, 6, 19),
    date(2026, 9, 7), date(2026, 10, 12), date(2026, 11, 11), date(2026, 11, 26), date(2026, 12, 25),
]  # fmt: skip


@pytest.mark.parametrize(("year", "expected"), [(2024, FED_2024), (2025, FED_2025), (2026, FED_2026)])
def test_holidays_are_the_feds_schedule(year: int, expected: list[date]) -> None:
    assert list(federal_holidays(year)) == expected
    assert not any(is_business_day(day) for day in expected)


def test_a_sunday_holiday_closes_the_monday_after() -> None:
    assert date(2023, 1, 2) in federal_holidays(2023)  # New Year's Day 2023 was a Sunday
    assert holiday_name(date(2023, 1, 2)) == "New Year's Day (observed)"
    assert not is_business_day(date(2027, 7, 5))  # July 4, 2027 is a Sunday
    assert not is_business_day(date(2022, 12, 26))  # Christmas 2022 was a Sunday


def test_a_saturday_holiday_leaves_the_friday_before_open() -> None:
    # Federal offices close on these Fridays; Reserve Banks and FedACH do not.
    assert is_business_day(date(2026, 7, 3))
    assert is_business_day(date(2021, 12, 31))  # New Year's Day 2022 was a Saturday
    assert is_business_day(date(2023, 11, 10))  # Veterans Day 2023 was a Saturday
    assert is_business_day(date(2027, 12, 24))  # Christmas 2027 is a Saturday
    assert date(2026, 7, 3) not in federal_holidays(2026)


def test_juneteenth_is_on_the_schedule_from_2022() -> None:
    assert is_business_day(date(2021, 6, 18))  # the Friday the federal government first observed it
    assert not is_business_day(date(2022, 6, 20))  # 2022: Sunday, observed Monday
    assert not is_business_day(date(2025, 6, 19))


def test_weekends_are_never_business_days() -> None:
    assert not is_business_day(date(2025, 1, 18))
    assert not is_business_day(date(2025, 1, 19))
    assert is_business_day(date(2025, 1, 17))


def test_the_holiday_table_cannot_be_changed_by_a_caller() -> None:
    federal_holidays(2025).clear()
    assert not is_business_day(date(2025, 12, 25))


def test_adding_business_days_skips_weekends_and_holidays() -> None:
    # Labor Day 2025 is Monday September 1.
    assert add_business_days(date(2025, 8, 29), 1) == date(2025, 9, 2)
    assert add_business_days(date(2025, 8, 28), 3) == date(2025, 9, 3)
    assert add_business_days(date(2025, 9, 2), -1) == date(2025, 8, 29)
    assert add_business_days(date(2025, 9, 1), 0) == date(2025, 9, 1)
    # From a weekend day: the next (or previous) business day is one step.
    assert add_business_days(date(2025, 1, 18), 1) == date(2025, 1, 21)  # Monday the 20th is MLK Day
    assert add_business_days(date(2025, 1, 18), -1) == date(2025, 1, 17)
    # Thanksgiving week and Christmas.
    assert add_business_days(date(2024, 11, 27), 1) == date(2024, 11, 29)
    assert add_business_days(date(2024, 12, 24), 1) == date(2024, 12, 26)


def test_business_days_between_excludes_the_start_and_counts_the_end() -> None:
    thursday, tuesday = date(2025, 8, 28), date(2025, 9, 2)  # over Labor Day weekend
    assert business_days_between(thursday, tuesday) == 2  # Friday, Tuesday
    assert business_days_between(tuesday, thursday) == -2  # Thursday, Friday
    assert business_days_between(thursday, thursday) == 0
    assert business_days_between(date(2025, 8, 30), date(2025, 9, 1)) == 0  # Saturday to Labor Day
    assert business_days_between(date(2024, 12, 20), date(2025, 1, 2)) == 7  # across two holidays and a year


@given(st.dates(min_value=date(2019, 1, 1), max_value=date(2030, 12, 31)), st.integers(min_value=-40, max_value=40))
def test_business_days_between_inverts_add_business_days(start: date, n: int) -> None:
    end = add_business_days(start, n)
    assert business_days_between(start, end) == n
    if n:
        assert is_business_day(end)
        assert (end > start) == (n > 0)


@given(st.dates(min_value=date(2019, 1, 1), max_value=date(2030, 12, 31)))
def test_one_business_day_is_the_next_open_day(start: date) -> None:
    nxt = add_business_days(start, 1)
    assert all(not is_business_day(start + timedelta(days=k)) for k in range(1, (nxt - start).days))
