"""The export benchmark's work, inside a Django process: a bulk-written synthetic study, then each export
timed and its memory measured against the floor (a bare server-side-cursor SELECT of the same rows).

Memory: each measurement runs twice, once timed (no tracing) and once under tracemalloc for the peak of
Python allocations; the process's RSS high-water mark (ru_maxrss) is read after each measurement.
"""

from __future__ import annotations

import gc
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

VISIT = "post_injection_labs"  # a repeating visit: occurrences 1..visits
FORMS = ("lab_panel", "vital_signs", "sledai_2k", "immunogenicity", "lupus_history")
BATCH = 5000


@dataclass(frozen=True)
class Measurement:
    name: str
    seconds: float
    megabytes_written: float
    tracemalloc_peak_mb: float
    rss_high_water_mb: float
    ratio_to_floor: float = 0.0


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _items(protocol: Any, per_visit: int) -> list[tuple[str, Any]]:
    """(form id, item) pairs: the first `per_visit` non-identifying, non-group items of the benchmark forms."""
    chosen: list[tuple[str, Any]] = []
    for form_id in FORMS:
        form = next(f for f in protocol.forms if f.id == form_id)
        for section in form.sections:
            chosen.extend((form_id, item) for item in section.items if not item.identifying)
    if len(chosen) < per_visit:
        raise SystemExit(f"the benchmark forms have {len(chosen)} items, fewer than {per_visit}")
    return chosen[:per_visit]


def _stored(protocol: Any, item: Any, n: int) -> dict[str, Any]:
    """The ItemValue fields of one synthetic answer (a lab value in its canonical unit)."""
    if item.type == "lab":
        test = next(t for t in protocol.lab_tests if t.code == item.lab_test)
        value = str(Decimal(40 + n % 60))
        lab = {"test": test.code, "value": value, "unit": test.canonical_unit, "standard_value": value,
               "canonical_unit": test.canonical_unit, "flag": None}  # fmt: skip
        return {"raw": {"value": value, "unit": test.canonical_unit}, "value": lab, "unit": test.canonical_unit,
                "standard_value": value, "canonical_unit": test.canonical_unit}  # fmt: skip
    if item.choices:
        value: Any = item.choices[n % len(item.choices)].code
    elif item.type == "yes_no":
        value = n % 2 == 0
    elif item.type == "date":
        value = (date(2026, 1, 1) + timedelta(days=n % 300)).isoformat()
    elif item.type in ("text", "datetime"):
        value = f"note {n}"
    else:
        value = str(1 + n % 90)
    return {"raw": value, "value": value}


def build_study(participants: int, visits: int, items: int) -> Any:
    """The seed study with `participants` × `visits` forms' worth of `items` values, written by bulk_create."""
    from trialdesk.core.roles import Role
    from trialdesk.records.casebook.models import FormRecord, ItemValue
    from trialdesk.records.models import Participant
    from trialdesk.services.actors import Actor, actor_for
    from trialdesk.services.people import add_person
    from trialdesk.services.sites import create_site
    from trialdesk.services.studies import install_protocol, protocol_of

    system = Actor.system("bench")
    loaded = install_protocol(system)
    study, version = loaded.study, loaded.version
    protocol = protocol_of(version)
    site = create_site(system, study=study, code="BENCH", name="Benchmark site")
    person = add_person(system, study=study, username="bench_dm", display_name="Bench", password="x" * 20,
                        role=Role.DATA_MANAGER, site=None)  # fmt: skip
    at = datetime(2026, 1, 5, 9, tzinfo=UTC)
    people = Participant.objects.bulk_create(
        Participant(study=study, site=site, study_code=f"BENCH-{n:05d}", protocol_version=version,
                    status="randomized", sex="female", year_of_birth=1990, registered_at=at, registered_by="bench")
        for n in range(1, participants + 1)
    )  # fmt: skip
    chosen = _items(protocol, items)
    forms_per_visit = sorted({form for form, _ in chosen})
    for person_row in people:
        records = FormRecord.objects.bulk_create(
            FormRecord(participant=person_row, visit_id=VISIT, occurrence=occurrence, form_id=form_id,
                       form_version="1.0", protocol_version=version, content_hash="bench", first_saved_at=at,
                       first_saved_by="bench_dm", updated_at=at, updated_by="bench_dm")
            for occurrence in range(1, visits + 1) for form_id in forms_per_visit
        )  # fmt: skip
        by_key = {(r.occurrence, r.form_id): r for r in records}
        ItemValue.objects.bulk_create(
            (
                ItemValue(form_record=by_key[(occurrence, form_id)], path=item.id, item_id=item.id,
                          **_stored(protocol, item, n + occurrence))
                for occurrence in range(1, visits + 1) for n, (form_id, item) in enumerate(chosen)
            ),
            batch_size=BATCH,
        )  # fmt: skip
    return actor_for(person, study.pk), study


