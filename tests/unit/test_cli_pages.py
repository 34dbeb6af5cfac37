"""The listing and showing commands (`eras`, `deposits`, `claims`, `accounts`): every page is read, an
empty list says so, a record that is not there is exit 3 with what was asked for, any other refusal is
exit 1; JSON on stdout, messages on stderr. The stack is replaced by small fakes (no moto)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from remitflow.domain.errors import NotFound
from remitflow.services.worklist import InvalidRequest
from remitflow_cli import accounts, claims, deposits, eras, main
from remitflow_cli.connection import CommandError


class Pages:
    """A view (or claim book) that gives out `items` two at a time, or `refusal`; it has no record to show."""

    def __init__(self, items: list[dict[str, Any]], refusal: Exception | None = None) -> None:
        self.items, self.refusal = items, refusal
        self.asked: list[dict[str, Any]] = []

    def page(self, cursor: str | None = None, **query: Any) -> dict[str, Any]:
        if self.refusal is not None:
            raise self.refusal
        self.asked.append(query)
        start = int(cursor or 0)
        following = start + 2 if start + 2 < len(self.items) else None
        return {"items": self.items[start : start + 2], "next_cursor": None if following is None else str(following)}

    list_claims = page

    def show(self, record_id: str) -> dict[str, Any]:
        raise NotFound(f"no deposit {record_id!r}")

    def account(self, account_id: str) -> dict[str, Any]:
        raise NotFound(account_id)


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Any:
    def use(view: Pages, existing: frozenset[str] = frozenset()) -> None:
        stores = SimpleNamespace(claims=SimpleNamespace(existing=lambda ids: {i for i in ids if i in existing}))
        for module in (eras, deposits):
            monkeypatch.setattr(module, "view_of", lambda args: view)
        for module in (claims, accounts):
            monkeypatch.setattr(module, "connect", lambda args: (None, stores))
            monkeypatch.setattr(module, "claim_book", lambda settings, stores: view)
        monkeypatch.setattr(claims, "claim_view", lambda store, claim_id: None)

    return use


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", ["eras", "deposits", "claims"])
def test_a_list_reads_every_page(stack: Any, capsys: pytest.CaptureFixture[str], command: str) -> None:
    view = Pages([{"n": n} for n in range(5)])
    stack(view)

    code, out, err = run(capsys, command, "list", "--json")

    assert (code, json.loads(out), err) == (0, [{"n": n} for n in range(5)], "")
    assert len(view.asked) == 3


@pytest.mark.parametrize(
    ("command", "out", "err"),
    [
        ("eras", "no ERAs\n", ""),
        ("deposits", "no deposits\n", ""),
        ("claims", "", "remitflow claims list: no claims match\n"),
    ],
)
def test_an_empty_list_says_so(
    stack: Any, capsys: pytest.CaptureFixture[str], command: str, out: str, err: str
) -> None:
    stack(Pages([]))

    assert run(capsys, command, "list") == (0, out, err)


@pytest.mark.parametrize("command", ["eras", "deposits", "claims"])
def test_a_list_refused_is_one_line_and_exit_1(stack: Any, capsys: pytest.CaptureFixture[str], command: str) -> None:
    stack(Pages([], refusal=InvalidRequest("date_from", "must not be after date_to")))

    assert run(capsys, command, "list") == (1, "", f"remitflow {command} list: date_from: must not be after date_to\n")


@pytest.mark.parametrize(
    ("argv", "err"),
    [
        (("deposits", "show", "nope"), "remitflow deposits show: no deposit 'nope'\n"),
        (("accounts", "show", "ACC-0000"), "remitflow accounts show: no account 'ACC-0000' (account ids are exact)\n"),
        (("claims", "show", "pcn1O05"), "remitflow claims show: no claim 'pcn1O05'; did you mean PCN1005?\n"),
    ],
)
def test_a_record_that_is_not_there_is_exit_3(
    stack: Any, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], err: str
) -> None:
    stack(Pages([]), existing=frozenset({"PCN1005"}))

    assert run(capsys, *argv, "--json") == (3, "", err)


@pytest.mark.parametrize("argv", [("deposits", "show", "D1"), ("accounts", "show", "A1"), ("claims", "show", "C1")])
def test_a_stack_that_cannot_be_read_is_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    def unreachable(args: Any) -> Any:
        raise CommandError("cannot read stack 'remitflow' at AWS: no credentials")

    for module in (deposits, eras):
        monkeypatch.setattr(module, "view_of", unreachable)
    for module in (accounts, claims):
        monkeypatch.setattr(module, "connect", unreachable)

    code, out, err = run(capsys, *argv)

    assert (code, out, err) == (
        1,
        "",
        f"remitflow {' '.join(argv[:2])}: cannot read stack 'remitflow' at AWS: no credentials\n",
    )
