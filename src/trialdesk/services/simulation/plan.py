"""What happens to each simulated person, decided up front from the seed (no database): who fails screening
and why, who declines, who withdraws or is lost, the latent disease level, and every random draw a visit needs.

Each person draws from their own generator (`seed`, index), so a person's values do not depend on the arm the
list gives them; the arm effect is applied when the values are written (`values.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

EXCLUSIONS = (  # screen-failure reasons: exclusion criteria of the seed protocol met at screening
    "diabetes_or_endocrine_disorder",
    "uncontrolled_hypertension",
    "pregnancy_or_breastfeeding",
    "severe_renal_failure",
    "other_autoimmune_disease",
)
FOLLOW_UP_DAYS = 196  # end of study, week 28 after randomization
RECRUITMENT_GAP_DAYS = 3  # one person registered every few days


@dataclass(frozen=True)
class PersonPlan:
    index: int
    fate: str  # screen_failure | declined | completed | withdrawn | lost
    exclusion: str | None
    registered_on: date
    sex: str
    year_of_birth: int
    level: float  # the person's disease activity relative to the mean, in SDs
    stop_day: int  # the day after randomization after which nothing happens (withdrawal / loss)
    seed: tuple[int, int]

    @property
    def randomized(self) -> bool:
        return self.fate in ("completed", "withdrawn", "lost")

    def rng(self, *stream: int) -> np.random.Generator:
        """A generator for one purpose (visit, form) of this person: same draws whatever else happened."""
        return np.random.default_rng([*self.seed, *stream])


def _counts(participants: int) -> dict[str, int]:
    """How many of each fate: `participants` to randomize, plus screen failures and decliners around them."""
    withdrawn = max(1, round(participants * 0.05))
    lost = max(1, round(participants * 0.05))
    return {
        "screen_failure": max(2, round(participants * 0.15)),
        "declined": max(1, round(participants * 0.05)),
        "withdrawn": withdrawn,
        "lost": lost,
        "completed": max(0, participants - withdrawn - lost),
    }


def plan_trial(participants: int, seed: int, first_day: date) -> list[PersonPlan]:
    """Everyone registered, in order; the fates are shuffled by the seed (the first two people are always
    randomized, so a tiny simulation still has both arms)."""
    rng = np.random.default_rng(seed)
    fates = [fate for fate, count in _counts(participants).items() for _ in range(count)]
    head, tail = fates[-2:], fates[:-2]
    order = [tail[i] for i in rng.permutation(len(tail))]
    fates = head + order
    people = []
    for index, fate in enumerate(fates):
        draw = np.random.default_rng([seed, index])
        people.append(
            PersonPlan(
                index=index,
                fate=fate,
                exclusion=EXCLUSIONS[index % len(EXCLUSIONS)] if fate == "screen_failure" else None,
                registered_on=first_day + timedelta(days=RECRUITMENT_GAP_DAYS * index),
                sex="female" if draw.random() < 0.88 else "male",
                year_of_birth=int(np.clip(round(draw.normal(1991, 9)), 1960, 2006)),
                level=float(draw.normal(0, 1)),
                stop_day=int(draw.integers(60, 140))
                if fate in ("withdrawn", "lost")
                else FOLLOW_UP_DAYS + 30,
                seed=(seed, index),
            )
        )
    return people


def people_count(participants: int) -> int:
    """Everyone registered for `participants` to randomize."""
    return sum(_counts(participants).values())


def trial_length_days(people: int) -> int:
    """Days from the first registration to the last participant's end of study (and a little after)."""
    return RECRUITMENT_GAP_DAYS * people + FOLLOW_UP_DAYS + 30
