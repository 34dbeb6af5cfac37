"""ERA ↔ deposit reassociation, one rule at a time, and results that do not depend on input order."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from tests.unit.domain.builders import transaction
from tests.unit.domain.recon_items import NOW, OTHER_PAYER, PAYER, THU, dep, era

from remitflow.bank.models import BankFormat, BankTransaction, Direction
from remitflow.domain.matching import match
from remitflow.domain.recon_followups import overdue
from remitflow.domain.recon_models import Deposit, EraPayment, MatchResult, match_id
from remitflow.domain.recon_report import reconciliation_report


def pairs(result: MatchResult) -> set[tuple[tuple[str, ...], tuple[str, ...], str]]:
    return {(m.era_ids, m.deposit_ids, m.confidence) for m in result.matches}


def unmatched(result: MatchResult) -> tuple[list[str], list[str]]:
    return [e.era_id for e in result.unmatched_eras], [d.deposit_id for d in result.unmatched_deposits]


# --- models ---------------------------------------------------------------------------------------


def test_zero_dollar_and_non_payments_need_no_deposit() -> None:
    assert era("A", "10.00").needs_deposit
    assert not era("B", "0").needs_deposit
    assert not era("C", "10.00", method="NON").needs_deposit
    assert era("D", "10.00", method=" chk ").method == "CHK"
    with pytest.raises(ValidationError):
        era("E", "10.00", method="WIRE")


def test_a_deposit_is_more_than_zero_and_its_bank_text_stays_out_of_repr() -> None:
    with pytest.raises(ValidationError, match="more than zero"):
        dep("D", "0.00")
    deposit = Deposit(deposit_id="D", amount=Decimal("5"), booking_date=THU, text_hint="JANE DOE REFUND", source="s")
    assert "JANE" not in repr(deposit)
    assert deposit.amount == Decimal("5.00")


def bank_tx(direction: Direction, amount: str = "125.00", **fields: object) -> BankTransaction:
    credit = {Direction.CREDIT: True, Direction.DEBIT: False, Direction.RETURN: True, Direction.UNKNOWN: None}
    return BankTransaction(
        transaction_id="TX1",
        source="deposits/day.bai",
        format=BankFormat.BAI2,
        amount=Decimal(amount),
        direction=direction,
        credit=credit[direction],
        booking_date=THU,
        line=7,
        **fields,
    )


def test_deposit_from_a_bank_credit() -> None:
    tx = bank_tx(
        Direction.CREDIT,
        trace_number="12345",
        payer_id=PAYER,
        text="HCCLAIMPMT  TRN*1*12345*1411289245\\  ",
    )
    deposit = Deposit.from_bank(tx)
    assert (deposit.deposit_id, deposit.amount, deposit.booking_date) == ("TX1", Decimal("125.00"), THU)
    assert (deposit.trace_number, deposit.payer_id, deposit.source) == ("12345", PAYER, "deposits/day.bai")
    assert deposit.text_hint == "HCCLAIMPMT TRN*1*12345*1411289245\\"


@pytest.mark.parametrize(("direction", "amount"), [(Direction.DEBIT, "5.00"), (Direction.RETURN, "5.00")])
def test_debits_and_returns_are_not_deposits(direction: Direction, amount: str) -> None:
    with pytest.raises(ValueError, match=r"deposits/day.bai line 7: a (debit|return) is not a deposit"):
        Deposit.from_bank(bank_tx(direction, amount))


def test_a_zero_dollar_credit_is_not_a_deposit() -> None:
    with pytest.raises(ValueError, match="prenote"):
        Deposit.from_bank(bank_tx(Direction.CREDIT, "0.00"))


def test_era_payment_from_an_835_header() -> None:
    header = transaction("CLP*PCN1*1*100.00*80.00**12*PAY1", "CAS*CO*45*20.00").header
    payment = EraPayment.from_header(header, "remittances/a.835")
    assert (payment.payer_id, payment.trace_number, payment.amount) == ("1411289245", "TRACE0001", Decimal("80.00"))
    assert (payment.payment_date, payment.method, payment.source) == (date(2025, 1, 16), "CHK", "remittances/a.835")
    assert EraPayment.from_header(header, "remittances/copy.835").era_id == payment.era_id
    assert EraPayment.from_header(header, "x", era_id="mine").era_id == "mine"


def test_models_round_trip_as_json() -> None:
    for item in (era("A", "12.30"), era("B", "1", paid=None), dep("D", "9.99", trace="T", payer=PAYER)):
        assert type(item).model_validate_json(item.model_dump_json()) == item
    result = match([era("A", "10")], [dep("D", "10", trace="TRA", payer=PAYER)])
    assert MatchResult.model_validate_json(result.model_dump_json()) == result


def test_match_id_depends_on_the_items_not_their_order() -> None:
    assert match_id(["a", "b"], ["d"]) == match_id(["b", "a"], ["d"])
    assert match_id(["a", "b"], ["c"]) != match_id(["a"], ["b", "c"])


def test_two_items_with_one_id_are_refused() -> None:
    with pytest.raises(ValueError, match="share the id 'A'"):
        match([era("A", "1"), era("A", "2")], [])


# --- a. exact -------------------------------------------------------------------------------------


def test_exact_trace_payer_and_amount() -> None:
    result = match([era("A", "120.00", trace="883001")], [dep("D", "120.00", trace="883001", payer=PAYER)])
    assert pairs(result) == {(("A",), ("D",), "exact")}
    (found,) = result.matches
    assert found.trace_number == "883001"
    assert found.era_amount == found.deposit_amount == Decimal("120.00")
    assert "883001" in found.rule and "exactly" in found.rule
    assert unmatched(result) == ([], [])


def test_payer_alias_is_applied_to_both_sides() -> None:
    # The bank shows the EIN without the leading "1" of TRN03.
    result = match(
        [era("A", "50.00", trace="T1")],
        [dep("D", "50.00", trace="T1", payer="411289245")],
        payer_aliases={"411289245": PAYER},
    )
    assert pairs(result) == {(("A",), ("D",), "exact")}
    assert "alias" in result.matches[0].rule


def test_the_same_trace_from_another_payer_is_not_this_eras_money() -> None:
    result = match([era("A", "50.00", trace="1001")], [dep("D", "50.00", trace="1001", payer=OTHER_PAYER)])
    assert result.matches == ()
    assert result.amount_mismatches == ()
    assert unmatched(result) == (["A"], ["D"])


# --- b. normalized --------------------------------------------------------------------------------


def test_trailing_backslash_whitespace_and_case() -> None:
    eras = [era("A", "75.10", trace="EFT883002"), era("B", "20.00", trace="ab12")]
    deposits = [
        dep("D1", "75.10", trace="EFT883002\\", payer=PAYER + "\\"),
        dep("D2", "20.00", trace=" AB 12~ ", payer=PAYER),
    ]
    result = match(eras, deposits)
    assert pairs(result) == {(("A",), ("D1",), "normalized"), (("B",), ("D2",), "normalized")}


def test_leading_zeros_only_as_a_last_resort() -> None:
    result = match([era("A", "300.00", trace="0123456789")], [dep("D", "300.00", trace="123456789", payer=PAYER)])
    assert pairs(result) == {(("A",), ("D",), "normalized")}
    assert "leading zeros" in result.matches[0].rule
    # A deposit whose trace agrees without touching zeros wins over one that needs them stripped.
    result = match(
        [era("A", "300.00", trace="0123456789")],
        [dep("D1", "300.00", trace="123456789"), dep("D2", "300.00", trace="0123456789 ")],
    )
    assert pairs(result) == {(("A",), ("D2",), "normalized")}
    assert unmatched(result) == ([], ["D1"])


def test_a_deposit_without_payer_id_matches_on_trace_and_amount() -> None:
    result = match([era("A", "42.00", trace="T-42")], [dep("D", "42.00", trace="t-42")])
    assert pairs(result) == {(("A",), ("D",), "normalized")}
    assert "names no payer" in result.matches[0].rule


# --- c. amount mismatch ---------------------------------------------------------------------------


def test_same_trace_other_amount_is_a_mismatch_and_nothing_else() -> None:
    eras = [era("A", "100.00", trace="777")]
    # D2 has the ERA's amount and date but no trace: the trace already tied the ERA to D1.
    deposits = [dep("D1", "95.00", trace="777\\", payer=PAYER), dep("D2", "100.00")]
    result = match(eras, deposits)
    assert result.matches == ()
    (mismatch,) = result.amount_mismatches
    assert (mismatch.era_id, mismatch.deposit_id, mismatch.trace_number) == ("A", "D1", "777")
    assert mismatch.difference == Decimal("-5.00")
    assert unmatched(result) == (["A"], ["D1", "D2"])


# --- d. unique amount without a trace -------------------------------------------------------------


def test_a_check_without_trace_inside_the_window_over_a_holiday_weekend() -> None:
    # Thursday to Wednesday: Friday, (Labor Day), Tuesday, Wednesday = 3 business days.
    result = match([era("A", "250.00", method="CHK")], [dep("D", "250.00", booked=date(2025, 9, 3))])
    assert pairs(result) == {(("A",), ("D",), "probable")}
    assert result.matches[0].trace_number == "TRA"
    assert "3 business days apart" in result.matches[0].rule


def test_a_check_without_trace_outside_the_window() -> None:
    result = match([era("A", "250.00", method="CHK")], [dep("D", "250.00", booked=date(2025, 9, 4))])
    assert result.matches == ()
    assert match([era("A", "250.00")], [dep("D", "250.00", booked=date(2025, 9, 4))], window_business_days=4).matches


def test_a_deposit_before_the_era_counts_the_same_way() -> None:
    result = match([era("A", "60.00", paid=date(2025, 9, 3))], [dep("D", "60.00", booked=THU)])
    assert pairs(result) == {(("A",), ("D",), "probable")}


def test_two_candidates_of_the_same_amount_are_left_alone() -> None:
    two_deposits = match([era("A", "80.00")], [dep("D1", "80.00"), dep("D2", "80.00", booked=date(2025, 8, 29))])
    assert two_deposits.matches == ()
    assert unmatched(two_deposits) == (["A"], ["D1", "D2"])
    two_eras = match([era("A", "80.00"), era("B", "80.00")], [dep("D", "80.00")])
    assert two_eras.matches == ()


def test_a_deposit_with_an_unknown_trace_is_not_matched_on_amount_alone() -> None:
    # It waits for the ERA its trace names.
    result = match([era("A", "80.00", trace="111")], [dep("D", "80.00", trace="999")])
    assert result.matches == ()


def test_a_deposit_naming_another_payer_is_no_candidate() -> None:
    result = match([era("A", "80.00")], [dep("D", "80.00", payer=OTHER_PAYER)])
    assert result.matches == ()


# --- e. sums --------------------------------------------------------------------------------------


def test_consolidated_deposit_of_three_eras() -> None:
    eras = [
        era("A", "100.00", paid=THU),
        era("B", "200.25", paid=date(2025, 8, 29)),
        era("C", "300.00", paid=date(2025, 9, 2)),
        era("X", "100.00", payer=OTHER_PAYER),  # same amount as A, another payer: not part of it
    ]
    result = match(eras, [dep("D", "600.25", booked=date(2025, 9, 2))])
    assert pairs(result) == {(("A", "B", "C"), ("D",), "probable")}
    (found,) = result.matches
    assert found.era_amount == found.deposit_amount == Decimal("600.25")
    assert "sum of 3 ERAs" in found.rule
    assert unmatched(result) == (["X"], [])


def test_consolidated_deposit_carrying_the_trace_of_one_of_its_eras() -> None:
    eras = [era("A", "100.00", trace="555"), era("B", "50.00", trace="556")]
    result = match(eras, [dep("D", "150.00", trace="555\\", payer=PAYER)])
    assert pairs(result) == {(("A", "B"), ("D",), "probable")}
    assert result.amount_mismatches == ()
    assert result.matches[0].trace_number == "555\\"
    assert "trace '555\\' is that of one of them" in result.matches[0].rule


def test_one_era_over_two_deposits() -> None:
    result = match(
        [era("A", "500.00")], [dep("D1", "200.00", booked=date(2025, 8, 29)), dep("D2", "300.00", booked=THU)]
    )
    assert pairs(result) == {(("A",), ("D1", "D2"), "probable")}
    assert "sum of 2 deposits" in result.matches[0].rule


def test_one_era_over_two_deposits_carrying_its_trace() -> None:
    result = match(
        [era("A", "500.00", trace="9001")],
        [dep("D1", "200.00", trace="9001"), dep("D2", "300.00", trace="9001", booked=date(2025, 9, 15))],
    )
    assert pairs(result) == {(("A",), ("D1", "D2"), "probable")}
    assert result.amount_mismatches == ()


def test_the_combination_with_the_smallest_date_spread_wins() -> None:
    eras = [era("A", "100.00", paid=THU), era("B", "200.00", paid=THU), era("C", "100.00", paid=date(2025, 9, 2))]
    result = match(eras, [dep("D", "300.00", booked=THU)])
    assert pairs(result) == {(("A", "B"), ("D",), "probable")}
    assert unmatched(result) == (["C"], [])


def test_two_combinations_that_fit_equally_are_left_alone() -> None:
    eras = [era("A", "100.00"), era("B", "200.00"), era("C", "100.00")]
    result = match(eras, [dep("D", "300.00")])
    assert result.matches == ()
    assert unmatched(result) == (["A", "B", "C"], ["D"])


def test_two_deposits_wanting_the_same_eras_are_left_alone() -> None:
    eras = [era("A", "100.00"), era("B", "200.00")]
    result = match(eras, [dep("D1", "300.00"), dep("D2", "300.00")])
    assert result.matches == ()


def test_sums_are_limited_to_the_window_and_to_one_payer() -> None:
    late = [era("A", "100.00"), era("B", "200.00", paid=date(2025, 9, 4))]
    assert match(late, [dep("D", "300.00")]).matches == ()
    mixed = [era("A", "100.00"), era("B", "200.00", payer=OTHER_PAYER)]
    assert match(mixed, [dep("D", "300.00")]).matches == ()


def test_a_search_too_big_to_finish_matches_nothing() -> None:
    eras = [era(f"E{i:02}", "1.00") for i in range(40)]
    result = match(eras, [dep("D", "6.00")])
    assert result.matches == ()
    assert len(result.unmatched_eras) == 40


# --- zero-dollar ERAs -----------------------------------------------------------------------------------------------


def test_zero_dollar_and_non_eras_are_never_matched_or_reported() -> None:
    eras = [era("Z", "0.00"), era("N", "40.00", method="NON", trace="NON1")]
    deposits = [dep("D", "40.00"), dep("D2", "40.00", trace="NON1", payer=PAYER)]
    result = match(eras, deposits)
    assert result.matches == ()
    assert result.amount_mismatches == ()
    assert unmatched(result) == ([], ["D", "D2"])
    assert result.no_deposit_needed == ("N", "Z")
    followups = overdue(eras, [], today=date(2026, 1, 5), now=NOW, source="sweep")
    assert followups == []
    report = reconciliation_report(eras, deposits, result, as_of=date(2026, 1, 5))
    assert report["eras_without_deposit"] == []
    assert report["totals"]["era_total"] == "0.00"


# --- determinism ----------------------------------------------------------------------------------

DAYS = [date(2025, 8, 27), THU, date(2025, 8, 29), date(2025, 9, 2), date(2025, 9, 3), date(2025, 9, 8)]


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[EraPayment], list[Deposit]]:
    amounts = st.sampled_from(["10.00", "20.00", "30.00", "50.00", "60.00", "0.00"])
    traces = st.sampled_from(["100", "0100", "200", "300 ", "400\\"])
    eras = [
        era(
            f"E{i}",
            draw(amounts),
            draw(st.sampled_from([*DAYS, None])),
            trace=draw(traces),
            payer=draw(st.sampled_from([PAYER, OTHER_PAYER])),
            method=draw(st.sampled_from(["ACH", "CHK", "NON"])),
        )
        for i in range(draw(st.integers(0, 7)))
    ]
    deposits = [
        dep(
            f"D{i}",
            draw(amounts.filter(lambda a: a != "0.00")),
            draw(st.sampled_from(DAYS)),
            trace=draw(st.none() | traces),
            payer=draw(st.sampled_from([None, PAYER, OTHER_PAYER])),
        )
        for i in range(draw(st.integers(0, 7)))
    ]
    return eras, deposits


@settings(max_examples=150, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_the_same_items_in_any_order_give_the_same_result(
    scenario: tuple[list[EraPayment], list[Deposit]], rnd: random.Random
) -> None:
    eras, deposits = scenario
    first = match(eras, deposits)
    shuffled_eras, shuffled_deposits = list(eras), list(deposits)
    rnd.shuffle(shuffled_eras)
    rnd.shuffle(shuffled_deposits)
    assert match(shuffled_eras, shuffled_deposits) == first


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_every_item_ends_up_in_exactly_one_place(scenario: tuple[list[EraPayment], list[Deposit]]) -> None:
    eras, deposits = scenario
    result = match(eras, deposits)
    matched_eras = [i for m in result.matches for i in m.era_ids]
    matched_deposits = [i for m in result.matches for i in m.deposit_ids]
    era_places = matched_eras + [e.era_id for e in result.unmatched_eras] + list(result.no_deposit_needed)
    assert sorted(era_places) == sorted(e.era_id for e in eras)
    assert sorted(matched_deposits + [d.deposit_id for d in result.unmatched_deposits]) == sorted(
        d.deposit_id for d in deposits
    )
    by_era = {e.era_id: e for e in eras}
    by_deposit = {d.deposit_id: d for d in deposits}
    for found in result.matches:
        assert found.era_amount == found.deposit_amount
        assert found.era_amount == sum(by_era[i].amount for i in found.era_ids)
        assert found.deposit_amount == sum(by_deposit[i].amount for i in found.deposit_ids)
        assert all(by_era[i].needs_deposit for i in found.era_ids)
    for mismatch in result.amount_mismatches:
        assert mismatch.era_id not in matched_eras and mismatch.deposit_id not in matched_deposits
        assert mismatch.era_amount != mismatch.deposit_amount
