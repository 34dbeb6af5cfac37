// Our own short words for what remitflow itself names (follow-up types, resolutions, claim states).
// Payer codes (CARC, RARC, CLP02, PLB) come from the API's table instead: codes.js.

// The words for each follow-up type a person works; which types the page offers is the API's list
// (codes.js followupTypes).
export const TYPES = {
  claim_not_found: "Claim not found",
  denied: "Denied",
  underpaid: "Underpaid",
  overpaid: "Overpaid",
  unbalanced: "Does not balance",
  reversal_unmatched: "Reversal without original",
  provider_adjustment: "Provider adjustment",
  duplicate_remittance: "Duplicate remittance",
  unreadable_file: "Unreadable file",
  import_error: "Import error",
  not_our_claim: "Not our claim",
  amount_mismatch: "ERA and deposit amounts differ",
  era_without_deposit: "ERA without deposit",
  deposit_without_era: "Deposit without ERA",
  duplicate_bank_reference: "Bank reference seen with another amount",
  line_not_matched: "Line not matched",
};
export const RESOLUTIONS = {
  applied_to_claim: "applied to claim",
  written_off: "written off",
  appealed: "appealed",
  refund_requested: "refund requested",
  payer_contacted: "payer contacted",
  duplicate: "duplicate",
  no_action: "no action",
};
// Our claim's status (domain ClaimStatus), not the payer's CLP02.
export const CLAIM_STATES = {
  open: "open", paid: "paid", partially_paid: "partially paid", denied: "denied",
  forwarded: "forwarded to the next payer", closed: "closed",
  patient_responsibility: "patient owes the balance",
};
// An ERA's deposit, and a deposit's ERAs.
export const ERA_DEPOSIT = {
  matched: "matched to a deposit", probable: "probably this deposit (not confirmed)",
  waiting: "waiting for the deposit", none: "no deposit",
};
export const DEPOSIT_MATCH = {
  matched: "matched to its ERA", probable: "probably this ERA (not confirmed)", unmatched: "no ERA explains it",
};
export const BALANCES = [
  "charge_amount", "insurance_paid", "contractual_adjustment", "other_adjustment",
  "patient_responsibility", "insurance_balance", "patient_balance",
];

export const typeLabel = (type) => TYPES[type] || String(type || "").replace(/_/g, " ");
export const claimState = (status) => CLAIM_STATES[status] || status;
