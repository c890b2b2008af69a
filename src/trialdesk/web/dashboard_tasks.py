"""What waits for the signed-in person on the dashboard: one line per kind of work their roles do, with a link."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import ngettext

from trialdesk.core.roles import Action
from trialdesk.errors import TrialdeskError
from trialdesk.records.models import Study
from trialdesk.services.actors import Actor
from trialdesk.services.casebook.queries import query_inbox


@dataclass(frozen=True)
class Task:
    count: int
    text: str
    url: str
    testid: str


def _may(actor: Actor, action: Action) -> bool:
    return actor.site_ids(action) != set()


def _enrolment_tasks(actor: Actor, counts: Counter[str]) -> list[Task]:
    participants = reverse("participants")
    tasks: list[Task] = []
    if _may(actor, Action.SCREEN) and counts["registered"]:
        n = counts["registered"]
        text = ngettext(
            "participant registered, to be screened", "participants registered, to be screened", n
        )
        tasks.append(Task(n, text, participants, "task-screen"))
    if _may(actor, Action.RECORD_CONSENT) and counts["eligible"]:
        n = counts["eligible"]
        text = ngettext(
            "eligible participant waiting for consent", "eligible participants waiting for consent", n
        )
        tasks.append(Task(n, text, participants, "task-consent"))
    if _may(actor, Action.RANDOMIZE) and counts["consented"]:
        n = counts["consented"]
        text = ngettext(
            "consented participant waiting for randomization",
            "consented participants waiting for randomization",
            n,
        )
        tasks.append(Task(n, text, participants, "task-randomize"))
    return tasks


def _query_tasks(actor: Actor, study: Study) -> list[Task]:
    if not _may(actor, Action.VIEW_FORM_DATA):
        return []
    try:
        waiting = len(query_inbox(actor, study=study))
    except TrialdeskError:
        return []
    if not waiting:
        return []
    text = ngettext("query waiting for you", "queries waiting for you", waiting)
    return [Task(waiting, text, reverse("casebook:queries"), "task-queries")]


def waiting_for(actor: Actor, study: Study, counts: Counter[str]) -> list[Task]:
    """The work waiting for this person, most pressing first; empty when nothing waits."""
    tasks = _query_tasks(actor, study) + _enrolment_tasks(actor, counts)
    if _may(actor, Action.MANAGE_PEOPLE):
        people = (
            study.role_assignments.filter(active=True).count() if hasattr(study, "role_assignments") else 0
        )
        text = ngettext("role assignment in this study", "role assignments in this study", people)
        tasks.append(Task(people, text, reverse("people"), "task-people"))
    return tasks
