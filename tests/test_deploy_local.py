"""scripts/deploy-local.sh: two app servers, one job worker and a proxy on one database; a save through one app
server is seen through the other and through the proxy, and the separate job worker seals the audit log."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import throwaway_database
from bench.serving import PASSWORD
from bench.serving_client import Session, wait_until_serving

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _participants(port: int, cookies: dict[str, str], site: str) -> list[str]:
    session = Session(port, site, "")
    session.cookies = dict(cookies)
    status, body = session.request("GET", f"/api/participants?site={site}")
    session.close()
    assert status == 200, body[:200]
    return [row["study_code"] for row in json.loads(body)]


def _signed_tree_head(env: dict[str, str]) -> bool:
    """True once a signed tree head exists: only the separate job worker seals here."""
    deadline = time.monotonic() + 30
    command = [sys.executable, "-m", "trialdesk.cli", "audit", "checkpoint"]
    while time.monotonic() < deadline:
        if subprocess.run(command, env=env, cwd=ROOT, capture_output=True).returncode == 0:
            return True
        time.sleep(1)
    return False


def test_a_save_through_one_app_server_is_seen_through_the_other_and_the_proxy() -> None:
    kind = "postgresql" if os.environ.get("TRIALDESK_DATABASE_URL") else "sqlite"
    proxy, first, second = _free_port(), _free_port(), _free_port()
    with throwaway_database(kind) as database:
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"} | database
        env |= {"TRIALDESK_TASKS_BACKEND": "database", "PYTHON": sys.executable}
        env |= {"PROXY_PORT": str(proxy), "APP_PORTS": f"{first} {second}"}
        # The database as a deployment finds it: migrated, the study, one site (B0) with an investigator.
        prepare = [sys.executable, "-m", "bench.serving", "--prepare", "--clients", "1"]
        subprocess.run(prepare, env=env, cwd=ROOT, check=True)
        username, site, _ = json.loads((Path(env["TRIALDESK_DATA_DIR"]) / "bench-setup.json").read_text())[
            "users"
        ][0]
        script = subprocess.Popen(
            ["bash", "scripts/deploy-local.sh"], env=env, cwd=ROOT, start_new_session=True
        )
        try:
            for port in (first, second, proxy):  # the proxy answers 502 until a server is up
                wait_until_serving(port, timeout=90)
            signed_in = Session(proxy, site, "")
            signed_in.sign_in(username, PASSWORD)  # the session lives in the database: every server reads it
            saving = Session(first, site, "")
            saving.cookies = dict(signed_in.cookies)
            payload = {"site": site, "full_name": "Seen Everywhere", "sex": "female", "year_of_birth": 1990}
            headers = {"Content-Type": "application/json", "X-CSRFToken": saving.cookies["csrftoken"]}
            status, body = saving.request(
                "POST", "/api/participants/register", json.dumps(payload).encode(), headers
            )
            saving.close()
            signed_in.close()
            assert status == 200, body[:300]
            code = json.loads(body)["study_code"]
            assert code in _participants(second, signed_in.cookies, site)
            for _ in range(2):  # round robin: both app servers answer through the proxy
                assert code in _participants(proxy, signed_in.cookies, site)
            assert _signed_tree_head(env)
        finally:
            script.send_signal(signal.SIGTERM)
            try:
                script.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(script.pid, signal.SIGKILL)
                script.wait()
        assert script.returncode == 0
