"""Did you mean: the known claim ids one typo away, found by key among a bounded set of candidates."""

from __future__ import annotations

import pytest

from remitflow_cli.nearby import MAX_CANDIDATES, candidates, did_you_mean, distance, suggestions

KNOWN = {"PCN1001", "PCN1002", "PCN1005", "PCN2001", "LAKE-77"}


class Lookups:
    """Which ids exist, as the claims store would say by key; counts the ids asked about."""

    def __init__(self) -> None:
        self.asked: list[int] = []

    def __call__(self, ids: list[str]) -> set[str]:
        self.asked.append(len(ids))
        return KNOWN & set(ids)


@pytest.mark.parametrize(
    ("typed", "nearest"),
    [
        ("pcn1005", ["PCN1005"]),  # case
        ("PCN1O05", ["PCN1005"]),  # letter O for zero
        ("PCN105", ["PCN1005"]),  # a digit dropped
        ("PCN10005", ["PCN1005"]),  # a digit doubled
        ("PCN1050", ["PCN1005"]),  # two swapped
        ("PCN1003", ["PCN1001", "PCN1002", "PCN1005"]),  # one digit off: every such
        ("PCN200", ["PCN2001"]),
        (" PCN1002 ", ["PCN1002"]),  # spaces around
        ("LAKE-7", ["LAKE-77"]),
    ],
)
def test_the_nearest_known_ids(typed: str, nearest: list[str]) -> None:
    lookups = Lookups()
    assert suggestions(typed, lookups) == nearest
    assert len(lookups.asked) == 1 and lookups.asked[0] <= MAX_CANDIDATES


def test_nothing_near_says_nothing_and_an_unreasonable_id_is_not_looked_up() -> None:
    lookups = Lookups()
    assert did_you_mean("ZZZ9", lookups) == ""
    assert did_you_mean("X" * 500, lookups) == ""
    assert did_you_mean("PCN１００５", lookups) == ""  # full-width digits: not an id we write
    assert lookups.asked == [len(candidates("ZZZ9"))]


def test_the_hint_reads_as_a_question() -> None:
    assert did_you_mean("PCN1O05", Lookups()) == "; did you mean PCN1005?"
    assert did_you_mean("PCN1004", Lookups()) == "; did you mean PCN1001 or PCN1002 or PCN1005?"


def test_candidates_are_bounded_and_never_the_id_typed() -> None:
    for typed in ("PCN1005", "a" * 38, "pcn-2024-000001"):
        found = candidates(typed)
        assert typed not in found and len(found) <= MAX_CANDIDATES and len(set(found)) == len(found)


def test_distance() -> None:
    assert distance("PCN1005", "pcn1005") == 0
    assert distance("PCN105", "PCN1005") == 1
    assert distance("PCN1050", "PCN1005") == 2
