"""The CLI's options: every one says what it is for, choices are taken in any case, and a bad value
is refused naming the option and what was expected, never with a Python internal."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from remitflow.services.worklist_models import ResolveRequest
from remitflow_cli import build_parser, main
from remitflow_cli.followups import changes, validation_text
from remitflow_cli.upload import unreadable


def commands(parser: argparse.ArgumentParser, path: str = "remitflow") -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from commands(child, f"{path} {name}")


def test_every_option_and_argument_of_every_command_has_help() -> None:
    missing = [
        f"{path} {'/'.join(action.option_strings) or action.dest}"
        for path, parser in commands(build_parser())
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction | argparse._SubParsersAction) and not action.help
    ]
    assert missing == []


def test_the_commands_are_all_walked() -> None:
    paths = {path for path, _ in commands(build_parser())}
    assert {"remitflow demo", "remitflow local up", "remitflow claims show", "remitflow followups resolve"} <= paths


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def test_choices_are_taken_in_any_case() -> None:
    args = parse("followups", "list", "--type", "DENIED", "--status", "Any")
    assert (args.type, args.status) == ("denied", "any")
    args = parse("followups", "resolve", "x", "--resolution", "Written_Off", "--note", "n")
    assert args.resolution == "written_off"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (("followups", "list", "--type", "denid"), "argument --type: expected one of claim_not_found, denied,"),
        (("followups", "list", "--status", "closed"), "argument --status: expected one of open, resolved, any"),
        (
            ("followups", "resolve", "x", "--resolution", "appealed", "--note", "n", "--appeal-due-date", "3/1/25"),
            "argument --appeal-due-date: expected a date as YYYY-MM-DD, found '3/1/25'",
        ),
        (("local", "up", "--port", "４５６６"), "argument --port: expected a whole number in digits 0-9"),
    ],
)
def test_a_bad_value_names_the_option_and_what_was_expected(
    argv: tuple[str, ...], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        parse(*argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and expected in err
    assert "Input should be" not in err and "Errno" not in err


def test_upload_of_a_missing_file_names_the_file_not_errno(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = SimpleNamespace(bucket="inbox", upload=lambda key, body: pytest.fail("nothing may be uploaded"))
    monkeypatch.setattr("remitflow_cli.upload.connect", lambda args: (None, SimpleNamespace(inbox=inbox)))
    missing = tmp_path / "nope.835"
    code = main(["upload", str(missing), "--kind", "remittance"])
    err = capsys.readouterr().err
    assert code == 1
    assert f"remitflow upload: FILE '{missing}': cannot read it (No such file or directory)" in err
    assert "Errno" not in err


@pytest.mark.parametrize(
    ("summary", "reason"),
    [
        ({"status": "unreadable", "problems": [{"message": "no ISA segment"}]}, "no ISA segment"),
        ({"status": "unreadable", "unreadable": "not BAI2, camt or CSV", "problems": []}, "not BAI2, camt or CSV"),
        ({"loaded": 0, "problems": [{"row": 0, "reason": "no header row"}]}, "no header row"),
        ({"status": "processed", "problems": []}, None),
        ({"loaded": 3, "problems": [{"row": 2, "reason": "bad amount"}]}, None),
        ({"status": "posting", "problems": []}, None),
    ],
)
def test_upload_knows_when_nothing_could_be_read(summary: dict[str, object], reason: str | None) -> None:
    assert unreadable(summary) == reason


def test_history_reads_as_changes_not_json() -> None:
    before = {"claim": {"status": "open", "insurance_balance": "75.00"}, "held": "75.00"}
    after = {"claim": {"status": "paid", "insurance_balance": "0.00"}, "posting_id": "p1"}
    assert changes(before, after) == [
        "claim status: open -> paid",
        "claim insurance balance: 75.00 -> 0.00",
        "held: 75.00 -> -",
        "posting id: p1",
    ]
    assert changes({"assignee": None}, {"assignee": "ana"}) == ["assignee: - -> ana"]


def test_a_request_the_service_refuses_names_the_option_in_our_words() -> None:
    with pytest.raises(ValidationError) as error:
        ResolveRequest.model_validate({"resolution": "no_action", "note": "  ", "write_off_reason": "x" * 2001})
    assert validation_text(error.value) == "--note: must not be empty; --write-off-reason: at most 2000 characters"
    with pytest.raises(ValidationError) as error:
        ResolveRequest.model_validate({"resolution": "written_off", "note": "n", "amount": "1.234"})
    assert validation_text(error.value).startswith("--amount: money as a string of ASCII digits")
