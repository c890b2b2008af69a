"""Serving: the web server (waitress in one process, or gunicorn with N worker processes) + the job worker.

The job worker is a child process (`trialdesk worker`) started beside the web server and stopped with it, so
`trialdesk serve` stays one command. The audit signing key is created (0600) before either starts.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

WORKER_STOP_SECONDS = 10


def start_job_worker(data_dir: str | None) -> subprocess.Popen[bytes]:
    argv = ["worker"] + (["--data-dir", data_dir] if data_dir else [])
    code = f"import sys; from trialdesk.cli import main; sys.exit(main({argv!r}))"
    return subprocess.Popen([sys.executable, "-c", code])


def stop_job_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def serve(
    host: str,
    port: int,
    *,
    workers: int | None,
    data_dir: str | None,
    threads: int = 8,
    job_worker: bool = True,
) -> int:
    from django.db import connections

    from trialdesk.records.audit.keys import ensure_signing_key

    print(f"audit signing key: {ensure_signing_key()} (keep a copy outside this machine)", flush=True)
    connections.close_all()  # never share the parent's database connections with forked children
    # Without a job worker of its own (`--no-job-worker`), jobs wait for a `trialdesk worker` started apart.
    child = start_job_worker(data_dir) if job_worker else None
    # A service manager stops us with SIGTERM: leave through `finally`, which stops the job worker too.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        print(f"trialdesk is running at http://{host}:{port}/  (Ctrl+C stops it)", flush=True)
        if workers is None:
            from waitress import serve as waitress_serve

            from trialdesk.web.wsgi import application

            waitress_serve(application, host=host, port=port, threads=threads, _quiet=True)
        else:
            run_gunicorn(host, port, workers=workers, threads=threads)
    finally:
        if child is not None:
            stop_job_worker(child)
    return 0


def _exit_on_signal(signum: int, frame: object) -> None:
    sys.exit(0)


def run_gunicorn(host: str, port: int, *, workers: int, threads: int) -> None:
    """gunicorn with `workers` processes of `threads` threads each (gthread), the app loaded in each worker."""
    from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

    class _App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "accesslog": None,
                "loglevel": "warning",
                "graceful_timeout": 10,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from trialdesk.web.wsgi import application

            return application

    _App().run()
