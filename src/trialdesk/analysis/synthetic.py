"""A seeded simulated trial as analysis-shaped frames (for tests, benchmarks and, later, the demo simulator).

Shape of the seed trial: screening with screen failures, 1:1 randomization, exosome doses on a four-step
ladder, labs on the shared schedule (baseline, days 49/98/147/196 with jitter), a plausible effect of the
exosomes on antibodies, SLEDAI-2K and lipids with noise, withdrawals and losses, adverse events with one SAE.
Nothing here is real data; the numbers are only plausible. Every row is built by column name (`frame_of`), so
a column added to a specification can never shift the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from trialdesk.analysis.datasets import (
    ADVERSE_EVENTS,
    ASSESSMENTS,
    DOSES,
    PARTICIPANTS,
    SCREENING,
    coerce,
    frame_of,
)

SCHEDULE_DAYS = (0, 49, 98, 147, 196)
FORM_VERSION = "1.0"  # the simulated trial is never amended: every value is entered on one form version
LADDER = (("step_1", 0.4), ("step_2", 1.0), ("step_3", 2.0), ("step_4", 4.0))
TITRES = ("negative", "1:40", "1:80", "1:160", "1:320", "1:640", "1:1280", "1:2560")
# parameter: (unit, baseline mean, baseline sd, effect of the first arm by day 196, noise sd, ref low, ref high)
CONTINUOUS = {
    "glucose": ("mg/dL", 95.0, 12.0, -6.0, 6.0, 70.0, 100.0),
    "triglycerides": ("mg/dL", 170.0, 45.0, -25.0, 20.0, None, 150.0),
    "acl_igg": ("GPL U/mL", 30.0, 15.0, -10.0, 5.0, None, 40.0),
    "acl_igm": ("MPL U/mL", 22.0, 10.0, -6.0, 4.0, None, 40.0),
    "b2gpi_igg": ("U/mL", 15.0, 8.0, -5.0, 3.0, None, 20.0),
    "b2gpi_igm": ("U/mL", 12.0, 6.0, -4.0, 3.0, None, 20.0),
    "anti_dsdna": ("IU/mL", 80.0, 40.0, -30.0, 15.0, None, 30.0),
    "c3": ("mg/dL", 70.0, 15.0, 12.0, 6.0, 75.0, 175.0),
    "c4": ("mg/dL", 11.0, 4.0, 3.0, 2.0, 10.0, 40.0),
    "sledai_total": ("points", 14.0, 4.0, -6.0, 2.5, None, None),
    "pga": ("points", 1.8, 0.5, -0.7, 0.3, None, None),
}
AE_TERMS = (
    ("Infusion related reaction", "Injury, poisoning and procedural complications"),
    ("Fever", "General disorders and administration site conditions"),
    ("Headache", "Nervous system disorders"),
    ("Nausea", "Gastrointestinal disorders"),
    ("Upper respiratory infection", "Infections and infestations"),
    ("Hypertriglyceridemia", "Metabolism and nutrition disorders"),
)


@dataclass(frozen=True)
class SimulatedTrial:
    screening: pd.DataFrame
    participants: pd.DataFrame
    assessments: pd.DataFrame
    adverse_events: pd.DataFrame
    doses: pd.DataFrame
    arms: tuple[str, ...]


def simulate_trial(
    n: int = 20, seed: int = 13, arms: tuple[str, ...] = ("exosome", "control")
) -> SimulatedTrial:
    """`n` randomized participants (about 1 in 5 screened is excluded); the first arm gets the product."""
    rng = np.random.default_rng(seed)
    screening = _screening(rng, n)
    participants = _participants(rng, n, arms)
    doses = _doses(rng, participants, arms[0])
    assessments = _assessments(rng, participants, arms[0])
    events = _adverse_events(rng, participants, doses)
    return SimulatedTrial(
        coerce(screening, SCREENING),
        coerce(participants, PARTICIPANTS),
        coerce(assessments, ASSESSMENTS),
        coerce(events, ADVERSE_EVENTS),
        coerce(doses, DOSES),
        arms,
    )


def _screening(rng: np.random.Generator, n: int) -> pd.DataFrame:
    failures = max(3, n // 4)
    categories = rng.choice(["not_meeting_criteria", "declined", "other"], size=failures, p=[0.6, 0.3, 0.1])
    reasons = {
        "not_meeting_criteria": "diabetes or other endocrine disorder",
        "declined": "declined consent",
        "other": "moved away",
    }
    rows: list[dict[str, object]] = [
        {"screening_id": f"S{i + 1:05d}", "outcome": "randomized"} for i in range(n)
    ]
    rows += [
        {
            "screening_id": f"S{n + i + 1:05d}",
            "outcome": "excluded",
            "exclusion_category": str(c),
            "exclusion_reason": reasons[str(c)],
        }
        for i, c in enumerate(categories)
    ]
    return frame_of(rows, SCREENING)


def _participants(rng: np.random.Generator, n: int, arms: tuple[str, ...]) -> pd.DataFrame:
    allocation = np.array([arms[i % len(arms)] for i in range(n)])
    rng.shuffle(allocation)
    start = date(2024, 1, 6)
    rows = []
    for i, arm in enumerate(allocation):
        randomized = start + timedelta(days=int(7 * i * 20 / max(n, 1)))
        fate = rng.random()
        withdrawn, lost = fate < 0.08, 0.08 <= fate < 0.13
        not_received = arm == arms[0] and rng.random() < 0.05
        last_day = int(rng.integers(60, 150)) if (withdrawn or lost) else 204 + int(rng.integers(0, 8))
        treated = arm if not not_received else arms[-1]
        product = treated == arms[0]
        rows.append(
            {
                "participant": f"P{i + 1:04d}",
                "arm_randomized": arm,
                "arm_treated": treated,
                "randomized_on": pd.Timestamp(randomized),
                "first_dose_on": pd.Timestamp(randomized + timedelta(days=1)) if product else pd.NaT,
                "last_dose_on": pd.Timestamp(randomized + timedelta(days=15)) if product else pd.NaT,
                "last_contact_on": pd.Timestamp(randomized + timedelta(days=last_day)),
                "itt": True,
                "safety": True,
                "per_protocol": not (withdrawn or lost or not_received),
                "per_protocol_exclusion": "withdrawn"
                if withdrawn
                else "lost to follow-up"
                if lost
                else "did not receive allocated intervention"
                if not_received
                else None,
                "received_allocated": not not_received,
                "not_received_reason": "venous access failed" if not_received else None,
                "discontinued_intervention": bool(withdrawn),
                "discontinuation_reason": "withdrew consent" if withdrawn else None,
                "lost_to_follow_up": bool(lost),
                "lost_reason": "moved to another city" if lost else None,
                "withdrawn": bool(withdrawn),
                "withdrawal_reason": "withdrew consent" if withdrawn else None,
                "completed": not (withdrawn or lost),
                "age_years": float(np.round(rng.normal(34, 9), 1)),
                "sex": "female" if rng.random() < 0.88 else "male",
                "bmi": float(np.round(rng.normal(25, 4), 1)),
                "disease_duration_years": float(np.round(rng.gamma(2.0, 3.0), 1)),
                "lupus_nephritis": bool(rng.random() < 0.6),
                "prednisolone_mg_day": float(np.round(rng.choice([5, 7.5, 10, 15, 20]), 1)),
            }
        )
    return frame_of(rows, PARTICIPANTS)


def _doses(rng: np.random.Generator, participants: pd.DataFrame, product_arm: str) -> pd.DataFrame:
    rows = []
    for row in participants.itertuples():
        if row.arm_treated != product_arm:
            continue
        steps = len(LADDER) if not row.withdrawn else int(rng.integers(1, len(LADDER)))
        for number, (step, units) in enumerate(LADDER[:steps], start=1):
            partial = bool(rng.random() < 0.05)
            given = units * (0.5 if partial else 1.0)
            lot = f"EXO-{2024}-{1 + number % 2:02d}"
            rows.append(
                {
                    "participant": row.participant,
                    "dose_number": number,
                    "ladder_step": step,
                    "units": given,
                    "partial": partial,
                    "lot": lot,
                    "study_day": 1 + 4 * (number - 1),
                }
            )
    return frame_of(rows, DOSES)


def _assessments(rng: np.random.Generator, participants: pd.DataFrame, product_arm: str) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    for row in participants.itertuples():
        last = int((pd.Timestamp(str(row.last_contact_on)) - pd.Timestamp(str(row.randomized_on))).days)
        effect_on = row.arm_treated == product_arm
        level = rng.normal(0, 1)  # participant's own level, shared by every parameter's baseline
        for day in SCHEDULE_DAYS:
            actual = day - int(rng.integers(0, 4)) if day == 0 else day + int(rng.integers(-7, 8))
            if actual > last:
                break
            fraction = max(actual, 0) / 196 if effect_on else 0.0
            rows += _continuous_rows(rng, row, actual, fraction, level)
            rows += _coded_rows(rng, row, actual, fraction, level)
    return frame_of(rows, ASSESSMENTS)


def _flag(value: float, low: float | None, high: float | None) -> str | None:
    if low is None and high is None:
        return None
    return (
        "low"
        if low is not None and value < low
        else "high"
        if high is not None and value > high
        else "normal"
    )


def _assessment(row: object, parameter: str, day: int, **values: object) -> dict[str, object]:
    """One assessments row by column name; `values` are the value, code, unit, flag and grade it has."""
    return {
        "participant": getattr(row, "participant"),  # noqa: B009
        "arm": getattr(row, "arm_randomized"),  # noqa: B009
        "parameter": parameter,
        "study_day": day,
        "form_version": FORM_VERSION,
        **values,
    }


def _continuous_rows(
    rng: np.random.Generator, row: object, day: int, fraction: float, level: float
) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for name, (unit, mean, sd, effect, noise, low, high) in CONTINUOUS.items():
        seed_value = mean + sd * (0.6 * level + 0.8 * rng.normal()) if day <= 0 else None
        base = seed_value if seed_value is not None else mean + sd * 0.6 * level
        value = max(base + effect * fraction + noise * rng.normal(), 0.0)
        value = round(value, 2 if name == "pga" else 1)
        if name == "pga":
            value = min(value, 3.0)
        grade = None
        if name == "triglycerides" and value >= 150:
            grade = 1 if value <= 300 else 2 if value <= 500 else 3
        flag = _flag(value, low, high)
        out.append(
            _assessment(row, name, day, value=value, unit=unit, reference_flag=flag, ctcae_grade=grade)
        )
    return out


def _coded_rows(
    rng: np.random.Generator, row: object, day: int, fraction: float, level: float
) -> list[dict[str, object]]:
    step = int(np.clip(round(4.5 + level - 2.5 * fraction + rng.normal(0, 0.7)), 0, len(TITRES) - 1))
    titre = TITRES[step]
    la = "positive" if rng.random() < 0.3 - 0.15 * fraction else "negative"
    responder = "true" if day > 0 and rng.random() < 0.25 + 0.45 * fraction else "false"
    flag = "high" if step >= 2 else "normal"
    rows = [
        _assessment(
            row, "ana_titre", day, value=float(step), value_code=titre, unit="titer", reference_flag=flag
        ),
        _assessment(row, "lupus_anticoagulant", day, value_code=la),
    ]
    if day > 0:
        rows.append(_assessment(row, "modified_sri4_response", day, value_code=responder))
    return rows


def _adverse_events(
    rng: np.random.Generator, participants: pd.DataFrame, doses: pd.DataFrame
) -> pd.DataFrame:
    last_dose = doses.groupby("participant")["study_day"].apply(list).to_dict()
    rows: list[dict[str, object]] = []
    sae_done = False
    for row in participants.itertuples():
        for _ in range(int(rng.poisson(1.2))):
            term, soc = AE_TERMS[int(rng.integers(0, len(AE_TERMS)))]
            onset = int(rng.integers(1, 190))
            given = [d for d in last_dose.get(row.participant, []) if d <= onset]
            grade = int(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1]))
            serious = not sae_done and grade == 3 and bool(given)
            sae_done = sae_done or serious
            related = bool(given) and rng.random() < 0.4
            rows.append(_event_row(row, len(rows), term, soc, grade, serious, related, onset, given))
    if not sae_done and rows:  # the seed trial always has one SAE
        rows[0] = {
            **rows[0],
            "serious": True,
            "worst_grade": 3,
            "expedited_due": True,
            "expedited_on_time": True,
            "narrative": "Hospitalised for observation after a grade 3 event; recovered.",
        }
    return frame_of(rows, ADVERSE_EVENTS)


def _event_row(
    row: object,
    index: int,
    term: str,
    soc: str,
    grade: int,
    serious: bool,
    related: bool,
    onset: int,
    given: list[int],
) -> dict[str, object]:
    return {
        "participant": getattr(row, "participant"),  # noqa: B009
        "arm_treated": getattr(row, "arm_treated"),  # noqa: B009
        "event": f"AE{index + 1:05d}",
        "term": term,
        "soc": soc,
        "worst_grade": grade,
        "serious": serious,
        "relationship": "possible" if related else "not_related",
        "related": related,
        "onset_day": onset,
        "days_after_last_dose": onset - max(given) if given else None,
        "led_to_stop": bool(related and grade >= 3),
        "expedited_due": serious,
        "expedited_on_time": True if serious else None,
        "narrative": "Hospitalised for observation after a grade 3 event; recovered." if serious else None,
    }
