"""`make bench` for the 835 reader: MB/s, claims/s and peak memory of `remitflow parse` on a 50 MB
balanced 835, next to a bare read-and-split of the same file measured in the same run.

The reader is measured twice: as plain Python, and with its modules compiled by mypyc (`make
compiled`, what the Lambda layer ships). Each measurement runs in its own process so peak RSS
belongs to that measurement alone.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from tests.support.synth835 import write_835

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
COMPILED = ROOT / "build" / "compiled"
FILE = OUT / "bench-50mb.835"
TARGET_BYTES = 50 * 1024 * 1024
CHUNK = 1 << 20


def bare_split(path: Path) -> dict[str, float]:
    """The floor: read in 1 MB chunks, split segments on '~' and elements on '*', nothing else."""
    started = time.perf_counter()
    segments = 0
    rest = ""
    with path.open(encoding="utf-8") as stream:
        while chunk := stream.read(CHUNK):
            parts = (rest + chunk).split("~")
            rest = parts.pop()
            for part in parts:
                part.split("*")
            segments += len(parts)
    return {"seconds": time.perf_counter() - started, "segments": segments}


def remitflow_parse(path: Path) -> dict[str, float]:
    """What `remitflow parse` does, without printing: stream every event of the file."""
    from remitflow.x12 import RemittanceParser
    from remitflow.x12.models import ClaimPayment

    started = time.perf_counter()
    claims = 0
    with path.open("rb") as stream:
        parser = RemittanceParser(stream)
        for event in parser:
            if isinstance(event, ClaimPayment):
                claims += 1
    return {"seconds": time.perf_counter() - started, "claims": claims, "problems": len(parser.problems)}


def _child(kind: str) -> None:
    if kind == "bare":
        result = bare_split(FILE)
    else:
        import remitflow.x12.parser

        compiled = not (remitflow.x12.parser.__file__ or "").endswith(".py")
        if compiled != (kind == "compiled"):
            raise SystemExit(f"expected the {kind} reader, imported {remitflow.x12.parser.__file__}")
        result = remitflow_parse(FILE)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _measure(kind: str) -> dict[str, float]:
    env = dict(os.environ)
    if kind == "compiled":
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(COMPILED), env.get("PYTHONPATH")]))
    output = subprocess.run(
        [sys.executable, "-m", "bench.parse", "--child", kind], check=True, capture_output=True, text=True, env=env
    ).stdout
    result: dict[str, float] = json.loads(output)
    return result


def main() -> None:
    OUT.mkdir(exist_ok=True)
    if not FILE.exists() or FILE.stat().st_size < TARGET_BYTES:
        print(f"writing a balanced 835 of {TARGET_BYTES // (1024 * 1024)} MB to {FILE} ...", flush=True)
        write_835(FILE, TARGET_BYTES, seed=1)
    size_mb = FILE.stat().st_size / (1024 * 1024)
    bare = _measure("bare")
    bare_rate = size_mb / bare["seconds"]
    print(f"file: {size_mb:.1f} MB, {int(bare['segments']):,} segments")
    print(
        f"{'bare read-and-split':<27}: {bare_rate:7.1f} MB/s  {bare['seconds']:6.2f} s  "
        f"peak RSS {bare['peak_rss_mb']:.0f} MB"
    )
    kinds = [("python", "remitflow parse"), ("compiled", "remitflow parse, compiled")]
    if not (COMPILED / "remitflow").is_dir():
        print(f"(no compiled reader in {COMPILED}: `make compiled` builds it)")
        kinds = kinds[:1]
    for kind, label in kinds:
        parsed = _measure(kind)
        rate = size_mb / parsed["seconds"]
        print(
            f"{label:<27}: {rate:7.1f} MB/s  {parsed['seconds']:6.2f} s  peak RSS {parsed['peak_rss_mb']:.0f} MB  "
            f"{parsed['claims'] / parsed['seconds']:,.0f} claims/s  ({rate / bare_rate:.2f} of bare; "
            f"{int(parsed['claims']):,} claims, {int(parsed['problems'])} problems)"
        )
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _child(sys.argv[2])
    else:
        main()
