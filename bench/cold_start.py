"""Each function's init time over its libraries' own: `python -m bench.cold_start [--runs N]`.

Every run is a fresh interpreter (a Lambda cold start imports everything once): it imports the
libraries a handler rests on (boto3, pydantic, pydantic-settings, the X-Ray SDK and the Powertools
modules that handler names), then loads the handler's app.py. The figure per function is the median
over the runs of the second step: what our code adds to a cold start; the spread (fastest and slowest
run) says how much the machine's load moved it, and the CPU time of the same step (the process's
own, whatever else runs) how much of it is ours. The functions take turns run by run, so a busy
moment slows them all alike rather than one. Tracing is off (no X-Ray daemon here); settings come
from placeholder names, as the template would set them.
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
loaded, loaded_cpu = time.perf_counter(), time.process_time()
spec = importlib.util.spec_from_file_location("app", app)
module = importlib.util.module_from_spec(spec)
sys.modules["app"] = module
spec.loader.exec_module(module)
done, done_cpu = time.perf_counter(), time.process_time()
print(json.dumps({"libraries": loaded - start, "init": done - loaded, "init_cpu": done_cpu - loaded_cpu}))
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


def probe(function: str) -> dict[str, float]:
    """One fresh interpreter: the libraries' import time and then the handler's, in seconds."""
    app = ROOT / "functions" / function / "app.py"
    libraries = LIBRARIES + powertools_modules(app)
    env = {**os.environ, **PLACEHOLDER_ENV, "PYTHONDONTWRITEBYTECODE": "1"}
    # The package as the layer ships it (build/compiled, when `make compiled` has run), else the source.
    compiled = ROOT / "build" / "compiled"
    env["PYTHONPATH"] = str(compiled if compiled.is_dir() else ROOT / "layers" / "remitflow")
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(libraries), str(app)],
        env=env,
        cwd=app.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def measure(functions: list[str], runs: int) -> dict[str, dict[str, float]]:
    """Each function's median, fastest and slowest figures (ms) over `runs` rounds of all functions."""
    results: dict[str, list[dict[str, float]]] = {function: [] for function in functions}
    for _ in range(runs):
        for function in functions:
            results[function].append(probe(function))
    figures = {}
    for function, runs_of in results.items():
        init = [1000 * r["init"] for r in runs_of]
        figures[function] = {
            "libraries_ms": 1000 * statistics.median(r["libraries"] for r in runs_of),
            "init_ms": statistics.median(init),
            "init_min_ms": min(init),
            "init_max_ms": max(init),
            "init_cpu_ms": 1000 * statistics.median(r["init_cpu"] for r in runs_of),
        }
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="fresh interpreters per function (default 9)")
    parser.add_argument("--budget-ms", type=float, default=100.0, help="what our init may add (default 100)")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cold start: init of each app.py over its libraries' own, median of {args.runs} fresh processes")
    print(f"(load average {load:.1f} on {os.cpu_count()} cores; the functions take turns)")
    print(
        f"{'function':<24}{'libraries ms':>14}{'init ms':>10}{'spread ms':>14}{'init cpu ms':>13}"
        f"  budget {args.budget_ms:.0f} ms"
    )
    over = []
    for function, figures in measure(FUNCTIONS, args.runs).items():
        verdict = "ok" if figures["init_ms"] < args.budget_ms else "OVER"
        if verdict == "OVER":
            over.append(function)
        spread = f"{figures['init_min_ms']:.0f}-{figures['init_max_ms']:.0f}"
        print(
            f"{function:<24}{figures['libraries_ms']:>14.1f}{figures['init_ms']:>10.1f}{spread:>14}"
            f"{figures['init_cpu_ms']:>13.1f}  {verdict}"
        )
    if over:
        print(f"over budget: {', '.join(over)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
