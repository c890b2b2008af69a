"""One endpoint of the plan, analysed: per-arm summaries at every analysis visit and the prespecified
comparisons at its primary visit (first arm minus second)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trialdesk.analysis.statistics import (
    Comparison,
    Proportion,
    Summary,
    TestResult,
    ancova,
    boschloo,
    change_in_steps,
    clopper_pearson,
    describe,
    fisher,
    hodges_lehmann,
    mixed_model,
    risk_difference,
)
from trialdesk.protocol.analysis import Endpoint
from trialdesk.protocol.schema import Protocol


@dataclass(frozen=True)
class VisitSummary:
    arm: str
    visit: str
    value: Summary | None = None
    change: Summary | None = None
    positive: Proportion | None = None


@dataclass(frozen=True)
class EndpointResult:
    endpoint: Endpoint
    population: str
    summaries: tuple[VisitSummary, ...]
    comparisons: tuple[Comparison | TestResult, ...]
    shift: tuple[tuple[str, str, str, int], ...] = ()
    """Ordinal endpoints: (arm, baseline code, primary-visit code, participants)."""


def _choice_order(protocol: Protocol, item_id: str) -> list[str]:
    for form in protocol.forms:
        for item in form.all_items():
            if item.id == item_id:
                return list(item.choice_codes)
    return []


def _positive(protocol: Protocol, endpoint: Endpoint, rows: pd.DataFrame) -> pd.Series:
    """True/False/NA per row by the endpoint's positivity rule."""
    rule = endpoint.positive_if
    value, code = rows["value"].astype("Float64"), rows["value_code"].astype("string")
    if rule is None:
        result = code.isin(["true", "yes", "1"]) | (value == 1)
    elif rule.above is not None:
        result = value > float(rule.above)
    elif rule.at_least is not None:
        result = value >= float(rule.at_least)
    elif rule.at_least_code is not None:
        order = {c: i for i, c in enumerate(_choice_order(protocol, str(endpoint.item)))}
        threshold = order[rule.at_least_code]
        result = code.map(lambda c: order.get(c, -1) >= threshold if isinstance(c, str) else pd.NA).astype(
            "boolean"
        )
    else:
        result = code.isin(rule.codes)
    missing = value.isna() & code.isna()
    return result.astype("boolean").mask(missing, pd.NA)


def endpoint_frame(
    protocol: Protocol, endpoint: Endpoint, measurements: pd.DataFrame, arm_of: dict[str, str]
) -> pd.DataFrame:
    """participant, arm, analysis_visit, value, baseline, change, positive for the population's members
    (`arm_of` maps each member to the arm it is analysed in)."""
    plan = protocol.analysis
    assert plan is not None
    if endpoint.any_of:
        parts = [
            endpoint_frame(protocol, plan.endpoint(part), measurements, arm_of) for part in endpoint.any_of
        ]
        stacked = pd.concat(parts)
        grouped = stacked.groupby(["participant", "analysis_visit"], sort=True)["positive"]
        # Positive if any part is positive; unknown only when every part is unknown.
        frame = grouped.any().reset_index().assign(known=grouped.count().to_numpy())
        frame["positive"] = frame["positive"].astype("boolean").mask(frame.pop("known") == 0, pd.NA)
        frame["arm"] = frame["participant"].map(arm_of)
        for column in ("value", "baseline", "change"):
            frame[column] = np.nan
        frame["positive"] = frame["positive"].astype("boolean")
        return frame
    rows = measurements[
        (measurements["parameter"] == endpoint.item)
        & measurements["participant"].isin(list(arm_of))
        & measurements["analysis_visit"].isin(endpoint.visits)
    ].copy()
    rows["arm"] = rows["participant"].map(arm_of)
    rows["positive"] = _positive(protocol, endpoint, rows) if endpoint.type == "binary" else pd.NA
    return rows[
        [
            "participant",
            "arm",
            "analysis_visit",
            "value",
            "baseline",
            "change",
            "positive",
            "value_code",
            "baseline_code",
        ]
    ]


def _floats(series: pd.Series) -> list[float]:
    return [float(v) for v in series.astype("Float64").dropna()]


