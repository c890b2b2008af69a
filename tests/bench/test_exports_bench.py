"""The export benchmark works at a tiny size (build, structure, floor, ratios); no timing is asserted."""

from __future__ import annotations

import pytest
from bench.exports import main, report
from bench.exports_build import _items
from bench.exports_core import MEASURED, floor_rows, run_benchmark

from trialdesk.records.casebook.models import FormRecord, ItemValue
from trialdesk.records.models import Participant

pytestmark = pytest.mark.django_db(transaction=True)


def _shape(value: ItemValue) -> tuple[object, ...]:
    return (value.path, value.item_id, value.raw, value.value, value.unit, value.standard_value,
            value.canonical_unit, value.flag, value.calculated, value.confirmation_reason)  # fmt: skip


def test_build_copies_the_first_participants_forms_and_values_to_every_participant() -> None:
    result = run_benchmark(participants=3, visits=2, items=12)
    assert result["values"] == ItemValue.objects.count() == 3 * 2 * 12
    assert FormRecord.objects.count() == 3 * 2 * len({form for form, _ in _items_of_study(12)})
    first, *others = Participant.objects.order_by("pk")
    template = [_shape(v) for v in ItemValue.objects.filter(form_record__participant=first).order_by("pk")]
    assert {type(v.raw) for v in ItemValue.objects.all()} >= {dict, str}  # lab values keep their JSON shape
    for person in others:
        values = ItemValue.objects.filter(form_record__participant=person).order_by("pk")
        assert [_shape(v) for v in values] == template
        keys = [(v.form_record.occurrence, v.form_record.form_id, v.path) for v in values]
        assert keys == sorted(keys, key=lambda k: (k[0], k[1]))  # ids follow occurrence, form, item


def _items_of_study(items: int) -> list[tuple[str, object]]:
    from trialdesk.records.models import Study
    from trialdesk.services.versions import Purpose, governing_protocol

    return _items(governing_protocol(study=Study.objects.get(), purpose=Purpose.DISPLAY), items)


def test_tiny_benchmark_measures_each_export_against_the_floor() -> None:
    result = run_benchmark(participants=2, visits=2, items=10, traced=True)
    assert result["values"] == ItemValue.objects.count() == 40
    assert len(list(floor_rows())) == 40
    names = [m["name"] for m in result["measurements"]]
    assert names == list(MEASURED) and names[0].startswith("floor") and "ODM 2.0" in names
    floor = min(m["seconds"] for m in result["measurements"] if m["name"].startswith("floor"))
    for measurement in result["measurements"]:
        assert measurement["seconds"] > 0 and measurement["megabytes_written"] > 0
        assert measurement["rss_high_water_mb"] >= measurement["rss_before_mb"] > 0
        assert measurement["tracemalloc_peak_mb"] > 0 and measurement["cpu_seconds"] > 0
        assert measurement["ratio_to_floor"] == pytest.approx(measurement["seconds"] / floor)
    assert "vs floor" in report(result) and "tracemalloc" in report(result)


def test_on_sqlite_the_benchmark_is_skipped_with_a_message(capsys) -> None:
    assert main(["--database", "sqlite"]) == 0
    assert "skipped" in capsys.readouterr().out
