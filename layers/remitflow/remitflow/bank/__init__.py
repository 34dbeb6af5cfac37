"""Bank deposit files (BAI2, camt.052/053/054, CSV exports) -> bank transactions, and the TRN in their text.

Pure: no boto3, no environment; readers take bytes, text, a stream or lines and stream transactions.
"""

from remitflow.bank.bai2 import Bai2Reader, read_bai2
from remitflow.bank.bai2_codes import classify_type_code
from remitflow.bank.camt import CamtReader, read_camt
from remitflow.bank.csv_export import DEFAULT_LAYOUT, CsvLayout, CsvReader, read_csv
from remitflow.bank.files import deposit_reader, read_deposit_file, sniff_format
from remitflow.bank.models import (
    AccountSummary,
    BankFileError,
    BankFormat,
    BankProblem,
    BankStatement,
    BankTransaction,
    Direction,
    Severity,
    SummaryAmount,
    TraceRef,
    mask_account,
)
from remitflow.bank.reader import DepositReader
from remitflow.bank.source import DepositSource
from remitflow.bank.trace import find_trace

__all__ = [
    "DEFAULT_LAYOUT",
    "AccountSummary",
    "Bai2Reader",
    "BankFileError",
    "BankFormat",
    "BankProblem",
    "BankStatement",
    "BankTransaction",
    "CamtReader",
    "CsvLayout",
    "CsvReader",
    "DepositReader",
    "DepositSource",
    "Direction",
    "Severity",
    "SummaryAmount",
    "TraceRef",
    "classify_type_code",
    "deposit_reader",
    "find_trace",
    "mask_account",
    "read_bai2",
    "read_camt",
    "read_csv",
    "read_deposit_file",
    "sniff_format",
]