def analyse_endpoint(
    protocol: Protocol,
    endpoint: Endpoint,
    measurements: pd.DataFrame,
    participants: pd.DataFrame,
    arms: Sequence[str],
) -> EndpointResult:
    """Summaries by arm and visit, and the endpoint's main and sensitivity methods at its primary visit."""
    plan = protocol.analysis
    assert plan is not None
    population = next(p for p in plan.populations if p.id == endpoint.population)
    members = _members(participants, population.kind)
    arm_column = "arm_randomized" if population.arm_by == "randomized" else "arm_treated"
    arm_of = dict(zip(members["participant"], members[arm_column], strict=True))
    frame = endpoint_frame(protocol, endpoint, measurements, arm_of)
    level = plan.confidence_level
    summaries = tuple(
        _summary(frame, endpoint, arm, visit, level) for visit in endpoint.visits for arm in arms
    )
    at_primary = frame[frame["analysis_visit"] == endpoint.primary_visit]
    first, second = (at_primary[at_primary["arm"] == arm] for arm in arms[:2])
    comparisons: list[Comparison | TestResult] = []
    for method in [endpoint.method, *endpoint.sensitivity]:
        comparisons += _compare(method, frame, first, second, arms, endpoint, level)
    shift = _shift(at_primary, arms) if endpoint.type == "ordinal" else ()
    return EndpointResult(endpoint, population.id, summaries, tuple(comparisons), shift)


def _members(participants: pd.DataFrame, kind: str) -> pd.DataFrame:
    column = {"intention_to_treat": "itt", "safety": "safety", "per_protocol": "per_protocol"}[kind]
    return participants[participants[column].astype(bool)]


def _summary(frame: pd.DataFrame, endpoint: Endpoint, arm: str, visit: str, level: float) -> VisitSummary:
    rows = frame[(frame["arm"] == arm) & (frame["analysis_visit"] == visit)]
    if endpoint.type == "binary":
        known = rows["positive"].dropna()
        return VisitSummary(arm, visit, positive=clopper_pearson(int(known.sum()), len(known), level))
    return VisitSummary(arm, visit, describe(_floats(rows["value"])), describe(_floats(rows["change"])))


def _compare(
    method: str,
    frame: pd.DataFrame,
    first: pd.DataFrame,
    second: pd.DataFrame,
    arms: Sequence[str],
    endpoint: Endpoint,
    level: float,
) -> list[Comparison | TestResult]:
    if method in ("risk_difference_newcombe", "fisher_exact", "boschloo_exact"):
        a, b = first["positive"].dropna(), second["positive"].dropna()
        counts = (int(a.sum()), len(a), int(b.sum()), len(b))
        if method == "risk_difference_newcombe":
            return [risk_difference(*counts, level=level)]
        return [fisher(*counts)] if method == "fisher_exact" else [boschloo(*counts)]
    if method == "ancova_change_from_baseline":
        both = pd.concat([first, second])
        return [ancova(_col(both, "change"), _col(both, "baseline"), list(both["arm"] == arms[0]), level)]
    if method == "hodges_lehmann_exact_wilcoxon":
        return [hodges_lehmann(_floats(first["change"]), _floats(second["change"]), level)]
    if method == "ordinal_log2_shift":
        return [change_in_steps(_floats(first["change"]), _floats(second["change"]), level)]
    if method == "mixed_model_repeated_measures":
        post = frame[(frame["analysis_visit"] != endpoint.visits[0]) & frame["arm"].isin(arms[:2])]
        long = pd.DataFrame(
            {
                "participant": post["participant"].astype(str),
                "first_arm": post["arm"] == arms[0],
                "visit": post["analysis_visit"].astype(str),
                "baseline": post["baseline"].astype(float),
                "change": post["change"].astype(float),
            }
        )
        return [mixed_model(long, level)]
    return []


def _col(frame: pd.DataFrame, column: str) -> list[float]:
    # to_numpy with na_value: a missing value (pd.NA in a Float64 column) becomes NaN, never a TypeError
    return [float(v) for v in frame[column].astype("Float64").to_numpy(dtype=float, na_value=np.nan)]


def _shift(at_primary: pd.DataFrame, arms: Sequence[str]) -> tuple[tuple[str, str, str, int], ...]:
    known = at_primary.dropna(subset=["baseline_code", "value_code"])
    counts = known.groupby(["arm", "baseline_code", "value_code"]).size()
    rows = [(str(key[0]), str(key[1]), str(key[2]), int(n)) for key, n in counts.items()]  # type: ignore[index]
    return tuple(row for row in rows if row[0] in arms)
