"""Protocol section `analysis:` - the statistical analysis plan as data.

    AnalysisPlan
    ├── populations      who is analysed: intention to treat (as randomized), safety (as treated), per protocol
    ├── visits           analysis visits: a target study day from randomization and a window around it
    ├── endpoints        which item, at which analysis visits, primary / secondary / exploratory, which method
    ├── data_cutoff      which records a snapshot takes
    └── assumptions      every choice the registration does not state

The plan never names schedule visit ids: an assessment belongs to an analysis visit by its date, so the
schedule may change without touching the plan. `analysis_problems` cross-checks the plan against the forms.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator, model_validator

from trialdesk.errors import Problem
from trialdesk.protocol.base import Assumption, Text
from trialdesk.protocol.forms import CHOICE_TYPES, NUMERIC_TYPES, FormDefinition, ItemDefinition
from trialdesk.protocol.registration import SchemaModel, Slug

EndpointRole = Literal["primary", "secondary", "exploratory"]
EndpointType = Literal["continuous", "binary", "ordinal"]
MethodName = Literal[
    "ancova_change_from_baseline",
    "hodges_lehmann_exact_wilcoxon",
    "mixed_model_repeated_measures",
    "risk_difference_newcombe",
    "fisher_exact",
    "boschloo_exact",
    "ordinal_log2_shift",
    "descriptive",
]
CONTINUOUS_METHODS = frozenset(
    {"ancova_change_from_baseline", "hodges_lehmann_exact_wilcoxon", "mixed_model_repeated_measures"}
)
BINARY_METHODS = frozenset({"risk_difference_newcombe", "fisher_exact", "boschloo_exact"})
ORDINAL_METHODS = frozenset({"ordinal_log2_shift", "hodges_lehmann_exact_wilcoxon"})
_METHODS_BY_TYPE = {"continuous": CONTINUOUS_METHODS, "binary": BINARY_METHODS, "ordinal": ORDINAL_METHODS}


class Population(SchemaModel):
    """An analysis population."""

    id: Slug
    """Identifier of the population, unique in the plan (e.g. itt, safety, per_protocol)."""
    kind: Literal["intention_to_treat", "safety", "per_protocol"]
    """Which kind of population: intention to treat, safety or per protocol."""
    arm_by: Literal["randomized", "treated"]
    """Whether participants are counted in the arm they were randomized to or the arm they received."""
    label: Text
    """Name shown in tables."""
    definition: Text
    """Who belongs to it, in words (shown in the report's methods)."""


class AnalysisVisit(SchemaModel):
    """An analysis visit: a target study day counted from randomization (day 0) and a window around it."""

    id: Slug
    """Identifier of the analysis visit, unique in the plan (e.g. week_7)."""
    label: Text
    """Name shown in tables, e.g. Week 7."""
    target_day: int
    """Target study day, counted from the randomization date (randomization day = 0)."""
    window_before_days: int = Field(ge=0)
    """How many days before the target day a value still counts for this visit."""
    window_after_days: int = Field(ge=0)
    """How many days after the target day a value still counts for this visit."""
    baseline: bool = False
    """This is the baseline visit: the last value in its window, on or before the target day, is taken."""

    @model_validator(mode="after")
    def _baseline_window_ends_on_target(self) -> AnalysisVisit:
        if self.baseline and self.window_after_days != 0:
            raise ValueError("the baseline window ends on its target day (window_after_days: 0)")
        return self

    @property
    def first_day(self) -> int:
        return self.target_day - self.window_before_days

    @property
    def last_day(self) -> int:
        return self.target_day + self.window_after_days


class Positivity(SchemaModel):
    """When a value counts as positive: above a cut-off, at least a cut-off, or one of some codes."""

    above: Decimal | None = None
    """Positive when the value (in the canonical unit) is strictly above this cut-off."""
    at_least: Decimal | None = None
    """Positive when the value (in the canonical unit) is at or above this cut-off."""
    at_least_code: str | None = None
    """For an ordinal item: positive at this choice code or any later one (e.g. 1:80)."""
    codes: list[str] = Field(default_factory=list)
    """For a choice or yes/no item: the codes that count as positive (yes/no: 'true')."""

    @model_validator(mode="after")
    def _exactly_one_rule(self) -> Positivity:
        given = [self.above is not None, self.at_least is not None, self.at_least_code is not None]
        if sum(given) + bool(self.codes) != 1:
            raise ValueError("give exactly one of above, at_least, at_least_code and codes")
        return self


class Endpoint(SchemaModel):
    """One endpoint: an item (or a combination of binary endpoints) at some analysis visits, and its method."""

    id: Slug
    """Identifier of the endpoint, unique in the plan."""
    label: Text
    """Name shown in tables and figures."""
    role: EndpointRole
    """Prespecified as primary, secondary or exploratory."""
    outcome: Slug | None = None
    """The registered outcome (top-level `outcomes`) this endpoint measures, if any."""
    item: str | None = None
    """The form item analysed (a lab item's id is also its lab test's code where they agree)."""
    any_of: list[Slug] = Field(default_factory=list)
    """A composite binary endpoint: positive when any of these binary endpoints is positive."""
    type: EndpointType
    """How the value is analysed: continuous, binary or ordinal."""
    visits: list[Slug] = Field(min_length=1)
    """The analysis visits at which it is summarised (baseline included where a change is analysed)."""
    primary_visit: Slug
    """The analysis visit of the main between-arm comparison."""
    population: Slug
    """The population of the main analysis."""
    method: MethodName
    """The prespecified method of the main comparison."""
    sensitivity: list[MethodName] = Field(default_factory=list)
    """Supportive and sensitivity methods, reported beside the main one."""
    positive_if: Positivity | None = None
    """For a binary endpoint from a value: when the value counts as positive."""
    assumption: str | None = None
    """What about this endpoint is an assumption, not the registration."""

    @model_validator(mode="after")
    def _consistent(self) -> Endpoint:
        if (self.item is None) == (not self.any_of):
            raise ValueError("give either item or any_of")
        if self.any_of and self.type != "binary":
            raise ValueError("any_of makes a binary endpoint")
        if self.positive_if is not None and self.type != "binary":
            raise ValueError("positive_if belongs to binary endpoints")
        allowed = _METHODS_BY_TYPE[self.type] | {"descriptive"}
        wrong = [m for m in [self.method, *self.sensitivity] if m not in allowed]
        if wrong:
            raise ValueError(f"method {wrong[0]} does not apply to a {self.type} endpoint")
        if self.primary_visit not in self.visits:
            raise ValueError(f"primary_visit '{self.primary_visit}' is not among its visits")
        return self


class DataCutoff(SchemaModel):
    """Which records a snapshot at a data cut-off date takes."""

    basis: Literal["collection_date"] = "collection_date"
    """Records are taken by the date the value was collected (sample date, onset date), not entry date."""
    rule: Text
    """The rule in words, for the report's methods."""


class AnalysisPlan(SchemaModel):
    """The statistical analysis plan: populations, analysis visits, endpoints and methods, alpha, cut-off."""

    version: str
    """Version of the plan, e.g. 1.0 (the report cites it with the protocol's content hash)."""
    populations: list[Population] = Field(min_length=1)
    """The analysis populations."""
    visits: list[AnalysisVisit] = Field(min_length=1)
    """The analysis visits, in time order, windows not overlapping."""
    two_values_rule: Literal["closest_then_later", "closest_then_earlier", "last", "first"]
    """Which value an analysis visit takes when its window holds two or more (baseline always takes the last)."""
    endpoints: list[Endpoint] = Field(min_length=1)
    """The endpoints."""
    alpha: float = Field(gt=0, lt=1)
    """Two-sided significance level of each test."""
    confidence_level: float = Field(default=0.95, gt=0, lt=1)
    """Level of every confidence interval."""
    multiplicity: Text
    """How the several primary endpoints are handled (e.g. no adjustment, interpreted as estimation)."""
    missing_data: Text
    """How missing values are handled."""
    data_cutoff: DataCutoff
    """The data cut-off rule."""
    assumptions: list[Assumption] = Field(default_factory=list)
    """Every choice the registration does not state."""

    @field_validator("populations", "visits", "endpoints", "assumptions")
    @classmethod
    def _ids_unique(cls, items: list[Population]) -> list[Population]:
        ids = [item.id for item in items]
        repeated = next((i for i in ids if ids.count(i) > 1), None)
        if repeated is not None:
            raise ValueError(f"id '{repeated}' is used twice")
        return items

    @field_validator("visits")
    @classmethod
    def _windows_ordered(cls, visits: list[AnalysisVisit]) -> list[AnalysisVisit]:
        if sum(v.baseline for v in visits) != 1:
            raise ValueError("exactly one analysis visit is the baseline")
        for earlier, later in zip(visits, visits[1:], strict=False):
            if later.first_day <= earlier.last_day:
                raise ValueError(
                    f"the windows of '{earlier.id}' and '{later.id}' overlap or are out of order"
                )
        return visits

    @property
    def baseline_visit(self) -> AnalysisVisit:
        return next(v for v in self.visits if v.baseline)

    def endpoint(self, endpoint_id: str) -> Endpoint:
        for endpoint in self.endpoints:
            if endpoint.id == endpoint_id:
                return endpoint
        raise KeyError(endpoint_id)


def plan_hash(plan: AnalysisPlan) -> str:
    """SHA-256 of the plan's canonical JSON (sorted keys, UTF-8 kept): the report cites it with the version."""
    text = json.dumps(plan.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_CONTINUOUS_ITEMS = NUMERIC_TYPES | {"lab", "calculated"}


def analysis_problems(
    plan: AnalysisPlan, forms: Sequence[FormDefinition], outcome_ids: set[str]
) -> list[Problem]:
    """What the plan names that the rest of the protocol does not define, each with its path."""
    items: dict[str, ItemDefinition] = {}
    for form in forms:
        for item in form.all_items():
            items.setdefault(item.id, item)
    visits = {v.id for v in plan.visits}
    populations = {p.id for p in plan.populations}
    endpoints = {e.id: e for e in plan.endpoints}
    problems: list[Problem] = []
    for index, endpoint in enumerate(plan.endpoints):
        where = f"analysis.endpoints[{index}]"
        for visit in endpoint.visits:
            if visit not in visits:
                problems.append(
                    Problem(f"{where}.visits", f"analysis visit '{visit}' is not in analysis.visits")
                )
        if endpoint.population not in populations:
            problems.append(
                Problem(f"{where}.population", f"population '{endpoint.population}' is not defined")
            )
        if endpoint.outcome is not None and endpoint.outcome not in outcome_ids:
            problems.append(Problem(f"{where}.outcome", f"outcome '{endpoint.outcome}' is not in outcomes"))
        for part in endpoint.any_of:
            if part not in endpoints or endpoints[part].type != "binary" or part == endpoint.id:
                problems.append(Problem(f"{where}.any_of", f"'{part}' is not another binary endpoint"))
        if endpoint.item is not None:
            found = items.get(endpoint.item)
            if found is None:
                problems.append(Problem(f"{where}.item", f"item '{endpoint.item}' is in no form"))
            else:
                problems.extend(_item_fits(where, endpoint, found))
    return problems


def _item_fits(where: str, endpoint: Endpoint, item: ItemDefinition) -> list[Problem]:
    """The item's type suits the endpoint's type, and a positivity rule names what the item records."""
    if endpoint.type == "continuous" and item.type not in _CONTINUOUS_ITEMS:
        return [Problem(f"{where}.item", f"a {item.type} item cannot be a continuous endpoint")]
    if endpoint.type == "ordinal" and item.type != "ordinal":
        return [Problem(f"{where}.item", f"a {item.type} item cannot be an ordinal endpoint")]
    if endpoint.type != "binary":
        return []
    rule = endpoint.positive_if
    if rule is None:
        if item.type not in ("yes_no", "calculated"):
            return [
                Problem(f"{where}.positive_if", f"a binary endpoint on a {item.type} item needs positive_if")
            ]
        return []
    codes = set(item.choice_codes) if item.type in CHOICE_TYPES else {"true", "false"}
    wanted = [*rule.codes, *([rule.at_least_code] if rule.at_least_code is not None else [])]
    unknown = [code for code in wanted if code not in codes]
    if unknown:
        return [Problem(f"{where}.positive_if", f"code '{unknown[0]}' is not a choice of item '{item.id}'")]
    if rule.at_least_code is not None and item.type != "ordinal":
        return [Problem(f"{where}.positive_if", "at_least_code needs an ordinal item")]
    if (rule.above is not None or rule.at_least is not None) and item.type not in _CONTINUOUS_ITEMS:
        return [Problem(f"{where}.positive_if", f"a numeric cut-off needs a numeric item, not {item.type}")]
    return []


__all__ = [
    "AnalysisPlan",
    "AnalysisVisit",
    "DataCutoff",
    "Endpoint",
    "Population",
    "Positivity",
    "analysis_problems",
    "plan_hash",
]
