"""Product lots: is this lot usable on this date, and does it keep the participant on a single source?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from trialdesk.errors import Problem, ValidationFailed
from trialdesk.protocol.treatment import DosingPlan


@dataclass(frozen=True, kw_only=True)
class ProductLot:
    """A released batch of product. `source_id` names the donor/placenta the cells came from.

    `amount_per_unit` / `amount_unit` say what one protocol unit of this lot contains (e.g. 1e10 particles).
    A lot may be used up to and including its `expiry_date`.
    """

    lot_id: str
    source_id: str
    amount_per_unit: Decimal
    amount_unit: str
    expiry_date: date
    qc_released: bool


def check_lot_usable(lot: ProductLot, on_date: date) -> ProductLot:
    """Refuse an expired lot or one quality control has not released; return the lot when usable."""
    problems: list[Problem] = []
    if on_date > lot.expiry_date:
        problems.append(Problem("expiry_date", f"expired on {lot.expiry_date.isoformat()}"))
    if not lot.qc_released:
        problems.append(Problem("qc_released", "not released by quality control"))
    if lot.amount_per_unit <= 0:
        problems.append(Problem("amount_per_unit", "must be more than 0"))
    if problems:
        why = " and ".join(p.rule for p in problems)
        raise ValidationFailed(
            f"Lot {lot.lot_id} cannot be used on {on_date.isoformat()}: it is {why}.",
            tuple(problems),
            {"lot_id": lot.lot_id},
        )
    return lot


def check_single_source(previous_lots: Sequence[ProductLot], new_lot: ProductLot) -> ProductLot:
    """Refuse a lot from another source than the participant's earlier doses (single-source products)."""
    sources = sorted({lot.source_id for lot in previous_lots})
    if sources and (len(sources) > 1 or sources[0] != new_lot.source_id):
        raise ValidationFailed(
            f"Lot {new_lot.lot_id} comes from source {new_lot.source_id}, but this participant has received "
            f"product from source {', '.join(sources)}: the protocol requires a single source.",
            (Problem("source_id", "different source from earlier doses"),),
            {"lot_id": new_lot.lot_id, "previous_sources": sources},
        )
    return new_lot


def check_lot_for_dose(
    plan: DosingPlan, *, lot: ProductLot, previous_lots: Sequence[ProductLot], on_date: date
) -> ProductLot:
    """Both checks, the single-source one only when the protocol requires it."""
    check_lot_usable(lot, on_date)
    if plan.product.single_source_required:
        check_single_source(previous_lots, lot)
    return lot


__all__ = ["ProductLot", "check_lot_for_dose", "check_lot_usable", "check_single_source"]
