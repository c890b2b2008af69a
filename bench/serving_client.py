"""A small HTTP client for the serving benchmark: one signed-in session per client thread."""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.parse
from http.cookies import SimpleCookie
from typing import Any


class Session:
    def __init__(self, port: int, site: str, page: str) -> None:
        self.site, self.page = site, page
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        # A new connection per request, as many browsers behind a proxy would be: keep-alive connections
        # would stay with the worker process that happened to accept them, leaving the other one idle.
        sent = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Connection": "close",
            **(headers or {}),
        }
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed an idle keep-alive connection: open a new one and send again.
            self.connection.close()
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, data

    def sign_in(self, username: str, password: str) -> None:
        status, page = self.request("GET", "/signin/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise RuntimeError(f"sign-in page: HTTP {status}")
        form = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1).decode()}
        )
        status, _ = self.request(
            "POST", "/signin/", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"sign-in as {username} failed: HTTP {status}")

    def read_page(self) -> None:
        status, _ = self.request("GET", self.page)
        if status != 200:
            raise RuntimeError(f"GET {self.page}: HTTP {status}")

    def register(self, n: int) -> None:
        payload: dict[str, Any] = {
            "site": self.site,
            "full_name": f"Bench Participant {n}",
            "sex": "female",
            "year_of_birth": 1990,
        }
        headers = {"Content-Type": "application/json", "X-CSRFToken": self.cookies.get("csrftoken", "")}
        status, body = self.request(
            "POST", "/api/participants/register", json.dumps(payload).encode(), headers
        )
        if status != 200:
            raise RuntimeError(f"register: HTTP {status} {body[:200]!r}")

    def close(self) -> None:
        self.connection.close()


def wait_until_serving(port: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/signin/")
            if connection.getresponse().status == 200:
                return
            time.sleep(0.3)  # e.g. a proxy whose servers are not up yet (502)
        except OSError:
            time.sleep(0.3)
        finally:
            # Closed on every path: a refused or timed-out attempt must not leave a socket behind
            # (the test suite turns ResourceWarning into an error).
            connection.close()
    raise RuntimeError(f"the server on port {port} did not answer within {timeout:.0f} s")
