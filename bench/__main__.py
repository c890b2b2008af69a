"""`python -m bench [NAME ...] [options]`: the benchmarks named (default: every one), one after the other.

Options are passed on to each benchmark (e.g. `python -m bench --database sqlite --json`); a benchmark
ignores the options that belong to another one. `python -m bench randomization_simulation --trials 1000`
runs just that one.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from bench import (
    analysis,
    audit_append,
    exports,
    http_study,
    randomization,
    randomization_simulation,
    report_db,
    serving,
)

BENCHMARKS: dict[str, Callable[[list[str]], int]] = {
    "randomization": randomization.main,
    "randomization_simulation": randomization_simulation.main_within_all,
    "analysis": analysis.main,
    "audit_append": audit_append.main,
    "serving": serving.main,
    "exports": exports.main,
    "report_db": report_db.main,
    "http_study": http_study.main,
}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    chosen = [name for name in args if name in BENCHMARKS] or list(BENCHMARKS)
    options = [arg for arg in args if arg not in BENCHMARKS]
    status = 0
    for name in chosen:
        print(f"== benchmark: {name}", file=sys.stderr, flush=True)
        status = max(status, BENCHMARKS[name](options))
    return status


if __name__ == "__main__":
    sys.exit(main())
