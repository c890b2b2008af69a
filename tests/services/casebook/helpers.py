"""Answers that pass the seed trial's forms, to be varied by each test."""

from __future__ import annotations

from typing import Any

from trialdesk.core.sledai import DESCRIPTORS

SLEDAI_ITEMS = tuple(d.id for d in DESCRIPTORS)


def vitals(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "systolic_bp": 120,
        "diastolic_bp": 80,
        "heart_rate": 72,
        "temperature": "36.8",
        "weight": "62.5",
    }
    values.update(overrides)
    return values


def sledai(*present: str, pga: str | None = "1.0") -> dict[str, Any]:
    values: dict[str, Any] = {item: ("yes" if item in present else "no") for item in SLEDAI_ITEMS}
    if pga is not None:
        values["pga"] = pga
    return values


def labs(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "sample_date": "2026-01-11",
        "fasting": "yes",
        "ana_titre": "1:160",
        "ana_pattern": "homogeneous",
        "anti_dsdna": {"value": "20", "unit": "IU/mL"},
        "c3": {"value": "90", "unit": "mg/dL"},
        "c4": {"value": "20", "unit": "mg/dL"},
        "glucose": {"value": "5.0", "unit": "mmol/L"},
        "triglycerides": {"value": "120", "unit": "mg/dL"},
        "lupus_anticoagulant": "negative",
    }
    values.update(overrides)
    return values
