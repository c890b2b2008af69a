"""The participant's tab bar, shared by every participant page (summary, timeline, screening, consent, dosing,
visits, forms, adverse events, queries): the tabs this actor may open, the current one marked."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from trialdesk.core.roles import Action
from trialdesk.records.models import Participant
from trialdesk.services.actors import Actor


@dataclass(frozen=True)
class Tab:
    key: str
    label: Promise
    url: str
    current: bool


# (key, label, URL name, actions of which one is needed, only once randomized)
_TABS: tuple[tuple[str, Promise, str, tuple[Action, ...], bool], ...] = (
    ("summary", gettext_lazy("Summary"), "enrolment:participant", (Action.VIEW_PARTICIPANTS,), False),
    ("timeline", gettext_lazy("Timeline"), "home:timeline", (Action.VIEW_PARTICIPANTS,), False),
    ("screening", gettext_lazy("Screening"), "enrolment:screening", (Action.VIEW_PARTICIPANTS,), False),
    ("consent", gettext_lazy("Consent"), "enrolment:consent", (Action.VIEW_PARTICIPANTS,), False),
    (
        "dosing",
        gettext_lazy("Dosing"),
        "treatment:dosing",
        (Action.GIVE_TREATMENT, Action.VIEW_FORM_DATA),
        True,
    ),
    (
        "visits",
        gettext_lazy("Visits"),
        "treatment:visits",
        (Action.RECORD_VISIT, Action.VIEW_FORM_DATA),
        True,
    ),
    ("forms", gettext_lazy("Forms"), "casebook:casebook", (Action.VIEW_FORM_DATA,), False),
    (
        "adverse_events",
        gettext_lazy("Adverse events"),
        "treatment:adverse_events",
        (Action.VIEW_SAFETY, Action.REPORT_ADVERSE_EVENT),
        True,
    ),
    ("queries", gettext_lazy("Queries"), "home:queries", (Action.VIEW_FORM_DATA,), False),
)


def participant_tabs(actor: Actor, participant: Participant, current_view: str) -> list[Tab]:
    randomized = getattr(participant, "allocation", None) is not None
    tabs = []
    for key, label, name, actions, after_randomization in _TABS:
        if after_randomization and not randomized:
            continue
        if not any(actor.may(action, participant.site_id) for action in actions):
            continue
        tabs.append(Tab(key, label, reverse(name, args=[participant.study_code]), current_view == name))
    return tabs
