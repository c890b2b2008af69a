"""Strata: every combination of the stratification levels (and the site), named by a stable key.

A stratum key lists `factor=level` pairs joined by `|`, the site first, then the factors in protocol
order: ``site=KUMS|sex=female``. An unstratified design has the single stratum ``all``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from trialdesk.errors import Problem, ValidationFailed
from trialdesk.protocol.randomization import RESERVED_CHARACTERS, SITE_FACTOR, RandomizationDesign

UNSTRATIFIED = "all"


def strata_keys(design: RandomizationDesign, site_codes: Sequence[str]) -> tuple[str, ...]:
    """Every stratum of the design, in a stable order (site codes as given, then levels in protocol order)."""
    choices: list[list[tuple[str, str]]] = []
    if design.stratify_by_site:
        _check_site_codes(site_codes)
        choices.append([(SITE_FACTOR, code) for code in site_codes])
    for factor in design.strata:
        choices.append([(factor.id, level) for level in factor.levels])
    if not choices:
        return (UNSTRATIFIED,)
    return tuple(format_stratum_key(combination) for combination in itertools.product(*choices))


def stratum_key(design: RandomizationDesign, *, site_code: str | None, levels: Mapping[str, str]) -> str:
    """The stratum of one participant; raises `ValidationFailed` naming a missing or unknown level."""
    problems: list[Problem] = []
    pairs: list[tuple[str, str]] = []
    if design.stratify_by_site:
        if not site_code:
            problems.append(Problem(SITE_FACTOR, "the site is needed: this list is stratified by site"))
        else:
            pairs.append((SITE_FACTOR, site_code))
    for factor in design.strata:
        level = levels.get(factor.id)
        if level is None:
            problems.append(
                Problem(factor.id, f"{factor.label.en} is needed to find the participant's stratum")
            )
        elif level not in factor.levels:
            problems.append(
                Problem(
                    factor.id, f"'{level}' is not a level of {factor.label.en} ({', '.join(factor.levels)})"
                )
            )
        else:
            pairs.append((factor.id, level))
    unknown = sorted(set(levels) - {f.id for f in design.strata})
    problems.extend(Problem(name, "not a stratification factor of this protocol") for name in unknown)
    if problems:
        raise ValidationFailed("The participant's stratum cannot be determined.", tuple(problems))
    return format_stratum_key(pairs) if pairs else UNSTRATIFIED


def format_stratum_key(pairs: Sequence[tuple[str, str]]) -> str:
    return "|".join(f"{name}={value}" for name, value in pairs) if pairs else UNSTRATIFIED


def parse_stratum_key(key: str) -> tuple[tuple[str, str], ...]:
    """'site=KUMS|sex=female' -> (('site', 'KUMS'), ('sex', 'female')); 'all' -> ()."""
    if key == UNSTRATIFIED:
        return ()
    pairs: list[tuple[str, str]] = []
    for part in key.split("|"):
        name, sep, value = part.partition("=")
        if not sep or not name or not value:
            raise ValueError(f"'{key}' is not a stratum key (expected 'factor=level|...' or 'all')")
        pairs.append((name, value))
    return tuple(pairs)


def is_stratum_of(design: RandomizationDesign, key: str) -> bool:
    """Whether `key` names a stratum of the design (any site code is accepted for the site)."""
    try:
        pairs = parse_stratum_key(key)
    except ValueError:
        return False
    expected = design.stratification_factor_ids
    if [name for name, _ in pairs] != expected:
        return False
    levels = {f.id: f.levels for f in design.strata}
    return all(name == SITE_FACTOR or value in levels[name] for name, value in pairs)


def _check_site_codes(site_codes: Sequence[str]) -> None:
    problems: list[Problem] = []
    if not site_codes:
        problems.append(Problem("site_codes", "the list is stratified by site, but no site was given"))
    for code in site_codes:
        if not code or code != code.strip() or any(ch in code for ch in RESERVED_CHARACTERS):
            problems.append(
                Problem(f"site '{code}'", "a site code must be non-empty, without '|', '=' or ','")
            )
    if len(set(site_codes)) != len(site_codes):
        problems.append(Problem("site_codes", "a site code is listed twice"))
    if problems:
        raise ValidationFailed("The sites of a site-stratified list are not valid.", tuple(problems))
