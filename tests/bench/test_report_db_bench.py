"""The report-on-a-database benchmark: options and the figures table (the run itself simulates a trial through
the services, minutes long, so it is not repeated here; tests/services/simulation covers the simulation)."""

from __future__ import annotations

from bench import report_db


def test_options_and_table() -> None:
    args = report_db.parse_arguments(["--participants", "4", "--database", "postgresql", "--other", "x"])
    assert (args.participants, args.database, args.seed) == (4, "postgresql", 13)
    table = report_db.report(
        {"database": "sqlite", "participants": 4, "randomized": 2, "simulate_seconds": 12.0, "peak_mb": 30.0,
         "seconds": {"reading": 1.0, "computing": 2.0, "rendering": 1.0}}
    )  # fmt: skip
    assert "reading s" in table and "1.0 (25%)" in table and "2.0 (50%)" in table
