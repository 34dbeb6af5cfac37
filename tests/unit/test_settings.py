"""The settings model reads what template.yaml puts in each function's environment."""

from __future__ import annotations

from decimal import Decimal

import pytest

from remitflow.settings import Settings

NAMES = {
    "INBOX_BUCKET_NAME": "remitflow-inbox-123456789012-us-east-1",
    "CLAIMS_TABLE_NAME": "claims",
    "REMITTANCES_TABLE_NAME": "remittances",
    "FOLLOWUPS_TABLE_NAME": "followups",
    "FOLLOWUP_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/followups",
    "POSTING_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/posting",
}


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name, value in NAMES.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_defaults_are_the_issue_s_tolerance_and_window(environment: pytest.MonkeyPatch) -> None:
    settings = Settings()  # type: ignore[call-arg]

    assert (settings.tolerance.amount, settings.tolerance.percent) == (Decimal("1.00"), Decimal(2))
    assert settings.reassociation_window_business_days == 3
    assert (settings.payer_aliases, settings.bank_csv_layouts) == ({}, {})


def test_json_settings_come_from_the_environment(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("BANK_CSV_LAYOUTS", '{"lakeside-credit-union": {"amount": ["Amt"], "delimiter": ";"}}')
    environment.setenv("PAYER_ALIASES", '{"1999999999": "1411289245"}')
    environment.setenv("UNDERPAYMENT_TOLERANCE_AMOUNT", "5.00")

    settings = Settings()  # type: ignore[call-arg]

    layout = settings.bank_csv_layouts["lakeside-credit-union"]
    assert (layout.amount, layout.delimiter) == (("Amt",), ";")
    assert settings.payer_aliases == {"1999999999": "1411289245"}
    assert settings.tolerance.amount == Decimal("5.00")


def test_a_missing_name_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)

    with pytest.raises(ValueError, match="claims_table_name"):
        Settings()  # type: ignore[call-arg]
