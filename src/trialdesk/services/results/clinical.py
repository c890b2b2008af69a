"""Assessments, adverse events and doses of randomized participants at a data cut-off (see `datasets`)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from trialdesk.analysis.datasets import ADVERSE_EVENTS, ASSESSMENTS, DOSES, coerce, frame_of, validate
from trialdesk.core.ctcae import find_term
from trialdesk.protocol.forms import ItemDefinition
from trialdesk.protocol.schema import Protocol
from trialdesk.records.casebook.models import ItemValue
from trialdesk.records.models import Participant
from trialdesk.records.treatment.models import (
    Administration,
    AdverseEvent,
    AdverseEventVersion,
    ParticipantStop,
    RecordedVisit,
)
from trialdesk.services.clock import local_date

if TYPE_CHECKING:
    from trialdesk.services.results.datasets import Randomized

FLAGS = {"L": "low", "H": "high"}


def dosing_days(p: Participant, cutoff: date) -> list[date]:
    days = [local_date(a.given_at) for a in Administration.objects.filter(participant=p)]
    return sorted(d for d in days if d <= cutoff)


def visit_days(p: Participant, cutoff: date) -> list[date]:
    done = RecordedVisit.objects.filter(participant=p, done_on__isnull=False, done_on__lte=cutoff)
    return [v.done_on for v in done if v.done_on is not None and local_date(v.recorded_at) <= cutoff]


def analysed_items(protocol: Protocol) -> dict[str, ItemDefinition]:
    """The items the plan's endpoints name, never an identifying one."""
    wanted = {e.item for e in (protocol.analysis.endpoints if protocol.analysis else []) if e.item}
    found: dict[str, ItemDefinition] = {}
    for form in protocol.forms:
        for section in form.sections:
            for item in section.items:
                if item.id in wanted and not item.identifying:
                    found.setdefault(item.id, item)
    return found


def assessments_frame(members: list[Randomized], protocol: Protocol, cutoff: date) -> pd.DataFrame:
    items = analysed_items(protocol)
    by_pk = {m.participant.pk: m for m in members}
    rows = (
        ItemValue.objects.filter(form_record__participant__in=list(by_pk), item_id__in=list(items))
        .select_related("form_record")
        .order_by("form_record_id", "path")
    )
    dates = _sample_dates(list(by_pk), cutoff)
    out = []
    for row in rows:
        record = row.form_record
        if local_date(record.first_saved_at) > cutoff:
            continue
        m = by_pk[record.participant_id]
        day = dates.get(record.pk) or local_date(record.first_saved_at)
        if day > cutoff:
            continue
        value, code = _value(row, items[row.item_id])
        if value is None and code is None:
            continue
        out.append(
            {
                "participant": m.participant.study_code,
                "arm": m.arm,
                "parameter": row.item_id,
                "study_day": (day - m.randomized_on).days,
                "form_version": record.form_version,
                "value": value,
                "value_code": code,
                "unit": row.canonical_unit or items[row.item_id].unit,
                "reference_flag": FLAGS.get(row.flag, "normal") if row.standard_value else None,
                "ctcae_grade": row.ctcae_grade,
            }
        )
    frame = frame_of(out, ASSESSMENTS)
    # Two records of one item on one day (a re-entered form): keep the later record.
    frame = frame.drop_duplicates(["participant", "parameter", "study_day"], keep="last")
    frame = coerce(frame, ASSESSMENTS)
    validate(frame, ASSESSMENTS)
    return frame


def _sample_dates(participants: list[int], cutoff: date) -> dict[int, date]:
    """Form record -> its sample date, else the date of the visit it belongs to."""
    found: dict[int, date] = {}
    visits = {
        (v.participant_id, v.visit_id, v.occurrence): v.done_on
        for v in RecordedVisit.objects.filter(participant__in=participants, done_on__isnull=False)
    }
    samples = ItemValue.objects.filter(
        form_record__participant__in=participants, item_id="sample_date"
    ).select_related("form_record")
    for row in samples:
        if row.value:
            found[row.form_record_id] = date.fromisoformat(str(row.value))
    records = ItemValue.objects.filter(form_record__participant__in=participants).values_list(
        "form_record_id", "form_record__participant_id", "form_record__visit_id", "form_record__occurrence"
    )
    for record_id, participant_id, visit_id, occurrence in records.distinct():
        done = visits.get((participant_id, visit_id, occurrence))
        if record_id not in found and done is not None:
            found[record_id] = done
    return found


