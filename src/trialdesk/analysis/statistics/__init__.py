"""Statistics for a 20-patient trial, by family; every result names its method."""

from trialdesk.analysis.statistics.binary import boschloo, clopper_pearson, fisher, risk_difference
from trialdesk.analysis.statistics.continuous import (
    ancova,
    describe,
    hodges_lehmann,
    mixed_model,
    wilcoxon_rank_sum,
)
from trialdesk.analysis.statistics.ordinal import change_in_steps, shift_table, titre_step
from trialdesk.analysis.statistics.results import Comparison, Proportion, Summary, TestResult

__all__ = [
    "Comparison",
    "Proportion",
    "Summary",
    "TestResult",
    "ancova",
    "boschloo",
    "change_in_steps",
    "clopper_pearson",
    "describe",
    "fisher",
    "hodges_lehmann",
    "mixed_model",
    "risk_difference",
    "shift_table",
    "titre_step",
    "wilcoxon_rank_sum",
]
