"""A tiny synthetic trial built from the seed protocol: rows as a service would read them from the database.

Everything is derived from the Protocol (arms, visits, forms, items, lab tests), so a changed schedule or new
lab test changes the rows, not this file. One text value is a spreadsheet formula, to test neutralising.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from trialdesk.interop.rows import (
    AdverseEventRow,
    AuditRow,
    CriterionResult,
    DoseRow,
    MedicationRow,
    ParticipantRow,
    QueryRow,
    ScreeningRow,
    SignatureRow,
    SiteRow,
    StatusChange,
    UserRow,
    ValueRow,
    VisitRow,
)
from trialdesk.protocol.forms import FormDefinition, ItemDefinition
from trialdesk.protocol.loading import default_study_path, load_protocol
from trialdesk.protocol.schema import Protocol

FORMULA = '=HYPERLINK("http://evil.example","click")'
START = date(2026, 1, 5)
BIRTH_DATE = "1987-06-21"  # the value of the identifying item: must appear in no export


@dataclass
class Trial:
    protocol: Protocol
    sites: list[SiteRow] = field(default_factory=list)
    users: list[UserRow] = field(default_factory=list)
    participants: list[ParticipantRow] = field(default_factory=list)
    values: list[ValueRow] = field(default_factory=list)
    audit: list[AuditRow] = field(default_factory=list)
    queries: list[QueryRow] = field(default_factory=list)
    signatures: list[SignatureRow] = field(default_factory=list)
    visits: list[VisitRow] = field(default_factory=list)
    doses: list[DoseRow] = field(default_factory=list)
    adverse_events: list[AdverseEventRow] = field(default_factory=list)
    screenings: list[ScreeningRow] = field(default_factory=list)
    medications: list[MedicationRow] = field(default_factory=list)


def seed_protocol() -> Protocol:
    return load_protocol(default_study_path())


def _value(
    protocol: Protocol, item: ItemDefinition, n: int, on: date
) -> tuple[str | None, str | None, Decimal | None, str | None]:
    """(value as entered, unit, standardized, canonical unit) for an item."""
    if item.type == "lab":
        test = next(t for t in protocol.lab_tests if t.code == item.lab_test)
        unit = test.units[n % len(test.units)]
        canonical = next(u for u in test.units if u.unit == test.canonical_unit)
        rng = canonical.reference_range
        base = (rng.max if rng and rng.max else Decimal(50)) * Decimal("0.8") + n
        entered = (base / unit.factor).quantize(Decimal("0.01"))
        return str(entered), unit.unit, (entered * unit.factor).quantize(Decimal("0.01")), test.canonical_unit
    if item.choices:
        return item.choices[n % len(item.choices)].code, None, None, None
    if item.type == "yes_no":
        return ("true" if n % 3 == 0 else "false"), None, None, None
    if item.type in ("integer", "decimal", "calculated"):
        low = item.soft_limits.min if item.soft_limits and item.soft_limits.min is not None else Decimal(1)
        return str(low + n), item.unit, None, None
    if item.type == "date":
        if item.identifying:
            return BIRTH_DATE, None, None, None
        return (on - timedelta(days=n)).isoformat(), None, None, None
    if item.type == "datetime":
        return datetime.combine(on, time(9, 0), tzinfo=UTC).isoformat(), None, None, None
    return (FORMULA if n % 2 == 0 else f"note {n}"), None, None, None


def _visit_dates(protocol: Protocol, arm: str, randomized_on: date) -> list[tuple[str, int, date]]:
    assert protocol.schedule is not None
    out: list[tuple[str, int, date]] = []
    for visit in protocol.schedule.for_arm(arm):
        count = 2 if (visit.repeat or visit.anchor == "each_injection") else 1
        for occurrence in range(1, count + 1):
            out.append(
                (
                    visit.id,
                    occurrence,
                    randomized_on + timedelta(days=visit.offset_days * occurrence + occurrence - 1),
                )
            )
    return out


def build_trial(participants: int = 4) -> Trial:
    protocol = seed_protocol()
    trial = Trial(protocol)
    trial.sites = [SiteRow("KUMS", "Kermanshah University of Medical Sciences", "IRN")]
    trial.users = [UserRow("coordinator1", "coordinator"), UserRow("investigator1", "investigator")]
    arms = [arm.id for arm in protocol.arms]
    for index in range(participants):
        _add_participant(trial, index, arms[index % len(arms)])
    # A screen failure: an inclusion criterion not met (IE records it).
    inclusion = next(c.id for c in protocol.criteria if c.kind == "inclusion")
    trial.screenings.append(ScreeningRow("KUMS-900", START, False, (CriterionResult(inclusion, False),)))
    # The order a service reads them in: participant, visit, occurrence, form (stable inside a form).
    for rows in (trial.values, trial.audit, trial.queries, trial.signatures):
        rows.sort(key=lambda row: row.form_key)
    return trial


def _add_participant(trial: Trial, index: int, arm: str) -> None:
    protocol = trial.protocol
    code = f"KUMS-{index + 1:03d}"
    randomized_on = START + timedelta(days=index)
    first_dose = (
        randomized_on + timedelta(days=3)
        if protocol.dosing and arm in protocol.dosing.arms and protocol.dosing.arms[arm].steps
        else None
    )
    trial.participants.append(
        ParticipantRow(
            code=code,
            site="KUMS",
            arm=arm,
            sex="female" if index % 2 == 0 else "male",
            birth_year=1990 + index,
            age_years=36 - index,
            status="on_study",
            consented_on=randomized_on - timedelta(days=2),
            randomized_on=randomized_on,
            first_dose_on=first_dose,
            last_dose_on=first_dose,
            ended_on=None,
            country="IRN",
            history=(
                StatusChange("screening", randomized_on - timedelta(days=2)),
                StatusChange("on_study", randomized_on),
            ),
        )
    )
    _add_events(trial, code, arm, randomized_on, first_dose)
    _add_visits(trial, code, arm, randomized_on, index)


def _add_events(trial: Trial, code: str, arm: str, randomized_on: date, first_dose: date | None) -> None:
    """Screening, the first dose, one adverse event and one concomitant medication."""
    protocol = trial.protocol
    trial.screenings.append(
        ScreeningRow(
            code,
            randomized_on - timedelta(days=2),
            True,
            tuple(CriterionResult(c.id, c.kind == "inclusion") for c in protocol.criteria),
        )
    )
    if first_dose is not None:
        assert protocol.dosing is not None
        step = protocol.dosing.arms[arm].steps[0]
        trial.doses.append(
            DoseRow(
                code,
                1,
                step.id,
                step.amount,
                step.unit,
                step.route,
                datetime.combine(first_dose, time(10), tzinfo=UTC),
                lot="LOT-1",
            )
        )
    trial.adverse_events.append(
        AdverseEventRow(
            code,
            1,
            "Headache",
            1,
            False,
            (),
            "unlikely",
            randomized_on + timedelta(days=5),
            None,
            "not_recovered",
        )
    )
    trial.medications.append(
        MedicationRow(
            code,
            1,
            "Hydroxychloroquine",
            "antimalarial",
            Decimal(200),
            "mg",
            randomized_on - timedelta(days=300),
            None,
            True,
        )
    )


def _add_visits(trial: Trial, code: str, arm: str, randomized_on: date, index: int) -> None:
    """Visit rows and, for every form of each visit, one value per item (plus audit, queries, signatures)."""
    n = index
    for visit_id, occurrence, on in _visit_dates(trial.protocol, arm, randomized_on):
        trial.visits.append(VisitRow(code, visit_id, occurrence, "done", on))
        for form in trial.protocol.forms:
            if visit_id in form.visits:
                n = _add_form(trial, n, code, arm, (visit_id, occurrence, on), form)


def _add_form(
    trial: Trial, n: int, code: str, arm: str, visit: tuple[str, int, date], form: FormDefinition
) -> int:
    visit_id, occurrence, on = visit
    entered_at = datetime.combine(on, time(12), tzinfo=UTC)
    for section in form.sections:
        items = [(i, None, None) for i in section.items]
        items += [(i, g.id, 1) for g in section.groups for i in g.items]
        for item, group, row in items:
            n += 1
            value = _value(trial.protocol, item, n, on)
            flags = ("H",) if value[2] is not None and n % 4 == 0 else ()
            trial.values.append(
                _value_row(
                    code, arm, visit_id, occurrence, on, form, item, value, flags, entered_at, group, row
                )
            )
            if n % 7 == 0:
                earlier = entered_at - timedelta(hours=1)
                trial.audit.append(
                    AuditRow(
                        code,
                        "KUMS",
                        visit_id,
                        occurrence,
                        form.id,
                        item.id,
                        "0",
                        "insert",
                        earlier,
                        "coordinator1",
                        None,
                        group,
                        row,
                    )
                )
    if n % 5 == 0:
        first_item = next(form.all_items()).id
        trial.queries.append(
            QueryRow(
                code,
                visit_id,
                occurrence,
                form.id,
                first_item,
                1,
                "Please confirm",
                "open",
                entered_at,
                "investigator1",
            )
        )
    signed_at = entered_at + timedelta(days=1)
    trial.signatures.append(
        SignatureRow(code, "KUMS", visit_id, occurrence, form.id, "investigator1", signed_at, "approval")
    )
    return n


def _value_row(
    code: str,
    arm: str,
    visit_id: str,
    occurrence: int,
    on: date,
    form: FormDefinition,
    item: ItemDefinition,
    value: tuple[str | None, str | None, Decimal | None, str | None],
    flags: tuple[str, ...],
    entered_at: datetime,
    group: str | None,
    row: int | None,
) -> ValueRow:
    entered, unit, standardized, canonical = value
    return ValueRow(
        participant=code,
        site="KUMS",
        arm=arm,
        visit=visit_id,
        occurrence=occurrence,
        visit_date=on,
        form=form.id,
        form_version=form.version,
        item=item.id,
        value=entered,
        unit=unit,
        standardized=standardized,
        canonical_unit=canonical,
        flags=flags,
        entered_at=entered_at,
        entered_by="coordinator1",
        group=group,
        group_row=row,
    )
