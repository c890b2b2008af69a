"""A small round-robin HTTP reverse proxy (standard library only), for scripts/deploy-local.sh.

    python scripts/round_robin_proxy.py --port 8000 --backend 127.0.0.1:8001 --backend 127.0.0.1:8002

Each request goes to the next backend in turn (a backend that refuses the connection is skipped, 502 when
all do). It passes the Host header through and adds X-Forwarded-For / X-Forwarded-Proto. It buffers each
request and response body whole, which is fine for trying the layout on one machine; in production use
nginx, Caddy or HAProxy in front (docs/deployment.md has an nginx block), which also terminate TLS.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
}


class Backends:
    def __init__(self, addresses: list[tuple[str, int]]) -> None:
        self.addresses = addresses
        self._turn = itertools.cycle(range(len(addresses)))
        self._lock = threading.Lock()

    def in_turn(self) -> list[tuple[str, int]]:
        """All backends, starting with the one whose turn it is."""
        with self._lock:
            first = next(self._turn)
        return self.addresses[first:] + self.addresses[:first]


def make_handler(backends: Backends) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["X-Forwarded-For"] = self.client_address[0]
            headers["X-Forwarded-Proto"] = "http"
            headers["Connection"] = "close"
            for host, port in backends.in_turn():
                upstream = http.client.HTTPConnection(host, port, timeout=60)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    response = upstream.getresponse()
                    data = response.read()
                except ConnectionRefusedError:
                    continue  # that backend is down: the next one answers
                finally:
                    upstream.close()
                self.send_response(response.status, response.reason)
                for name, value in response.getheaders():
                    if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-Backend", f"{host}:{port}")
                self.end_headers()
                self.wfile.write(data)
                return
            self.send_error(502, "no backend answered")

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002  (the base class's name)
            pass

    return Handler


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--backend", action="append", type=_address, required=True, help="HOST:PORT, repeated"
    )
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(Backends(args.backend)))
    server.daemon_threads = True
    backends = ", ".join(f"{h}:{p}" for h, p in args.backend)
    print(f"proxy on http://{args.host}:{args.port}/ -> {backends} (round robin)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
