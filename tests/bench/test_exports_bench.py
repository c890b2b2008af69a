"""The export benchmark works at a tiny size (structure, floor, ratios); no timing is asserted."""

from __future__ import annotations

import pytest
from bench.exports import main, report
from bench.exports_core import floor_rows, run_benchmark

from trialdesk.records.casebook.models import ItemValue

pytestmark = pytest.mark.django_db(transaction=True)


def test_tiny_benchmark_measures_each_export_against_the_floor() -> None:
    result = run_benchmark(participants=2, visits=2, items=10)
    assert result["values"] == ItemValue.objects.count() == 40
    assert len(list(floor_rows())) == 40
    names = [m["name"] for m in result["measurements"]]
    assert names[0].startswith("floor") and {"CSV long", "ODM 1.3.2", "ODM 2.0", "SDTM LB (XPT)"} <= set(
        names
    )
    for measurement in result["measurements"][1:]:
        assert measurement["seconds"] > 0 and measurement["megabytes_written"] > 0
        assert measurement["ratio_to_floor"] == pytest.approx(
            measurement["seconds"] / result["measurements"][0]["seconds"]
        )
    assert "vs floor" in report(result)


def test_on_sqlite_the_benchmark_is_skipped_with_a_message(capsys) -> None:
    assert main(["--database", "sqlite"]) == 0
    assert "skipped" in capsys.readouterr().out
