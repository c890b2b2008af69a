"""Changes to the items of one form, and whether a changed type or unit can carry the values already entered.

Rules (docs/protocol.md, "Amendments"):
- an item's type may change only where every stored value has one meaning in the new type: integer -> decimal,
  single choice -> multiple choice, any typed value -> free text; anything else cannot be converted;
- a non-lab item's unit may not change once values are entered (no factor is known); a lab item's unit comes from
  its lab test (see `lab_test_changes`).
"""

from __future__ import annotations

from trialdesk.protocol.amendments.base import Change, Guard, changed_fields, text_params
from trialdesk.protocol.form_items import ItemDefinition
from trialdesk.protocol.forms import FormDefinition

TEXT_CONVERTIBLE = frozenset(
    {"integer", "decimal", "date", "datetime", "yes_no", "single_choice", "multiple_choice", "ordinal"}
)
CONVERTIBLE_TYPES = frozenset({("integer", "decimal"), ("single_choice", "multiple_choice")}) | frozenset(
    (t, "text") for t in TEXT_CONVERTIBLE
)


def type_convertible(old: str, new: str) -> bool:
    """True when values stored under type `old` keep their meaning under type `new`."""
    return old == new or (old, new) in CONVERTIBLE_TYPES


def _items(form: FormDefinition) -> dict[str, ItemDefinition]:
    return {item.id: item for item in form.all_items()}


def _params(form: FormDefinition, item: ItemDefinition) -> dict[str, str]:
    return {**text_params("form", form.title), **text_params("label", item.label), "type": item.type}


def _changed(form: FormDefinition, old: ItemDefinition, new: ItemDefinition) -> list[Change]:
    params = _params(form, new)
    changes: list[Change] = []
    if old.type != new.type:
        typed = {**params, "old": old.type, "new": new.type}
        if type_convertible(old.type, new.type):
            changes.append(Change("item", "item.type_changed", new.id, typed))
        else:
            changes.append(
                Change("item", "item.type_changed", new.id, typed, Guard.ITEM_HOLDS_DATA, (new.id,), "type")
            )
    if old.type != "lab" and new.type != "lab" and (old.unit or "") != (new.unit or ""):
        united = {**params, "old": old.unit or "-", "new": new.unit or "-"}
        changes.append(
            Change("item", "item.unit_changed", new.id, united, Guard.ITEM_HOLDS_DATA, (new.id,), "unit")
        )
    fields = changed_fields(old, new, ignore=("type", "unit"))
    if fields:
        changes.append(Change("item", "item.changed", new.id, {**params, "fields": ", ".join(fields)}))
    return changes


def item_changes(old_form: FormDefinition, new_form: FormDefinition) -> list[Change]:
    """Items added to, removed from or changed in one form (matched by id across its two current versions)."""
    before, after = _items(old_form), _items(new_form)
    changes: list[Change] = []
    for item_id, item in after.items():
        if item_id not in before:
            changes.append(Change("item", "item.added", item_id, _params(new_form, item)))
        else:
            changes += _changed(new_form, before[item_id], item)
    for item_id, item in before.items():
        if item_id not in after:
            changes.append(
                Change(
                    "item",
                    "item.removed",
                    item_id,
                    _params(old_form, item),
                    Guard.ITEM_HOLDS_DATA,
                    (item_id,),
                    "item_holds_data",
                )
            )
    return changes
