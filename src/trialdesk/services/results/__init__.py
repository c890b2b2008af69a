"""Trial results at a data cut-off: the statistician's results report and the ethics committee's safety report.

Both read the database through `datasets.build_inputs` (pseudonymous frames) and hand them to the pure
`trialdesk.analysis` package; each generation is an audited read (`report.results` / `report.safety`) naming
the cut-off and the SHA-256 of every dataset file, so the snapshot behind a report can be shown later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from trialdesk.analysis import safety_tables
from trialdesk.analysis.results import Results, analyse_trial, default_arms
from trialdesk.analysis.tables import Table, localize
from trialdesk.core.roles import Action
from trialdesk.errors import Problem, ValidationFailed
from trialdesk.protocol.schema import Protocol
from trialdesk.records.models import Study
from trialdesk.records.treatment.models import StudyPause
from trialdesk.services.actors import Actor
from trialdesk.services.clock import local_date
from trialdesk.services.results.datasets import build_inputs
from trialdesk.services.unit_of_work import use_case
from trialdesk.services.versions import Purpose, governing_protocol, governing_version
from trialdesk.testing import SYSTEM_CLOCK, Clock


@dataclass(frozen=True)
class AmendmentRow:
    """An amendment in force by the cut-off (CONSORT 3b: changes to methods after the trial began)."""

    version: str
    reference: str
    approved_on: date | None
    effective_from: date


@dataclass(frozen=True)
class TitleBlock:
    """What the report's title page cites: the trial, its ids, versions, cut-off and who generated it."""

    trial: str
    registration_id: str
    ethics_ids: tuple[str, ...]
    protocol_version: str
    protocol_sha256: str
    cutoff: date
    generated_by: str
    generated_at: datetime
    language: str
    amendments: tuple[AmendmentRow, ...] = ()


@dataclass(frozen=True)
class ResultsReport:
    title: TitleBlock
    plan_version: str
    plan_sha256: str
    results: Results

    @property
    def dataset_hashes(self) -> dict[str, str]:
        return {f.filename: f.sha256 for f in self.results.datasets}


@dataclass(frozen=True)
class PauseRow:
    rule: str
    state: str
    paused_on: date
    decisions: tuple[tuple[date, str, bool], ...]  # (decided on, decision, lifted)


@dataclass(frozen=True)
class SafetyReport:
    title: TitleBlock
    target_sample_size: int
    screened: int
    randomized_by_arm: tuple[tuple[str, int], ...]
    tables: tuple[Table, ...]
    pauses: tuple[PauseRow, ...]
    study_paused: bool


def _check_cutoff(cutoff: date, today: date) -> None:
    if cutoff > today:
        raise ValidationFailed(
            "The data cut-off cannot be in the future",
            (Problem("cutoff", f"must be on or before {today.isoformat()}"),),
        )


def _title(
    study: Study, protocol: Protocol, actor: Actor, cutoff: date, now: datetime, language: str
) -> TitleBlock:
    version = governing_version(study=study, purpose=Purpose.DISPLAY, on=cutoff)
    registration = protocol.registration
    return TitleBlock(
        trial=registration.scientific_title.in_language(language),
        registration_id=" ".join(x for x in (registration.registry, registration.registry_id) if x),
        ethics_ids=tuple(
            f"{c.name}: {c.reference_number}" if c.reference_number else c.name
            for c in registration.ethics_committees
        ),
        protocol_version=protocol.version,
        protocol_sha256=version.content_hash,
        cutoff=cutoff,
        generated_by=actor.username,
        generated_at=now,
        language=language,
        amendments=tuple(
            AmendmentRow(v.version, v.approval_reference, v.approval_date, v.effective_from)
            for v in study.protocol_versions.filter(state="active", effective_from__lte=cutoff).order_by(
                "effective_from", "id"
            )
            if v.effective_from is not None
        ),
    )


def results_report(
    actor: Actor,
    *,
    study: Study,
    cutoff: date | None = None,
    language: str = "en",
    with_figures: bool = True,
    clock: Clock = SYSTEM_CLOCK,
) -> ResultsReport:
    """The results report at `cutoff` (default: today, study-local), for the statistician; audited."""
    with use_case(actor, Action.VIEW_RESULTS, study=study, clock=clock, study_data=False) as uow:
        day = cutoff or uow.today
        _check_cutoff(day, uow.today)
        protocol = governing_protocol(study=study, purpose=Purpose.DISPLAY, on=day)
        inputs = build_inputs(study, protocol, day)
        results = analyse_trial(protocol, inputs, language=language, with_figures=with_figures)
        title = _title(study, protocol, actor, day, uow.now, language)
        report = ResultsReport(title, results.plan_version, results.plan_sha256, results)
        uow.record(
            "report.results",
            object_type="study",
            object_id=study.pk,
            after={
                "cutoff": day.isoformat(),
                "language": language,
                "plan_sha256": results.plan_sha256,
                "datasets": report.dataset_hashes,
            },
        )
    return report


def safety_report(
    actor: Actor,
    *,
    study: Study,
    cutoff: date | None = None,
    language: str = "en",
    clock: Clock = SYSTEM_CLOCK,
) -> SafetyReport:
    """Enrolment, AEs and SAEs by arm, stopping-rule status, pauses and decisions, expedited reports."""
    with use_case(actor, Action.VIEW_SAFETY_REPORT, study=study, clock=clock, study_data=False) as uow:
        day = cutoff or uow.today
        _check_cutoff(day, uow.today)
        protocol = governing_protocol(study=study, purpose=Purpose.DISPLAY, on=day)
        inputs = build_inputs(study, protocol, day)
        arms = default_arms(protocol, language)
        events, people = inputs.adverse_events, inputs.participants
        tables = tuple(
            localize(t, language)
            for t in (
                safety_tables.adverse_event_table(events, people, arms),
                safety_tables.serious_event_table(events, dict(arms)),
                safety_tables.stopping_events_table(events, people, arms),
                safety_tables.expedited_table(events, arms),
            )
        )
        counts = people["arm_randomized"].value_counts()
        pauses = _pauses(study, day)
        report = SafetyReport(
            title=_title(study, protocol, actor, day, uow.now, language),
            target_sample_size=protocol.design.target_sample_size,
            screened=len(inputs.screening),
            randomized_by_arm=tuple((label, int(counts.get(arm, 0))) for arm, label in arms),
            tables=tables,
            pauses=pauses,
            study_paused=any(p.state in ("active", "upheld") for p in pauses),
        )
        uow.record(
            "report.safety",
            object_type="study",
            object_id=study.pk,
            after={"cutoff": day.isoformat(), "language": language},
        )
    return report


def _pauses(study: Study, cutoff: date) -> tuple[PauseRow, ...]:
    rows = []
    pauses = StudyPause.objects.filter(study=study).prefetch_related("decisions").order_by("paused_at")
    for pause in pauses:
        if local_date(pause.paused_at) > cutoff:
            continue
        decisions = tuple(
            (local_date(d.decided_at), d.decision, d.lift)
            for d in pause.decisions.all()
            if local_date(d.decided_at) <= cutoff
        )
        state = "lifted" if any(lift for _, _, lift in decisions) else ("upheld" if decisions else "active")
        rows.append(PauseRow(pause.rule_id, state, local_date(pause.paused_at), decisions))
    return tuple(rows)