def _value(row: ItemValue, item: ItemDefinition) -> tuple[float | None, str | None]:
    if row.value in (None, ""):
        return None, None
    if item.type == "ordinal":
        codes = [c.code for c in item.choices]
        code = str(row.value)
        # ASSUMPTION: ordinal choices are listed from lowest (negative) up, one log2 dilution step apart.
        return (float(codes.index(code)) if code in codes else None), code
    if item.choices:
        return None, str(row.value)
    try:
        return float(row.standard_value or str(row.value)), None
    except ValueError:
        return None, str(row.value)


def adverse_events_frame(
    members: list[Randomized], cutoff: date, experimental: str, related: frozenset[str]
) -> pd.DataFrame:
    by_pk = {m.participant.pk: m for m in members}
    events = AdverseEvent.objects.filter(participant__in=list(by_pk)).select_related("participant")
    out = []
    for event in events.order_by("participant__study_code", "number"):
        if local_date(event.reported_at) > cutoff:
            continue
        m = by_pk[event.participant_id]
        versions: list[AdverseEvent] | list[AdverseEventVersion] = [
            v
            for v in AdverseEventVersion.objects.filter(event=event).order_by("version")
            if local_date(v.recorded_at) <= cutoff
        ] or [event]
        out.append(_event_row(event, versions, m, cutoff, (experimental, related)))
    frame = coerce(frame_of(out, ADVERSE_EVENTS), ADVERSE_EVENTS)
    validate(frame, ADVERSE_EVENTS)
    return frame


def _event_row(
    event: AdverseEvent,
    versions: list[AdverseEvent] | list[AdverseEventVersion],
    m: Randomized,
    cutoff: date,
    arm_and_related: tuple[str, frozenset[str]],
) -> dict[str, object]:
    experimental, related = arm_and_related
    latest = versions[-1]
    onset = local_date(latest.onset_at)
    doses = [d for d in dosing_days(m.participant, cutoff) if d <= onset]
    stops = ParticipantStop.objects.filter(event=event)
    report = getattr(event, "expedited_report", None)
    serious = bool(latest.seriousness)
    term = find_term(latest.term)
    grade = max(v.grade for v in versions)
    on_time: bool | None = None
    if report is not None and report.sent_on is not None and report.sent_on <= cutoff:
        on_time = report.sent_on <= report.initial_due_on
    elif report is not None and cutoff > report.initial_due_on:
        on_time = False
    return {
        "participant": m.participant.study_code,
        "arm_treated": experimental if dosing_days(m.participant, cutoff) else m.arm,
        "event": f"{m.participant.study_code}-AE{event.number}",
        "term": term.name if term else latest.term,
        "soc": term.system_organ_class if term else "Other",
        "worst_grade": grade,
        "serious": serious,
        "relationship": latest.relationship_to_product,
        "related": latest.relationship_to_product in related,
        "onset_day": (onset - m.randomized_on).days,
        "days_after_last_dose": (onset - max(doses)).days if doses else None,
        "led_to_stop": any(local_date(s.stopped_at) <= cutoff for s in stops),
        "expedited_due": report is not None,
        "expedited_on_time": on_time,
        # Pseudonymous narrative from coded fields only; the typed description may name people or places.
        "narrative": (
            f"{latest.term}, grade {grade}, onset day {(onset - m.randomized_on).days}; serious: "
            f"{', '.join(latest.seriousness)}; action: {latest.action_taken}; outcome: {latest.outcome}"
        )
        if serious
        else None,
    }


def doses_frame(members: list[Randomized], cutoff: date) -> pd.DataFrame:
    by_pk = {m.participant.pk: m for m in members}
    given = (
        Administration.objects.filter(participant__in=list(by_pk))
        .select_related("lot")
        .order_by("participant_id", "given_at", "pk")
    )
    counts: dict[int, int] = defaultdict(int)
    out = []
    for a in given:
        day = local_date(a.given_at)
        if day > cutoff or local_date(a.recorded_at) > cutoff:
            continue
        m = by_pk[a.participant_id]
        counts[a.participant_id] += 1
        out.append(
            {
                "participant": m.participant.study_code,
                "dose_number": counts[a.participant_id],
                "ladder_step": a.step_id,
                "units": float(a.amount_given),
                "partial": a.partial,
                "lot": a.lot.lot_id,
                "study_day": (day - m.randomized_on).days,
            }
        )
    frame = coerce(frame_of(out, DOSES), DOSES)
    validate(frame, DOSES)
    return frame
