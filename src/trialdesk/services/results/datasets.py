"""The five analysis frames (participants, screening, assessments, adverse events, doses) read from the
database at a data cut-off: a study-local date; nothing dated or recorded after it enters.

Pseudonymous by construction: participants are named by their study code, identity rows are never read, items
marked `identifying: true` are never read, and free text (AE descriptions, reasons typed by people) is replaced
by coded fields. Each frame is put in its canonical form (`coerce`) and validated against its specification.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from trialdesk.analysis.datasets import PARTICIPANTS, SCREENING, coerce, frame_of, validate
from trialdesk.analysis.results import AnalysisInputs
from trialdesk.protocol.schema import Protocol
from trialdesk.records.casebook.models import ItemValue
from trialdesk.records.models import Participant, Study
from trialdesk.records.treatment.models import ParticipantStop, ProtocolDeviation
from trialdesk.services.clock import local_date
from trialdesk.services.results.clinical import (
    adverse_events_frame,
    assessments_frame,
    doses_frame,
    dosing_days,
    visit_days,
)

# ASSUMPTION: deviations of these categories are major (exclude from the per-protocol population).
MAJOR_DEVIATIONS = ("eligibility", "consent", "dosing")


@dataclass(frozen=True)
class Randomized:
    """A participant randomized on or before the cut-off, with what the frames need of it."""

    participant: Participant
    arm: str
    randomized_on: date


def randomized_at(study: Study, cutoff: date) -> list[Randomized]:
    rows = (
        Participant.objects.filter(study=study, allocation__isnull=False)
        .select_related("allocation")
        .order_by("study_code")
    )
    chosen = [Randomized(p, p.allocation.arm, local_date(p.allocation.allocated_at)) for p in rows]
    return [r for r in chosen if r.randomized_on <= cutoff]


def build_inputs(study: Study, protocol: Protocol, cutoff: date) -> AnalysisInputs:
    """The frames of `study` at `cutoff`, each validated against its specification."""
    members = randomized_at(study, cutoff)
    experimental = next((a.id for a in protocol.arms if a.kind == "experimental"), protocol.arms[0].id)
    others = [a.id for a in protocol.arms if a.id != experimental]
    doses = doses_frame(members, cutoff)
    related = protocol.safety.related_level_ids if protocol.safety else frozenset()
    return AnalysisInputs(
        participants=participants_frame(members, protocol, cutoff, experimental, others),
        screening=screening_frame(study, cutoff, {m.participant.pk for m in members}),
        assessments=assessments_frame(members, protocol, cutoff),
        adverse_events=adverse_events_frame(members, cutoff, experimental, related),
        doses=doses,
    )


def participants_frame(
    members: list[Randomized], protocol: Protocol, cutoff: date, experimental: str, others: list[str]
) -> pd.DataFrame:
    rows = [_participant_row(m, protocol, cutoff, experimental, others) for m in members]
    frame = frame_of(rows, PARTICIPANTS)
    frame = coerce(frame, PARTICIPANTS)
    validate(frame, PARTICIPANTS)
    return frame


def _participant_row(
    m: Randomized, protocol: Protocol, cutoff: date, experimental: str, others: list[str]
) -> dict[str, object]:
    p = m.participant
    doses = dosing_days(p, cutoff)
    dosed = bool(doses)
    # As treated: the experimental arm once any (full or partial) dose was given; otherwise the control arm.
    treated = experimental if dosed else (m.arm if m.arm != experimental else (others or [m.arm])[0])
    received = dosed or m.arm != experimental
    stop = ParticipantStop.objects.filter(participant=p).order_by("stopped_at").first()
    stopped = stop is not None and local_date(stop.stopped_at) <= cutoff
    withdrawal = getattr(p, "withdrawal", None)
    withdrawn = withdrawal is not None and withdrawal.withdrawn_on <= cutoff
    major = [
        d.category
        for d in ProtocolDeviation.objects.filter(participant=p, category__in=MAJOR_DEVIATIONS)
        if d.occurred_on <= cutoff and local_date(d.recorded_at) <= cutoff
    ]
    # ASSUMPTION: completion and loss to follow-up carry no date of their own; the current status is used.
    lost = p.status == "lost_to_follow_up"
    contacts = [m.randomized_on, *doses, *visit_days(p, cutoff)]
    baseline = _baseline_characteristics(p, m.randomized_on, cutoff)
    return {
        "participant": p.study_code,
        "arm_randomized": m.arm,
        "arm_treated": treated,
        "randomized_on": pd.Timestamp(m.randomized_on),
        "first_dose_on": pd.Timestamp(min(doses)) if doses else None,
        "last_dose_on": pd.Timestamp(max(doses)) if doses else None,
        "last_contact_on": pd.Timestamp(max(contacts)),
        "itt": True,
        "safety": True,
        "per_protocol": not major and received,
        "per_protocol_exclusion": (f"major deviation: {', '.join(sorted(set(major)))}" if major else None)
        or (None if received else "did not receive the allocated intervention"),
        "received_allocated": received,
        "not_received_reason": None if received else "no dose given by the data cut-off",
        # CONSORT's "Discontinued intervention (give reasons)": a stopping rule, or consent withdrawn.
        "discontinued_intervention": stopped or withdrawn,
        "discontinuation_reason": f"stopping rule {stop.rule_id}"
        if stopped and stop
        else ("withdrew consent" if withdrawn else None),
        "lost_to_follow_up": lost,
        "lost_reason": "lost to follow-up" if lost else None,
        "withdrawn": withdrawn,
        "withdrawal_reason": "withdrew consent" if withdrawn else None,
        "completed": p.status == "completed",
        **baseline,
    }


def _baseline_characteristics(p: Participant, randomized_on: date, cutoff: date) -> dict[str, object]:
    values: dict[str, object] = {}
    prednisolone = 0.0
    found_prednisolone = False
    rows = ItemValue.objects.filter(
        form_record__participant=p,
        form_record__visit_id="baseline",
        item_id__in=("bmi", "lupus_nephritis", "diagnosis_date", "prednisolone_equivalent"),
    ).select_related("form_record")
    for row in rows:
        if local_date(row.form_record.first_saved_at) > cutoff or row.value in (None, ""):
            continue
        if row.item_id == "prednisolone_equivalent":
            prednisolone += float(row.standard_value or str(row.value))
            found_prednisolone = True
        else:
            values[row.item_id] = row.value
    diagnosed = values.get("diagnosis_date")
    duration = (randomized_on - date.fromisoformat(str(diagnosed))).days / 365.25 if diagnosed else None
    nephritis = values.get("lupus_nephritis")
    return {
        "age_years": float(randomized_on.year - p.year_of_birth) if p.year_of_birth else None,
        "sex": p.sex if p.sex in ("female", "male") else None,
        "bmi": float(str(values["bmi"])) if "bmi" in values else None,
        "disease_duration_years": duration,
        "lupus_nephritis": None if nephritis is None else nephritis in ("yes", True),
        "prednisolone_mg_day": prednisolone if found_prednisolone else None,
    }


def screening_frame(study: Study, cutoff: date, randomized: set[int]) -> pd.DataFrame:
    """One row per person screened on or before the cut-off; the latest attempt decides the category."""
    rows: list[dict[str, object]] = []
    people = Participant.objects.filter(study=study).prefetch_related("screenings").order_by("study_code")
    for p in people:
        attempts = [s for s in p.screenings.all() if s.screened_on <= cutoff]
        if not attempts:
            continue
        if p.pk in randomized:
            rows.append({"screening_id": p.study_code, "outcome": "randomized"})
            continue
        last = attempts[-1]
        withdrawal = getattr(p, "withdrawal", None)
        if last.decision == "not_eligible":
            reason = "; ".join(sorted({str(r.get("criterion", "")) for r in last.reasons})) or None
            rows.append(_excluded(p.study_code, "not_meeting_criteria", reason))
        elif withdrawal is not None and withdrawal.withdrawn_on <= cutoff:
            rows.append(_excluded(p.study_code, "declined", "withdrew before randomization"))
        else:
            # ASSUMPTION: a person screened but not randomized by the cut-off counts as excluded for "other".
            rows.append(_excluded(p.study_code, "other", "not randomized by the data cut-off"))
    frame = coerce(frame_of(rows, SCREENING), SCREENING)
    validate(frame, SCREENING)
    return frame


def _excluded(code: str, category: str, reason: str | None) -> dict[str, object]:
    return {
        "screening_id": code,
        "outcome": "excluded",
        "exclusion_category": category,
        "exclusion_reason": reason,
    }
