"""What a dose or a pre-dose safety check holds that cannot be stored at all, checked before the dosing gate
runs: text within its column and free of control characters, an amount that fits its column and is more than 0,
times not before the study could start (its ethics approval) and not in the future.

The gate's own answer (a pause, a missing check, a step given too early) is a different refusal (Conflict); a
value that is simply wrong is refused here first, naming the field, whatever the gate would have said."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from trialdesk.core.input_rules import (
    LONG_TEXT,
    clinical_date_problems,
    decimal_problems,
    raise_problems,
    text_problems,
)
from trialdesk.errors import Problem
from trialdesk.protocol.registration import earliest_study_date
from trialdesk.records.models import Participant
from trialdesk.services.clock import local_date
from trialdesk.services.treatment._common import governing

# Administration.amount_given is DECIMAL(12, 4); ids are CharField(60); names CharField(150).
AMOUNT_DIGITS, AMOUNT_PLACES = 12, 4
ID_LENGTH, NAME_LENGTH = 60, 150


def _time_problems(
    times: tuple[datetime | None, ...], *, earliest: date | None, now: datetime
) -> list[Problem]:
    problems: list[Problem] = []
    for where, moment in zip(TIME_FIELDS, times, strict=True):
        if moment is not None and moment.tzinfo is not None:
            day = local_date(moment)
            problems += clinical_date_problems(day, where=where, earliest=earliest, today=local_date(now))
    return problems


TIME_FIELDS = ("given_at", "infusion_started_at", "infusion_stopped_at")


def check_dose_input(
    participant: Participant,
    now: datetime,
    texts: tuple[str, str, str, str],
    amount_given: Decimal,
    times: tuple[datetime | None, datetime | None, datetime | None],
) -> None:
    """Refuse a dose whose values cannot be stored, naming every field. `texts`: step_id, lot_id,
    immediate_reaction, given_by as typed; `times`: given_at and the infusion's start and stop."""
    step_id, lot_id, immediate_reaction, given_by = texts
    problems = text_problems(step_id, where="step_id", max_length=ID_LENGTH, required=True)
    problems += text_problems(lot_id, where="lot_id", max_length=ID_LENGTH, required=True)
    fits = decimal_problems(
        amount_given, where="amount_given", max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES
    )
    problems += fits
    if not fits and amount_given <= 0:
        problems.append(Problem("amount_given", "must be more than 0"))
    problems += text_problems(
        immediate_reaction, where="immediate_reaction", max_length=LONG_TEXT, multiline=True
    )
    problems += text_problems(given_by, where="given_by", max_length=NAME_LENGTH)
    earliest = earliest_study_date(governing(participant).registration)
    problems += _time_problems(times, earliest=earliest, now=now)
    raise_problems(problems, "The dose cannot be recorded")


def check_safety_check_input(*, step_id: str, answers: dict[str, str], symptoms: str) -> None:
    """Refuse a safety check whose text cannot be stored (the answers are checked against the protocol)."""
    problems = text_problems(step_id, where="step_id", max_length=ID_LENGTH, required=True)
    for key, value in answers.items():
        problems += text_problems(key, where=f"answers.{key[:ID_LENGTH]}", max_length=ID_LENGTH)
        problems += text_problems(value, where=f"answers.{key[:ID_LENGTH]}", max_length=ID_LENGTH)
    problems += text_problems(symptoms, where="symptoms", max_length=LONG_TEXT, multiline=True)
    raise_problems(problems, "The pre-dose safety check cannot be signed")


# A vital sign is a measurement: more than 0, at most 5 digits before the point (a typing accident or an
# attack otherwise); whether it is in the protocol's acceptable range is the clinician's answer, not this one.
VITAL_DIGITS, VITAL_PLACES = 7, 2


def vital_sign_problems(value: Decimal, where: str) -> list[Problem]:
    fits = decimal_problems(value, where=where, max_digits=VITAL_DIGITS, decimal_places=VITAL_PLACES)
    if not fits and value <= 0:
        return [Problem(where, "must be more than 0")]
    return fits
