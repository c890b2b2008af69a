"""The export benchmark's synthetic study, written fast: one participant by the ORM, the rest on the server.

    build_study(participants, visits, items, log=print) -> (actor, study)

The grid: `participants` × `visits` occurrences of one repeating visit × 5 forms × `items` values in all per
occurrence. The first participant's form records and item values are written by `bulk_create` (so their
columns and JSON shapes are exactly what the ORM writes); every other participant gets copies of them by
`INSERT … SELECT` on the database server, its own form records first, then the item values joined to them
(in batches of participants, ordered so ids follow participant, occurrence, form, item as before). A value
depends only on its item and occurrence, never on the participant, so the copies are the rows the old
per-participant `bulk_create` wrote, without sending 10 million rows through Python. Plain SQL (no
COPY, no generate_series): it runs on SQLite too (the smoke test), but the benchmark itself is
PostgreSQL-only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

VISIT = "post_injection_labs"  # a repeating visit: occurrences 1..visits
FORMS = ("lab_panel", "vital_signs", "sledai_2k", "immunogenicity", "lupus_history")
PARTICIPANTS_PER_STATEMENT = 250  # 250 × 1,000 values: 250,000 rows per INSERT … SELECT


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


def _columns(model: Any, *skip: str) -> list[str]:
    from django.db import connection

    quote = connection.ops.quote_name
    return [
        quote(f.column) for f in model._meta.concrete_fields if not f.primary_key and f.column not in skip
    ]


def _template(study: Any, version: Any, protocol: Any, first: Any, visits: int, items: int) -> None:
    """The first participant's form records and item values, by the ORM."""
    from trialdesk.records.casebook.models import FormRecord, ItemValue

    at = datetime(2026, 1, 5, 9, tzinfo=UTC)
    chosen = _items(protocol, items)
    records = FormRecord.objects.bulk_create(
        FormRecord(participant=first, visit_id=VISIT, occurrence=occurrence, form_id=form_id,
                   form_version="1.0", protocol_version=version, content_hash="bench", first_saved_at=at,
                   first_saved_by="bench_dm", updated_at=at, updated_by="bench_dm")
        for occurrence in range(1, visits + 1) for form_id in sorted({form for form, _ in chosen})
    )  # fmt: skip
    by_key = {(r.occurrence, r.form_id): r for r in records}
    ItemValue.objects.bulk_create(
        ItemValue(form_record=by_key[(occurrence, form_id)], path=item.id, item_id=item.id,
                  **_stored(protocol, item, n + occurrence))
        for occurrence in range(1, visits + 1) for n, (form_id, item) in enumerate(chosen)
    )  # fmt: skip


def _copy_batch(first: int, low: int, high: int) -> None:
    """Copies of the first participant's form records and values for participants with low <= id < high."""
    from django.db import connection, transaction

    from trialdesk.records.casebook.models import FormRecord, ItemValue
    from trialdesk.records.models import Participant

    forms, values, people = FormRecord._meta.db_table, ItemValue._meta.db_table, Participant._meta.db_table
    form_columns = _columns(FormRecord, "participant_id")
    value_columns = _columns(ItemValue, "form_record_id")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {forms} (participant_id, {', '.join(form_columns)}) "
            f"SELECT p.id, {', '.join('t.' + c for c in form_columns)} FROM {people} p, {forms} t "
            "WHERE t.participant_id = %s AND p.id >= %s AND p.id < %s AND p.id <> %s ORDER BY p.id, t.id",
            [first, low, high, first],
        )
        cursor.execute(
            f"INSERT INTO {values} (form_record_id, {', '.join(value_columns)}) "
            f"SELECT f.id, {', '.join('v.' + c for c in value_columns)} FROM {forms} f "
            f"JOIN {forms} t ON t.participant_id = %s AND t.visit_id = f.visit_id "
            "AND t.occurrence = f.occurrence AND t.form_id = f.form_id "
            f"JOIN {values} v ON v.form_record_id = t.id "
            "WHERE f.participant_id >= %s AND f.participant_id < %s AND f.participant_id <> %s "
            "ORDER BY f.id, v.id",
            [first, low, high, first],
        )


def build_study(participants: int, visits: int, items: int, log: Callable[[str], Any] = print) -> Any:
    """The seed study with `participants` × `visits` forms' worth of `items` values; (actor, study)."""
    from django.db import connection

    from trialdesk.core.roles import Role
    from trialdesk.records.models import Participant
    from trialdesk.services.actors import Actor, actor_for
    from trialdesk.services.people import add_person
    from trialdesk.services.sites import create_site
    from trialdesk.services.studies import install_protocol, protocol_of

    started = time.perf_counter()
    system = Actor.system("bench")
    loaded = install_protocol(system)
    study, version = loaded.study, loaded.version
    site = create_site(system, study=study, code="BENCH", name="Benchmark site")
    person = add_person(system, study=study, username="bench_dm", display_name="Bench", password="x" * 20,
                        role=Role.DATA_MANAGER, site=None)  # fmt: skip
    at = datetime(2026, 1, 5, 9, tzinfo=UTC)
    people = Participant.objects.bulk_create(
        Participant(study=study, site=site, study_code=f"BENCH-{n:05d}", protocol_version=version,
                    status="randomized", sex="female", year_of_birth=1990, registered_at=at, registered_by="bench")
        for n in range(1, participants + 1)
    )  # fmt: skip
    _template(study, version, protocol_of(version), people[0], visits, items)
    ids = [p.pk for p in people]
    for start in range(0, len(ids), PARTICIPANTS_PER_STATEMENT):
        batch = ids[start : start + PARTICIPANTS_PER_STATEMENT]
        _copy_batch(ids[0], batch[0], batch[-1] + 1)
        log(f"  {start + len(batch):,} participants written ({time.perf_counter() - started:.0f} s)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # planner statistics, as autovacuum would gather them on a real server
    return actor_for(person, study.pk), study
