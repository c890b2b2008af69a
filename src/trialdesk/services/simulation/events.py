"""The simulated trial as one calendar of events, executed in time order through the services.

Time order matters: a serious related event pauses exosome dosing in the whole study until the committee
decides, so every dose in between must see the pause (it is moved to the next day, as a site would).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from itertools import count

Action = Callable[[], object]

DOSE_DAYS = (1, 4, 7, 11, 15, 64, 113, 162)  # the five ladder steps, then three maintenance doses (7 weeks)
ASSESSMENTS = (("assessment_w7", 49), ("assessment_w14", 98), ("assessment_w21", 147), ("end_of_study", 196))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A time on `day` in UTC (study days are local; morning hours in UTC stay on the same local day)."""
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


@dataclass(order=True)
class Event:
    when: datetime
    order: int
    action: Action = field(compare=False)
    label: str = field(compare=False, default="")


@dataclass
class Calendar:
    """A priority queue of events; `run` sets the shared clock to each event's time and calls it."""

    events: list[Event] = field(default_factory=list)
    _order: count[int] = field(default_factory=count)

    def add(self, when: datetime, action: Action, label: str = "") -> None:
        heapq.heappush(self.events, Event(when, next(self._order), action, label))

    def run(self, set_time: Callable[[datetime], None], until: datetime) -> int:
        done = 0
        while self.events and self.events[0].when <= until:
            event = heapq.heappop(self.events)
            set_time(event.when)
            event.action()
            done += 1
        return done
