"""Where a bank puts each value in its CSV export: the layout the settings name per bank.

Apart from the reader (`csv_export`) so that reading the settings does not load the CSV reader.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from remitflow.values import DomainModel


class CsvLayout(DomainModel):
    """Where a bank puts each value in its CSV export."""

    name: str = "default"
    date: tuple[str, ...] = ("Date", "Posting Date", "Post Date", "Posted Date", "Transaction Date", "Booking Date")
    value_date: tuple[str, ...] = ("Value Date", "Effective Date")
    amount: tuple[str, ...] = ("Amount", "Transaction Amount")
    credit: tuple[str, ...] = ("Credit", "Credits", "Credit Amount", "Deposit", "Deposits")
    debit: tuple[str, ...] = ("Debit", "Debits", "Debit Amount", "Withdrawal", "Withdrawals")
    description: tuple[str, ...] = ("Description", "Memo", "Details", "Transaction Description", "Narrative")
    addenda: tuple[str, ...] = ("Addenda", "Addenda Information", "Payment Details", "Additional Information")
    reference: tuple[str, ...] = ("Reference", "Reference Number", "Bank Reference", "Ref", "Transaction ID")
    customer_reference: tuple[str, ...] = ("Check Number", "Check No", "Check #", "Check", "Customer Reference")
    type: tuple[str, ...] = ("Type", "Transaction Type")
    account: tuple[str, ...] = ("Account", "Account Number")
    date_formats: tuple[str, ...] = ("%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y", "%Y%m%d", "%m-%d-%Y", "%d-%b-%Y")
    # One signed amount column: debits negative (most banks). False: amounts unsigned, the type column
    # tells (credit_types / debit_types).
    debits_negative: bool = True
    credit_types: tuple[str, ...] = ("CREDIT", "CR", "DEPOSIT", "C")
    debit_types: tuple[str, ...] = ("DEBIT", "DR", "WITHDRAWAL", "D", "FEE", "CHECK")
    return_words: tuple[str, ...] = ("RETURN", "REVERSAL", "CHARGEBACK")  # in the type column: a returned item
    decimal_comma: bool = False  # 1.234,56
    delimiter: str = ","
    # Lines before the header row; None: find the header in the first lines (a title or a date range
    # above it is common).
    skip_lines: int | None = None
    header: tuple[str, ...] | None = None  # the column names of a file without a header row
    account_number: str | None = Field(default=None, repr=False)  # when the file has no account column
    currency: str = "USD"

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1:
            raise ValueError(f"delimiter must be one character, got {value!r}")
        return value


DEFAULT_LAYOUT = CsvLayout()
