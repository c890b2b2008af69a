"""Protocol section `randomization:`: how participants are allocated to arms.

Two methods:

* ``permuted_blocks`` - a list prepared before the first participant: in each stratum, blocks whose
  contents are the allocation ratio (scaled to the block size) in a random order. Block sizes are fixed
  (one size) or drawn at random from a set (several sizes). Strata are every combination of the
  stratification factors' levels, and of the site when ``stratify_by_site`` is on.
* ``minimization`` - Pocock-Simon: no list; each participant goes, with ``probability``, to the arm
  that minimizes the weighted marginal imbalance over the ``minimization.factors``.

The ratio names arms by id; whether those are the protocol's arms is checked by `check_against_arms`,
which the protocol loader calls (this section cannot see the rest of the protocol).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field, model_validator

from trialdesk.errors import Problem
from trialdesk.protocol.base import ProtocolModel, Text

SITE_FACTOR = "site"
"""The reserved factor id of the site (stratification by site, or site as a minimization factor)."""

RESERVED_CHARACTERS = "|=,"
"""Characters that cannot appear in factor ids, levels or site codes (they delimit stratum keys)."""


def _check_identifier(value: str, what: str) -> None:
    if not value or any(ch in value for ch in RESERVED_CHARACTERS) or value != value.strip():
        raise ValueError(
            f"{what} '{value}' must be non-empty, without spaces at the ends and without '|', '=' or ','"
        )


class StratificationFactor(ProtocolModel):
    """A prognostic factor the list is stratified by; each combination of levels has its own list."""

    id: str
    label: Text
    levels: list[str] = Field(min_length=2)

    @model_validator(mode="after")
    def _levels_are_unique(self) -> StratificationFactor:
        _check_identifier(self.id, "factor id")
        if self.id == SITE_FACTOR:
            raise ValueError("factor id 'site' is reserved: use `stratify_by_site: true` to stratify by site")
        seen: set[str] = set()
        for level in self.levels:
            _check_identifier(level, f"level of factor '{self.id}'")
            if level in seen:
                raise ValueError(f"factor '{self.id}': level '{level}' is listed twice")
            seen.add(level)
        return self


class MinimizationFactor(StratificationFactor):
    """A factor balanced by minimization, with its weight in the total imbalance."""

    weight: float = Field(default=1.0, gt=0)


class MinimizationSettings(ProtocolModel):
    """Pocock-Simon minimization with a random element."""

    factors: list[MinimizationFactor] = Field(min_length=1)
    site_weight: float | None = Field(default=None, gt=0)
    """When set, the site is a further factor with this weight (its levels are the trial's site codes)."""
    probability: float = Field(gt=0, le=1)
    """Probability of giving the preferred (least-imbalancing) arm; 1.0 is deterministic minimization."""
    imbalance: Literal["range", "variance"] = "range"

    @model_validator(mode="after")
    def _factor_ids_are_unique(self) -> MinimizationSettings:
        ids = [f.id for f in self.factors]
        for factor_id in ids:
            if ids.count(factor_id) > 1:
                raise ValueError(f"minimization factor '{factor_id}' is listed twice")
        return self


class RandomizationDesign(ProtocolModel):
    """How participants are allocated; see the module docstring."""

    method: Literal["permuted_blocks", "minimization"] = "permuted_blocks"
    ratio: dict[str, int] = Field(min_length=2)
    """Arm id -> positive integer share, e.g. {exosome: 1, control: 1} or {active: 2, placebo: 1}."""
    block_sizes: list[int] = Field(default_factory=list)
    """One size: fixed blocks. Several: each block's size is drawn at random (uniformly) from the set."""
    slots_per_stratum: int | None = Field(default=None, gt=0)
    """Minimum list length per stratum (exact when blocks are fixed)."""
    blocks_per_stratum: int | None = Field(default=None, gt=0)
    """Number of blocks per stratum (an alternative to `slots_per_stratum`)."""
    strata: list[StratificationFactor] = Field(default_factory=list)
    stratify_by_site: bool = False
    minimization: MinimizationSettings | None = None

    @model_validator(mode="after")
    def _consistent(self) -> RandomizationDesign:
        for arm_id, share in self.ratio.items():
            _check_identifier(arm_id, "arm id")
            if share <= 0:
                raise ValueError(
                    f"ratio: the share of arm '{arm_id}' must be a positive whole number, not {share}"
                )
        if self.method == "permuted_blocks":
            self._check_blocks()
        else:
            self._check_minimization()
        return self

    def _check_blocks(self) -> None:
        if self.minimization is not None:
            raise ValueError("`minimization` settings are only allowed with `method: minimization`")
        if not self.block_sizes:
            raise ValueError(
                "permuted blocks need `block_sizes` (one size for fixed blocks, several for variable)"
            )
        total = self.ratio_total
        for size in self.block_sizes:
            if size <= 0 or size % total:
                raise ValueError(
                    f"block size {size} is not a positive multiple of the ratio total {total} "
                    f"({self.ratio_text}): a complete block could not be balanced"
                )
        if len(set(self.block_sizes)) != len(self.block_sizes):
            raise ValueError("block_sizes: a size is listed twice")
        if (self.slots_per_stratum is None) == (self.blocks_per_stratum is None):
            raise ValueError("give exactly one of `slots_per_stratum` and `blocks_per_stratum`")
        if self.slots_per_stratum is not None and len(self.block_sizes) == 1:
            size = self.block_sizes[0]
            if self.slots_per_stratum % size:
                raise ValueError(
                    f"slots_per_stratum {self.slots_per_stratum} is not a multiple of the block size {size}: "
                    "the last block would be incomplete"
                )
        ids = [f.id for f in self.strata]
        for factor_id in ids:
            if ids.count(factor_id) > 1:
                raise ValueError(f"strata: factor '{factor_id}' is listed twice")

    def _check_minimization(self) -> None:
        if self.minimization is None:
            raise ValueError("`method: minimization` needs a `minimization:` section (factors, probability)")
        if self.block_sizes or self.slots_per_stratum or self.blocks_per_stratum:
            raise ValueError(
                "minimization uses no list: remove block_sizes / slots_per_stratum / blocks_per_stratum"
            )
        if self.strata or self.stratify_by_site:
            raise ValueError(
                "minimization balances its own factors: list them under `minimization.factors` "
                "(and `minimization.site_weight` for the site), not under `strata`"
            )
        if self.minimization.probability < 1 / len(self.ratio):
            raise ValueError(
                f"minimization.probability {self.minimization.probability} is below 1/{len(self.ratio)}: "
                "the preferred arm would be less likely than by chance"
            )

    @property
    def ratio_total(self) -> int:
        return sum(self.ratio.values())

    @property
    def ratio_text(self) -> str:
        """'exosome:control = 1:1'."""
        return ":".join(self.ratio) + " = " + ":".join(str(v) for v in self.ratio.values())

    @property
    def fixed_blocks(self) -> bool:
        return len(self.block_sizes) == 1

    @property
    def stratification_factor_ids(self) -> list[str]:
        """The components of a stratum key, in key order: the site first, then the factors."""
        return ([SITE_FACTOR] if self.stratify_by_site else []) + [f.id for f in self.strata]


def check_against_arms(design: RandomizationDesign, arm_ids: Sequence[str]) -> list[Problem]:
    """Problems between the ratio and the protocol's arms (empty when every arm has a share, and only those)."""
    problems: list[Problem] = []
    known = list(arm_ids)
    for arm_id in design.ratio:
        if arm_id not in known:
            problems.append(
                Problem(
                    f"randomization.ratio.{arm_id}",
                    f"'{arm_id}' is not an arm of this protocol (arms: {', '.join(known) or 'none'})",
                )
            )
    for arm_id in known:
        if arm_id not in design.ratio:
            problems.append(Problem("randomization.ratio", f"arm '{arm_id}' has no allocation share"))
    return problems


__all__ = [
    "SITE_FACTOR",
    "MinimizationFactor",
    "MinimizationSettings",
    "RandomizationDesign",
    "StratificationFactor",
    "check_against_arms",
]
