"""Many participants quickly for list-page tests: copies of participants made the real way (services), written
in bulk with the models (the same rows the services write, minus the audit entries nobody reads here)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

from trialdesk.records.casebook.models import FormRecord, Query
from trialdesk.records.models import (
    Allocation,
    ConsentRecord,
    Participant,
    ParticipantIdentity,
    ScreeningRecord,
)
from trialdesk.records.treatment.models import Administration, AdverseEvent, RecordedVisit

M = TypeVar("M", bound=models.Model)
# Rows copied for each copy of a participant; one-to-one links that must stay unique are left empty.
_PER_PARTICIPANT: tuple[tuple[type[models.Model], dict[str, Any]], ...] = (
    (ParticipantIdentity, {}),
    (ScreeningRecord, {}),
    (ConsentRecord, {}),
    (Allocation, {"slot_id": None}),
    (Administration, {"safety_check_id": None}),
    (RecordedVisit, {}),
    (AdverseEvent, {}),
)


def _copy(row: M, **changes: Any) -> M:
    fields = {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields if not f.primary_key}
    fields.update(changes)
    return type(row)(**fields)


def clone(templates: list[Participant], count: int) -> list[Participant]:
    """`count` new participants, each a copy of one of `templates` in turn (same site, new code), with their
    identity, screening, consent, allocation, doses, visits, adverse events, forms and queries."""
    made: list[tuple[Participant, Participant]] = []
    for index in range(count):
        template = templates[index % len(templates)]
        code = f"{template.site.code}-{9000 + Participant.objects.count() + index:05d}"
        made.append((template, _copy(template, study_code=code)))
    Participant.objects.bulk_create([copy for _, copy in made])
    for model, changes in _PER_PARTICIPANT:
        rows: dict[int, list[models.Model]] = {}
        for row in model._default_manager.filter(participant__in=templates):  # type: ignore[misc]
            rows.setdefault(row.participant_id, []).append(row)  # type: ignore[attr-defined]
        copies = [_copy(r, participant_id=c.pk, **changes) for t, c in made for r in rows.get(t.pk, [])]
        model._default_manager.bulk_create(copies)
    _clone_forms(made)
    return [copy for _, copy in made]


def _clone_forms(made: list[tuple[Participant, Participant]]) -> None:
    templates = {t.pk for t, _ in made}
    forms: dict[int, list[FormRecord]] = {}
    for form in FormRecord.objects.filter(participant_id__in=templates):
        forms.setdefault(form.participant_id, []).append(form)
    queries: dict[int, list[Query]] = {}
    for query in Query.objects.filter(form_record__participant_id__in=templates):
        queries.setdefault(query.form_record_id, []).append(query)
    pairs = [(form, _copy(form, participant_id=c.pk)) for t, c in made for form in forms.get(t.pk, [])]
    FormRecord.objects.bulk_create([copy for _, copy in pairs])
    Query.objects.bulk_create(
        [_copy(q, form_record_id=copy.pk) for form, copy in pairs for q in queries.get(form.pk, [])]
    )
