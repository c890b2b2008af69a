"""Participants and what happened to them outside forms: pseudonymous rows, sorted by participant code.

The identity table is never read: a participant is its study code, sex and year of birth; the arm comes
from the allocation only. Dates are study-local days.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, Literal

from django.db.models import Max, Min, OuterRef, QuerySet, Subquery

from trialdesk.interop.rows import ParticipantRow, StatusChange
from trialdesk.records.models import Allocation, ConsentRecord, ConsentWithdrawal, Participant
from trialdesk.records.treatment.models import Administration
from trialdesk.services.clock import local_date
from trialdesk.services.exports.common import CHUNK, Scope

_SEX: dict[str, Literal["female", "male", "unknown"]] = {"female": "female", "male": "male"}


def _before(rows: QuerySet[Any, Any], field: str, scope: Scope) -> QuerySet[Any, Any]:
    return rows if scope.until is None else rows.filter(**{f"{field}__lt": scope.until})


def _first(queryset: QuerySet[Any, Any], field: str) -> Subquery:
    return Subquery(queryset.filter(participant_id=OuterRef("pk")).values(field)[:1])


def _annotated(scope: Scope) -> QuerySet[Participant, Any]:
    allocation = _before(Allocation.objects.all(), "allocated_at", scope)
    consent = _before(ConsentRecord.objects.all(), "recorded_at", scope).order_by("consented_on")
    withdrawal = _before(ConsentWithdrawal.objects.all(), "recorded_at", scope)
    doses = _before(Administration.objects.all(), "given_at", scope).filter(participant_id=OuterRef("pk"))
    people = _before(Participant.objects.filter(study_id=scope.study_id), "registered_at", scope)
    annotated: QuerySet[Participant, Any] = people.annotate(
        arm=_first(allocation, "arm"),
        allocated_at=_first(allocation, "allocated_at"),
        consented_on=_first(consent, "consented_on"),
        withdrawn_on=_first(withdrawal, "withdrawn_on"),
        withdrawal_reason=_first(withdrawal, "reason"),
        first_dose=Subquery(doses.values("participant_id").annotate(at=Min("given_at")).values("at")[:1]),
        last_dose=Subquery(doses.values("participant_id").annotate(at=Max("given_at")).values("at")[:1]),
    ).order_by("study_code")
    return annotated


def _day(moment: datetime | None) -> date | None:
    return None if moment is None else local_date(moment)


def participant_rows(scope: Scope) -> Iterator[ParticipantRow]:
    """One row per participant registered (before the cut-off), sorted by code."""
    fields = ("study_code", "site__code", "sex", "year_of_birth", "status", "registered_at", "arm",
              "allocated_at", "consented_on", "withdrawn_on", "withdrawal_reason", "first_dose", "last_dose")  # fmt: skip
    for row in _annotated(scope).values(*fields).iterator(chunk_size=CHUNK):
        randomized_on = _day(row["allocated_at"])
        history = [StatusChange("registered", local_date(row["registered_at"]))]
        if row["consented_on"]:
            history.append(StatusChange("consented", row["consented_on"]))
        if randomized_on:
            history.append(StatusChange("randomized", randomized_on))
        if row["withdrawn_on"]:
            history.append(StatusChange("withdrawn", row["withdrawn_on"], row["withdrawal_reason"] or None))
        yield ParticipantRow(
            code=row["study_code"],
            site=row["site__code"],
            arm=row["arm"],
            sex=_SEX.get(row["sex"], "unknown"),
            birth_year=row["year_of_birth"],
            age_years=None,
            status=row["status"] if scope.until is None else history[-1].status,
            consented_on=row["consented_on"],
            randomized_on=randomized_on,
            first_dose_on=_day(row["first_dose"]),
            last_dose_on=_day(row["last_dose"]),
            ended_on=row["withdrawn_on"],
            end_reason="withdrawal by subject" if row["withdrawn_on"] else None,
            history=tuple(history),
        )
