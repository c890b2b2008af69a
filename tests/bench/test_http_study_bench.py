"""The HTTP benchmark builds a small grown study, starts `trialdesk serve`, saves lab panels and reads the main
pages with 1 and 2 clients, and reports every figure and goal with no error (no timing is asserted)."""

from __future__ import annotations

import os

from bench.http_study import PAGES, SAVE, report, run


def test_http_benchmark_saves_and_reads_every_main_page_without_error() -> None:
    database = "postgresql" if os.environ.get("TRIALDESK_DATABASE_URL") else "sqlite"
    result = run(
        database, participants=30, template=4, sites=2, clients=[1, 2], requests=4, saves=4, workers=2
    )
    assert result["participants"] >= 20
    operations = [(row["operation"], row["clients"]) for row in result["rows"]]
    assert operations == [(name, n) for n in (1, 2) for name in (SAVE, *PAGES)]
    for row in result["rows"]:
        assert row["errors"] == 0, row["first_error"]
        assert row["requests"] == 4 and row["per_second"] > 0
        assert 0 < row["p50_ms"] <= row["p95_ms"]
    assert [goal["goal"] for goal in result["goals"]] == ["zero errors"]
    assert result["goals"][0]["met"]
    table = report(result)
    assert "lab-panel save" in table and "status grid" in table and "zero errors" in table
