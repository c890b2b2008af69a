"""The bulk path: a large study written fast, with the same rows as the services write.

    template = made_through_services(participants=20, seed=13)   # `trialdesk demo --simulate` in this database
    grow(template, total=10_000, sites=20)                          # copies of the template's rows, by bulk_create

How: a trial is first simulated through the services (`services.simulation`). Then every row that hangs off
one of its participants — found generically from the models' foreign keys (screening, consent, allocation,
visits, forms, item values and their history, queries and their messages, safety checks, doses, adverse
events and their versions, expedited reports, ...) — is copied for new participants spread over `sites`
sites (codes `SITE-00001`), foreign keys remapped, by `bulk_create`. The participant's audit entries are
copied too, naming the new participant, each with its own content hash (sealed later like any entry).
So the copies have the same models, fields, statuses and invariants as rows the services wrote; what
differs: values repeat the template's (each copy of a person has that person's values), and a copy's
allocation has no list slot (like a minimization allocation: the list's commitment covers the template's
slots only). Study-wide rows (the list, lots, the pause and its decision) are not copied.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import models, transaction

STUDY_WIDE = {"StudyPause", "PauseDecision"}
APPS = ("records", "treatment", "casebook")
BATCH = 2000


def made_through_services(participants: int, seed: int, data_dir: Path) -> Any:
    """The demo team and a trial of `participants` simulated through the services; returns the study."""
    from trialdesk.bootstrap import ensure_demo
    from trialdesk.records.models import Study

    ensure_demo(data_dir, simulate=participants, seed=seed)
    return Study.objects.get()


def participant_models() -> list[type[models.Model]]:
    """Participant and every model hanging off it (directly or through another such model), parents first."""
    from trialdesk.records.models import Participant

    chosen: list[type[models.Model]] = [Participant]
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            if model in chosen or model._meta.app_label not in APPS or model.__name__ in STUDY_WIDE:
                continue
            if any(field.related_model in chosen for field in _relations(model)):
                chosen.append(model)
                changed = True
    return chosen


def _relations(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if f.is_relation and (f.many_to_one or f.one_to_one)]


def _template_rows(
    chosen: list[type[models.Model]], people: list[int]
) -> dict[type[models.Model], list[Any]]:
    rows: dict[type[models.Model], list[Any]] = {}
    keys: dict[type[models.Model], set[Any]] = {chosen[0]: set(people)}
    rows[chosen[0]] = list(chosen[0].objects.filter(pk__in=people).order_by("pk"))
    for model in chosen[1:]:
        query = models.Q(pk__in=[])
        for field in _relations(model):
            if field.related_model in keys:
                query |= models.Q(**{f"{field.attname}__in": keys[field.related_model]})
        rows[model] = list(model.objects.filter(query).order_by("pk"))
        keys[model] = {row.pk for row in rows[model]}
    return rows


def grow(study: Any, *, total: int, sites: int = 20, log: Any = print) -> dict[str, Any]:
    """Copy the study's participants until it has about `total` (randomized or not), spread over `sites`."""
    from trialdesk.bootstrap import INSTALLER
    from trialdesk.records.models import Participant
    from trialdesk.services.sites import create_site

    started = time.perf_counter()
    people = list(
        Participant.objects.filter(study=study, screenings__isnull=False)
        .distinct()
        .values_list("pk", flat=True)
    )
    have = Participant.objects.filter(study=study).count()
    site_rows = list(study.sites.order_by("pk"))
    for index in range(len(site_rows), sites):
        site_rows.append(
            create_site(
                INSTALLER, study=study, code=f"S{index + 1:02d}", name=f"Simulated centre {index + 1}"
            )
        )
    chosen = participant_models()
    template = _template_rows(chosen, people)
    entries = _template_audit(template[chosen[0]])
    copies, number = 0, defaultdict(int)
    while have + len(people) <= total:
        with transaction.atomic():
            _copy_once(chosen, template, entries, site_rows, copies, number)
        have += len(people)
        copies += 1
        if copies % 20 == 0:
            log(f"  {have} participants ({time.perf_counter() - started:.0f} s)")
    return {
        "participants": have,
        "copies": copies,
        "template": len(people),
        "seconds": time.perf_counter() - started,
    }


def _template_audit(people: Iterable[Any]) -> dict[str, list[Any]]:
    from trialdesk.records.models import AuditEntry

    codes = {p.study_code for p in people}
    found: dict[str, list[Any]] = defaultdict(list)
    for entry in AuditEntry.objects.filter(object_type__in=("participant", "adverse_event", "form")).order_by(
        "pk"
    ):
        code = next(
            (
                c
                for c in codes
                if entry.object_id == c
                or entry.object_id.startswith(c + "-")
                or entry.object_id.startswith(c + "/")
            ),
            None,
        )
        if code is not None:
            found[code].append(entry)
    return found


def _copy_once(chosen: list[type[models.Model]], template: dict[type[models.Model], list[Any]],
               entries: dict[str, list[Any]], site_rows: list[Any], copy: int, number: dict[int, int]) -> None:  # fmt: skip
    new_pk: dict[type[models.Model], dict[Any, Any]] = {}
    renamed: dict[str, str] = {}
    for model in chosen:
        made = []
        for row in template[model]:
            clone = model(
                **{
                    f.attname: getattr(row, f.attname)
                    for f in model._meta.concrete_fields
                    if not f.primary_key
                }
            )
            for field in _relations(model):
                if field.related_model in new_pk:
                    old = getattr(row, field.attname)
                    setattr(
                        clone,
                        field.attname,
                        new_pk[field.related_model].get(old) if old is not None else None,
                    )
            if model is chosen[0]:
                site = site_rows[(copy * len(template[model]) + len(made)) % len(site_rows)]
                number[site.pk] += 1
                clone.site_id = site.pk
                # six digits from 100001: never one a later registration (SITE-001, ...) is handed out
                clone.study_code = f"{site.code}-{number[site.pk] + 100000:06d}"
                renamed[row.study_code] = clone.study_code
            if model.__name__ == "Allocation":
                clone.slot_id = None
            if model.__name__ == "ParticipantIdentity":
                clone.full_name = f"Copy {copy} of a simulated person (synthetic)"
            made.append(clone)
        created = model.objects.bulk_create(made, batch_size=BATCH)
        new_pk[model] = {old.pk: new.pk for old, new in zip(template[model], created, strict=True)}
    _copy_audit(entries, renamed)


def _copy_audit(entries: dict[str, list[Any]], renamed: dict[str, str]) -> None:
    from trialdesk.records.audit import content_hash
    from trialdesk.records.models import AuditEntry

    made = []
    for old_code, rows in entries.items():
        for row in rows:
            clone = AuditEntry(at=row.at, actor=row.actor, role=row.role, action=row.action, object_type=row.object_type,
                               object_id=renamed[old_code] + row.object_id[len(old_code):], before=row.before,
                               after=row.after, reason=row.reason)  # fmt: skip
            clone.entry_hash = content_hash(clone)
            made.append(clone)
    AuditEntry.objects.bulk_create(made, batch_size=BATCH)
