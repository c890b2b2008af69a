"""`python -m bench`: every benchmark, one after the other, with their default options.

Arguments are passed on to each benchmark (e.g. `python -m bench --database sqlite --json`).
"""

from __future__ import annotations

import sys

from bench import audit_append, randomization, serving

BENCHMARKS = {
    "randomization": randomization.main,
    "audit_append": audit_append.main,
    "serving": serving.main,
}


def main(argv: list[str] | None = None) -> int:
    status = 0
    for name, run in BENCHMARKS.items():
        print(f"== benchmark: {name}", file=sys.stderr, flush=True)
        status = max(status, run(argv))
    return status


if __name__ == "__main__":
    sys.exit(main())
