"""Each function's init time over its libraries' own: `python -m bench.cold_start [--runs N]`.

Every run is a fresh interpreter (a Lambda cold start imports everything once): it imports the
libraries a handler rests on (boto3, pydantic, pydantic-settings, the X-Ray SDK and the Powertools
modules that handler names), then loads the handler's app.py. The figure per function is the median
over the runs of the second step: what our code adds to a cold start. Tracing is off (no X-Ray daemon
here); settings come from placeholder names, as the template would set them.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))
LIBRARIES = ["boto3", "botocore.config", "pydantic", "pydantic_settings", "aws_xray_sdk.core"]
PLACEHOLDER_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "remitflow",
    "INBOX_BUCKET_NAME": "bench-inbox",
    "CLAIMS_TABLE_NAME": "bench-claims",
    "REMITTANCES_TABLE_NAME": "bench-remittances",
    "FOLLOWUPS_TABLE_NAME": "bench-followups",
    "FOLLOWUP_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/bench-followups",
    "POSTING_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/bench-posting",
}

# Run in the fresh interpreter: time the libraries, then the handler, and print both in seconds.
PROBE = """
import importlib, importlib.util, json, sys, time
libraries, app = json.loads(sys.argv[1]), sys.argv[2]
start = time.perf_counter()
for name in libraries:
    importlib.import_module(name)
loaded = time.perf_counter()
spec = importlib.util.spec_from_file_location("app", app)
module = importlib.util.module_from_spec(spec)
sys.modules["app"] = module
spec.loader.exec_module(module)
done = time.perf_counter()
print(json.dumps({"libraries": loaded - start, "init": done - loaded}))
"""


def powertools_modules(app: Path) -> list[str]:
    """The Powertools modules a handler imports: they count as the library's, not ours."""
    tree = ast.parse(app.read_text(encoding="utf-8"))
    return sorted(
        {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("aws_lambda_powertools")
        }
    )


def measure(function: str, runs: int) -> dict[str, float]:
    app = ROOT / "functions" / function / "app.py"
    libraries = LIBRARIES + powertools_modules(app)
    env = {**os.environ, **PLACEHOLDER_ENV, "PYTHONDONTWRITEBYTECODE": "1"}
    # The package as the layer ships it (build/compiled, when `make compiled` has run), else the source.
    compiled = ROOT / "build" / "compiled"
    env["PYTHONPATH"] = str(compiled if compiled.is_dir() else ROOT / "layers" / "remitflow")
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", PROBE, json.dumps(libraries), str(app)],
            env=env,
            cwd=app.parent,
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {
        "libraries_ms": 1000 * statistics.median(r["libraries"] for r in results),
        "init_ms": 1000 * statistics.median(r["init"] for r in results),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per function (default 7)")
    parser.add_argument("--budget-ms", type=float, default=100.0, help="what our init may add (default 100)")
    args = parser.parse_args(argv)
    print(f"cold start: init of each app.py over its libraries' own, median of {args.runs} fresh processes")
    print(f"{'function':<24}{'libraries ms':>14}{'init ms':>10}  budget {args.budget_ms:.0f} ms")
    over = []
    for function in FUNCTIONS:
        figures = measure(function, args.runs)
        verdict = "ok" if figures["init_ms"] < args.budget_ms else "OVER"
        if verdict == "OVER":
            over.append(function)
        print(f"{function:<24}{figures['libraries_ms']:>14.1f}{figures['init_ms']:>10.1f}  {verdict}")
    if over:
        print(f"over budget: {', '.join(over)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
