"""Protocol section `schedule:` - the visit schedule: visits with a target day and a window, anchored on
randomization, an injection or the previous visit, optionally repeating.

The pure rules that turn it into dates are in `trialdesk.core.schedule`; `protocol.treatment` checks that
anchors name real dosing steps and that visit arms exist (`treatment_problems`).
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from trialdesk.protocol.base import ProtocolModel, Text

Slug = str
ANCHOR_PATTERN = re.compile(r"^(randomization|each_injection|previous_visit|injection:[a-z0-9_\-]+)$")


class RepeatRule(ProtocolModel):
    """The visit occurs `count` times; each later occurrence is anchored on the previous one (done or target)."""

    count: int = Field(ge=2)


class Visit(ProtocolModel):
    """A visit: its target is `anchor + offset_days`, its window `anchor + window_earliest_days ... + window_latest_days`.

    Anchors: `randomization`; `each_injection` (one occurrence per actual injection); `injection:<step id>`
    (the latest actual injection of that step); `previous_visit` (the latest occurrence of the visit listed
    before this one for the same arm).
    """

    id: Slug
    label: Text
    anchor: str
    offset_days: int
    window_earliest_days: int
    window_latest_days: int
    arms: list[Slug] = Field(min_length=1)
    repeat: RepeatRule | None = None

    @field_validator("anchor")
    @classmethod
    def _anchor_is_known(cls, anchor: str) -> str:
        if not ANCHOR_PATTERN.match(anchor):
            raise ValueError(
                "anchor must be 'randomization', 'each_injection', 'previous_visit' or 'injection:<step id>'"
            )
        return anchor

    @model_validator(mode="after")
    def _window_contains_target(self) -> Visit:
        if not self.window_earliest_days <= self.offset_days <= self.window_latest_days:
            raise ValueError("the window must contain the target: earliest <= offset <= latest days")
        if self.repeat is not None and self.anchor == "each_injection":
            raise ValueError("an each_injection visit already repeats with every injection; drop 'repeat'")
        return self

    @property
    def anchor_step(self) -> str | None:
        return self.anchor.split(":", 1)[1] if self.anchor.startswith("injection:") else None


class VisitSchedule(ProtocolModel):
    visits: list[Visit] = Field(min_length=1)

    @field_validator("visits")
    @classmethod
    def _ids_unique(cls, visits: list[Visit]) -> list[Visit]:
        ids = [v.id for v in visits]
        if len(set(ids)) != len(ids):
            raise ValueError("visit ids must be unique")
        first_for_arm: dict[str, Visit] = {}
        for visit in visits:
            for arm_id in visit.arms:
                first_for_arm.setdefault(arm_id, visit)
        for arm_id, visit in first_for_arm.items():
            if visit.anchor == "previous_visit":
                raise ValueError(
                    f"visit '{visit.id}' is the first visit of arm '{arm_id}': it has no previous visit"
                )
        return visits

    def for_arm(self, arm_id: str) -> list[Visit]:
        return [v for v in self.visits if arm_id in v.arms]


__all__ = ["ANCHOR_PATTERN", "RepeatRule", "Visit", "VisitSchedule"]
