"""Reference data from CSV (open claims, payer fee schedules): pure readers, no AWS, no I/O."""

from remitflow.reference.csv_import import (
    CLAIM_OPTIONAL_COLUMNS,
    CLAIM_REQUIRED_COLUMNS,
    FEE_SCHEDULE_COLUMNS,
    ClaimsImport,
    FeeScheduleImport,
    RowProblem,
    import_error_followup,
    read_claims_csv,
    read_fee_schedule_csv,
)

__all__ = [
    "CLAIM_OPTIONAL_COLUMNS",
    "CLAIM_REQUIRED_COLUMNS",
    "FEE_SCHEDULE_COLUMNS",
    "ClaimsImport",
    "FeeScheduleImport",
    "RowProblem",
    "import_error_followup",
    "read_claims_csv",
    "read_fee_schedule_csv",
]
