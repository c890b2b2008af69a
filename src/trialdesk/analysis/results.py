"""The one call a service makes: analysis-shaped frames + the protocol -> datasets with SHA-256, the CONSORT
flow, tables and figures, with the time spent in each phase (for the progress bar and the benchmark)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from trialdesk.analysis import safety_tables
from trialdesk.analysis.consort import ConsortFlow, consort_flow, consort_svg
from trialdesk.analysis.datasets import (
    ADVERSE_EVENTS,
    DOSES,
    MEASUREMENTS,
    PARTICIPANTS,
    SCREENING,
    DatasetFile,
    assign_analysis_visits,
    dataset_files,
    derive_baseline_and_change,
    validate,
)
from trialdesk.analysis.endpoints import EndpointResult, analyse_endpoint, endpoint_frame
from trialdesk.analysis.figures import Format, adverse_event_figure, trajectory_figure
from trialdesk.analysis.tables import Table, baseline_table, exposure_table, localize, outcome_table
from trialdesk.analysis.wording import Translate, same
from trialdesk.errors import ValidationFailed
from trialdesk.protocol.analysis import AnalysisPlan, plan_hash
from trialdesk.protocol.schema import Protocol


@dataclass(frozen=True)
class AnalysisInputs:
    """The frames a service builds at a data cut-off (see `datasets` for their columns)."""

    participants: pd.DataFrame
    screening: pd.DataFrame
    assessments: pd.DataFrame
    adverse_events: pd.DataFrame
    doses: pd.DataFrame


@dataclass(frozen=True)
class Results:
    plan_version: str
    plan_sha256: str
    datasets: tuple[DatasetFile, ...]
    consort: ConsortFlow
    consort_svg: str
    endpoints: tuple[EndpointResult, ...]
    tables: tuple[Table, ...]
    figures: dict[str, bytes]
    seconds: dict[str, float] = field(default_factory=dict)
    """Time per phase: datasets, statistics, tables, figures."""


def default_arms(protocol: Protocol, language: str = "en") -> list[tuple[str, str]]:
    """(arm id, label), the experimental arm(s) first: comparisons are experimental minus control."""
    ordered = sorted(protocol.arms, key=lambda arm: arm.kind != "experimental")
    return [(arm.id, arm.name.in_language(language)) for arm in ordered]


def build_measurements(protocol: Protocol, assessments: pd.DataFrame) -> pd.DataFrame:
    plan = _plan(protocol)
    windowed = assign_analysis_visits(assessments, plan.visits, plan.two_values_rule)
    return derive_baseline_and_change(windowed, plan.baseline_visit.id)


def step_labels(protocol: Protocol, language: str) -> dict[str, str]:
    """Ladder step and maintenance ids -> their labels in `language` (every arm's dosing)."""
    labels: dict[str, str] = {}
    for dosing in protocol.dosing.arms.values() if protocol.dosing else ():
        for step in dosing.steps:
            labels[step.id] = step.label.in_language(language)
        if dosing.maintenance is not None:
            labels[dosing.maintenance.id] = dosing.maintenance.label.in_language(language)
    return labels


def _plan(protocol: Protocol) -> AnalysisPlan:
    if protocol.analysis is None:
        raise ValidationFailed(f"protocol {protocol.id} {protocol.version} has no analysis plan")
    return protocol.analysis


def analyse_trial(
    protocol: Protocol,
    inputs: AnalysisInputs,
    *,
    language: str = "en",
    figure_format: Format = "png",
    arms: Sequence[tuple[str, str]] | None = None,
    with_figures: bool = True,
    translate: Translate = same,
    on_phase: Callable[[str], None] | None = None,
) -> Results:
    """Everything the results report shows (`on_phase` hears each phase start: datasets, statistics, tables,
    figures). Raises `ValidationFailed` when a frame breaks its spec."""
    plan = _plan(protocol)
    phase = on_phase or (lambda name: None)
    phase("datasets")
    arms = list(arms) if arms is not None else default_arms(protocol, language)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    for frame, spec in (
        (inputs.participants, PARTICIPANTS),
        (inputs.screening, SCREENING),
        (inputs.adverse_events, ADVERSE_EVENTS),
        (inputs.doses, DOSES),
    ):
        validate(frame, spec)
    measurements = build_measurements(protocol, inputs.assessments)
    files: list[DatasetFile] = []
    for frame, spec in (
        (inputs.participants, PARTICIPANTS),
        (measurements, MEASUREMENTS),
        (inputs.adverse_events, ADVERSE_EVENTS),
        (inputs.doses, DOSES),
    ):
        files += dataset_files(frame, spec)
    seconds["datasets"] = time.perf_counter() - started

    phase("statistics")
    started = time.perf_counter()
    ids = [arm for arm, _ in arms]
    endpoints = tuple(
        analyse_endpoint(protocol, e, measurements, inputs.participants, ids) for e in plan.endpoints
    )
    flow = consort_flow(inputs.participants, inputs.screening, arms)
    seconds["statistics"] = time.perf_counter() - started

    phase("tables")
    started = time.perf_counter()
    tables = _tables(protocol, inputs, measurements, endpoints, arms, language, translate)
    svg = consort_svg(flow, translate, language)
    seconds["tables"] = time.perf_counter() - started

    if with_figures:
        phase("figures")
    started = time.perf_counter()
    figures = _figures(protocol, inputs, measurements, arms, language, figure_format) if with_figures else {}
    seconds["figures"] = time.perf_counter() - started
    return Results(
        plan.version, plan_hash(plan), tuple(files), flow, svg, endpoints, tables, figures, seconds
    )


def _tables(
    protocol: Protocol,
    inputs: AnalysisInputs,
    measurements: pd.DataFrame,
    endpoints: Sequence[EndpointResult],
    arms: Sequence[tuple[str, str]],
    language: str,
    translate: Translate,
) -> tuple[Table, ...]:
    plan = _plan(protocol)
    visit_labels = {v.id: v.label.in_language(language) for v in plan.visits}
    lab_parameters = [e.item for e in plan.endpoints if e.type == "continuous" and e.item is not None]
    tables = [
        baseline_table(inputs.participants, arms),
        exposure_table(inputs.participants, inputs.doses, arms, step_labels(protocol, language)),
        safety_tables.adverse_event_table(inputs.adverse_events, inputs.participants, arms),
        safety_tables.serious_event_table(inputs.adverse_events, dict(arms)),
        safety_tables.stopping_events_table(inputs.adverse_events, inputs.participants, arms),
        safety_tables.expedited_table(inputs.adverse_events, arms),
        safety_tables.lab_shift_table(
            measurements, inputs.participants, arms, lab_parameters, plan.baseline_visit.id
        ),
        *[outcome_table(result, arms, visit_labels, language) for result in endpoints],
    ]
    return tuple(localize(table, language, translate) for table in tables)


def _figures(
    protocol: Protocol,
    inputs: AnalysisInputs,
    measurements: pd.DataFrame,
    arms: Sequence[tuple[str, str]],
    language: str,
    fmt: Format,
) -> dict[str, bytes]:
    plan = _plan(protocol)
    visits = [(v.id, v.label.in_language(language), v.target_day) for v in plan.visits]
    figures = {
        "adverse_events": adverse_event_figure(
            inputs.adverse_events, inputs.participants, arms, language, fmt
        )
    }
    members = inputs.participants[inputs.participants["itt"].astype(bool)]
    arm_of = dict(zip(members["participant"], members["arm_randomized"], strict=True))
    for endpoint in plan.endpoints:
        if endpoint.type == "binary":
            continue
        frame = endpoint_frame(protocol, endpoint, measurements, arm_of)
        figures[f"trajectory_{endpoint.id}"] = trajectory_figure(
            frame, arms, visits, endpoint.label.in_language(language), language, fmt
        )
    return figures
