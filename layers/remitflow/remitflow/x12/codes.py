"""The 835 code lists the reader checks elements against, and the qualifiers that put a DTM or an NM1
into a claim or service-line field. Shared by the segment handlers and the fast paths."""

from __future__ import annotations

ADJUSTMENT_GROUPS = frozenset({"CO", "OA", "PI", "PR"})
CLAIM_STATUS_CODES = frozenset({"1", "2", "3", "4", "19", "20", "21", "22", "23", "25"})
CLAIM_ENTITIES = {
    "QC": "patient",
    "IL": "insured",
    "74": "corrected_patient",
    "82": "rendering_provider",
    "TT": "crossover_carrier",
    "PR": "corrected_priority_payer",
    "GB": "other_subscriber",
}
CLAIM_DATES = {
    "232": "statement_period_start",
    "233": "statement_period_end",
    "036": "coverage_expiration_date",
    "050": "received_date",
}
LINE_DATES = {"472": "service_date", "150": "service_period_start", "151": "service_period_end"}
