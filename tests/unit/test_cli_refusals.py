"""`remitflow followups` and `remitflow recon` turn what the service refuses into one line naming the
option and an exit code: 3 no such item, 4 someone else changed it first, 1 anything else.

The stack is replaced by a service that refuses every call (or by the request models themselves,
which refuse before any call), so each message is pinned to the letter without moto."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import NoCredentialsError

from remitflow import runtime
from remitflow.domain.errors import Conflict, NotFound
from remitflow.services.worklist import InvalidRequest
from remitflow_cli import connection, followups, main, recon
from remitflow_cli.connection import CommandError

CLAIMS = {"PCN1005", "PCN2001"}


class Refusing:
    """A service every call of which raises `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            raise self.error

        return call


@pytest.fixture
def refusing(monkeypatch: pytest.MonkeyPatch) -> Callable[[Exception], None]:
    def use(error: Exception) -> None:
        claims = SimpleNamespace(existing=lambda ids: {i for i in ids if i in CLAIMS})
        stores = SimpleNamespace(claims=claims)

        def connect(args: Any) -> Any:
            if isinstance(error, CommandError):
                raise error
            return None, stores

        for module in (followups, recon):
            monkeypatch.setattr(module, "connect", connect)
        monkeypatch.setattr(runtime, "worklist", lambda settings, stores: Refusing(error))
        monkeypatch.setattr(runtime, "manual_reconciliation", lambda settings, stores: Refusing(error))

    return use


RESOLVE = ("followups", "resolve", "F1", "--resolution", "applied_to_claim", "--note", "old number", "--as", "ana")
MATCH = ("recon", "match", "--era", "E1", "--deposit", "D1", "--note", "stub seen", "--as", "bo")
CLASSIFY = ("recon", "classify", "D1", "--as", "card_settlement", "--note", "CardConnect", "--by", "bo")


@pytest.mark.parametrize(
    ("argv", "error", "code", "message"),
    [
        (("followups", "show", "F1"), NotFound("no follow-up 'F1'"), 3, "remitflow followups show: no follow-up 'F1'"),
        (
            ("followups", "assign", "F1", "--as", "bo"),
            Conflict("assigned to ana"),
            4,
            "remitflow followups assign: assigned to ana",
        ),
        (
            (*RESOLVE, "--claim-id", "PCN1O05"),
            InvalidRequest("claim_id", "no claim 'PCN1O05'"),
            1,
            "remitflow followups resolve: --claim-id: no claim 'PCN1O05'; did you mean PCN1005?",
        ),
        (
            (*RESOLVE, "--claim-id", "PCN9"),
            InvalidRequest("claim_id", "the claim is closed"),
            1,
            "remitflow followups resolve: --claim-id: the claim is closed",
        ),
        (
            RESOLVE,
            InvalidRequest("write_off_reason", "written_off needs a reason"),
            1,
            "remitflow followups resolve: --write-off-reason: written_off needs a reason",
        ),
        (
            ("followups", "list"),
            CommandError("cannot read stack 'remitflow' at AWS: no credentials"),
            1,
            "remitflow followups list: cannot read stack 'remitflow' at AWS: no credentials",
        ),
        (
            ("recon", "unmatch", "M1", "--note", "n", "--as", "bo"),
            NotFound("no match M1"),
            3,
            "remitflow recon unmatch: no match M1",
        ),
        (MATCH, Conflict("the matcher got there first"), 4, "remitflow recon match: the matcher got there first"),
        (
            MATCH,
            InvalidRequest("era_ids", "ERA E1 is not waiting"),
            1,
            "remitflow recon match: --era: ERA E1 is not waiting",
        ),
        (
            CLASSIFY,
            InvalidRequest("deposit_id", "deposit D1 is classified already"),
            1,
            "remitflow recon classify: DEPOSIT_ID: deposit D1 is classified already",
        ),
        (
            ("recon", "list"),
            CommandError("cannot read stack 'remitflow' at AWS: no credentials"),
            1,
            "remitflow recon list: cannot read stack 'remitflow' at AWS: no credentials",
        ),
    ],
)
def test_each_refusal_is_one_line_and_its_exit_code(
    refusing: Callable[[Exception], None],
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    error: Exception,
    code: int,
    message: str,
) -> None:
    refusing(error)

    assert main(list(argv)) == code
    out, err = capsys.readouterr()
    assert (out, err) == ("", message + "\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("followups", "resolve", "F1", "--resolution", "no_action", "--note", " ", "--as", "ana"),
            "remitflow followups resolve: --note: must not be empty",
        ),
        (
            ("recon", "match", "--era", "E1", "--deposit", "D1", "--note", "", "--as", "bo"),
            "remitflow recon match: --note: String should have at least 1 character",
        ),
        (
            ("recon", "unmatch", "M1", "--note", "", "--as", "bo"),
            "remitflow recon unmatch: --note: String should have at least 1 character",
        ),
    ],
)
def test_a_request_the_model_refuses_names_the_option(
    refusing: Callable[[Exception], None], capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    refusing(AssertionError("the service is never called"))

    assert main(list(argv)) == 1
    assert capsys.readouterr().err == message + "\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("followups", "assign", "F1", "--as", " "), "remitflow followups assign: --as: give a name"),
        (("recon", "unmatch", "M1", "--note", "n", "--as", ""), "remitflow recon unmatch: --as: give a name"),
        (
            ("recon", "classify", "D1", "--as", "interest", "--note", "n", "--by", " "),
            "remitflow recon classify: --by: give a name",
        ),
    ],
)
def test_who_acts_is_a_name_given_with_its_option(
    refusing: Callable[[Exception], None], capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    refusing(AssertionError("the service is never called"))

    assert main(list(argv)) == 1
    assert capsys.readouterr().err == message + "\n"


def test_without_a_name_the_aws_caller_acts_and_one_that_cannot_be_told_says_which_option(
    refusing: Callable[[Exception], None], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    refusing(AssertionError("the service is never called"))

    def unknown(args: Any) -> str:
        raise NoCredentialsError

    monkeypatch.setattr(connection, "caller_arn", unknown)

    assert main(["recon", "classify", "D1", "--as", "interest", "--note", "n"]) == 1
    assert capsys.readouterr().err == (
        "remitflow recon classify: cannot tell who you are (Unable to locate credentials): say so with --by NAME\n"
    )
