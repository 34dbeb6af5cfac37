"""x12.errors.ProblemLog: the cap on the problems an 835 file keeps (for the parser's `problems`)."""

from __future__ import annotations

from remitflow.x12.errors import MAX_PROBLEMS, Problem, ProblemLog, Severity


def problem(number: int, severity: Severity = Severity.ERROR, transaction: str | None = "0001") -> Problem:
    return Problem(severity=severity, message=f"segment {number}: bad", segment_number=number, transaction=transaction)


def test_under_the_limit_it_is_a_plain_list() -> None:
    log = ProblemLog(limit=5)
    for number in range(5):
        log.append(problem(number))
    assert [p.segment_number for p in log] == [0, 1, 2, 3, 4] and log.not_listed == 0


def test_past_the_limit_the_first_are_kept_and_the_last_place_counts_the_rest() -> None:
    log = ProblemLog(limit=5)
    for number in range(12):
        log.append(problem(number, transaction=f"T{number}"))
    assert len(log) == 5
    assert [p.segment_number for p in log[:4]] == [0, 1, 2, 3]
    assert log[-1].message == "8 more problems not listed; the first 4 are above"
    assert (log[-1].severity, log[-1].transaction, log.not_listed) == (Severity.ERROR, "T11", 8)


def test_the_count_is_an_error_when_any_problem_it_stands_for_is_one() -> None:
    log = ProblemLog(limit=2)
    log.append(problem(1, Severity.WARNING))
    log.append(problem(2, Severity.WARNING))
    log.append(problem(3, Severity.WARNING))
    assert log[-1].severity is Severity.WARNING
    log.append(problem(4, Severity.ERROR))
    log.append(problem(5, Severity.WARNING))
    assert log[-1].severity is Severity.ERROR
    assert log[-1].message.startswith("4 more problems not listed")


def test_twenty_thousand_problems_keep_the_default_limit() -> None:
    log = ProblemLog()
    for number in range(20_000):
        log.append(problem(number))
    assert len(log) == MAX_PROBLEMS == 1000
    assert log[-1].message == "19,001 more problems not listed; the first 999 are above"
