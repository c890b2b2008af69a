"""The report's methods section, written from the protocol and its analysis plan (nothing typed by hand).

Each section names the CONSORT 2025 item it answers where the item's number is checked (3: where the plan
can be read; 10: changes to the trial after it began); the others carry no number. Sentences are built from
the fixed phrases in `METHOD_PHRASES` through a `Translate` function, and the plan's own texts are taken in
the report's language, so the section reads in English and in Persian.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from trialdesk.analysis.wording import Translate, persian_digits, same
from trialdesk.protocol.analysis import AnalysisPlan, Endpoint, plan_hash
from trialdesk.protocol.schema import Protocol

METHOD_NAMES: dict[str, str] = {
    "ancova_change_from_baseline": "ANCOVA of the change from baseline, adjusted for baseline",
    "hodges_lehmann_exact_wilcoxon": "Hodges-Lehmann shift with the exact Wilcoxon rank-sum interval and p-value",
    "mixed_model_repeated_measures": "linear mixed model over the analysis visits",
    "risk_difference_newcombe": "risk difference with Newcombe's hybrid score interval",
    "fisher_exact": "Fisher's exact test",
    "boschloo_exact": "Boschloo's exact unconditional test",
    "ordinal_log2_shift": "shift in log2 titre steps from baseline (Hodges-Lehmann, exact Wilcoxon)",
    "descriptive": "descriptive statistics only",
}
ROLES = {"primary": "Primary", "secondary": "Secondary", "exploratory": "Exploratory"}
TWO_VALUES = {
    "closest_then_later": "the value closest to the target day, and of two equally close the later one",
    "closest_then_earlier": "the value closest to the target day, and of two equally close the earlier one",
    "last": "the last value in the window",
    "first": "the first value in the window",
}
DESIGN_WORDS = (
    "parallel",
    "crossover",
    "factorial",
    "single_group",
    "other",
    "randomized",
    "non_randomized",
    "single_arm",
    "none",
    "single",
    "double",
    "triple",
    "quadruple",
)
DESIGN = (
    "A {assignment}, {allocation} trial with {arms} arms ({names}), allocation ratio {ratio}, target sample "
    "size {size}; masking: {masking}."
)
PLAN = (
    "Analysis plan version {version} (SHA-256 {sha256}), part of protocol version {protocol}. Every result "
    "below is computed by the system from this plan; nothing was chosen after seeing the data."
)
BLOCKS = (
    "Permuted blocks of size {sizes}, {strata}; the sequence is generated and held by the epidemiologist "
    "role, concealed from everyone else until each allocation, which is final and audited."
)
METHOD_PHRASES: tuple[str, ...] = (
    "Methods",
    "Trial design",
    "Analysis plan",
    "Changes to the trial after it began",
    "Randomization",
    "Outcomes and how they are analysed",
    "Analysis populations",
    "Analysis visits",
    "Statistical methods",
    "Assumptions where the registration is silent",
    DESIGN,
    PLAN,
    BLOCKS,
    "minimization",
    "without stratification",
    "stratified by {factors}",
    "{label}: {definition}",
    "{label}: study day {day} from randomization (window {before} days before to {after} days after).",
    "When a window holds two values: {rule}.",
    "{role}: {label} at {visit}; {method} ({population}); sensitivity: {sensitivity}.",
    "{role}: {label} at {visit}; {method} ({population}).",
    "Confidence level {level}%, two-sided alpha {alpha}.",
    "Protocol version {version}, in force from {since}.",
    "No change to the protocol since the trial began.",
    *ROLES.values(),
    *(word.replace("_", " ") for word in DESIGN_WORDS),
    *METHOD_NAMES.values(),
    *TWO_VALUES.values(),
)


@dataclass(frozen=True)
class MethodsSection:
    heading: str
    paragraphs: tuple[str, ...]
    consort_item: str = ""


@dataclass(frozen=True)
class VersionInForce:
    """A protocol version and the day it took effect (from the study's version history)."""

    version: str
    since: str


def methods_sections(
    protocol: Protocol,
    versions: Sequence[VersionInForce] = (),
    *,
    language: str = "en",
    translate: Translate = same,
) -> tuple[MethodsSection, ...]:
    """The methods section of the results report, in `language`."""
    plan = protocol.analysis
    if plan is None:
        return ()
    t = translate
    n = _numbers(language)
    return (
        _design(protocol, language, t),
        MethodsSection(
            t("Analysis plan"),
            (t(PLAN).format(version=plan.version, sha256=plan_hash(plan), protocol=protocol.version),),
            "3",
        ),
        _changes(versions, t, n),
        _randomization(protocol, t, n),
        MethodsSection(
            t("Analysis populations"),
            tuple(
                t("{label}: {definition}").format(
                    label=p.label.in_language(language), definition=p.definition.in_language(language)
                )
                for p in plan.populations
            ),
        ),
        _visits(plan, language, t, n),
        MethodsSection(
            t("Outcomes and how they are analysed"),
            tuple(_endpoint_line(plan, e, language, t) for e in plan.endpoints),
        ),
        MethodsSection(
            t("Statistical methods"),
            (
                t("Confidence level {level}%, two-sided alpha {alpha}.").format(
                    level=n(f"{100 * plan.confidence_level:g}"), alpha=n(f"{plan.alpha:g}")
                ),
                plan.multiplicity.in_language(language),
                plan.missing_data.in_language(language),
                plan.data_cutoff.rule.in_language(language),
            ),
        ),
        MethodsSection(
            t("Assumptions where the registration is silent"),
            tuple(f"{a.id}: {a.text}" for a in plan.assumptions),
        ),
    )


def _numbers(language: str) -> Callable[[object], str]:
    """Numbers in the report's digits (hashes and version ids are left as they are)."""
    return (lambda value: persian_digits(str(value))) if language == "fa" else str


def _design(protocol: Protocol, language: str, t: Translate) -> MethodsSection:
    n = _numbers(language)
    design = protocol.design
    ratio = ":".join(str(s) for s in protocol.randomization.ratio.values()) if protocol.randomization else "–"
    text = t(DESIGN).format(
        assignment=t(design.assignment.replace("_", " ")),
        allocation=t(design.allocation.replace("_", " ")),
        arms=n(len(protocol.arms)),
        names=", ".join(arm.name.in_language(language) for arm in protocol.arms),
        ratio=n(ratio),
        size=n(design.target_sample_size),
        masking=t(design.masking),
    )
    return MethodsSection(t("Trial design"), (text,))


def _changes(versions: Sequence[VersionInForce], t: Translate, n: Callable[[object], str]) -> MethodsSection:
    if len(versions) <= 1:
        lines: tuple[str, ...] = (t("No change to the protocol since the trial began."),)
    else:
        lines = tuple(
            t("Protocol version {version}, in force from {since}.").format(
                version=v.version, since=n(v.since)
            )
            for v in versions
        )
    return MethodsSection(t("Changes to the trial after it began"), lines, "10")


def _randomization(protocol: Protocol, t: Translate, n: Callable[[object], str]) -> MethodsSection:
    design = protocol.randomization
    if design is None:
        return MethodsSection(t("Randomization"), ())
    if design.method == "minimization":
        return MethodsSection(t("Randomization"), (t("minimization"),))
    factors = [f.id for f in design.strata] + (["site"] if design.stratify_by_site else [])
    strata = (
        t("stratified by {factors}").format(factors=", ".join(factors))
        if factors
        else t("without stratification")
    )
    sizes = ", ".join(n(s) for s in design.block_sizes)
    return MethodsSection(t("Randomization"), (t(BLOCKS).format(sizes=sizes, strata=strata),))


def _visits(plan: AnalysisPlan, language: str, t: Translate, n: Callable[[object], str]) -> MethodsSection:
    lines = [
        t(
            "{label}: study day {day} from randomization (window {before} days before to {after} days after)."
        ).format(
            label=v.label.in_language(language),
            day=n(v.target_day),
            before=n(v.window_before_days),
            after=n(v.window_after_days),
        )
        for v in plan.visits
    ]
    lines.append(
        t("When a window holds two values: {rule}.").format(rule=t(TWO_VALUES[plan.two_values_rule]))
    )
    return MethodsSection(t("Analysis visits"), tuple(lines))


def _endpoint_line(plan: AnalysisPlan, endpoint: Endpoint, language: str, t: Translate) -> str:
    visits = {v.id: v.label.in_language(language) for v in plan.visits}
    populations = {p.id: p.label.in_language(language) for p in plan.populations}
    values = {
        "role": t(ROLES[endpoint.role]),
        "label": endpoint.label.in_language(language),
        "visit": visits.get(endpoint.primary_visit, endpoint.primary_visit),
        "method": t(METHOD_NAMES[endpoint.method]),
        "population": populations.get(endpoint.population, endpoint.population),
    }
    if not endpoint.sensitivity:
        return t("{role}: {label} at {visit}; {method} ({population}).").format(**values)
    sensitivity = "; ".join(t(METHOD_NAMES[m]) for m in endpoint.sensitivity)
    return t("{role}: {label} at {visit}; {method} ({population}); sensitivity: {sensitivity}.").format(
        **values, sensitivity=sensitivity
    )
