"""A participant's visit calendar: windows from the protocol, anchored on what actually happened.

Each visit occurrence has an earliest, a target and a latest date, counted from its anchor:
randomization, each actual injection, the latest actual injection of a named step, or the previous visit.
Windows follow the real dates: a late injection moves the laboratory draw that follows it; a repeated visit
is anchored on the previous occurrence's actual date when it was done (its target date otherwise).
A visit whose anchor has not happened yet (e.g. the injection is not given) is listed as awaiting its anchor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from trialdesk.errors import Problem, ValidationFailed
from trialdesk.protocol.base import Text
from trialdesk.protocol.treatment import Visit, VisitSchedule


@dataclass(frozen=True)
class Injection:
    """An injection actually given (the date in the site's calendar)."""

    step_id: str
    given_on: date


@dataclass(frozen=True, kw_only=True)
class RecordedVisit:
    """What the site recorded for one occurrence of a visit: the date it was done, or that it was missed."""

    visit_id: str
    occurrence: int
    done_on: date | None = None
    missed: bool = False

    def __post_init__(self) -> None:
        if (self.done_on is None) == (not self.missed):
            raise ValidationFailed(
                f"Visit {self.visit_id} #{self.occurrence}: record either the date it was done or that it was missed",
                (Problem("done_on", "exactly one of done_on / missed"),),
            )


@dataclass(frozen=True)
class VisitOccurrence:
    visit_id: str
    occurrence: int  # 1-based
    label: Text
    anchor_date: date
    anchored_on: str  # e.g. "injection step_2 on 2026-01-13"
    earliest: date
    target: date
    latest: date

    def contains(self, day: date) -> bool:
        return self.earliest <= day <= self.latest


@dataclass(frozen=True)
class ParticipantCalendar:
    occurrences: tuple[VisitOccurrence, ...]
    awaiting_anchor: tuple[str, ...]  # visit ids whose anchor has not happened yet


class VisitStatus(StrEnum):
    DONE_IN_WINDOW = "done_in_window"
    DONE_OUT_OF_WINDOW = "done_out_of_window"
    MISSED = "missed"
    UPCOMING = "upcoming"  # window not open yet
    DUE = "due"  # window open, not done
    OVERDUE = "overdue"  # window closed, not done and not recorded as missed


@dataclass(frozen=True)
class DeviationSuggestion:
    """A visit done outside its window: a protocol deviation the monitor should consider."""

    visit_id: str
    occurrence: int
    done_on: date
    days_outside: int  # negative: early; positive: late
    message: str


@dataclass(frozen=True)
class VisitState:
    occurrence: VisitOccurrence
    status: VisitStatus
    recorded: RecordedVisit | None
    deviation: DeviationSuggestion | None


def _key(recorded: Sequence[RecordedVisit]) -> dict[tuple[str, int], RecordedVisit]:
    return {(r.visit_id, r.occurrence): r for r in recorded}


def _occurrence(visit: Visit, number: int, anchor_date: date, anchored_on: str) -> VisitOccurrence:
    return VisitOccurrence(
        visit.id,
        number,
        visit.label,
        anchor_date,
        anchored_on,
        anchor_date + timedelta(days=visit.window_earliest_days),
        anchor_date + timedelta(days=visit.offset_days),
        anchor_date + timedelta(days=visit.window_latest_days),
    )


def _actual_or_target(occurrence: VisitOccurrence, recorded: dict[tuple[str, int], RecordedVisit]) -> date:
    done = recorded.get((occurrence.visit_id, occurrence.occurrence))
    return done.done_on if done is not None and done.done_on is not None else occurrence.target


def participant_calendar(
    schedule: VisitSchedule,
    *,
    arm: str,
    randomized_on: date,
    injections: Sequence[Injection],
    recorded: Sequence[RecordedVisit] = (),
) -> ParticipantCalendar:
    """Every visit occurrence of a participant of `arm`, in protocol order, with its window."""
    done = _key(recorded)
    given = sorted(injections, key=lambda i: i.given_on)
    occurrences: list[VisitOccurrence] = []
    awaiting: list[str] = []
    previous: list[VisitOccurrence] | None = None
    for visit in schedule.for_arm(arm):
        these: list[VisitOccurrence] = []
        if visit.anchor == "each_injection":
            these = [
                _occurrence(visit, n, inj.given_on, f"injection {inj.step_id} on {inj.given_on.isoformat()}")
                for n, inj in enumerate(given, start=1)
            ]
        else:
            first: tuple[date, str] | None = None
            if visit.anchor == "randomization":
                first = (randomized_on, f"randomization on {randomized_on.isoformat()}")
            elif visit.anchor == "previous_visit":
                if previous is None:
                    raise ValidationFailed(
                        f"Visit {visit.id} is anchored on the previous visit but is the first visit of arm {arm}",
                        (Problem(f"schedule.{visit.id}.anchor", "no previous visit"),),
                    )
                if previous:
                    day = _actual_or_target(previous[-1], done)
                    first = (day, f"visit {previous[-1].visit_id} on {day.isoformat()}")
            else:
                step_id = visit.anchor_step
                of_step = [i for i in given if i.step_id == step_id]
                if of_step:
                    day = of_step[-1].given_on
                    first = (day, f"injection {step_id} on {day.isoformat()}")
            if first is not None:
                these.append(_occurrence(visit, 1, first[0], first[1]))
                count = visit.repeat.count if visit.repeat is not None else 1
                for n in range(2, count + 1):
                    day = _actual_or_target(these[-1], done)
                    these.append(
                        _occurrence(visit, n, day, f"visit {visit.id} #{n - 1} on {day.isoformat()}")
                    )
        if not these:
            awaiting.append(visit.id)
        occurrences.extend(these)
        previous = these
    return ParticipantCalendar(tuple(occurrences), tuple(awaiting))


def visit_state(occurrence: VisitOccurrence, recorded: RecordedVisit | None, as_of: date) -> VisitState:
    """The status of one occurrence on `as_of`; a visit done outside its window suggests a protocol deviation."""
    if recorded is not None and recorded.missed:
        return VisitState(occurrence, VisitStatus.MISSED, recorded, None)
    if recorded is not None and recorded.done_on is not None:
        day = recorded.done_on
        if occurrence.contains(day):
            return VisitState(occurrence, VisitStatus.DONE_IN_WINDOW, recorded, None)
        outside = (
            (day - occurrence.earliest).days if day < occurrence.earliest else (day - occurrence.latest).days
        )
        word = f"{-outside} day(s) early" if outside < 0 else f"{outside} day(s) late"
        deviation = DeviationSuggestion(
            occurrence.visit_id,
            occurrence.occurrence,
            day,
            outside,
            f"{occurrence.label.en} #{occurrence.occurrence} was done on {day.isoformat()}, {word} "
            f"(window {occurrence.earliest.isoformat()} to {occurrence.latest.isoformat()}): "
            "consider recording a protocol deviation.",
        )
        return VisitState(occurrence, VisitStatus.DONE_OUT_OF_WINDOW, recorded, deviation)
    if as_of < occurrence.earliest:
        status = VisitStatus.UPCOMING
    elif as_of <= occurrence.latest:
        status = VisitStatus.DUE
    else:
        status = VisitStatus.OVERDUE
    return VisitState(occurrence, status, None, None)


def visit_states(
    calendar: ParticipantCalendar, recorded: Sequence[RecordedVisit], as_of: date
) -> tuple[VisitState, ...]:
    done = _key(recorded)
    return tuple(visit_state(o, done.get((o.visit_id, o.occurrence)), as_of) for o in calendar.occurrences)


def overdue_visits(
    calendar: ParticipantCalendar, recorded: Sequence[RecordedVisit], as_of: date
) -> tuple[VisitState, ...]:
    """Occurrences whose window has closed without a visit (and not recorded as missed), oldest first."""
    states = visit_states(calendar, recorded, as_of)
    return tuple(
        sorted((s for s in states if s.status is VisitStatus.OVERDUE), key=lambda s: s.occurrence.latest)
    )


__all__ = [
    "DeviationSuggestion",
    "Injection",
    "ParticipantCalendar",
    "RecordedVisit",
    "VisitOccurrence",
    "VisitState",
    "VisitStatus",
    "overdue_visits",
    "participant_calendar",
    "visit_state",
    "visit_states",
]
