"""Expected, missing and overdue forms, from the participant's visit calendar and the forms attached to visits.

    expected_forms(actor, participant, *, clock) -> list[ExpectedForm]          one participant, every form
    site_form_tracking(actor, study, *, site_id=None, clock) -> list[ExpectedForm]   missing ones, per site

A form is *expected* at every visit occurrence of the participant's calendar (`core/schedule.py`, anchored on
randomization and the injections actually given) where the protocol attaches it. Its state on a date:
`incomplete` (saved half-done: started, not complete), `saved` (complete; or `verified` / `locked`), `upcoming` (window not open), `due` (window open, not saved), `overdue`
(window closed, not saved), `visit_missed` (the site recorded the visit as missed), `withdrawn`
(not saved and the participant withdrew). *Missing* = due, overdue or incomplete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from trialdesk.core.participant_status import ParticipantStatus, is_withdrawn
from trialdesk.core.roles import Action
from trialdesk.core.schedule import VisitStatus, visit_states
from trialdesk.errors import PermissionDenied
from trialdesk.records.casebook.models import FormRecord
from trialdesk.records.models import Participant, Study
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.casebook import common
from trialdesk.services.casebook.entry import status_of
from trialdesk.services.clock import local_today
from trialdesk.testing import SYSTEM_CLOCK, Clock

MISSING_STATES = ("due", "overdue", "incomplete")


@dataclass(frozen=True)
class ExpectedForm:
    participant_code: str
    site_code: str
    visit_id: str
    visit_label_en: str
    visit_label_fa: str
    occurrence: int
    form_id: str
    form_title_en: str
    form_title_fa: str
    earliest: date
    target: date
    latest: date
    state: str  # incomplete / saved / verified / locked / upcoming / due / overdue / visit_missed / withdrawn

    @property
    def missing(self) -> bool:
        return self.state in MISSING_STATES


def _participant_forms(participant: Participant, as_of: date) -> list[ExpectedForm]:
    protocol = common.entry_protocol(participant, as_of)
    calendar, recorded = common.calendar_of(participant, protocol)
    latest_forms = {f.id: f for f in protocol.forms}
    saved = {
        (r.visit_id, r.occurrence, r.form_id): r for r in FormRecord.objects.filter(participant=participant)
    }
    withdrawn = is_withdrawn(ParticipantStatus(participant.status))
    rows: list[ExpectedForm] = []
    for state in visit_states(calendar, recorded, as_of):
        occurrence = state.occurrence
        for form in latest_forms.values():
            if occurrence.visit_id not in form.visits:
                continue
            record = saved.get((occurrence.visit_id, occurrence.occurrence, form.id))
            if record is not None:
                status = status_of(record)
            elif state.status is VisitStatus.MISSED:
                status = "visit_missed"
            elif withdrawn:
                status = "withdrawn"
            elif as_of < occurrence.earliest:
                status = "upcoming"
            elif as_of <= occurrence.latest:
                status = "due"
            else:
                status = "overdue"
            rows.append(
                ExpectedForm(
                    participant_code=participant.study_code,
                    site_code=participant.site.code,
                    visit_id=occurrence.visit_id,
                    visit_label_en=occurrence.label.en,
                    visit_label_fa=occurrence.label.fa or occurrence.label.en,
                    occurrence=occurrence.occurrence,
                    form_id=form.id,
                    form_title_en=form.title.en,
                    form_title_fa=form.title.fa or form.title.en,
                    earliest=occurrence.earliest,
                    target=occurrence.target,
                    latest=occurrence.latest,
                    state=status,
                )
            )
    return rows


def expected_forms(
    actor: Actor, participant: Participant, *, clock: Clock = SYSTEM_CLOCK
) -> list[ExpectedForm]:
    """Every form expected of a randomized participant with its state today (VIEW_FORM_DATA). Visits anchored
    on injections appear once the treatment area has recorded the injection."""
    authorize(actor, Action.VIEW_FORM_DATA, participant.site_id)
    if getattr(participant, "allocation", None) is None:
        return []
    return _participant_forms(participant, local_today(clock))


def site_form_tracking(
    actor: Actor,
    study: Study,
    *,
    site_id: int | None = None,
    missing_only: bool = True,
    clock: Clock = SYSTEM_CLOCK,
) -> list[ExpectedForm]:
    """Missing (due, overdue and incomplete) forms of every randomized participant at the actor's sites (or `site_id`),
    overdue first, then by latest date; `missing_only=False` lists every expected form."""
    sites = actor.site_ids(Action.VIEW_FORM_DATA)
    if sites is not None and not sites:
        raise PermissionDenied(f"{actor.username} may not view form data")
    if site_id is not None:
        authorize(actor, Action.VIEW_FORM_DATA, site_id)
    query = Participant.objects.filter(study=study, allocation__isnull=False).select_related("site", "study")
    if site_id is not None:
        query = query.filter(site_id=site_id)
    elif sites is not None:
        query = query.filter(site_id__in=sites)
    as_of = local_today(clock)
    rows = [row for p in query.order_by("study_code") for row in _participant_forms(p, as_of)]
    if missing_only:
        rows = [r for r in rows if r.missing]
    return sorted(rows, key=lambda r: (r.state != "overdue", r.latest, r.participant_code, r.form_id))
