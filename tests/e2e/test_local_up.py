"""`remitflow local up` started as a biller would from any folder: it says "ready" only when the page's
port takes connections and an upload made at that moment is processed; it keeps its files in its
state dir, not in the checkout; moto's request log stays out of the terminal unless --verbose; and
`upload` exits non-zero when the file could not be read as the kind given."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from tests.e2e.conftest import LOCAL_ENV, REMITFLOW, ROOT, STARTUP_SECONDS, free_port

pytestmark = pytest.mark.e2e
ACME = ROOT / "samples" / "remittances" / "acme-ach-2025-01-16.835"


def test_ready_means_ready_from_any_folder_and_quietly(tmp_path: Path) -> None:
    port, api_port = free_port(), free_port()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = os.environ | LOCAL_ENV | {"PYTHONUNBUFFERED": "1", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("AWS_ENDPOINT_URL", None)
    checkout_env_file = ROOT / "infra" / "local-env.json"
    before = checkout_env_file.stat().st_mtime if checkout_env_file.exists() else None
    errors = (tmp_path / "stderr").open("w+")
    process = subprocess.Popen(
        [*REMITFLOW, "local", "up", "--port", str(port), "--api-port", str(api_port)],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
    )
    try:
        seen = []
        deadline = time.monotonic() + STARTUP_SECONDS
        assert process.stdout is not None
        for line in process.stdout:
            seen.append(line)
            if line.startswith("remitflow local up: ready") or time.monotonic() > deadline:
                break
        assert seen and "remitflow local up: ready" in seen[-1], "".join(seen) + errors.read()
        # At "ready" the page's port is bound, and an upload made now is processed.
        with socket.create_connection(("127.0.0.1", api_port), timeout=2):
            pass

        def upload(path: Path) -> subprocess.CompletedProcess[str]:
            command = [*REMITFLOW, "upload", str(path), "--kind", "remittance", "--wait", "90"]
            command += ["--endpoint-url", f"http://127.0.0.1:{port}"]
            return subprocess.run(
                command, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120, check=False
            )

        done = upload(ACME)
        assert done.returncode == 0, done.stderr
        assert "remittances/acme-ach-2025-01-16.835: processed" in done.stdout
        junk = elsewhere / "scan.835"
        junk.write_text("not an 835\n")
        done = upload(junk)
        assert done.returncode == 2
        assert "scan.835 could not be read as --kind remittance: segment 1: expected an ISA" in done.stderr

        state = tmp_path / "cache" / "remitflow" / "local" / "local-env.json"
        assert state.is_file() and f"env vars for sam local invoke: {state}" in "".join(seen)
        assert not (elsewhere / "infra").exists()
        after = checkout_env_file.stat().st_mtime if checkout_env_file.exists() else None
        assert after == before
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    errors.seek(0)
    log = errors.read()
    assert process.returncode == 0, log
    assert "HTTP/1.1" not in log and "No Moto CloudFormation support" not in log, log[-2000:]
    assert "Traceback" not in log


def test_outside_a_checkout_a_missing_template_is_named_not_a_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [*REMITFLOW, "local", "up", "--template", str(tmp_path / "template.yaml"), "--port", str(free_port())],
        cwd=tmp_path,
        env=os.environ | LOCAL_ENV,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert f"--template '{tmp_path / 'template.yaml'}': no such file; expected remitflow's template.yaml" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_state_dir_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    done = subprocess.run(
        [*REMITFLOW, "local", "up", "--state-dir", str(blocker / "state"), "--port", str(free_port())],
        cwd=tmp_path,
        env=os.environ | LOCAL_ENV,
        capture_output=True,
        text=True,
        timeout=STARTUP_SECONDS,
        check=False,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert (
        f"remitflow local up: --state-dir: cannot write {blocker / 'state' / 'local-env.json'} (Not a directory)"
        in (done.stderr)
    )
    assert "Traceback" not in done.stderr


def test_a_port_in_use_is_named_at_once(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [*REMITFLOW, "local", "up", "--port", str(free_port()), "--api-port", str(port)],
            cwd=tmp_path,
            env=os.environ | LOCAL_ENV,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert f"remitflow local up: --api-port {port}: cannot listen on 127.0.0.1:{port}" in done.stderr
