"""Synthetic, balanced X12 835 (005010X221A1) remittances with known totals, for tests and benchmarks.

- `generate_835(seed, ...)` builds one interchange in memory and returns its bytes together with one
  `TransactionExpectation` per ST/SE set: the totals a correct reader must report.
- `write_835(path, target_bytes, ...)` streams one interchange of at least `target_bytes` to disk, one
  transaction set at a time (memory is bounded by `claims_per_transaction`, not by the file size).
- `balanced_835_strategy()` is a hypothesis strategy over `generate_835` with drawn seeds, sizes and
  delimiters.

Every generated set balances exactly:

    line         SVC02 - sum(CAS of the line) = SVC03
    claim        CLP03 - sum(claim CAS + line CAS) = CLP04;  CLP03 = sum(SVC02) when lines exist;
                 sum(SVC03) - sum(claim CAS) = CLP04;        CLP05 = sum(PR adjustments of the claim)
    transaction  sum(CLP04) - sum(PLB amounts) = BPR02 >= 0

Amounts are drawn and summed as integer cents (exact; never float), written with two decimals, and
reported as `Decimal` in the expectations. Output is deterministic for a seed (`random.Random(seed)`).

Content: claims processed as primary/secondary/forwarded (status 1, 2, 19), denials (4, paid 0),
reversals (22, all amounts negative, followed by the corrected claim under the same CLP01), claims
without service lines, claim-level CAS, several CAS triplets in one segment, LQ remarks, PLB interest
(L6, negative) and overpayment recovery (WO:ref, positive). Oddities to know about:

- ISA11 (repetition separator) is '^' unless '^' is one of the delimiters, then it is '{'.
- A set whose money would come out negative gets a PLB `FB:ref` (forwarding balance) that brings
  BPR02 to 0.00; a zero payment is a notification (`BPR*H*0.00*C*NON`) instead of `I` with ACH/CHK.
- With more than one transaction, `generate_835` sometimes splits the sets over two or three GS
  groups (decided by the seed), so IEA01 > 1 gets exercised too; `write_835` uses a single GS.

All names, ids and addresses are invented. Data holds only A-Z, 0-9, space, '.' and '-', so none of
those may be a delimiter.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

__all__ = ["TransactionExpectation", "balanced_835_strategy", "generate_835", "write_835"]

IMPLEMENTATION_GUIDE = "005010X221A1"
_DATA_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .-")
_LINE_ENDINGS = ("", "\n", "\r\n")
_ISA_SENDER = "SYNTHCLEARING"
_ISA_RECEIVER = "REMITFLOW"


@dataclass
class TransactionExpectation:
    """What a correct reader must report for one ST/SE transaction set."""

    control_number: str  # ST02 (= SE02)
    payment_amount: Decimal  # BPR02
    trace_number: str  # TRN02
    claim_ids: list[str]  # CLP01 in file order (a reversal and its correction share one id)
    charge_total: Decimal  # sum of CLP03
    paid_total: Decimal  # sum of CLP04
    plb_total: Decimal  # sum of PLB amounts as written (negative = increases the payment)
    service_lines: int  # number of SVC segments
    claims: int  # number of CLP segments


# --- reference data (invented names; real code sets) ------------------------------------------

# code, lowest charge, highest charge (cents, per unit), evaluation-and-management, most units
_PROCEDURES: tuple[tuple[str, int, int, bool, int], ...] = (
    ("99213", 9_000, 20_000, True, 1),
    ("99213", 9_000, 20_000, True, 1),
    ("99214", 14_000, 30_000, True, 1),
    ("99214", 14_000, 30_000, True, 1),
    ("99204", 20_000, 45_000, True, 1),
    ("36415", 2_000, 4_000, False, 1),
    ("36415", 2_000, 4_000, False, 1),
    ("87880", 3_000, 8_000, False, 1),
    ("97110", 4_500, 9_000, False, 4),
    ("97110", 4_500, 9_000, False, 4),
    ("93000", 5_000, 12_000, False, 1),
    ("71046", 8_000, 25_000, False, 1),
    ("20610", 15_000, 40_000, False, 1),
    ("29881", 60_000, 90_000, False, 1),
)
_DENIAL_REASONS = ("50", "97", "197", "29", "16", "96")
_DENIAL_REMARKS = ("N130", "N362", "M15", "N20")
_PAYERS = (
    ("ACME HEALTH PLAN", "PO BOX 4410", "ATLANTA", "GA", "303024410"),
    ("BLUE RIVER MUTUAL", "200 RIVER PKWY", "COLUMBUS", "OH", "43215"),
    ("SUMMIT CARE INSURANCE", "PO BOX 99017", "DENVER", "CO", "802019017"),
    ("PRAIRIE STATE HEALTH", "1 CAPITOL SQ", "TOPEKA", "KS", "66603"),
    ("HARBOR LIGHT ADMINISTRATORS", "77 WHARF ST", "PORTLAND", "ME", "04101"),
)
_PAYEES = (
    ("RIVERSIDE FAMILY MEDICINE", "1200 RIVERSIDE DR", "AUSTIN", "TX", "78704"),
    ("OAK VALLEY PEDIATRICS", "45 OAK VALLEY RD STE 210", "FRESNO", "CA", "93720"),
    ("NORTHSIDE PHYSICAL THERAPY", "9 NORTH AVE", "MADISON", "WI", "53703"),
    ("LAKESHORE INTERNAL MEDICINE", "3100 LAKESHORE BLVD", "CLEVELAND", "OH", "44114"),
)
_LAST_NAMES = (
    "SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JONES", "GARCIA", "MILLER", "DAVIS", "RODRIGUEZ",
    "MARTINEZ", "HERNANDEZ", "LOPEZ", "GONZALEZ", "WILSON", "ANDERSON", "THOMAS", "TAYLOR", "MOORE",
    "JACKSON", "MARTIN", "LEE", "PEREZ", "THOMPSON", "WHITE", "HARRIS", "SANCHEZ", "CLARK", "NGUYEN",
)  # fmt: skip
_FIRST_NAMES = (
    "JAMES", "MARY", "ROBERT", "PATRICIA", "JOHN", "JENNIFER", "MICHAEL", "LINDA", "DAVID", "ELIZABETH",
    "WILLIAM", "BARBARA", "RICHARD", "SUSAN", "JOSEPH", "JESSICA", "THOMAS", "SARAH", "MARIA", "KAREN",
)  # fmt: skip
_COPAYS = (1_000, 2_000, 2_500, 3_000, 4_000)


def _money(cents: int) -> str:
    """Cents as an X12 decimal with two places: 12345 -> '123.45', -5 -> '-0.05'."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _decimal(cents: int) -> Decimal:
    return Decimal(_money(cents))


