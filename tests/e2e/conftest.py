"""`remitflow local up` as a subprocess, and Debian's Chromium driven by Playwright.

The browser is the system's /usr/bin/chromium (apt: chromium), never one Playwright downloads;
`.ci/run` installs it. Without it the browser tests fail, and say how to get it.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEV_IDENTITY = "e2e-biller@example.test"
STARTUP_SECONDS = 180
# The CLI as this interpreter runs it: the same venv, whatever is on PATH.
REMITFLOW = [sys.executable, "-c", "import sys; from remitflow_cli import main; sys.exit(main())"]
LOCAL_ENV = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class LocalUp:
    page_url: str
    endpoint: str
    log: Path

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `remitflow ARGS --endpoint-url <the local stack>`; fails the test on a non-zero exit."""
        env = {k: v for k, v in os.environ.items() if k not in {"AWS_PROFILE", "AWS_SESSION_TOKEN"}} | LOCAL_ENV
        done = subprocess.run(
            [*REMITFLOW, *args, "--endpoint-url", self.endpoint],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"remitflow {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}"
        return done

    def cli_json(self, *args: str) -> Any:
        return json.loads(self.cli(*args, "--json").stdout)


@contextmanager
def running_local_up(work: Path, *, with_samples: bool, parameters: Sequence[str] = ()) -> Iterator[LocalUp]:
    """`remitflow local up` on free ports as a subprocess, stopped (SIGINT) when the block ends;
    `parameters` (NAME=VALUE) override the template's."""
    port, api_port = free_port(), free_port()
    log = work / "local-up.stderr"
    env = os.environ | LOCAL_ENV | {"PYTHONUNBUFFERED": "1"}
    env.pop("AWS_ENDPOINT_URL", None)
    samples = ["--with-samples"] if with_samples else []
    samples += [f"--parameter={p}" for p in parameters]
    with log.open("wb") as errors:
        process = subprocess.Popen(
            [
                *REMITFLOW,
                *("local", "up", *samples, "--port", str(port), "--api-port", str(api_port)),
                *("--dev-identity", DEV_IDENTITY, "--env-file", str(work / "local-env.json")),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    lines: queue.Queue[str] = queue.Queue()

    def drain() -> None:  # keeps reading: the functions log to stdout, and a full pipe would stall them
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=drain, daemon=True).start()
    try:
        page_url = _wait_for_page(process, lines, log)
        yield LocalUp(page_url=page_url, endpoint=f"http://127.0.0.1:{port}", log=log)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def local_up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalUp]:
    """`remitflow local up --with-samples`, until the session ends."""
    with running_local_up(tmp_path_factory.mktemp("local-up"), with_samples=True) as running:
        yield running


def _wait_for_page(process: subprocess.Popen[str], lines: queue.Queue[str], log: Path) -> str:
    deadline = time.monotonic() + STARTUP_SECONDS
    seen: list[str] = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        seen.append(line)
        if match := re.search(r"billers' page: (http://\S+)", line):
            assert any(f"every request acts as {DEV_IDENTITY}" in s for s in seen), "local up must name its identity"
            return match.group(1)
    process.kill()
    stderr = log.read_text(errors="replace")[-3000:]
    pytest.fail(
        f"`remitflow local up` did not print the billers' page address (exit code {process.poll()}).\n"
        f"stdout:\n{''.join(seen)[-3000:]}\nstderr:\n{stderr}"
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. Install it with\n"
            "  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver\n"
            "(.ci/run does this by itself). Playwright's own browser downloads are not used."
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the Python package playwright is missing: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context per test; JavaScript errors on the page fail the test."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
