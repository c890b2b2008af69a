"""Lots: register, release, and the list with each lot's usability."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ninja import Schema

from trialdesk.records.treatment.models import ProductLot
from trialdesk.services.treatment.lots import LotRow
from trialdesk.web.fields import IsoDate


class LotIn(Schema):
    lot_id: str
    source_id: str
    amount_per_unit: Decimal
    amount_unit: str
    expiry_date: IsoDate
    note: str = ""


class LotReleaseIn(Schema):
    released_on: IsoDate


class LotOut(Schema):
    lot_id: str
    source_id: str
    amount_per_unit: Decimal
    amount_unit: str
    expiry_date: date
    qc_released: bool
    qc_released_on: date | None
    usable: bool
    problems: list[str]
    doses_given: int


def lot_out(row: LotRow) -> LotOut:
    lot: ProductLot = row.lot
    return LotOut(
        lot_id=lot.lot_id,
        source_id=lot.source_id,
        amount_per_unit=lot.amount_per_unit,
        amount_unit=lot.amount_unit,
        expiry_date=lot.expiry_date,
        qc_released=lot.qc_released,
        qc_released_on=lot.qc_released_on,
        usable=row.usable,
        problems=list(row.problems),
        doses_given=row.doses_given,
    )
