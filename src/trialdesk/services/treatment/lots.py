"""Product lots: registration, quality-control release, and the lot list with each lot's usability today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError
from django.db.models import Count

from trialdesk.core.input_rules import (
    LONG_TEXT,
    code_problems,
    decimal_problems,
    plausible_date_problems,
    raise_problems,
    text_problems,
)
from trialdesk.core.lots import ProductLot as CoreLot
from trialdesk.core.lots import check_lot_for_dose, check_lot_usable
from trialdesk.core.roles import Action
from trialdesk.errors import AlreadyDone, NotFound, Problem, ValidationFailed
from trialdesk.protocol.treatment import DosingPlan
from trialdesk.records.models import Participant, Study
from trialdesk.records.treatment.models import ProductLot
from trialdesk.services.actors import Actor
from trialdesk.services.clock import local_date, local_today
from trialdesk.services.treatment._common import authorize_any
from trialdesk.services.unit_of_work import use_case
from trialdesk.testing import SYSTEM_CLOCK, Clock


def to_core_lot(lot: ProductLot) -> CoreLot:
    return CoreLot(
        lot_id=lot.lot_id,
        source_id=lot.source_id,
        amount_per_unit=lot.amount_per_unit,
        amount_unit=lot.amount_unit,
        expiry_date=lot.expiry_date,
        qc_released=lot.qc_released,
    )


@dataclass(frozen=True)
class LotRow:
    """A lot as listed: `usable` on `as_of`, otherwise `problems` say why (expired, not released)."""

    lot: ProductLot
    usable: bool
    problems: tuple[str, ...]
    doses_given: int


def _check_lot(
    lot_id: str, source_id: str, amount_per_unit: Decimal, amount_unit: str, note: str, expiry_date: date
) -> None:
    problems: list[Problem] = code_problems(lot_id.strip(), where="lot_id")
    problems += plausible_date_problems(expiry_date, where="expiry_date")
    problems += text_problems(source_id, where="source_id", max_length=60)
    if not source_id.strip():
        problems.append(Problem("source_id", "required (donor/placenta id)"))
    fits = decimal_problems(amount_per_unit, where="amount_per_unit", max_digits=30, decimal_places=6)
    problems += fits
    if not fits and amount_per_unit <= 0:
        problems.append(Problem("amount_per_unit", "must be more than 0"))
    problems += text_problems(amount_unit, where="amount_unit", max_length=40)
    if not amount_unit.strip():
        problems.append(Problem("amount_unit", "required (e.g. particles)"))
    problems += text_problems(note, where="note", max_length=LONG_TEXT, multiline=True)
    raise_problems(problems, "The lot cannot be registered")


def register_lot(
    actor: Actor,
    *,
    study: Study,
    lot_id: str,
    source_id: str,
    amount_per_unit: Decimal,
    amount_unit: str,
    expiry_date: date,
    note: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> ProductLot:
    """Register a lot (not yet QC-released). Refuses a duplicate lot id, an empty source or amount <= 0."""
    try:
        with use_case(actor, Action.MANAGE_LOTS, study=study, clock=clock) as uow:
            _check_lot(lot_id, source_id, amount_per_unit, amount_unit, note, expiry_date)
            lot = ProductLot.objects.create(
                study=study,
                lot_id=lot_id.strip(),
                source_id=source_id.strip(),
                amount_per_unit=amount_per_unit,
                amount_unit=amount_unit.strip(),
                expiry_date=expiry_date,
                note=note.strip(),
                registered_by=actor.username,
                registered_at=uow.now,
            )
            uow.record(
                "lot.register",
                object_type="product_lot",
                object_id=lot.lot_id,
                before=None,
                after={
                    "source_id": lot.source_id,
                    "amount_per_unit": str(amount_per_unit),
                    "amount_unit": lot.amount_unit,
                    "expiry_date": expiry_date.isoformat(),
                },
            )
    except IntegrityError:
        raise AlreadyDone(
            f"Lot {lot_id.strip()} is already registered", (Problem("lot_id", "already registered"),)
        ) from None
    return lot


def release_lot(
    actor: Actor, *, lot: ProductLot, released_on: date, clock: Clock = SYSTEM_CLOCK
) -> ProductLot:
    """Record the quality-control release of a lot (date, who). A release is final."""
    with use_case(actor, Action.MANAGE_LOTS, study=lot.study, clock=clock) as uow:
        raise_problems(plausible_date_problems(released_on, where="released_on"), "Not a release date")
        if released_on > uow.today:
            raise ValidationFailed(
                "The release date cannot be in the future", (Problem("released_on", "in the future"),)
            )
        locked = ProductLot.objects.select_for_update().get(pk=lot.pk)
        if locked.qc_released:
            raise AlreadyDone(f"Lot {locked.lot_id} was already released on {locked.qc_released_on}")
        locked.qc_released = True
        locked.qc_released_on = released_on
        locked.qc_released_by = actor.username
        locked.save(update_fields=["qc_released", "qc_released_on", "qc_released_by"])
        uow.record(
            "lot.release",
            object_type="product_lot",
            object_id=locked.lot_id,
            before={"qc_released": False},
            after={"qc_released": True, "qc_released_on": released_on.isoformat()},
        )
    return locked


def get_lot(actor: Actor, *, study: Study, lot_id: str) -> ProductLot:
    authorize_any(actor, (Action.MANAGE_LOTS, Action.GIVE_TREATMENT, Action.VIEW_SAFETY))
    lot = ProductLot.objects.filter(study=study, lot_id=lot_id).first()
    if lot is None:
        raise NotFound(f"No lot {lot_id} in this study", (Problem("lot_id", "unknown"),))
    return lot


def list_lots(
    actor: Actor, *, study: Study, as_of: date | None = None, clock: Clock = SYSTEM_CLOCK
) -> list[LotRow]:
    """Every lot of the study with whether it may be used on `as_of` (default: today), soonest expiry first."""
    authorize_any(actor, (Action.MANAGE_LOTS, Action.GIVE_TREATMENT, Action.VIEW_SAFETY))
    day = as_of or local_today(clock)
    rows: list[LotRow] = []
    lots = ProductLot.objects.filter(study=study).annotate(doses_given=Count("administrations"))
    for lot in lots.order_by("expiry_date", "lot_id"):
        try:
            check_lot_usable(to_core_lot(lot), day)
            problems: tuple[str, ...] = ()
        except ValidationFailed as refused:
            problems = tuple(p.rule for p in refused.problems)
        rows.append(LotRow(lot, not problems, problems, lot.doses_given))
    return rows


def usable_lots(
    actor: Actor, *, study: Study, as_of: date | None = None, clock: Clock = SYSTEM_CLOCK
) -> list[ProductLot]:
    """The lots that may be used on `as_of` (for the administration form's choice)."""
    return [row.lot for row in list_lots(actor, study=study, as_of=as_of, clock=clock) if row.usable]


def lot_for_dose(plan: DosingPlan, participant: Participant, lot_id: str, at: datetime) -> ProductLot:
    """The study's lot `lot_id` for a dose on `at`: usable that day and of the participant's one source."""
    lot = ProductLot.objects.filter(study_id=participant.study_id, lot_id=lot_id).first()
    if lot is None:
        raise NotFound(f"No lot {lot_id} in this study", (Problem("lot_id", "unknown"),))
    previous = [
        to_core_lot(lot_row)
        for lot_row in ProductLot.objects.filter(administrations__participant=participant).distinct()
    ]
    check_lot_for_dose(plan, lot=to_core_lot(lot), previous_lots=previous, on_date=local_date(at))
    return lot
