"""Pure rules of concealed randomization: permuted-block lists, their commitment, the next slot,
minimization, list imports (Sealed Envelope, REDCap) and the concealment check.

Randomness enters only through an `rng: random.Random` parameter; the service makes the seed.
"""

from trialdesk.core.randomization.blocks import (
    block_composition,
    fits_in_block,
    generate_list,
    is_balanced,
    partition_into_blocks,
    permuted_block,
)
from trialdesk.core.randomization.commitment import (
    canonical_form,
    commitment,
    parse_canonical_form,
    verify_commitment,
)
from trialdesk.core.randomization.concealment import Discrepancy, RecordedAllocation, check_allocation_order
from trialdesk.core.randomization.imports import ImportMapping
from trialdesk.core.randomization.lists import ListDesign, RandomizationList, Slot, next_slot
from trialdesk.core.randomization.minimization import MinimizationResult, PriorAllocation, minimize
from trialdesk.core.randomization.redcap import import_redcap
from trialdesk.core.randomization.sealed_envelope import import_sealed_envelope
from trialdesk.core.randomization.strata import (
    UNSTRATIFIED,
    parse_stratum_key,
    strata_keys,
    stratum_key,
)

__all__ = [
    "UNSTRATIFIED",
    "Discrepancy",
    "ImportMapping",
    "ListDesign",
    "MinimizationResult",
    "PriorAllocation",
    "RandomizationList",
    "RecordedAllocation",
    "Slot",
    "block_composition",
    "canonical_form",
    "check_allocation_order",
    "commitment",
    "fits_in_block",
    "generate_list",
    "import_redcap",
    "import_sealed_envelope",
    "is_balanced",
    "minimize",
    "next_slot",
    "parse_canonical_form",
    "parse_stratum_key",
    "partition_into_blocks",
    "permuted_block",
    "strata_keys",
    "stratum_key",
    "verify_commitment",
]
