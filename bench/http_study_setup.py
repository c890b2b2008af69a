"""The HTTP benchmark's study, made in a child process: migrate, simulate a trial, grow it, add the clients.

    python -m bench.http_study --prepare --participants 10000 --template 20 --sites 20 --clients 50

Writes `bench-setup.json` in the data folder: one signed-in user per client (an investigator at the site of
the participant whose baseline lab panel that client saves: a saved, unverified, unlocked form, a different
participant for each client), and the build times.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

PASSWORD = "bench-password-0123"


def prepare(participants: int, template: int, sites: int, clients: int) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialdesk.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from bench.bulk_study import grow, made_through_services

    data_dir = Path(os.environ["TRIALDESK_DATA_DIR"])
    started = time.perf_counter()
    study = made_through_services(template, 13, data_dir)
    simulated = time.perf_counter() - started
    grown = grow(study, total=participants, sites=sites)
    users = _clients(study, clients)
    setup = {"users": users, "simulated_seconds": simulated, "grow": grown}
    (data_dir / "bench-setup.json").write_text(json.dumps(setup))
    return 0


def _targets(study: Any, clients: int) -> list[Any]:
    """A saved baseline lab panel per client, each of another participant, taken from the sites in turn."""
    from trialdesk.records.casebook.models import FormRecord

    forms = (
        FormRecord.objects.filter(
            participant__study=study,
            participant__status__in=("randomized", "completed"),
            form_id="lab_panel",
            visit_id="baseline",
            occurrence=1,
            status="complete",
            verified=False,
            locked=False,
        )
        .select_related("participant__site")
        .order_by("participant__study_code")
    )
    by_site: dict[int, list[Any]] = {}
    for form in forms.iterator():
        found = by_site.setdefault(form.participant.site_id, [])
        if len(found) < clients:
            found.append(form.participant)
    chosen: list[Any] = []
    while len(chosen) < clients and any(by_site.values()):
        for people in by_site.values():
            if people and len(chosen) < clients:
                chosen.append(people.pop(0))
    if len(chosen) < clients:
        raise SystemExit(
            f"only {len(chosen)} participants with a saved baseline lab panel for {clients} clients"
        )
    return chosen


def _clients(study: Any, clients: int) -> list[tuple[str, str, str]]:
    from trialdesk.bootstrap import INSTALLER
    from trialdesk.core.roles import Role
    from trialdesk.services.people import add_person

    users = []
    for i, participant in enumerate(_targets(study, clients)):
        person = add_person(INSTALLER, study=study, username=f"bench-{i}", display_name=f"Bench {i}",
                            password=PASSWORD, role=Role.INVESTIGATOR, site=participant.site)  # fmt: skip
        users.append((person.user.username, participant.site.code, participant.study_code))
    return users
