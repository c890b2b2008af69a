"""Trial results at a data cut-off: the statistician's results report and the ethics committee's safety report.

Both read the database through `datasets.build_inputs` (pseudonymous frames) and hand them to the pure
`trialdesk.analysis` package; each generation is an audited read (`report.results` / `report.safety`) naming
the cut-off and the SHA-256 of every dataset file, so the snapshot behind a report can be shown later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import translation
from django.utils.translation import gettext

from trialdesk.analysis import safety_tables
from trialdesk.analysis.methods import MethodsSection, VersionInForce, methods_sections
from trialdesk.analysis.results import AnalysisInputs, Results, analyse_trial, default_arms
from trialdesk.analysis.sections import Recruitment, recruitment
from trialdesk.analysis.tables import Table, localize
from trialdesk.core.roles import Action
from trialdesk.errors import Problem, ValidationFailed
from trialdesk.protocol.schema import Protocol
from trialdesk.records.models import ProtocolVersion, Study
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
    methods: tuple[MethodsSection, ...] = ()
    recruitment: Recruitment | None = None

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


def check_cutoff(cutoff: date, today: date) -> None:
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


def read_inputs(study: Study, cutoff: date) -> tuple[Protocol, AnalysisInputs]:
    """The protocol governing at the cut-off and the analysis frames read at it (stage one of a report)."""
    protocol = governing_protocol(study=study, purpose=Purpose.DISPLAY, on=cutoff)
    return protocol, build_inputs(study, protocol, cutoff)


def compose_results(
    study: Study,
    protocol: Protocol,
    inputs: AnalysisInputs,
    *,
    generated: tuple[Actor, datetime],
    cutoff: date,
    language: str,
    with_figures: bool = True,
    on_phase: Callable[[str], None] | None = None,
) -> ResultsReport:
    """The results report from frames already read (stage two: the statistics, tables and figures)."""
    with translation.override(language):
        results = analyse_trial(
            protocol,
            inputs,
            language=language,
            with_figures=with_figures,
            on_phase=on_phase,
            translate=gettext,
        )
        methods = methods_sections(
            protocol, versions_in_force(study, cutoff), language=language, translate=gettext
        )
    title = _title(study, protocol, generated[0], cutoff, generated[1], language)
    return ResultsReport(
        title,
        results.plan_version,
        results.plan_sha256,
        results,
        methods,
        recruitment(inputs.participants),
    )


def compose_safety(
    study: Study,
    protocol: Protocol,
    inputs: AnalysisInputs,
    *,
    generated: tuple[Actor, datetime],
    cutoff: date,
    language: str,
) -> SafetyReport:
    """The committee's safety report from frames already read."""
    arms = default_arms(protocol, language)
    events, people = inputs.adverse_events, inputs.participants
    with translation.override(language):
        tables = tuple(
            localize(t, language, gettext)
            for t in (
                safety_tables.adverse_event_table(events, people, arms),
                safety_tables.serious_event_table(events, dict(arms)),
                safety_tables.stopping_events_table(events, people, arms),
                safety_tables.expedited_table(events, arms),
            )
        )
    counts = people["arm_randomized"].value_counts()
    pauses = _pauses(study, cutoff)
    return SafetyReport(
        title=_title(study, protocol, generated[0], cutoff, generated[1], language),
        target_sample_size=protocol.design.target_sample_size,
        screened=len(inputs.screening),
        randomized_by_arm=tuple((label, int(counts.get(arm, 0))) for arm, label in arms),
        tables=tables,
        pauses=pauses,
        study_paused=any(p.state in ("active", "upheld") for p in pauses),
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
        check_cutoff(day, uow.today)
        protocol, inputs = read_inputs(study, day)
        report = compose_results(
            study,
            protocol,
            inputs,
            generated=(actor, uow.now),
            cutoff=day,
            language=language,
            with_figures=with_figures,
        )
        uow.record(
            "report.results",
            object_type="study",
            object_id=study.pk,
            after={
                "cutoff": day.isoformat(),
                "language": language,
                "plan_sha256": report.plan_sha256,
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
        check_cutoff(day, uow.today)
        protocol, inputs = read_inputs(study, day)
        report = compose_safety(
            study, protocol, inputs, generated=(actor, uow.now), cutoff=day, language=language
        )
        uow.record(
            "report.safety",
            object_type="study",
            object_id=study.pk,
            after={"cutoff": day.isoformat(), "language": language},
        )
    return report


def versions_in_force(study: Study, cutoff: date) -> tuple[VersionInForce, ...]:
    """The study's active protocol versions in force by the cut-off, oldest first, with the day each took
    effect: an amendment's effective date, else (the first version) the day it was loaded."""
    rows = ProtocolVersion.objects.filter(study=study, state="active").defer("content")
    days = [(row.effective_from or local_date(row.loaded_at), row.pk, row.version) for row in rows]
    return tuple(
        VersionInForce(version, day.isoformat()) for day, _, version in sorted(days) if day <= cutoff
    )


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
