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

from django.db.models import Count, Prefetch, Q, QuerySet

from trialdesk.core.participant_status import ParticipantStatus, is_withdrawn
from trialdesk.core.roles import Action
from trialdesk.core.schedule import VisitStatus, visit_states
from trialdesk.errors import PermissionDenied
from trialdesk.protocol.schema import Protocol
from trialdesk.records.casebook.models import UNRESOLVED_QUERY_STATUSES, FormRecord
from trialdesk.records.models import Participant, Study
from trialdesk.services.actors import Actor, authorize
from trialdesk.services.casebook import common
from trialdesk.services.casebook.entry import status_of
from trialdesk.services.clock import local_today
from trialdesk.testing import SYSTEM_CLOCK, Clock

MISSING_STATES = ("due", "overdue", "incomplete")
_STATE_FIELDS = ("participant", "visit_id", "occurrence", "form_id", "status", "verified", "locked")


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
    state: str  # saved / incomplete / verified / locked / upcoming / due / overdue / visit_missed / withdrawn
    open_queries: int = 0  # unresolved queries, when the records were read with that count (the status grid)

    @property
    def missing(self) -> bool:
        return self.state in MISSING_STATES


def _participant_forms(
    participant: Participant, as_of: date, protocol: Protocol | None = None
) -> list[ExpectedForm]:
    """Every expected form of one participant; reads its records through the related managers, so a list
    page that prefetched them (and passes the governing `protocol`) asks the database nothing more."""
    protocol = protocol or common.entry_protocol(participant, as_of)
    calendar, recorded = common.calendar_of(participant, protocol)
    latest_forms = {f.id: f for f in protocol.forms}
    records: list[FormRecord] = list(participant.form_records.all())
    saved = {(r.visit_id, r.occurrence, r.form_id): r for r in records}
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
                    open_queries=getattr(record, "open_queries", 0) if record is not None else 0,
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
    query = Participant.objects.filter(study=study, allocation__isnull=False)
    if site_id is not None:
        query = query.filter(site_id=site_id)
    elif sites is not None:
        query = query.filter(site_id__in=sites)
    as_of = local_today(clock)
    protocol = common.entry_protocol_of_study(study, as_of)
    participants = with_calendar_records(query.order_by("study_code"))
    rows = [row for p in participants for row in _participant_forms(p, as_of, protocol)]
    if missing_only:
        rows = [r for r in rows if r.missing]
    return sorted(rows, key=lambda r: (r.state != "overdue", r.latest, r.participant_code, r.form_id))


def with_calendar_records(query: QuerySet[Participant]) -> QuerySet[Participant]:
    """The participants with everything their calendar and forms are read from, in a fixed number of queries
    (site, study, allocation joined; injections, recorded visits, and form records with their count of
    unresolved queries prefetched), whatever the number of participants."""
    unresolved = Count("queries", filter=Q(queries__status__in=UNRESOLVED_QUERY_STATUSES))
    return query.select_related("site", "study", "allocation").prefetch_related(
        "administrations",
        "recorded_visits",
        Prefetch(
            "form_records",
            # only what a form's state is read from: not the answers (JSON) of thousands of forms
            queryset=FormRecord.objects.only(*_STATE_FIELDS).annotate(open_queries=unresolved),
        ),
    )
