"""Did you mean: the claim ids one typo away from what was typed, looked up by key.

A mistyped id is usually one character off: a digit dropped, doubled, swapped or mistaken, a letter in
the wrong case. Those neighbours are generated here (digits stand in for digits, letters for letters,
at most MAX_CANDIDATES of them) and looked up with batched gets: a bounded query, never a scan.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable

MAX_CANDIDATES = 400  # four batched round trips of 100 keys
MAX_SUGGESTIONS = 5
MAX_ID_LENGTH = 38  # CLP01 / CLM01


def _like(character: str) -> str:
    """What a character is mistaken for: another digit; another letter of its case, or a digit (O for 0)."""
    if character.isdigit():
        return string.digits
    if character.isalpha():
        return (string.ascii_uppercase if character.isupper() else string.ascii_lowercase) + string.digits
    return ""


def _deleted(text: str) -> Iterable[str]:  # a character too many
    return (text[:i] + text[i + 1 :] for i in range(len(text)))


def _swapped(text: str) -> Iterable[str]:
    return (text[:i] + text[i + 1] + text[i] + text[i + 2 :] for i in range(len(text) - 1))


def _mistaken(text: str) -> Iterable[str]:
    return (text[:i] + other + text[i + 1 :] for i, character in enumerate(text) for other in _like(character))


def _dropped(text: str) -> Iterable[str]:  # a digit left out
    return (text[:i] + digit + text[i:] for i in range(len(text) + 1) for digit in string.digits)


def candidates(typed: str) -> list[str]:
    """Ids one typo from `typed` (or from `typed` in upper case), likeliest kinds of typo first, at
    most MAX_CANDIDATES; `typed` itself is not among them."""
    text = typed.strip()
    if not text or len(text) > MAX_ID_LENGTH or not text.isascii():
        return []
    bases = list(dict.fromkeys([text, text.upper()]))
    found: dict[str, None] = dict.fromkeys(bases)
    for edits in (_deleted, _swapped, _mistaken, _dropped):
        for base in bases:
            for edit in edits(base):
                if len(found) >= MAX_CANDIDATES:
                    break
                found.setdefault(edit)
    found.pop(typed, None)
    found.pop("", None)
    return list(found)


def distance(a: str, b: str) -> int:
    """Edit distance (insert, delete, substitute), case-blind."""
    a, b = a.upper(), b.upper()
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def suggestions(typed: str, existing: Callable[[list[str]], set[str]]) -> list[str]:
    """The known ids nearest `typed` (all at the least distance, at most MAX_SUGGESTIONS);
    `existing` says which of a list of ids are known."""
    ids = candidates(typed)
    found = existing(ids) if ids else set()
    if not found:
        return []
    ranked = sorted(found, key=lambda known: (distance(typed.strip(), known), known))
    least = distance(typed.strip(), ranked[0])
    return [known for known in ranked if distance(typed.strip(), known) == least][:MAX_SUGGESTIONS]


def did_you_mean(typed: str, existing: Callable[[list[str]], set[str]]) -> str:
    """ "; did you mean PCN1005?" or "" when nothing is near."""
    near = suggestions(typed, existing)
    return f"; did you mean {' or '.join(near)}?" if near else ""
