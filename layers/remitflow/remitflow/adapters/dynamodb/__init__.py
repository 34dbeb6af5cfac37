"""DynamoDB: one module per table's store, every table's key layout in `keys`, and what the stores
share (encoding, batching, cancellation reasons, paginated queries) in `shared`.

claims          ClaimsTable       ClaimsStore
claim_items     ClaimsTable       a claim as an item, its lines as JSON text (read by claims and search)
remittances     RemittancesTable  RemittancesStore: 835 records, unapplied cash, PLB entries, fee schedules
reconciliation  RemittancesTable  ReconciliationStore: bank transactions, open items, matches
worklist        FollowupsTable    WorklistStore
"""
