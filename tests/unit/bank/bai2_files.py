"""BAI2 files for the reader tests, with trailers that add up unless a test breaks them on purpose.

`bai2(*details)` is one file, one group (as of 2025-01-16), one account (000123456789) whose 03 reports
an opening ledger of 1,000.00. Lines are numbered 01 = 1, 02 = 2, 03 = 3, so the first 16 is line
`FIRST_DETAIL` (4).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

ACCOUNT = "000123456789"
AS_OF = "250116"
OPENING = 100000
FIRST_DETAIL = 4


@dataclass(frozen=True)
class Detail:
    """One 16 record. `splits` are the positions in `text` where an 88 continuation starts."""

    code: str = "165"
    amount: int = 31950
    funds: str = "Z"  # with its extra fields: "S,100,200,300", "V,250117,0900", "D,2,0,100,1,200"
    bank_reference: str = "BR1"
    customer_reference: str = ""
    text: str = "ACH CREDIT"
    splits: Sequence[int] = ()
    slash: bool = False  # end each line of the record with '/'

    def lines(self) -> list[str]:
        bounds = [0, *self.splits, len(self.text)]
        pieces = [self.text[a:b] for a, b in itertools.pairwise(bounds)]
        head = f"16,{self.code},{self.amount},{self.funds},{self.bank_reference},{self.customer_reference},"
        lines = [head + pieces[0], *("88," + piece for piece in pieces[1:])]
        return [line + "/" for line in lines] if self.slash else lines

    @property
    def total(self) -> int:
        return self.amount


def account_lines(
    details: Sequence[Detail], *, account: str = ACCOUNT, summaries: Sequence[tuple[str, int]] = (("010", OPENING),)
) -> tuple[list[str], int]:
    """03, its 16/88 records and a 49 that adds up; and the account control total."""
    head = f"03,{account},USD," + ",".join(f"{code},{amount},," for code, amount in summaries) + "/"
    body = [line for detail in details for line in detail.lines()]
    total = sum(amount for _, amount in summaries) + sum(detail.total for detail in details)
    return [head, *body, f"49,{total},{len(body) + 2}/"], total


def group_lines(accounts: Sequence[tuple[list[str], int]], *, as_of: str = AS_OF) -> tuple[list[str], int]:
    body = [line for lines, _ in accounts for line in lines]
    total = sum(t for _, t in accounts)
    return [
        f"02,LAKESIDEFM,071000013,1,{as_of},2400,USD,2/",
        *body,
        f"98,{total},{len(accounts)},{len(body) + 2}/",
    ], total


def file_lines(
    groups: Sequence[tuple[list[str], int]], *, header: str = "01,FNBCHICAGO,LAKESIDEFM,250117,0600,7,,,2/"
) -> list[str]:
    body = [line for lines, _ in groups for line in lines]
    total = sum(t for _, t in groups)
    return [header, *body, f"99,{total},{len(groups)},{len(body) + 2}/"]


def bai2_lines(*details: Detail, summaries: Sequence[tuple[str, int]] = (("010", OPENING),)) -> list[str]:
    return file_lines([group_lines([account_lines(details, summaries=summaries)])])


def bai2(*details: Detail, summaries: Sequence[tuple[str, int]] = (("010", OPENING),), end: str = "\n") -> str:
    return end.join(bai2_lines(*details, summaries=summaries)) + end


def replace_line(text: str, number: int, new: str) -> str:
    """`text` with its line `number` (from 1) replaced by `new`."""
    lines = text.splitlines()
    lines[number - 1] = new
    return "\n".join(lines) + "\n"
