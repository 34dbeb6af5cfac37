"""What each handler leaves unloaded at init: the parts that only some requests need.

Each handler's app.py is imported in a fresh interpreter (as a Lambda cold start does), then the
modules it loaded are read from `sys.modules`. A module listed here that shows up again is cold start
time every invocation pays for (`make bench` measures how much); none of these times anything. And
every model loaded must still build its schema: a type named for type checkers only, that a model's
field needs, would fail only at the model's first use.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "remitflow",
    "INBOX_BUCKET_NAME": "inbox",
    "CLAIMS_TABLE_NAME": "claims",
    "REMITTANCES_TABLE_NAME": "remittances",
    "FOLLOWUPS_TABLE_NAME": "followups",
    "FOLLOWUP_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/followups",
    "POSTING_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/posting",
}
LOADED = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["app"] = module
spec.loader.exec_module(module)
loaded = sorted(name for name in sys.modules if name.startswith("remitflow"))
import pydantic
def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)
unbuildable = []
for model in set(subclasses(pydantic.BaseModel)):
    if model.__module__.startswith("remitflow"):
        try:
            model.model_rebuild(force=True, raise_errors=True)
        except Exception as error:
            unbuildable.append(f"{model.__module__}.{model.__qualname__}: {error}")
print(json.dumps({"loaded": loaded, "unbuildable": sorted(unbuildable)}))
"""

BANK_READERS = ["remitflow.bank.bai2", "remitflow.bank.camt", "remitflow.bank.csv_export"]
POSTING = ["remitflow.domain.posting", "remitflow.x12.models"]
# Per handler: what only some of its requests need, or what it never needs.
NOT_AT_INIT = {
    "worklist_api": [
        *POSTING,
        "remitflow.x12.parser",
        "remitflow.services.worklist",  # the worklist service is built for the first request that uses it
        "remitflow.services.exports",  # the CSV downloads
        "remitflow.domain.code_words",  # the words for codes: /api/codes and the follow-ups' summaries
        "remitflow.domain.recon_report",
        "remitflow.services.manual_recon",  # matching by hand: its routes name only its request models
    ],
    "followup_worker": [*POSTING, "remitflow.services.worklist", "remitflow.domain.code_words"],
    "deposit_ingest": [*POSTING, *BANK_READERS],  # one reader per file, for the file's format
    "reference_import": [*POSTING, *BANK_READERS],
    "remittance_ingest": [*BANK_READERS, "remitflow.domain.resolutions", "remitflow.domain.matching"],
    "posting_worker": [*BANK_READERS, "remitflow.domain.resolutions", "remitflow.domain.matching"],
    "reconciliation_sweeper": [
        *BANK_READERS,
        "remitflow.x12.models",
        "remitflow.x12.parser",
        "remitflow.domain.resolutions",
    ],
}


def loaded_at_init(function: str) -> dict[str, list[str]]:
    env = {**os.environ, **ENVIRONMENT, "PYTHONPATH": str(ROOT / "layers" / "remitflow")}
    app = ROOT / "functions" / function / "app.py"
    out = subprocess.run(
        [sys.executable, "-c", LOADED, str(app)], env=env, cwd=app.parent, capture_output=True, text=True, check=True
    )
    found: dict[str, list[str]] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def test_every_handler_is_listed() -> None:
    assert sorted(NOT_AT_INIT) == sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))


@pytest.mark.parametrize("function", sorted(NOT_AT_INIT))
def test_init_leaves_unloaded_what_only_some_requests_need(function: str) -> None:
    found = loaded_at_init(function)
    loaded = set(found["loaded"])
    assert "remitflow.runtime" in loaded  # the handler did import: the check below means something
    assert sorted(loaded & set(NOT_AT_INIT[function])) == []
    assert found["unbuildable"] == []
