"""The difference between two protocols, section by section (criteria, design, arms, randomization, schedule,
forms and items, lab tests, edit checks and outcomes, dosing ladder, stopping rules, consent documents)."""

from __future__ import annotations

from typing import Any

from trialdesk.protocol.amendments.base import Change, Guard, current_forms, keyed, text_params
from trialdesk.protocol.amendments.items import item_changes
from trialdesk.protocol.amendments.sections import (
    consent_changes,
    dosing_changes,
    lab_test_changes,
    misc_changes,
    randomization_changes,
    stopping_changes,
)
from trialdesk.protocol.schema import Protocol

__all__ = ["Change", "Guard", "diff_protocols"]


def _criteria(old: Protocol, new: Protocol) -> list[Change]:
    return keyed(
        "criterion",
        old.criteria,
        new.criteria,
        key=lambda c: c.id,
        params=lambda c: {"kind": c.kind, **text_params("text", c.text)},
    )


def _arms(old: Protocol, new: Protocol) -> list[Change]:
    def removed(arm: Any) -> Change:
        return Change(
            "arm",
            "arm.removed",
            arm.id,
            text_params("name", arm.name),
            Guard.ARM_HAS_PARTICIPANTS,
            (arm.id,),
            "arm_has_participants",
        )

    return keyed(
        "arm",
        old.arms,
        new.arms,
        key=lambda a: a.id,
        params=lambda a: text_params("name", a.name),
        removed=removed,
    )


def _design(old: Protocol, new: Protocol) -> list[Change]:
    pairs = {
        "target_sample_size": (old.design.target_sample_size, new.design.target_sample_size),
        "allocation": (old.design.allocation, new.design.allocation),
        "min_age_years": (old.design.eligibility.min_age_years, new.design.eligibility.min_age_years),
        "max_age_years": (old.design.eligibility.max_age_years, new.design.eligibility.max_age_years),
        "gender": (old.design.eligibility.gender, new.design.eligibility.gender),
    }
    changes = []
    for name, (before, after) in pairs.items():
        if before != after:
            guard = Guard.AFTER_FIRST_ALLOCATION if name == "allocation" else None
            changes.append(
                Change(
                    "design",
                    "design.changed",
                    name,
                    {"field": name, "old": str(before), "new": str(after)},
                    guard,
                    (),
                    "randomization_after_allocation" if guard else "",
                )
            )
    return changes


def _schedule(old: Protocol, new: Protocol) -> list[Change]:
    return keyed(
        "visit",
        old.schedule.visits if old.schedule else [],
        new.schedule.visits if new.schedule else [],
        key=lambda v: v.id,
        params=lambda v: {"day": str(v.offset_days), **text_params("label", v.label)},
    )


def _forms(old: Protocol, new: Protocol) -> list[Change]:
    before, after = current_forms(old), current_forms(new)
    changes: list[Change] = []
    for form_id, form in after.items():
        title = text_params("form", form.title)
        if form_id not in before:
            changes.append(Change("form", "form.added", form_id, {**title, "version": form.version}))
            continue
        if before[form_id].version != form.version:
            params = {**title, "old": before[form_id].version, "new": form.version}
            changes.append(Change("form", "form.version_changed", form_id, params))
        changes += item_changes(before[form_id], form)
    for form_id, form in before.items():
        if form_id not in after:
            items = tuple(i.id for i in form.all_items())
            params = text_params("form", form.title)
            changes.append(
                Change(
                    "form", "form.removed", form_id, params, Guard.ITEM_HOLDS_DATA, items, "form_holds_data"
                )
            )
    return changes


def diff_protocols(old: Protocol, new: Protocol) -> list[Change]:
    """Every difference from `old` to `new`, grouped by section in a fixed order."""
    parts = (
        _criteria,
        _design,
        _arms,
        randomization_changes,
        _schedule,
        _forms,
        lab_test_changes,
        misc_changes,
        dosing_changes,
        stopping_changes,
        consent_changes,
    )
    return [change for part in parts for change in part(old, new)]