def floor_rows() -> Iterator[tuple[Any, ...]]:
    """The same value rows as the long CSV, by a bare server-side-cursor SELECT in the same order."""
    from django.db import connection, transaction

    sql = (
        "SELECT p.study_code, s.code, f.visit_id, f.occurrence, f.form_id, f.form_version, v.path, v.raw, "
        "v.unit, v.standard_value, v.canonical_unit, v.flag, f.updated_at, f.updated_by "
        "FROM casebook_itemvalue v JOIN casebook_formrecord f ON v.form_record_id = f.id "
        "JOIN records_participant p ON f.participant_id = p.id JOIN records_site s ON p.site_id = s.id "
        "ORDER BY p.study_code, f.visit_id, f.occurrence, f.form_id, v.id"
    )
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(2000):
            yield from rows


def _floor() -> Iterator[bytes]:
    for row in floor_rows():
        yield repr(row).encode()


def _measure(name: str, produce: Callable[[], Iterator[bytes]]) -> Measurement:
    with open("/dev/null", "wb") as sink:
        gc.collect()
        started = time.perf_counter()
        written = 0
        for chunk in produce():
            sink.write(chunk)
            written += len(chunk)
        seconds = time.perf_counter() - started
        gc.collect()
        tracemalloc.start()
        for chunk in produce():
            sink.write(chunk)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return Measurement(name, seconds, written / 1e6, peak / 1e6, _rss_mb())


def simulated_study(participants: int) -> Any:
    """The bulk path (`bench.bulk_study`): a trial simulated through the services, grown to `participants`."""
    import os
    from pathlib import Path

    from bench.bulk_study import grow, made_through_services
    from trialdesk.records.models import Person
    from trialdesk.services.actors import actor_for

    study = made_through_services(20, 13, Path(os.environ["TRIALDESK_DATA_DIR"]))
    grow(study, total=participants, sites=20, log=lambda line: print(line, file=sys.stderr, flush=True))
    return actor_for(Person.objects.get(user__username="statistician"), study.pk), study


def run_benchmark(
    participants: int, visits: int = 20, items: int = 50, simulated: bool = False
) -> dict[str, Any]:
    from trialdesk.records.casebook.models import ItemValue
    from trialdesk.services.exports import export

    started = time.perf_counter()
    actor, study = simulated_study(participants) if simulated else build_study(participants, visits, items)
    built = time.perf_counter() - started
    values = ItemValue.objects.count()
    print(f"built {participants} participants x {visits} visits x {items} items in {built:.1f} s",
          file=sys.stderr, flush=True)  # fmt: skip

    def made(fmt: str, **options: Any) -> Callable[[], Iterator[bytes]]:
        def produce() -> Iterator[bytes]:
            for file in export(actor, study=study, format=fmt, **options).files():
                yield from file.chunks

        return produce

    floor = _measure("floor: bare SELECT", _floor)
    measured = [floor]
    for name, produce in (("CSV long", made("csv")), ("ODM 1.3.2", made("odm")), ("ODM 2.0", made("odm2")),
                          ("SDTM LB (Dataset-JSON)", made("sdtm-json", domain="LB")),
                          ("SDTM LB (XPT)", made("sdtm-xpt", domain="LB"))):  # fmt: skip
        one = _measure(name, produce)
        measured.append(Measurement(**{**asdict(one), "ratio_to_floor": one.seconds / floor.seconds}))
        print(f"measured {name}", file=sys.stderr, flush=True)
    return {
        "participants": participants,
        "visits": visits,
        "items": items,
        "values": values,
        "source": "simulated (bulk path)" if simulated else "bulk_create grid",
        "build_seconds": built,
        "measurements": [asdict(m) for m in measured],
    }
