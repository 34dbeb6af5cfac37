"""Reference data from CSV (open claims, payer fee schedules): pure readers, no AWS, no I/O."""

from typing import TYPE_CHECKING

from remitflow.lazy import lazy_exports

if TYPE_CHECKING:  # the names, for type checkers
    from remitflow.reference.csv_import import CLAIM_OPTIONAL_COLUMNS as CLAIM_OPTIONAL_COLUMNS
    from remitflow.reference.csv_import import CLAIM_REQUIRED_COLUMNS as CLAIM_REQUIRED_COLUMNS
    from remitflow.reference.csv_import import FEE_SCHEDULE_COLUMNS as FEE_SCHEDULE_COLUMNS
    from remitflow.reference.csv_import import ClaimsImport as ClaimsImport
    from remitflow.reference.csv_import import FeeScheduleImport as FeeScheduleImport
    from remitflow.reference.csv_import import RowProblem as RowProblem
    from remitflow.reference.csv_import import import_error_followup as import_error_followup
    from remitflow.reference.csv_import import read_claims_csv as read_claims_csv
    from remitflow.reference.csv_import import read_fee_schedule_csv as read_fee_schedule_csv

__getattr__, __all__ = lazy_exports(
    __name__,
    {
        "csv_import": (
            "CLAIM_OPTIONAL_COLUMNS",
            "CLAIM_REQUIRED_COLUMNS",
            "FEE_SCHEDULE_COLUMNS",
            "ClaimsImport",
            "FeeScheduleImport",
            "RowProblem",
            "import_error_followup",
            "read_claims_csv",
            "read_fee_schedule_csv",
        ),
    },
)
