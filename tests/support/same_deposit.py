"""One bank day told twice: a BAI2 file and a camt.053 statement of Riverbank's account for Maple
Clinic on 2025-03-18, each with the same two transactions under the same bank references: an ACH
credit from Northwind Health carrying the 835's TRN (trace 7700301, payer 1362739571) and an account
fee. The camt.053 writes the account number with leading zeros, as some banks' statements do.

`bai2()` and `camt053()` take the credit's amount, so a test can make the two files disagree.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

BOOKED = date(2025, 3, 18)
ACCOUNT = "4477120093"
CREDIT_REFERENCE = "RB25031800071"
FEE_REFERENCE = "RB25031800072"
TRACE = "7700301"
PAYER = "1362739571"
AMOUNT = Decimal("842.15")
FEE = Decimal("15.00")
OPENING = Decimal("2500.00")

BAI_KEY = "deposits/riverbank/2025-03-18.bai"
CAMT_KEY = "deposits/riverbank/2025-03-18.camt053.xml"


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def bai2(amount: Decimal = AMOUNT) -> bytes:
    """01/02/03, the credit (its TRN continued in an 88), the fee, and trailers that add up."""
    credit, fee, opening = _cents(amount), _cents(FEE), _cents(OPENING)
    total = opening + credit + fee  # 49/98/99 control totals: every amount of the account
    lines = [
        "01,RIVERBANK,MAPLECLINIC,250319,0530,1,,,2/",
        "02,MAPLECLINIC,091000019,1,250318,2400,USD,2/",
        f"03,{ACCOUNT},USD,010,{opening},,/",
        f"16,165,{credit},Z,{CREDIT_REFERENCE},,NORTHWIND HEALTH HCCLAIMPMT CCD+ TRN*1*7700",
        f"88,301*{PAYER}\\",
        f"16,698,{fee},Z,{FEE_REFERENCE},,ACCOUNT ANALYSIS FEE",
        f"49,{total},5/",
        f"98,{total},1,7/",
        f"99,{total},1,9/",
    ]
    return ("\n".join(lines) + "\n").encode()


def _entry(amount: Decimal, sign: str, reference: str, family: str, text: str) -> str:
    domain, group, sub = family.split("/")
    return f"""
      <Ntry>
        <Amt Ccy="USD">{amount}</Amt>
        <CdtDbtInd>{sign}</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>{BOOKED.isoformat()}</Dt></BookgDt>
        <ValDt><Dt>{BOOKED.isoformat()}</Dt></ValDt>
        <AcctSvcrRef>{reference}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>{domain}</Cd><Fmly><Cd>{group}</Cd><SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>
          <TxDtls>
            <Refs><AcctSvcrRef>{reference}</AcctSvcrRef></Refs>
            <Amt Ccy="USD">{amount}</Amt>
            <CdtDbtInd>{sign}</CdtDbtInd>
            <RmtInf>{text}</RmtInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>"""


def camt053(amount: Decimal = AMOUNT) -> bytes:
    """The same day as a camt.053.001.08 statement: the credit (TRN in two Ustrd) and the fee."""
    credit = _entry(
        amount,
        "CRDT",
        CREDIT_REFERENCE,
        "PMNT/RCDT/ACDT",
        f"<Ustrd>NORTHWIND HEALTH HCCLAIMPMT TRN*1*7700</Ustrd><Ustrd>301*{PAYER}\\</Ustrd>",
    )
    fee = _entry(FEE, "DBIT", FEE_REFERENCE, "ACMT/MDOP/CHRG", "<Ustrd>ACCOUNT ANALYSIS FEE</Ustrd>")
    closing = OPENING + amount - FEE
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>RIVERBANK-20250318-MAPLE</MsgId><CreDtTm>2025-03-19T05:30:00-05:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>00{ACCOUNT}-20250318</Id>
      <CreDtTm>2025-03-19T05:30:00-05:00</CreDtTm>
      <Acct><Id><Othr><Id>000{ACCOUNT}</Id></Othr></Id><Ccy>USD</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="USD">{OPENING}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{BOOKED.isoformat()}</Dt></Dt></Bal>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="USD">{closing}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{BOOKED.isoformat()}</Dt></Dt></Bal>{credit}{fee}
    </Stmt>
  </BkToCstmrStmt>
</Document>
""".encode()
