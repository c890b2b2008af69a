"""`trialdesk serve` starts the background-job worker beside the web server and stops it with the server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from bench.serving_client import wait_until_serving


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        status = (Path("/proc") / str(pid) / "status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads child processes from /proc")
@pytest.mark.parametrize("workers", [[], ["--workers", "2"]], ids=["waitress", "gunicorn-2"])
def test_serve_runs_a_job_worker_child_and_stops_it(tmp_path: Path, workers: list[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_VERSION", "TRIALDESK_DATABASE_URL")}
    env |= {"TRIALDESK_ADMIN_USERNAME": "admin", "TRIALDESK_ADMIN_PASSWORD": "correct-horse-battery"}
    command = [
        sys.executable,
        "-m",
        "trialdesk.cli",
        "serve",
        "--data-dir",
        str(tmp_path),
        "--port",
        str(port),
    ]
    server = subprocess.Popen([*command, *workers], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_until_serving(port)
        children = _children(server.pid)
        assert len(children) == 1 + (2 if workers else 0)  # the job worker (+ gunicorn's workers)
        key = tmp_path / "audit-signing-key.pem"
        assert key.exists() and key.stat().st_mode & 0o777 == 0o600
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0].decode()
    assert all(not _alive(child) for child in children), output
    assert "audit signing key: " in output and str(key) in output
