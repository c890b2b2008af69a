"""The bulk path: a large study written fast, with the same rows as the services write.

    template = made_through_services(participants=20, seed=13)   # `trialdesk demo --simulate` in this database
    grow(template, total=10_000, sites=20)                          # copies of the template's rows, on the server

How: a trial is first simulated through the services (`services.simulation`). Then every row that hangs off
one of its participants — found generically from the models' foreign keys (screening, consent, allocation,
visits, forms, item values and their history, queries and their messages, safety checks, doses, adverse
events and their versions, expedited reports, ...) — is copied for new participants spread over `sites`
sites (codes like `S01-100001`: the site and six digits from 100001), foreign keys remapped. The database writes the copies:
one `INSERT ... SELECT` per model for a batch of copies, ids and keys remapped arithmetically through small
temporary tables (`bench/bulk_copy.py`), so no copied row passes through Python. The participant's audit
entries are copied too, naming the new participant, each with its own content hash (computed by the
database as `records.audit.content_hash` computes it; sealed later like any entry).
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

from bench import bulk_copy

STUDY_WIDE = {"StudyPause", "PauseDecision"}
APPS = ("records", "treatment", "casebook")
BATCH_PEOPLE = 500  # participants copied per transaction


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


def _template_keys(
    chosen: list[type[models.Model]], people: list[int]
) -> dict[type[models.Model], list[int]]:
    """The ids of the template's rows of each chosen model: the people, then every row keyed to one of them."""
    keys: dict[type[models.Model], list[int]] = {chosen[0]: sorted(people)}
    for model in chosen[1:]:
        query = models.Q(pk__in=[])
        for field in _relations(model):
            if field.related_model in keys:
                query |= models.Q(**{f"{field.attname}__in": keys[field.related_model]})
        keys[model] = list(model.objects.filter(query).order_by("pk").values_list("pk", flat=True))
    return keys


def grow(study: Any, *, total: int, sites: int = 20, log: Any = print) -> dict[str, Any]:
    """Copy the study's participants (whole template copies) until it has at least `total`, spread over `sites`."""
    from trialdesk.records.models import Participant

    started = time.perf_counter()
    people = list(
        Participant.objects.filter(study=study, screenings__isnull=False)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    have = Participant.objects.filter(study=study).count()
    copies = max(0, -(-(total - have) // len(people))) if people else 0  # whole copies: at least `total`
    if copies:
        chosen = participant_models()
        keys = _template_keys(chosen, people)
        codes = list(
            Participant.objects.filter(pk__in=people).order_by("pk").values_list("study_code", flat=True)
        )
        bulk_copy.create_tables()
        try:
            _load_template(chosen, keys, _codes_of_copies(study, _sites(study, sites), codes, copies), codes)
            _copy_in_batches(chosen, keys, copies, max(1, BATCH_PEOPLE // len(people)), started, log)
        finally:
            bulk_copy.drop_tables()
    seconds = time.perf_counter() - started
    have += copies * len(people)
    log(f"  grown to {have} participants in {seconds:.0f} s ({copies} copies of {len(people)})")
    return {"participants": have, "copies": copies, "template": len(people), "seconds": seconds}


def _sites(study: Any, sites: int) -> list[Any]:
    from trialdesk.bootstrap import INSTALLER
    from trialdesk.services.sites import create_site

    site_rows = list(study.sites.order_by("pk"))
    for index in range(len(site_rows), sites):
        site_rows.append(
            create_site(
                INSTALLER, study=study, code=f"S{index + 1:02d}", name=f"Simulated centre {index + 1}"
            )
        )
    return site_rows


def _codes_of_copies(study: Any, site_rows: list[Any], codes: list[str], copies: int) -> list[tuple[int, int, int, str]]:  # fmt: skip
    """(copy, person, site id, study code) of every copied participant, spread over the sites in turn."""
    from trialdesk.records.models import Participant

    number: dict[int, int] = defaultdict(int)
    for site_id, code in Participant.objects.filter(study=study).values_list("site_id", "study_code"):
        tail = code.rsplit("-", 1)[-1]
        if len(tail) == 6 and tail.isdigit():  # a copy made by an earlier grow
            number[site_id] = max(number[site_id], int(tail) - 100000)
    out = []
    for copy in range(copies):
        for index in range(len(codes)):
            site = site_rows[(copy * len(codes) + index) % len(site_rows)]
            number[site.pk] += 1
            # six digits from 100001: never one a later registration (SITE-001, ...) is handed out
            out.append((copy, index, site.pk, f"{site.code}-{number[site.pk] + 100000:06d}"))
    return out


def _load_template(chosen: list[type[models.Model]], keys: dict[type[models.Model], list[int]],
                   people: list[tuple[int, int, int, str]], codes: list[str]) -> None:  # fmt: skip
    copies = 1 + max(copy for copy, *_ in people)
    bulk_copy.load("td_grow_copies", ((c,) for c in range(copies)), 1)
    bulk_copy.load("td_grow_people", people, 4)
    bulk_copy.load("td_grow_keys", ((m.__name__, pk, i) for m in chosen for i, pk in enumerate(keys[m])), 3)
    index = {code: i for i, code in enumerate(codes)}
    entries = _template_audit(codes)
    bulk_copy.load(
        "td_grow_audit",
        (
            (e.pk, index[code], *bulk_copy.audit_template(e, code))
            for code, rows in entries.items()
            for e in rows
        ),
        5,
    )


def _copy_in_batches(chosen: list[type[models.Model]], keys: dict[type[models.Model], list[int]],
                     copies: int, per_batch: int, started: float, log: Any) -> None:  # fmt: skip
    sizes = {model: len(keys[model]) for model in chosen}
    bases = bulk_copy.largest_ids(chosen)
    for first in range(0, copies, per_batch):
        span = (first, min(copies, first + per_batch) - 1)
        with transaction.atomic():
            written = sum(bulk_copy.copy_model(m, _relations(m), sizes, bases, span) for m in chosen)
            written += bulk_copy.copy_audit(span)
        log(
            f"  copies {span[0] + 1}-{span[1] + 1} of {copies}: {written} rows ({time.perf_counter() - started:.0f} s)"
        )
    bulk_copy.reset_sequences(chosen)


def _template_audit(codes: Iterable[str]) -> dict[str, list[Any]]:
    from trialdesk.records.models import AuditEntry

    codes = set(codes)
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
