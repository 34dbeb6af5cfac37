"""The 835 reader: segments in, a stream of transaction headers, claim payments and trailers out.

Memory stays bounded by one claim: each claim payment is yielded as soon as its last segment is
read, and the transaction's totals and balancing come with its `TransactionEnd`. Every problem is a
`Problem` naming the segment number, segment id and element; nothing escapes as a bare exception.

    parser = RemittanceParser(stream)
    for event in parser:
        match event:
            case TransactionHeader(): ...
            case ClaimPayment(): ...
            case BrokenClaim(): ...      # a claim we could not read: kept with its raw segments
            case TransactionEnd(): ...   # PLB, totals, balancing
    parser.problems

This module drives the reading: the loop that hands each segment to its handler (`envelope`,
`segments`) and, inside a claim, reads the most frequent segments itself (`fast_paths`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from remitflow.x12.builders import entity, reference
from remitflow.x12.claims import close_claim
from remitflow.x12.codes import ADJUSTMENT_GROUPS, CLAIM_DATES, CLAIM_ENTITIES, LINE_DATES
from remitflow.x12.elements import BadElement, Unexpected
from remitflow.x12.envelope import ENVELOPE_HANDLERS, ENVELOPE_SEGMENTS, end_of_file
from remitflow.x12.errors import Problem, Severity, X12SyntaxError
from remitflow.x12.fast_paths import cached_number, fast_adjustments, fast_claim, fast_service_line
from remitflow.x12.models import (
    Adjustment,
    AmountEntry,
    BrokenClaim,
    ClaimPayment,
    Event,
    Remittance,
    Transaction,
    TransactionEnd,
    TransactionHeader,
    build,
)
from remitflow.x12.offsets import SegmentOffsets, tee
from remitflow.x12.segments import SEGMENT_HANDLERS, read_unknown
from remitflow.x12.state import ReaderState
from remitflow.x12.tokenizer import ByteSource, SegmentReader
from remitflow.x12.values import DATE_CACHE, number_or_none

HANDLERS: dict[str, Callable[[ReaderState, list[str]], None]] = {**ENVELOPE_HANDLERS, **SEGMENT_HANDLERS}


class RemittanceParser:
    """Iterate the events of one 835 file; `problems` holds the errors and warnings found so far (the
    first MAX_PROBLEMS - 1 of a file and one counting the rest: `x12.errors.ProblemLog`).

    `fast_paths=False` reads every segment through its full handler, never the hot loop's fast
    paths: the result is the same, only slower (tests compare the two)."""

    def __init__(
        self,
        source: ByteSource,
        *,
        chunk_size: int | None = None,
        fast_paths: bool = True,
        offsets: SegmentOffsets | None = None,
        first_claim_number: int | None = None,
    ) -> None:
        """`offsets`: note where the framing segments are in the bytes (x12.offsets) while reading.
        `first_claim_number`: the source is a part of a file (its envelope and transaction header, then
        a run of claims, see services.chunk_plan); the first CLP is that segment of the whole file,
        and the segments after it are numbered from there, so problems name the file's segments."""
        if offsets is not None:
            source = tee(source, offsets)
        reader = SegmentReader(source) if chunk_size is None else SegmentReader(source, chunk_size=chunk_size)
        self._state = ReaderState(reader)
        self._fast_paths = fast_paths
        self._first_claim_number = first_claim_number

    @property
    def segment_number(self) -> int:
        """The number of the segment read last (the one that completed the event just yielded)."""
        return self._state.number

    @property
    def problems(self) -> list[Problem]:
        return self._state.problems

    @property
    def transactions_read(self) -> int:
        return self._state.transactions_read

    def __iter__(self) -> Iterator[Event]:
        state = self._state
        handlers = HANDLERS
        unknown = read_unknown
        out = state.out
        dates = DATE_CACHE
        fast_paths = self._fast_paths
        # Local mirrors of state.claim and state.line: refreshed after every handler, and set together
        # with them where a fast path below starts a claim or a line. Likewise state.number is only
        # brought up to date before something that reads it runs. Without fast paths `claim` stays
        # None, so the hot block is never entered.
        claim: dict[str, Any] | None = None
        line: dict[str, Any] | None = None
        number = 0
        renumber = self._first_claim_number
        try:
            for batch in state.reader.batches():
                for segment in batch:
                    number += 1
                    if claim is not None:
                        # The hot loop: inside a claim, read the common shape of its most frequent
                        # segments inline, without a call per segment. Whatever does not fit (a
                        # missing or malformed element, an unusual qualifier) falls through to the
                        # handler, untouched, which then reads it and reports the problem.
                        tag = segment[0]
                        size = len(segment)
                        if tag == "DTM":
                            if size > 2:
                                value = dates.get(segment[2])
                                if line is not None:
                                    field = LINE_DATES.get(segment[1])
                                    if value is not None and field is not None:
                                        line[field] = value
                                        continue
                                else:
                                    field = CLAIM_DATES.get(segment[1])
                                    if value is not None and field is not None:
                                        claim[field] = value
                                        continue
                        elif tag == "CAS":
                            if size == 4:  # by far the most common: one reason and amount
                                group = segment[1]
                                amount = cached_number(segment[3]) or number_or_none(segment[3])
                                if group in ADJUSTMENT_GROUPS and segment[2] and amount is not None:
                                    (claim if line is None else line)["adjustments"].append(
                                        build(
                                            Adjustment,
                                            {"group": group, "reason": segment[2], "amount": amount, "quantity": None},
                                        )
                                    )
                                    continue
                            else:
                                adjustments = fast_adjustments(segment)
                                if adjustments is not None:
                                    (claim if line is None else line)["adjustments"].extend(adjustments)
                                    continue
                        elif tag == "REF":
                            if size > 2 and segment[1] and segment[2]:
                                if line is not None and segment[1] == "6R":
                                    line["line_control_number"] = segment[2]
                                else:
                                    (claim if line is None else line)["references"].append(reference(segment))
                                continue
                        elif tag == "SVC":
                            new_line = fast_service_line(segment, number, state.procedures)
                            if new_line is not None:
                                state.totals["service_line_count"] += 1
                                state.line = line = new_line
                                claim["service_lines"].append(new_line)
                                continue
                        elif tag == "AMT":
                            if size > 2 and segment[1]:
                                amount = cached_number(segment[2]) or number_or_none(segment[2])
                                if amount is not None:
                                    if line is not None and segment[1] == "B6":
                                        line["allowed_amount"] = amount
                                    else:
                                        (claim if line is None else line)["amounts"].append(
                                            build(AmountEntry, {"qualifier": segment[1], "amount": amount})
                                        )
                                    continue
                        elif tag == "LQ" and line is not None and size > 2 and segment[2]:
                            line["remarks"].append(segment[2])
                            continue
                        elif tag == "CLP":
                            # The next claim of the same 2000 loop; the handler takes the first one.
                            new_claim = fast_claim(segment, number, claim["header_number"])
                            if new_claim is not None:
                                state.number = number
                                close_claim(state)
                                state.claim = claim = new_claim
                                state.claim_problems = []
                                state.line = line = None
                                yield from out
                                out.clear()
                                continue
                        elif tag == "NM1" and line is None and size > 1 and segment[1] in CLAIM_ENTITIES:
                            claim[CLAIM_ENTITIES[segment[1]]] = entity(segment)
                            continue
                    if renumber is not None and segment[0] == "CLP":  # a part of a file: see __init__
                        number, renumber = renumber, None
                    state.number = number
                    if state.skipping and segment[0] not in ENVELOPE_SEGMENTS:
                        continue
                    try:
                        handlers.get(segment[0], unknown)(state, segment)
                    except BadElement as bad:
                        state.bad_segment(segment, f"expected {bad.expected}, found {bad.found!r}", bad.element)
                    except Unexpected as unexpected:
                        state.bad_segment(segment, str(unexpected), None)
                    claim = state.claim if fast_paths else None
                    line = state.line
                    if out:
                        yield from out
                        out.clear()
        except X12SyntaxError as exc:
            state.problem(Severity.ERROR, exc.message, number=exc.segment_number, segment_id=exc.segment_id)
        state.number = number
        end_of_file(state)
        yield from out
        out.clear()


def parse_835(source: ByteSource) -> Remittance:
    """Read a whole 835 into memory (tests, small files, the CLI). Use RemittanceParser to stream."""
    parser = RemittanceParser(source)
    transactions: list[Transaction] = []
    claims: list[ClaimPayment] = []
    broken: list[BrokenClaim] = []
    for event in parser:
        if isinstance(event, TransactionHeader):
            claims, broken = [], []
        elif isinstance(event, ClaimPayment):
            claims.append(event)
        elif isinstance(event, TransactionEnd):
            transactions.append(
                Transaction.model_construct(
                    header=event.header, claims=claims, broken_claims=broken, totals=event.totals
                )
            )
            claims, broken = [], []
        elif isinstance(event, BrokenClaim):
            broken.append(event)
    return Remittance.model_construct(transactions=transactions, problems=parser.problems)


__all__ = ["RemittanceParser", "parse_835"]
