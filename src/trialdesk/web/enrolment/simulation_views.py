"""The design report on the generate page: the protocol's randomization design simulated next to
alternatives, before the list is made, with a warning for fixed blocks in an open-label trial.

The simulation is pure (`core.randomization.simulation`); here it is run with a seed taken from the
protocol's content hash (the same figures on every visit and in every process) and kept in a small
in-process cache keyed by that hash and the comparison asked for.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.http import HttpRequest
from django.utils.translation import gettext as _

from trialdesk.core.randomization.simulation import (
    CompleteRandomization,
    Population,
    Scheme,
    complete_randomization,
    describe,
    simulate,
    standard_alternatives,
    with_block_sizes,
)
from trialdesk.core.randomization.simulation_report import DesignReport, Estimate
from trialdesk.errors import TrialdeskError
from trialdesk.protocol.schema import Protocol
from trialdesk.records.models import Study
from trialdesk.services.studies import protocol_of

TRIALS = 10_000
"""Per design: about a third of a second each on the 2-core test machine; errors shown stay below 0.5%."""
DEFAULT_EFFECT_SIZES = (0.8, 1.0, 1.5)
THRESHOLDS = (2, 4, 6)
CACHE_SIZE = 32
_CACHE: OrderedDict[tuple[Any, ...], tuple[DesignReport, ...]] = OrderedDict()


@dataclass(frozen=True)
class Comparison:
    """What the epidemiologist asked to compare (query string `compare` and `effects`)."""

    block_sizes: tuple[int, ...] | None
    effect_sizes: tuple[float, ...]
    problem: str | None


def design_report_context(request: HttpRequest, study: Study) -> dict[str, Any]:
    """Template context of `_design_report.html` (empty when the protocol has no randomization)."""
    version = study.current_protocol()
    protocol = protocol_of(version)
    design = protocol.randomization
    if design is None:
        return {}
    comparison = _comparison(request)
    schemes: list[Scheme] = [design]
    problem = comparison.problem
    try:
        if comparison.block_sizes:
            schemes += [with_block_sizes(design, comparison.block_sizes), complete_randomization(design)]
        else:
            schemes += standard_alternatives(design)
    except TrialdeskError as error:
        problem = str(error)
        schemes += standard_alternatives(design)
    sites = tuple(study.sites.order_by("code").values_list("code", flat=True)) or ("site",)
    reports = _reports(version.content_hash, protocol, schemes, comparison.effect_sizes, sites)
    return {
        "design_report": {
            "columns": [_label(scheme) for scheme in schemes],
            "rows": _rows(reports),
            "warning": _warning(protocol, reports[0]),
            "participants": reports[0].participants,
            "trials": TRIALS,
            "compare": request.GET.get("compare", ""),
            "effects": ", ".join(f"{e:g}" for e in comparison.effect_sizes),
            "problem": problem,
        }
    }


def _comparison(request: HttpRequest) -> Comparison:
    problem = None
    sizes: tuple[int, ...] | None = None
    effects: tuple[float, ...] = DEFAULT_EFFECT_SIZES
    try:
        if request.GET.get("compare", "").strip():
            sizes = tuple(sorted({int(part) for part in request.GET["compare"].split(",") if part.strip()}))
            if not 1 <= len(sizes) <= 4 or not all(0 < size <= 24 for size in sizes):
                raise ValueError
    except ValueError:
        problem = _("Block sizes: up to four whole numbers from 1 to 24, separated by commas.")
        sizes = None
    try:
        if request.GET.get("effects", "").strip():
            effects = tuple(float(part) for part in request.GET["effects"].split(",") if part.strip())
            if not 1 <= len(effects) <= 5 or not all(0 < effect <= 5 for effect in effects):
                raise ValueError
    except ValueError:
        problem = _("Effect sizes: up to five numbers above 0 and at most 5, separated by commas.")
        effects = DEFAULT_EFFECT_SIZES
    return Comparison(block_sizes=sizes, effect_sizes=effects, problem=problem)


def _reports(
    content_hash: str,
    protocol: Protocol,
    schemes: Sequence[Scheme],
    effect_sizes: tuple[float, ...],
    sites: tuple[str, ...],
) -> tuple[DesignReport, ...]:
    key = (content_hash, tuple(describe(s) for s in schemes), effect_sizes, sites)  # not translated
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    arms = [arm.id for arm in protocol.arms]
    rng = np.random.default_rng(int(content_hash[:16], 16))
    reports = tuple(
        simulate(
            scheme,
            arms,
            participants=protocol.design.target_sample_size,
            trials=TRIALS,
            rng=rng,
            effect_sizes=effect_sizes,
            population=Population(sites=sites),
        )
        for scheme in schemes
    )
    _CACHE[key] = reports
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return reports


def _label(scheme: Scheme) -> str:
    if isinstance(scheme, CompleteRandomization):
        return _("Complete randomization")
    if scheme.method == "minimization":
        assert scheme.minimization is not None
        return _("Minimization (probability %(p)s)") % {"p": f"{scheme.minimization.probability:g}"}
    sizes = sorted(scheme.block_sizes)
    if len(sizes) == 1:
        label = _("Permuted blocks of %(size)s") % {"size": sizes[0]}
    else:
        label = _("Permuted blocks of %(sizes)s, each size drawn at random") % {
            "sizes": ", ".join(map(str, sizes))
        }
    factors = scheme.stratification_factor_ids
    if factors:
        label = _("%(design)s, stratified by %(factors)s") % {"design": label, "factors": ", ".join(factors)}
    return label


def _rows(reports: Sequence[DesignReport]) -> list[dict[str, Any]]:
    n = reports[0].participants
    rows = [
        _row(
            _("Correct guesses of the next arm, of %(n)s") % {"n": n},
            [f"{r.correct_guesses.value:.1f} ({r.correct_guess_proportion:.0%})" for r in reports],
            "guesses",
        ),
        _row(
            _("Allocations certain from the earlier ones"),
            [_percent(r.determined) for r in reports],
            "determined",
        ),
        _row(
            _("Arms not exactly at the ratio at the end"),
            [_percent(r.not_balanced) for r in reports],
            "unbalanced",
        ),
    ]
    for k in THRESHOLDS:
        values = [_percent(r.final_imbalance.at_least(k)) for r in reports]
        rows.append(_row(_("Final imbalance of %(k)s or more") % {"k": k}, values, f"final-{k}"))
    for k in THRESHOLDS:
        values = [_percent(r.maximum_imbalance.at_least(k)) for r in reports]
        rows.append(_row(_("Imbalance of %(k)s or more at some point") % {"k": k}, values, f"maximum-{k}"))
    rows.append(
        _row(_("Type I error, t test"), [_percent(r.type_one_error.t_test_exact) for r in reports], "alpha-t")
    )
    for index, effect in enumerate(reports[0].power):
        d = f"{effect.effect_size:g}"
        t_values = [_percent(r.power[index].t_test_exact) for r in reports]
        w_values = [_percent(r.power[index].wilcoxon_simulated) for r in reports]
        rows.append(_row(_("Power at effect size %(d)s, t test") % {"d": d}, t_values, f"power-t-{d}"))
        rows.append(
            _row(_("Power at effect size %(d)s, Wilcoxon rank-sum") % {"d": d}, w_values, f"power-w-{d}")
        )
    return rows


def _row(name: str, values: list[str], key: str) -> dict[str, Any]:
    return {"name": name, "values": values, "key": key}


def _percent(estimate: Estimate | None) -> str:
    return "-" if estimate is None else f"{estimate.value:.1%}"


def _warning(protocol: Protocol, report: DesignReport) -> str | None:
    """Fixed blocks in an open-label trial: the last slots of each block can be worked out."""
    design = protocol.randomization
    if design is None or design.method != "permuted_blocks" or not design.fixed_blocks:
        return None
    if protocol.design.masking != "none":
        return None
    return _(
        "This trial is open label and the list uses one fixed block size (%(size)s). Whoever sees the "
        "allocations in order can tell %(determined)s of them in advance and guess %(guessed)s of the next "
        "arms right. CONSORT 2010 (item 8b) and ICH E9 (section 2.3.1) advise block sizes that vary at "
        "random and are not disclosed to those who enrol participants."
    ) % {
        "size": design.block_sizes[0],
        "determined": f"{report.determined.value:.0%}",
        "guessed": f"{report.correct_guess_proportion:.0%}",
    }
