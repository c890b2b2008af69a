"""The words of the report's tables and diagram in the reader's language, without Django in the pure core.

The analysis functions build their titles, headings, row labels and notes in English from the fixed phrases
below (`PHRASES`, with `{placeholders}` for the parts that vary). A service passes a `Translate` function (the
web layer's gettext for the page language) and `translate_text` finds the phrase a text was built from,
translates the phrase and puts the varying parts back, each translated too when it is itself a phrase (a
method's name inside a note). Text that no phrase matches (an adverse-event term, a lot number) is kept as
it is. The catalogue test checks that every phrase has a Persian translation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

Translate = Callable[[str], str]

PHRASES: tuple[str, ...] = (
    # table titles
    "Baseline characteristics",
    "Exposure to the study product",
    "Adverse events by system organ class and term",
    "Serious adverse events",
    "Expedited-report timeliness",
    "Adverse events leading to stopping the product",
    "Laboratory shift tables",
    # headings and row labels
    "Characteristic",
    "Participants, n",
    "Age, years: mean (SD)",
    "Age, years: median (IQR)",
    "Female, n (%)",
    "BMI, kg/m²: mean (SD)",
    "Disease duration, years: median (IQR)",
    "Lupus nephritis, n (%)",
    "Prednisolone equivalent, mg/day: median (IQR)",
    "Total (N={n})",
    "{arm} (N={n})",
    "Percentages of participants with a known value; IQR by linear interpolation.",
    "Exposure (safety population, as treated)",
    "Participants with at least one dose, n (%)",
    "Doses at {step}, n",
    "Cumulative units per dosed participant: median (IQR)",
    "Cumulative units: min, max",
    "Partial doses, n",
    "Doses from lot {lot}, n",
    "Analysis visit",
    "Statistic",
    "positive, n/N (%) [95% CI]",
    "n",
    "mean (SD)",
    "median (IQR)",
    "min, max",
    "change: mean (SD)",
    "Population: {population}. Comparisons at {visit}, {first} minus {second}:",
    "{method}: p = {p}",
    "{method}: {estimate} ({level}% CI {low} to {high}), p = {p}",
    "{method}: {estimate} ({level}% CI {low} to {high}), p = {p}; converged",
    "{method}: {estimate} ({level}% CI {low} to {high}), p = {p}; did not converge",
    "System organ class / term",
    "{arm} (N={n}): participants n (%)",
    "{arm}: participants n (%)",
    "{arm}: worst grade",
    "Any adverse event",
    "Any grade 3 or higher",
    "Any serious adverse event",
    "Any related adverse event",
    "Any event leading to stopping the product",
    "Participants counted once per row, at their worst CTCAE grade; safety population, as treated.",
    "Event",
    "Participant",
    "Arm",
    "Term",
    "Worst grade",
    "Relationship",
    "Onset (study day)",
    "Days after last dose",
    "Expedited report",
    "Narrative",
    "not required",
    "pending",
    "on time",
    "late",
    "Expedited reports",
    "Parameter",
    "Baseline",
    "Worst after: low",
    "Worst after: normal",
    "Worst after: high",
    "No value after",
    "low",
    "normal",
    "high",
    "Worst after baseline: high if any value is high, else low if any is low, else normal.",
    # methods named in notes
    "Clopper-Pearson exact binomial interval",
    "Risk difference with Newcombe's hybrid score interval (Wilson limits per arm; Newcombe 1998, method 10)",
    "Fisher's exact test, two-sided (tables no more probable than the observed)",
    "Boschloo's exact unconditional test, two-sided (scipy.stats.boschloo_exact)",
    "Hodges-Lehmann shift; exact CI from the Wilcoxon (Mann-Whitney U) null distribution",
    "Hodges-Lehmann shift; CI from the normal approximation to Mann-Whitney U",
    "Wilcoxon rank-sum, exact permutation distribution of mid-ranks (ties kept), two-sided",
    "Wilcoxon rank-sum, normal approximation with tie-corrected variance, two-sided",
    "ANCOVA (OLS): change from baseline ~ arm + baseline; t-based CI",
    "Linear mixed model (statsmodels MixedLM, REML): change ~ arm + baseline + visit, random intercept "
    "per participant; arm effect common to the post-baseline visits",
    "ANA titre in log2 dilution steps; change from baseline compared by {method}",
    "{text} [{note}]",
    "an arm is empty",
    "p: Fisher's exact",
    "a group has no values",
    "too few complete values",
    "too few participants",
    # the CONSORT flow diagram
    "Assessed for eligibility",
    "Excluded",
    "Randomized",
    "Allocated to {arm}",
    "Received allocated intervention",
    "Did not receive allocated intervention",
    "Lost to follow-up",
    "Discontinued intervention",
    "Analysed",
    "Excluded from analysis",
    "Not meeting inclusion criteria",
    "Declined to participate",
    "Other reasons",
    "{label} (n={n})",
    "no dose given by the data cut-off",
    "not randomized by the data cut-off",
    "stopping rule {rule}",
    "withdrew consent",
    "major deviation: {categories}",
    "lost to follow-up",
    "Enrolment",
    "Allocation",
    "Follow-up",
    "Analysis",
)
_NOTED = "{text} [{note}]"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")
_PERCENT = re.compile(r"(?<=\d)%")


def same(text: str) -> str:
    """The identity `Translate`: English as built."""
    return text


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[tuple[re.Pattern[str], ...], str], ...]:
    """Each phrase with placeholders as regexes whose groups are the placeholders: one lazy and one greedy,
    because a placeholder's value may hold the text that follows it (a method's name holds ': ')."""
    compiled = []
    # A trailing note in brackets first, then the longest phrase: the most specific match wins.
    for phrase in sorted((p for p in PHRASES if "{" in p), key=lambda p: (p != _NOTED, -len(p))):
        parts = _PLACEHOLDER.split(phrase)
        variants = tuple(
            re.compile(
                "^"
                + "".join(
                    re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+{lazy})" for i, part in enumerate(parts)
                )
                + "$",
                re.DOTALL,
            )
            for lazy in ("?", "")
        )
        compiled.append((variants, phrase))
    return tuple(compiled)


_FIXED = frozenset(p for p in PHRASES if "{" not in p)


def translate_text(text: str, translate: Translate) -> str:
    """`text` in the reader's language when it was built from a phrase; otherwise unchanged.

    Leading spaces and bullets ('• ', '– ') are kept: they indent rows and list items."""
    stripped = text.lstrip(" •–")
    lead = text[: len(text) - len(stripped)]
    if stripped in _FIXED:
        return lead + translate(stripped)
    for variants, phrase in _patterns():
        matches = [m for m in (pattern.match(stripped) for pattern in variants) if m is not None]
        if matches:
            # Of the two readings, the one whose parts are more often phrases themselves.
            best = max(matches, key=lambda m: sum(_is_phrase(v) for v in m.groupdict().values()))
            values = {k: translate_text(v, translate) for k, v in best.groupdict().items()}
            return lead + translate(phrase).format(**values)
    return text


def _is_phrase(text: str) -> bool:
    return translate_text(text, _mark) != text


def _mark(text: str) -> str:
    return f"\x00{text}"


def persian_digits(text: str) -> str:
    """Persian digits, and the Persian decimal separator and percent sign after a digit (prose keeps its
    full stops)."""
    return _PERCENT.sub("٪", _DECIMAL_POINT.sub("٫", text)).translate(_PERSIAN_DIGITS)
