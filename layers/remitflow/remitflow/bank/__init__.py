"""Bank deposit files (BAI2, camt.052/053/054, CSV exports) -> bank transactions, and the TRN in their text.

Pure: no boto3, no environment; readers take bytes, text, a stream or lines and stream transactions.
"""

from typing import TYPE_CHECKING

from remitflow.lazy import lazy_exports

if TYPE_CHECKING:  # the names, for type checkers
    from remitflow.bank.bai2 import Bai2Reader as Bai2Reader
    from remitflow.bank.bai2 import read_bai2 as read_bai2
    from remitflow.bank.bai2_codes import classify_type_code as classify_type_code
    from remitflow.bank.camt import CamtReader as CamtReader
    from remitflow.bank.camt import read_camt as read_camt
    from remitflow.bank.csv_export import CsvReader as CsvReader
    from remitflow.bank.csv_export import read_csv as read_csv
    from remitflow.bank.csv_layout import DEFAULT_LAYOUT as DEFAULT_LAYOUT
    from remitflow.bank.csv_layout import CsvLayout as CsvLayout
    from remitflow.bank.files import deposit_reader as deposit_reader
    from remitflow.bank.files import read_deposit_file as read_deposit_file
    from remitflow.bank.files import sniff_format as sniff_format
    from remitflow.bank.models import AccountSummary as AccountSummary
    from remitflow.bank.models import BankFileError as BankFileError
    from remitflow.bank.models import BankFormat as BankFormat
    from remitflow.bank.models import BankProblem as BankProblem
    from remitflow.bank.models import BankStatement as BankStatement
    from remitflow.bank.models import BankTransaction as BankTransaction
    from remitflow.bank.models import Direction as Direction
    from remitflow.bank.models import Severity as Severity
    from remitflow.bank.models import SummaryAmount as SummaryAmount
    from remitflow.bank.models import TraceRef as TraceRef
    from remitflow.bank.models import mask_account as mask_account
    from remitflow.bank.reader import DepositReader as DepositReader
    from remitflow.bank.source import DepositSource as DepositSource
    from remitflow.bank.trace import find_trace as find_trace

__getattr__, __all__ = lazy_exports(
    __name__,
    {
        "bai2": ("Bai2Reader", "read_bai2"),
        "bai2_codes": ("classify_type_code",),
        "camt": ("CamtReader", "read_camt"),
        "csv_export": ("CsvReader", "read_csv"),
        "csv_layout": ("DEFAULT_LAYOUT", "CsvLayout"),
        "files": ("deposit_reader", "read_deposit_file", "sniff_format"),
        "models": (
            "AccountSummary",
            "BankFileError",
            "BankFormat",
            "BankProblem",
            "BankStatement",
            "BankTransaction",
            "Direction",
            "Severity",
            "SummaryAmount",
            "TraceRef",
            "mask_account",
        ),
        "reader": ("DepositReader",),
        "source": ("DepositSource",),
        "trace": ("find_trace",),
    },
)