def _luhn_digit(payload: str) -> str:
    """Check digit that makes payload + digit pass the Luhn test."""
    total = 0
    for index, char in enumerate(reversed(payload)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def _npi(rng: random.Random) -> str:
    base = str(rng.randrange(100_000_000, 200_000_000))
    return base + _luhn_digit("80840" + base)


def _routing_number(rng: random.Random) -> str:
    """Nine digits with a valid ABA checksum."""
    digits = [rng.randrange(10) for _ in range(8)]
    digits[0] = rng.choice((0, 1, 2, 3))
    partial = (
        3 * (digits[0] + digits[3] + digits[6]) + 7 * (digits[1] + digits[4] + digits[7]) + (digits[2] + digits[5])
    )
    return "".join(map(str, digits)) + str((10 - partial % 10) % 10)


def _digits(rng: random.Random, count: int) -> str:
    return str(rng.randrange(10 ** (count - 1), 10**count))


# --- claims -------------------------------------------------------------------------------------

Adjustment = tuple[str, str, int]  # group code, reason code, cents


@dataclass(slots=True)
class _Line:
    procedure: str  # "99213" or "99213:25" (components already joined)
    charge: int
    paid: int
    allowed: int | None  # None on denied lines: no AMT*B6
    units: int
    adjustments: list[Adjustment]
    service_date: str
    control: str
    remark: str | None


@dataclass(slots=True)
class _Claim:
    patient_control: str
    status: str
    charge: int
    paid: int
    patient_responsibility: int
    payer_control: str
    adjustments: list[Adjustment]  # claim level
    lines: list[_Line]
    patient: tuple[str, str, str]  # last, first, member id
    start: str
    end: str


@dataclass(slots=True)
class _Delimiters:
    element: str
    component: str
    terminator: str
    line_ending: str
    repetition: str = field(init=False)

    def __post_init__(self) -> None:
        named = (("element", self.element), ("component", self.component), ("terminator", self.terminator))
        for name, value in named:
            if len(value) != 1:
                raise ValueError(f"{name} separator must be exactly one character, got {value!r}")
            if value in _DATA_CHARACTERS or (value.isspace() and name != "terminator"):
                raise ValueError(f"{name} separator {value!r} can occur in data; pick punctuation")
        if len({self.element, self.component, self.terminator}) != 3:
            raise ValueError(
                f"element {self.element!r}, component {self.component!r} and terminator "
                f"{self.terminator!r} must be three different characters"
            )
        if self.line_ending not in _LINE_ENDINGS:
            raise ValueError(f"line_ending must be one of {_LINE_ENDINGS!r}, got {self.line_ending!r}")
        if self.terminator.isspace() and self.line_ending:
            raise ValueError(f"terminator {self.terminator!r} is itself a line break: line_ending must be ''")
        used = (self.element, self.component, self.terminator)
        self.repetition = next(char for char in "^{!" if char not in used)

    @property
    def end(self) -> str:
        return self.terminator + self.line_ending


class _Builder:
    """Draws and renders transaction sets; one instance per interchange (ids stay unique)."""

    def __init__(self, rng: random.Random, delimiters: _Delimiters) -> None:
        self.rng = rng
        self.d = delimiters
        self._claim_number = rng.randrange(100_000, 900_000)
        self._line_number = rng.randrange(1_000_000, 9_000_000)
        self._dates: dict[int, str] = {}
        self.payment_ordinal = dt.date(2023, 1, 2).toordinal() + rng.randrange(3 * 365)
        self.interchange_control = f"{rng.randrange(1, 10**9):09d}"
        self.group_base = rng.randrange(1, 90_000)
        self.time = f"{rng.randrange(6, 22):02d}{rng.randrange(60):02d}"

    def date(self, ordinal: int) -> str:
        text = self._dates.get(ordinal)
        if text is None:
            text = self._dates[ordinal] = dt.date.fromordinal(ordinal).strftime("%Y%m%d")
        return text

    # envelope ----------------------------------------------------------------------------------

    def isa(self) -> str:
        e = self.d.element
        fields = (
            "ISA", "00", " " * 10, "00", " " * 10,
            "ZZ", f"{_ISA_SENDER:<15}", "ZZ", f"{_ISA_RECEIVER:<15}",
            self.date(self.payment_ordinal)[2:], self.time, self.d.repetition, "00501",
            self.interchange_control, "0", "P", self.d.component,
        )  # fmt: skip
        return e.join(fields)

    def gs(self, group_control: int) -> str:
        e = self.d.element
        return e.join(
            (
                "GS", "HP", _ISA_SENDER, _ISA_RECEIVER, self.date(self.payment_ordinal), self.time,
                str(group_control), "X", IMPLEMENTATION_GUIDE,
            )
        )  # fmt: skip

    def ge(self, transaction_count: int, group_control: int) -> str:
        return f"GE{self.d.element}{transaction_count}{self.d.element}{group_control}"

    def iea(self, group_count: int) -> str:
        return f"IEA{self.d.element}{group_count}{self.d.element}{self.interchange_control}"

    # claims ------------------------------------------------------------------------------------

    def _priced_line(self, charge: int, is_em: bool, secondary: bool) -> tuple[int, list[Adjustment]]:
        """Allowed amount and adjustments of a paid line; paid = charge - sum(adjustments)."""
        rng = self.rng
        allowed = charge if rng.random() < 0.1 else charge * rng.randint(45, 99) // 100
        adjustments: list[Adjustment] = []
        if charge > allowed:
            adjustments.append(("CO", "45", charge - allowed))
        remaining = allowed
        if secondary:
            prior = remaining * rng.randint(50, 85) // 100
            adjustments.append(("OA", "23", prior))
            remaining -= prior
            if rng.random() < 0.3:
                deductible = remaining * rng.randint(10, 60) // 100
                adjustments.append(("PR", "1", deductible))
            return allowed, adjustments
        deductible = coinsurance = copay = sequestration = 0
        if rng.random() < 0.15:
            deductible = min(remaining, rng.randrange(500, 25_000))
            remaining -= deductible
        if is_em and remaining and rng.random() < 0.25:
            copay = min(remaining, rng.choice(_COPAYS))
            remaining -= copay
        if remaining and rng.random() < 0.4:
            coinsurance = remaining * 20 // 100
            remaining -= coinsurance
        if remaining and rng.random() < 0.1:
            sequestration = remaining * 2 // 100
        if sequestration:
            adjustments.append(("CO", "253", sequestration))
        adjustments.extend(
            ("PR", reason, cents) for reason, cents in (("1", deductible), ("2", coinsurance), ("3", copay)) if cents
        )
        return allowed, adjustments

    def _line(self, status: str, start: int, end: int) -> _Line:
        rng = self.rng
        code, low, high, is_em, most_units = rng.choice(_PROCEDURES)
        units = rng.randint(1, most_units) if most_units > 1 else 1
        charge = rng.randint(low, high) * units
        charge = min(charge, 90_000)
        procedure = code
        draw = rng.random()
        if is_em and draw < 0.03:
            procedure = f"{code}{self.d.component}25{self.d.component}GT"
        elif is_em and draw < 0.15:
            procedure = f"{code}{self.d.component}{'25' if draw < 0.11 else 'GT'}"
        elif not is_em and draw < (0.2 if code == "97110" else 0.05):
            procedure = f"{code}{self.d.component}59"
        self._line_number += 1
        service_date = self.date(start if start == end else rng.randint(start, end))
        remark: str | None = None
        if status == "4":
            if rng.random() < 0.2:
                adjustments: list[Adjustment] = [("PR", "204", charge)]
            else:
                adjustments = [("CO", rng.choice(_DENIAL_REASONS), charge)]
            if rng.random() < 0.5:
                remark = rng.choice(_DENIAL_REMARKS)
            return _Line(procedure, charge, 0, None, units, adjustments, service_date,
                         str(self._line_number), remark)  # fmt: skip
        allowed, adjustments = self._priced_line(charge, is_em, secondary=status == "2")
        if rng.random() < 0.05:
            remark = "N130"
        paid = charge - sum(cents for _, _, cents in adjustments)
        return _Line(procedure, charge, paid, allowed, units, adjustments, service_date,
                     str(self._line_number), remark)  # fmt: skip

    def claim(self, status: str, max_lines: int, patient_control: str | None = None) -> _Claim:
        rng = self.rng
        if patient_control is None:
            self._claim_number += 1
            patient_control = f"PT{self._claim_number:08d}"
        start = self.payment_ordinal - rng.randint(14, 120)
        end = start if rng.random() < 0.8 else start + rng.randint(1, 5)
        patient = (
            rng.choice(_LAST_NAMES),
            rng.choice(_FIRST_NAMES),
            rng.choice(("W", "XJH", "MB", "H")) + _digits(rng, 9),
        )
        payer_control = _digits(rng, 14)
        claim_adjustments: list[Adjustment] = []
        if max_lines == 0 or rng.random() < 0.05:
            # No 2110 loop: everything is adjusted at the claim level.
            lines: list[_Line] = []
            charge = rng.randint(2_000, 90_000)
            if status == "4":
                claim_adjustments = [("CO", rng.choice(_DENIAL_REASONS), charge)]
            else:
                _, claim_adjustments = self._priced_line(charge, rng.random() < 0.5, status == "2")
            paid = charge - sum(cents for _, _, cents in claim_adjustments)
        else:
            lines = [self._line(status, start, end) for _ in range(rng.randint(1, max_lines))]
            charge = sum(line.charge for line in lines)
            paid = sum(line.paid for line in lines)
            if status != "4" and paid > 0 and rng.random() < 0.1:
                group, reason = rng.choice((("OA", "23"), ("CO", "253"), ("PR", "2"), ("CO", "94")))
                cents = rng.randint(1, max(1, paid // 5))
                claim_adjustments.append((group, reason, cents))
                paid -= cents
        patient_responsibility = sum(cents for group, _, cents in claim_adjustments if group == "PR") + sum(
            cents for line in lines for group, _, cents in line.adjustments if group == "PR"
        )
        return _Claim(patient_control, status, charge, paid, patient_responsibility, payer_control,
                      claim_adjustments, lines, patient, self.date(start), self.date(end))  # fmt: skip

    def _cas(self, adjustments: list[Adjustment], sign: int, out: list[str]) -> None:
        """CAS segments: one per group code, at most six triplets each; empty quantities in between."""
        e = self.d.element
        by_group: dict[str, list[str]] = {}
        for group, reason, cents in adjustments:
            by_group.setdefault(group, []).append(f"{reason}{e}{_money(sign * cents)}")
        out.extend(
            f"CAS{e}{group}{e}" + f"{e}{e}".join(triplets[first : first + 6])
            for group, triplets in by_group.items()
            for first in range(0, len(triplets), 6)
        )

    def render_claim(self, claim: _Claim, out: list[str], *, reversal: bool = False) -> tuple[int, int, int]:
        """Append the claim's segments; returns (charge, paid, lines) as written (signed)."""
        e = self.d.element
        sign = -1 if reversal else 1
        status = "22" if reversal else claim.status
        charge, paid = sign * claim.charge, sign * claim.paid
        out.append(
            f"CLP{e}{claim.patient_control}{e}{status}{e}{_money(charge)}{e}{_money(paid)}{e}"
            f"{_money(sign * claim.patient_responsibility)}{e}12{e}{claim.payer_control}{e}11{e}1"
        )
        if claim.adjustments:
            self._cas(claim.adjustments, sign, out)
        last, first, member = claim.patient
        out.append(f"NM1{e}QC{e}1{e}{last}{e}{first}{e}{e}{e}{e}MI{e}{member}")
        out.append(f"DTM{e}232{e}{claim.start}")
        out.append(f"DTM{e}233{e}{claim.end}")
        for line in claim.lines:
            out.append(
                f"SVC{e}HC{self.d.component}{line.procedure}{e}{_money(sign * line.charge)}{e}"
                f"{_money(sign * line.paid)}{e}{e}{line.units if sign > 0 else -line.units}"
            )
            out.append(f"DTM{e}472{e}{line.service_date}")
            self._cas(line.adjustments, sign, out)
            out.append(f"REF{e}6R{e}{line.control}")
            if line.allowed is not None:
                out.append(f"AMT{e}B6{e}{_money(sign * line.allowed)}")
            if line.remark is not None:
                out.append(f"LQ{e}HE{e}{line.remark}")
        return charge, paid, len(claim.lines)

    # transaction sets ---------------------------------------------------------------------------

    def transaction(self, control: str, claims: int, max_lines: int) -> tuple[list[str], TransactionExpectation]:
        """Segments ST..SE of one balanced transaction set, and what a reader must find in it."""
        rng = self.rng
        e, c = self.d.element, self.d.component
        payer_name, payer_street, payer_city, payer_state, payer_zip = rng.choice(_PAYERS)
        payee_name, payee_street, payee_city, payee_state, payee_zip = rng.choice(_PAYEES)
        payer_id = "1" + _digits(rng, 9)
        payee_npi = _npi(rng)
        payment_date = self.date(self.payment_ordinal)

        body: list[str] = []
        claim_ids: list[str] = []
        charge_total = paid_total = lines_total = 0
        payer_controls: list[str] = []
        remaining = claims
        while remaining:
            draw = rng.random()
            status = "1" if draw < 0.70 else "19" if draw < 0.80 else "2" if draw < 0.88 else "4"
            if draw >= 0.96:
                status = "22"
            if status == "22":
                original = self.claim("1", max_lines)
                rendered = [self.render_claim(original, body, reversal=True)]
                claim_ids.append(original.patient_control)
                payer_controls.append(original.payer_control)
                remaining -= 1
                if remaining:  # the corrected claim, under the same patient control number
                    corrected = self.claim("1", max_lines, original.patient_control)
                    rendered.append(self.render_claim(corrected, body))
                    claim_ids.append(corrected.patient_control)
                    payer_controls.append(corrected.payer_control)
                    remaining -= 1
            else:
                claim = self.claim(status, max_lines)
                rendered = [self.render_claim(claim, body)]
                claim_ids.append(claim.patient_control)
                payer_controls.append(claim.payer_control)
                remaining -= 1
            for charge, paid, lines in rendered:
                charge_total += charge
                paid_total += paid
                lines_total += lines

        # Provider-level adjustments: interest (L6, negative) and overpayment recovery (WO, positive).
        plb: list[tuple[str, int]] = []
        if rng.random() < 0.15:
            plb.append(("L6", -rng.randint(1, 2_500)))
        if rng.random() < 0.10:
            plb.append((f"WO{c}{rng.choice(payer_controls)}", rng.randint(500, 20_000)))
        fiscal_period_end = f"{payment_date[:4]}1231"
        plb_segments: list[list[tuple[str, int]]] = (
            [list(plb)] if len(plb) > 1 and rng.random() < 0.5 else [[pair] for pair in plb]
        )
        payment = paid_total - sum(cents for _, cents in plb)
        if payment < 0:  # carry the negative balance forward: BPR02 becomes 0.00
            forward = ("FB" + c + _digits(rng, 10), payment)
            plb_segments.append([forward])
            plb.append(forward)
            payment = 0
        plb_total = sum(cents for _, cents in plb)
        for pairs in plb_segments:
            amounts = e.join(f"{reason}{e}{_money(cents)}" for reason, cents in pairs)
            body.append(f"PLB{e}{payee_npi}{e}{fiscal_period_end}{e}{amounts}")

        if payment == 0:
            bpr = f"BPR{e}H{e}0.00{e}C{e}NON{e * 12}{payment_date}"
            trace = _digits(rng, 10)
        elif rng.random() < 0.75:
            bpr = (
                f"BPR{e}I{e}{_money(payment)}{e}C{e}ACH{e}CCP{e}01{e}{_routing_number(rng)}{e}DA{e}"
                f"{_digits(rng, 10)}{e}{payer_id}{e}{e}01{e}{_routing_number(rng)}{e}DA{e}"
                f"{_digits(rng, 12)}{e}{payment_date}"
            )
            trace = _digits(rng, 15)
        else:
            bpr = f"BPR{e}I{e}{_money(payment)}{e}C{e}CHK{e * 12}{payment_date}"
            trace = _digits(rng, 8)
        header = [
            f"ST{e}835{e}{control}{e}{IMPLEMENTATION_GUIDE}",
            bpr,
            f"TRN{e}1{e}{trace}{e}{payer_id}",
            f"REF{e}EV{e}{_ISA_RECEIVER}",
            f"DTM{e}405{e}{payment_date}",
            f"N1{e}PR{e}{payer_name}",
            f"N3{e}{payer_street}",
            f"N4{e}{payer_city}{e}{payer_state}{e}{payer_zip}",
            f"PER{e}BL{e}PROVIDER SERVICES{e}TE{e}800555{_digits(rng, 4)}",
            f"N1{e}PE{e}{payee_name}{e}XX{e}{payee_npi}",
            f"N3{e}{payee_street}",
            f"N4{e}{payee_city}{e}{payee_state}{e}{payee_zip}",
            f"REF{e}TJ{e}{_digits(rng, 9)}",
            f"LX{e}1",
        ]
        segments = header + body
        segments.append(f"SE{e}{len(segments) + 1}{e}{control}")
        expectation = TransactionExpectation(
            control_number=control,
            payment_amount=_decimal(payment),
            trace_number=trace,
            claim_ids=claim_ids,
            charge_total=_decimal(charge_total),
            paid_total=_decimal(paid_total),
            plb_total=_decimal(plb_total),
            service_lines=lines_total,
            claims=len(claim_ids),
        )
        return segments, expectation


def _check_sizes(transactions: int, claims_per_transaction: int, max_lines_per_claim: int) -> None:
    if transactions < 1:
        raise ValueError(f"transactions must be at least 1, got {transactions}")
    if claims_per_transaction < 1:
        raise ValueError(f"claims_per_transaction must be at least 1, got {claims_per_transaction}")
    if max_lines_per_claim < 0:
        raise ValueError(f"max_lines_per_claim must be 0 or more, got {max_lines_per_claim}")


def _group_sizes(rng: random.Random, transactions: int) -> list[int]:
    """How many sets go in each GS: usually one group, sometimes two or three."""
    if transactions == 1 or rng.random() >= 0.3:
        return [transactions]
    groups = rng.randint(2, min(3, transactions))
    cuts = sorted(rng.sample(range(1, transactions), groups - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, transactions], strict=True)]


def generate_835(
    seed: int,
    *,
    transactions: int = 1,
    claims_per_transaction: int = 5,
    max_lines_per_claim: int = 4,
    element: str = "*",
    component: str = ":",
    terminator: str = "~",
    line_ending: str = "\n",
) -> tuple[bytes, list[TransactionExpectation]]:
    """One balanced 835 interchange and the expectations of its transaction sets, in file order.

    `max_lines_per_claim=0` makes every claim line-less; otherwise each claim has 1..max lines
    (about one claim in twenty has none). `line_ending` is written after every segment terminator.
    """
    delimiters = _Delimiters(element, component, terminator, line_ending)
    _check_sizes(transactions, claims_per_transaction, max_lines_per_claim)
    rng = random.Random(seed)
    builder = _Builder(rng, delimiters)
    segments = [builder.isa()]
    expectations: list[TransactionExpectation] = []
    number = 0
    groups = _group_sizes(rng, transactions)
    for index, size in enumerate(groups):
        group_control = builder.group_base + index
        segments.append(builder.gs(group_control))
        for _ in range(size):
            number += 1
            transaction, expectation = builder.transaction(f"{number:04d}", claims_per_transaction, max_lines_per_claim)
            segments.extend(transaction)
            expectations.append(expectation)
        segments.append(builder.ge(size, group_control))
    segments.append(builder.iea(len(groups)))
    end = delimiters.end
    return (end.join(segments) + end).encode("ascii"), expectations


def write_835(
    path: str | os.PathLike[str],
    target_bytes: int,
    seed: int = 1,
    claims_per_transaction: int = 2000,
) -> tuple[int, list[TransactionExpectation]]:
    """Stream one interchange (one GS) of at least `target_bytes` to `path`; default delimiters.

    Holds one transaction set in memory at a time; the last set is sized to land just past the
    target. Returns (number of CLP segments written, expectations of the sets in file order).
    """
    if target_bytes < 1:
        raise ValueError(f"target_bytes must be positive, got {target_bytes}")
    _check_sizes(1, claims_per_transaction, 4)
    delimiters = _Delimiters("*", ":", "~", "\n")
    end = delimiters.end
    rng = random.Random(seed)
    builder = _Builder(rng, delimiters)
    group_control = builder.group_base
    expectations: list[TransactionExpectation] = []
    claims_written = 0
    with Path(path).open("wb") as out:
        head = (builder.isa() + end + builder.gs(group_control) + end).encode("ascii")
        out.write(head)
        written = len(head)
        trailer_size = len(builder.ge(10**6, group_control) + end + builder.iea(1) + end)
        bytes_per_claim = 600.0  # refined after the first set
        while written + trailer_size < target_bytes:
            needed = (target_bytes - written - trailer_size) / bytes_per_claim
            claims = max(1, min(claims_per_transaction, int(needed) + 1))
            segments, expectation = builder.transaction(f"{len(expectations) + 1:04d}", claims, 4)
            chunk = (end.join(segments) + end).encode("ascii")
            out.write(chunk)
            written += len(chunk)
            bytes_per_claim = max(1.0, (written - len(head)) / (claims_written + expectation.claims))
            claims_written += expectation.claims
            expectations.append(expectation)
        tail = (builder.ge(len(expectations), group_control) + end + builder.iea(1) + end).encode("ascii")
        out.write(tail)
    return claims_written, expectations


def balanced_835_strategy() -> SearchStrategy[tuple[bytes, list[TransactionExpectation]]]:
    """Hypothesis strategy: (file bytes, expectations) from generate_835 with drawn parameters.

    Delimiters are drawn mutually distinct: element from '*|^', component from ':>', terminator from
    '~' or newline (then no extra line ending), line ending from '', LF, CRLF.
    """
    from hypothesis import strategies as st

    @st.composite
    def build(draw: st.DrawFn) -> tuple[bytes, list[TransactionExpectation]]:
        terminator = draw(st.sampled_from(("~", "\n")))
        line_ending = "" if terminator == "\n" else draw(st.sampled_from(_LINE_ENDINGS))
        return generate_835(
            draw(st.integers(min_value=0, max_value=2**32 - 1)),
            transactions=draw(st.integers(min_value=1, max_value=3)),
            claims_per_transaction=draw(st.integers(min_value=1, max_value=8)),
            max_lines_per_claim=draw(st.integers(min_value=0, max_value=4)),
            element=draw(st.sampled_from(("*", "|", "^"))),
            component=draw(st.sampled_from((":", ">"))),
            terminator=terminator,
            line_ending=line_ending,
        )

    return build()
