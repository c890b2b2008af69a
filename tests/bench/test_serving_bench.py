"""The serving benchmark starts `trialdesk serve --workers N` for N = 1 and 2, reads, writes, and stops it."""

from __future__ import annotations

import os

from bench.serving import report, run


def test_serving_benchmark_runs_both_worker_counts_and_stops_the_servers() -> None:
    database = "postgresql" if os.environ.get("TRIALDESK_DATABASE_URL") else "sqlite"
    result = run(database, [1, 2], clients=2, reads=4, writes=4)
    assert [m["workers"] for m in result["measurements"]] == [1, 2]
    for measurement in result["measurements"]:
        assert measurement["reads_per_second"] > 0 and measurement["writes_per_second"] > 0
        assert 0 < measurement["reads_p50_ms"] <= measurement["reads_p95_ms"]
    assert result["measurements"][0]["reads_ratio"] == 1.0
    assert "page reads/s" in report(result)
