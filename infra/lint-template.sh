#!/usr/bin/env bash
# Lint template.yaml three ways: cfn-lint, `sam validate --lint`, checkov.
#
#   infra/lint-template.sh [TEMPLATE]
#
# aws-sam-cli and checkov pin their own dependencies, so they live in a venv of their own
# (.venv-sam, or $REMITFLOW_LINT_VENV), created and filled on first use and refreshed only when
# infra/lint-requirements.txt changes. cfn-lint comes from the project venv when there is one,
# else from that venv (aws-sam-cli depends on it). Needs only python3 and PyPI.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
template="${1:-$root/template.yaml}"
tools_venv="${REMITFLOW_LINT_VENV:-$root/.venv-sam}"
python="${PYTHON:-python3}"
requirements="$root/infra/lint-requirements.txt"
stamp="$tools_venv/.lint-requirements.txt"

ensure_tools() {
  if [[ -x "$tools_venv/bin/sam" && -x "$tools_venv/bin/checkov" ]] \
    && cmp -s "$requirements" "$stamp"; then
    return
  fi
  echo "lint-template: installing $(grep -v '^#' "$requirements" | xargs) into $tools_venv" >&2
  if [[ ! -x "$tools_venv/bin/python" ]]; then
    "$python" -m venv "$tools_venv"
  fi
  local log
  log="$(mktemp)"
  if ! "$tools_venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$requirements" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "lint-template: pip install failed" >&2
    exit 1
  fi
  rm -f "$log"
  cp "$requirements" "$stamp"
}

ensure_tools

cfn_lint="$root/.venv/bin/cfn-lint"
[[ -x "$cfn_lint" ]] || cfn_lint="$tools_venv/bin/cfn-lint"

# All three run offline; no credentials, no telemetry, no checkov policy download.
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export SAM_CLI_TELEMETRY=0
export BC_SKIP_MAPPING=TRUE

status=0
run() {
  local name="$1"
  shift
  echo "== $name" >&2
  if ! "$@"; then
    echo "lint-template: $name failed" >&2
    status=1
  fi
}

run cfn-lint "$cfn_lint" "$template"
run "sam validate --lint" "$tools_venv/bin/sam" validate --lint --template "$template" \
  --region "$AWS_DEFAULT_REGION"
run checkov "$tools_venv/bin/checkov" -f "$template" --framework cloudformation \
  --skip-download --quiet --compact

exit "$status"
