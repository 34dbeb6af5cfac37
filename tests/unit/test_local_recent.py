"""The local stack's cache of parsed expressions keeps the most recently used ones."""

from __future__ import annotations

from remitflow_local.recent import Recent


def test_the_least_recently_used_goes_first_and_a_read_counts_as_a_use() -> None:
    recent: Recent[str, int] = Recent(2)
    recent.put("a", 1)
    recent.put("b", 2)
    assert recent.get("a") == 1  # "a" used again: "b" is now the oldest

    recent.put("c", 3)

    assert (recent.get("a"), recent.get("b"), recent.get("c"), len(recent)) == (1, None, 3, 2)
    recent.clear()
    assert (recent.get("a"), len(recent)) == (None, 0)
