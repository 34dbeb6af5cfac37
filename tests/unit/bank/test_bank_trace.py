"""find_trace: the 835's TRN in the noise banks add around ACH addenda, and nothing where there is none."""

from __future__ import annotations

import pytest

from remitflow.bank import find_trace


@pytest.mark.parametrize(
    ("text", "trace", "payer"),
    [
        ("TRN*1*0123456789*1411289245\\", "0123456789", "1411289245"),
        ("TRN*1*0123456789*1411289245~", "0123456789", "1411289245"),
        ("TRN*1*0123456789*1411289245", "0123456789", "1411289245"),
        ("TRN * 1 * 0123456789 * 1411289245 \\", "0123456789", "1411289245"),
        ("trn*1*ab12cd*1411289245\\", "AB12CD", "1411289245"),
        ("RMR*IV*TRN*1*12345*1512345678\\", "12345", "1512345678"),
        ("ADDENDA: TRN*1*12345*1512345678\\ ACME", "12345", "1512345678"),
        ("ACHCREDITACMEHEALTHHCCLAIMPMTTRN*1*12345*1512345678\\REF*EV*X", "12345", "1512345678"),
        ("ACME TRN*1*12345*1512345678ACMEHEALTH", "12345", "1512345678"),  # squashed, no terminator
        ("TRN*1*12345*1512345678*ORIGCO01\\", "12345", "1512345678"),  # TRN04 after the payer id
        ("TRN*1*CHK-000452*1987654321\\", "CHK-000452", "1987654321"),
        ("TRN*1*EFT20250116A*XYZPAYER01\\", "EFT20250116A", "XYZPAYER01"),
        ("TRN*1*12345*987654321\\", "12345", "987654321"),  # a short id, then the terminator
        ("TRN*1*12345\\", "12345", None),  # no payer id
        ("TRN*1*12345", "12345", None),
        ("PMT TRN*1*11*1512345678\\ TRN*1*22*1512345678\\", "11", "1512345678"),  # the first one
        ("NO TRN HERE REF*TN*EFT998877\\", "EFT998877", None),  # the REF*TN fallback
        ("ref * tn * eft998877", "EFT998877", None),
    ],
)
def test_traces_in_noisy_text(text: str, trace: str, payer: str | None) -> None:
    found = find_trace(text)
    assert found is not None
    assert (found.trace_number, found.payer_id) == (trace, payer)
    assert found.raw in text


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "ACH CREDIT ACME HEALTH PLAN 0123456789 1411289245",  # numbers, but no TRN segment
        "CHECK 45321 DEPOSIT",
        "TRN 1 0123456789 1411289245",  # no separators: could be anything
        "TRN*2*0123456789*1411289245\\",  # TRN01 must be 1
        "TRN*1**1411289245\\",  # no trace
        "TRNSFR*1*5000*FROM SAVINGS",
        "REF*EV*LAKESIDEFM",
        "PATTERN*1*X",
    ],
)
def test_no_trace_is_guessed(text: str | None) -> None:
    assert find_trace(text) is None
