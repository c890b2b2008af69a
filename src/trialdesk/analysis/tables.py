"""Tables as plain data (rows of formatted cells) a template renders: baseline characteristics, exposure,
each outcome by arm and visit. Safety tables (adverse events, SAEs, expedited reports, lab shifts) are in
`safety_tables`. The same input gives the same cells, and `serialize` gives the same bytes.

Numbers: means, SDs, medians and quartiles to one decimal more than the data's usual precision is not
guessed; they are shown to `DIGITS` decimals; percentages to whole numbers; p-values to 3 decimals
(`<0.001` below). In Persian, digits are Persian and the decimal separator is '٫'.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import pandas as pd

from trialdesk.analysis.endpoints import EndpointResult
from trialdesk.analysis.statistics import Comparison, Proportion, Summary, TestResult, describe
from trialdesk.analysis.wording import Translate, persian_digits, same, translate_text

DIGITS = 1
DASH = "–"

Arms = Sequence[tuple[str, str]]
"""(arm id, label) in display order; the first arm is the experimental one (comparisons are first minus second)."""


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()


def serialize(tables: Sequence[Table]) -> bytes:
    """Canonical JSON (sorted keys, UTF-8) of the tables: byte-identical for the same input."""
    return json.dumps(
        [asdict(t) for t in tables], sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode()


def localize(table: Table, language: str, translate: Translate = same) -> Table:
    """The table in `language`: its words through `translate` (see `wording`), and in Persian, Persian
    digits and decimal separator in every cell, heading and note."""
    if language == "en" and translate is same:
        return table

    def word(text: str) -> str:
        text = translate_text(text, translate)
        return persian_digits(text) if language == "fa" else text

    return Table(
        table.id,
        word(table.title),
        tuple(word(cell) for cell in table.header),
        tuple(tuple(word(cell) for cell in row) for row in table.rows),
        tuple(word(note) for note in table.notes),
    )


def number(value: float | None, digits: int = DIGITS) -> str:
    return DASH if value is None or value != value else f"{value:.{digits}f}"


def p_value(value: float | None) -> str:
    if value is None:
        return DASH
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def count_percent(count: int, total: int) -> str:
    return f"{count} ({100 * count / total:.0f}%)" if total else f"{count}"


def mean_sd(summary: Summary) -> str:
    return f"{number(summary.mean)} ({number(summary.sd)})" if summary.n else DASH


def median_iqr(summary: Summary) -> str:
    return f"{number(summary.median)} ({number(summary.q1)}, {number(summary.q3)})" if summary.n else DASH


def min_max(summary: Summary) -> str:
    return f"{number(summary.minimum)}, {number(summary.maximum)}" if summary.n else DASH


def _arm_header(arms: Arms, counts: dict[str, int]) -> tuple[str, ...]:
    return tuple(f"{label} (N={counts.get(arm, 0)})" for arm, label in arms)


# --- baseline and exposure ----------------------------------------------------------------------------------


def baseline_table(participants: pd.DataFrame, arms: Arms, population: str = "itt") -> Table:
    """Baseline characteristics by randomized arm and in total, in `population` (a boolean column)."""
    members = participants[participants[population].astype(bool)]
    groups = {arm: members[members["arm_randomized"] == arm] for arm, _ in arms}
    groups["total"] = members
    keys = [arm for arm, _ in arms] + ["total"]

    def continuous(label: str, column: str, style: str) -> tuple[str, ...]:
        cells = []
        for key in keys:
            summary = describe([float(v) for v in groups[key][column].dropna()])
            cells.append(mean_sd(summary) if style == "mean" else median_iqr(summary))
        return (label, *cells)

    def binary(label: str, mask_of: str, value: object) -> tuple[str, ...]:
        cells = []
        for key in keys:
            column = groups[key][mask_of].dropna()
            cells.append(count_percent(int((column == value).sum()), len(column)))
        return (label, *cells)

    rows = (
        ("Participants, n", *[str(len(groups[k])) for k in keys]),
        continuous("Age, years: mean (SD)", "age_years", "mean"),
        continuous("Age, years: median (IQR)", "age_years", "median"),
        binary("Female, n (%)", "sex", "female"),
        continuous("BMI, kg/m²: mean (SD)", "bmi", "mean"),
        continuous("Disease duration, years: median (IQR)", "disease_duration_years", "median"),
        binary("Lupus nephritis, n (%)", "lupus_nephritis", True),
        continuous("Prednisolone equivalent, mg/day: median (IQR)", "prednisolone_mg_day", "median"),
    )
    counts = {k: len(v) for k, v in groups.items()}
    header = ("Characteristic", *_arm_header(arms, counts), f"Total (N={len(members)})")
    note = "Percentages of participants with a known value; IQR by linear interpolation."
    return Table("baseline", "Baseline characteristics", header, rows, (note,))


def exposure_table(
    participants: pd.DataFrame, doses: pd.DataFrame, arms: Arms, step_labels: dict[str, str] | None = None
) -> Table:
    """Product exposure by treated arm: doses per ladder step (named by `step_labels`, the protocol's labels,
    never the internal step id when a label is known), cumulative units, partial doses, lots."""
    labels = step_labels or {}
    safety = participants[participants["safety"].astype(bool)]
    arm_of = dict(zip(safety["participant"], safety["arm_treated"], strict=True))
    given = doses[doses["participant"].isin(list(arm_of))].assign(arm=lambda d: d["participant"].map(arm_of))
    counts = {arm: int((safety["arm_treated"] == arm).sum()) for arm, _ in arms}
    rows: list[tuple[str, ...]] = []
    dosed = {arm: given.loc[given["arm"] == arm, "participant"].nunique() for arm, _ in arms}
    rows.append(
        ("Participants with at least one dose, n (%)", *[count_percent(dosed[a], counts[a]) for a, _ in arms])
    )
    for step in sorted(given["ladder_step"].unique()):
        at_step = given[given["ladder_step"] == step]
        rows.append(
            (
                f"Doses at {labels.get(str(step), step)}, n",
                *[str(int((at_step["arm"] == a).sum())) for a, _ in arms],
            )
        )
    totals = given.groupby(["arm", "participant"])["units"].sum()
    cumulative = [describe([float(v) for v in totals.get(a, pd.Series(dtype=float))]) for a, _ in arms]
    rows.append(
        ("Cumulative units per dosed participant: median (IQR)", *[median_iqr(s) for s in cumulative])
    )
    rows.append(("Cumulative units: min, max", *[min_max(s) for s in cumulative]))
    rows.append(
        ("Partial doses, n", *[str(int(given.loc[given["arm"] == a, "partial"].sum())) for a, _ in arms])
    )
    for lot in sorted(given["lot"].dropna().unique()):
        rows.append(
            (
                f"Doses from lot {lot}, n",
                *[str(int(((given["lot"] == lot) & (given["arm"] == a)).sum())) for a, _ in arms],
            )
        )
    header = ("Exposure (safety population, as treated)", *_arm_header(arms, counts))
    return Table("exposure", "Exposure to the study product", header, tuple(rows))


# --- outcomes -----------------------------------------------------------------------------------------------


def outcome_table(
    result: EndpointResult, arms: Arms, visit_labels: dict[str, str], language: str = "en"
) -> Table:
    """An endpoint by arm and analysis visit, then its comparisons at the primary visit."""
    endpoint = result.endpoint
    by_key = {(s.arm, s.visit): s for s in result.summaries}
    rows: list[tuple[str, ...]] = []
    for visit in endpoint.visits:
        label = visit_labels.get(visit, visit)
        summaries = [by_key[(arm, visit)] for arm, _ in arms if (arm, visit) in by_key]
        if endpoint.type == "binary":
            rows.append((label, "positive, n/N (%) [95% CI]", *[_proportion(s.positive) for s in summaries]))
            continue
        values = [s.value for s in summaries if s.value is not None]
        changes = [s.change for s in summaries if s.change is not None]
        rows.append((label, "n", *[str(v.n) for v in values]))
        rows.append((label, "mean (SD)", *[mean_sd(v) for v in values]))
        rows.append((label, "median (IQR)", *[median_iqr(v) for v in values]))
        rows.append((label, "min, max", *[min_max(v) for v in values]))
        if visit != endpoint.visits[0]:
            rows.append((label, "change: mean (SD)", *[mean_sd(c) for c in changes]))
    header = ("Analysis visit", "Statistic", *[label for _, label in arms])
    notes = [
        f"Population: {result.population}. Comparisons at {visit_labels.get(endpoint.primary_visit, endpoint.primary_visit)}, {arms[0][1]} minus {arms[1][1]}:"
    ]
    notes += [_comparison_note(c) for c in result.comparisons]
    return Table(
        f"outcome_{endpoint.id}", endpoint.label.in_language(language), header, tuple(rows), tuple(notes)
    )


def _proportion(proportion: Proportion | None) -> str:
    if proportion is None or proportion.total == 0:
        return DASH
    return (
        f"{proportion.count}/{proportion.total} ({100 * (proportion.proportion or 0):.0f}%) "
        f"[{number(proportion.ci_low, 2)}, {number(proportion.ci_high, 2)}]"
    )


def _comparison_note(result: Comparison | TestResult) -> str:
    if isinstance(result, TestResult):
        return f"{result.method}: p = {p_value(result.p_value)}"
    level = f"{100 * result.confidence_level:.0f}% CI"
    text = f"{result.method}: {number(result.estimate, 2)} ({level} {number(result.ci_low, 2)} to {number(result.ci_high, 2)}), p = {p_value(result.p_value)}"
    if result.converged is not None:
        text += "; converged" if result.converged else "; did not converge"
    return text + (f" [{result.note}]" if result.note else "")
