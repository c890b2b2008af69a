"""Form answers of a simulated person at one visit, as the casebook service takes them: plausible levels for
lupus, noise, and for the exosome arm an effect growing to its full size at week 28 (ASSUMPTION: the sizes in
`analysis.synthetic.CONTINUOUS` — made up, only plausible)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from trialdesk.analysis.synthetic import CONTINUOUS, TITRES
from trialdesk.services.simulation.plan import FOLLOW_UP_DAYS, PersonPlan

LAB_PARAMETERS = (
    "glucose",
    "triglycerides",
    "acl_igg",
    "acl_igm",
    "b2gpi_igg",
    "b2gpi_igm",
    "anti_dsdna",
    "c3",
    "c4",
)
# SLEDAI-2K clinical descriptors the simulation may mark present (no laboratory descriptor, so no edit check
# asks for the supporting value), with their weights.
DESCRIPTORS = {"arthritis": 4, "rash": 2, "alopecia": 2, "mucosal_ulcers": 2, "pleurisy": 2, "myositis": 4}
OTHER_DESCRIPTORS = (
    "seizure", "psychosis", "organic_brain_syndrome", "visual_disturbance", "cranial_nerve_disorder",
    "lupus_headache", "cerebrovascular_accident", "vasculitis", "urinary_casts", "hematuria", "proteinuria",
    "pyuria", "pericarditis", "low_complement", "increased_dna_binding", "fever", "thrombocytopenia", "leukopenia",
)  # fmt: skip


def effect_fraction(treated: bool, day: int) -> float:
    return min(max(day, 0) / FOLLOW_UP_DAYS, 1.0) if treated else 0.0


def _draw(person: PersonPlan, stream: int, name: str, mean: float, sd: float, effect: float, noise: float,
          fraction: float) -> float:  # fmt: skip
    rng = person.rng(stream, sum(map(ord, name)))
    baseline = mean + sd * (0.6 * person.level + 0.8 * float(person.rng(0, sum(map(ord, name))).normal()))
    return max(baseline + effect * fraction + noise * float(rng.normal()), 0.1)


def lab_panel(person: PersonPlan, stream: int, fraction: float, sampled_on: date) -> dict[str, Any]:
    values: dict[str, Any] = {"sample_date": sampled_on.isoformat(), "fasting": "yes"}
    for name in LAB_PARAMETERS:
        unit, mean, sd, effect, noise, _low, _high = CONTINUOUS[name]
        value = _draw(person, stream, name, mean, sd, effect, noise, fraction)
        values[name] = {"value": f"{value:.1f}", "unit": unit}
    rng = person.rng(stream, 7)
    step = int(np.clip(round(4.5 + person.level - 2.5 * fraction + rng.normal(0, 0.7)), 0, len(TITRES) - 1))
    values["ana_titre"] = TITRES[step]
    if step > 0:
        values["ana_pattern"] = "homogeneous" if person.index % 3 else "speckled"
    values["lupus_anticoagulant"] = "positive" if rng.random() < 0.3 - 0.15 * fraction else "negative"
    values["platelets"] = {"value": f"{rng.normal(240, 40):.0f}", "unit": "10^9/L"}
    values["leukocytes"] = {"value": f"{rng.normal(6.5, 1.2):.1f}", "unit": "10^9/L"}
    values["creatinine"] = {"value": f"{rng.normal(0.8, 0.1):.2f}", "unit": "mg/dL"}
    return values


def sledai(person: PersonPlan, stream: int, fraction: float, labs: dict[str, Any]) -> dict[str, Any]:
    """Active descriptors fall with the effect; the PGA follows them; the laboratory descriptors agree with the
    visit's lab panel (as the protocol's edit checks ask)."""
    rng = person.rng(stream, 11)
    chance = float(np.clip(0.45 + 0.15 * person.level - 0.35 * fraction, 0.02, 0.95))
    present = [name for name in DESCRIPTORS if rng.random() < chance]
    if not present and fraction == 0.0:
        present = ["arthritis"]  # every participant has active disease at baseline
    values: dict[str, Any] = {name: ("yes" if name in present else "no") for name in DESCRIPTORS}
    values.update({name: "no" for name in OTHER_DESCRIPTORS})
    low = float(labs["c3"]["value"]) < 75 or float(labs["c4"]["value"]) < 10
    values["low_complement"] = "yes" if low else "no"
    values["increased_dna_binding"] = "yes" if float(labs["anti_dsdna"]["value"]) > 30 else "no"
    pga = float(np.clip(0.4 * len(present) + 0.3 * rng.normal() + 0.5, 0.0, 3.0))
    values["pga"] = f"{pga:.1f}"
    return values


def vital_signs(person: PersonPlan, stream: int) -> dict[str, Any]:
    rng = person.rng(stream, 13)
    return {
        "systolic_bp": int(rng.normal(122, 10)),
        "diastolic_bp": int(rng.normal(78, 6)),
        "heart_rate": int(rng.normal(76, 8)),
        "temperature": f"{rng.normal(36.8, 0.2):.1f}",
        "weight": f"{rng.normal(64, 9):.1f}",
    }


def demographics(person: PersonPlan, on: date) -> dict[str, Any]:
    rng = person.rng(1, 17)
    return {
        "sex": person.sex,
        "birth_date_known": "no",  # the age, never the birth date (an identifying item)
        "age_years": on.year - person.year_of_birth,
        "height": f"{rng.normal(163 if person.sex == 'female' else 175, 6):.1f}",
        "screening_weight": f"{rng.normal(64, 9):.1f}",
    }


def lupus_history(person: PersonPlan, on: date) -> dict[str, Any]:
    rng = person.rng(1, 19)
    diagnosed = on - timedelta(days=int(365 * rng.gamma(2.0, 3.0)) + 200)
    nephritis = rng.random() < 0.6
    values: dict[str, Any] = {
        "diagnosis_date": diagnosed.isoformat(),
        "classification_criteria": ["slicc_2012"],
        "lupus_nephritis": "yes" if nephritis else "no",
        "organ_involvement": ["nephritis"] if nephritis else ["vasculitis"],
    }
    if nephritis:
        values.update(
            nephritis_class="class_iv" if rng.random() < 0.6 else "class_iii",
            biopsy_date=(diagnosed + timedelta(days=90)).isoformat(),
            nephritis_refractory="yes",
        )
    return values


def medications(person: PersonPlan, on: date) -> dict[str, Any]:
    prednisolone = float(person.rng(1, 23).choice([5.0, 7.5, 10.0, 15.0, 20.0]))
    start = (on - timedelta(days=400)).isoformat()
    return {
        "any_medication": "yes",
        "medications": [
            {"drug_class": "hydroxychloroquine", "drug_name": "Hydroxychloroquine", "dose": "200",
             "dose_unit": "mg_per_day", "start_date": start, "ongoing": "yes"},
            {"drug_class": "glucocorticoid", "drug_name": "Prednisolone", "dose": f"{prednisolone}",
             "dose_unit": "mg_per_day", "prednisolone_equivalent": f"{prednisolone}", "start_date": start,
             "ongoing": "yes"},
        ],
    }  # fmt: skip
