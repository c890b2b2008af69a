"""Changes to randomization, lab tests, edit checks, outcomes, the dosing ladder, stopping rules and consent."""

from __future__ import annotations

from trialdesk.protocol.amendments.base import (
    Change,
    Guard,
    changed_fields,
    current_forms,
    keyed,
    text_params,
)
from trialdesk.protocol.lab_tests import LabTestDefinition
from trialdesk.protocol.schema import Protocol
from trialdesk.protocol.treatment import ArmDosing


def randomization_changes(old: Protocol, new: Protocol) -> list[Change]:
    """Any change to the randomization design (method, ratio, blocks, strata) is one guarded change."""
    if old.randomization is None and new.randomization is None:
        return []
    if old.randomization is None or new.randomization is None:
        fields = ["randomization"]
    else:
        fields = changed_fields(old.randomization, new.randomization)
    if not fields:
        return []
    params = {"fields": ", ".join(fields)}
    if new.randomization is not None:
        params["ratio"] = ":".join(f"{arm} {n}" for arm, n in new.randomization.ratio.items())
    return [
        Change(
            "randomization",
            "randomization.changed",
            "randomization",
            params,
            Guard.AFTER_FIRST_ALLOCATION,
            (),
            "randomization_after_allocation",
        )
    ]


def _lab_items(protocol: Protocol, code: str) -> tuple[str, ...]:
    return tuple(
        item.id
        for form in current_forms(protocol).values()
        for item in form.all_items()
        if item.lab_test == code
    )


def _unit_change(old: LabTestDefinition, new: LabTestDefinition, protocol: Protocol) -> list[Change]:
    if (old.canonical_unit or "") == (new.canonical_unit or ""):
        return []
    params = {
        **text_params("label", new.label),
        "old": old.canonical_unit or "-",
        "new": new.canonical_unit or "-",
    }
    known = {unit.unit for unit in new.units} | {new.canonical_unit or ""}
    if old.canonical_unit in known:
        return [Change("lab_test", "lab_test.unit_changed", new.code, params)]
    items = _lab_items(protocol, old.code)
    return [
        Change("lab_test", "lab_test.unit_changed", new.code, params, Guard.ITEM_HOLDS_DATA, items, "unit")
    ]


def lab_test_changes(old: Protocol, new: Protocol) -> list[Change]:
    before = {t.code: t for t in old.lab_tests}
    changes = keyed(
        "lab_test",
        old.lab_tests,
        new.lab_tests,
        key=lambda t: t.code,
        params=lambda t: text_params("label", t.label),
    )
    refined: list[Change] = []
    for change in changes:
        if change.code != "lab_test.changed":
            refined.append(change)
            continue
        new_test = next(t for t in new.lab_tests if t.code == change.subject)
        refined += _unit_change(before[change.subject], new_test, old)
        fields = [f for f in change.params["fields"].split(", ") if f != "canonical_unit"]
        if fields:
            refined.append(
                Change(
                    change.area, change.code, change.subject, {**change.params, "fields": ", ".join(fields)}
                )
            )
    return refined


def misc_changes(old: Protocol, new: Protocol) -> list[Change]:
    """Edit checks and outcomes."""
    return keyed(
        "edit_check",
        old.edit_checks,
        new.edit_checks,
        key=lambda c: c.id,
        params=lambda c: {"form_id": c.form, **text_params("message", c.message)},
    ) + keyed(
        "outcome",
        old.outcomes,
        new.outcomes,
        key=lambda o: o.id,
        params=lambda o: {"kind": o.kind, **text_params("description", o.description)},
    )


def _ladder(arm: str, old: ArmDosing | None, new: ArmDosing | None) -> list[Change]:
    changes = keyed(
        "step",
        old.steps if old else [],
        new.steps if new else [],
        key=lambda s: s.id,
        params=lambda s: {
            "arm": arm,
            "amount": f"{s.amount} {s.unit}",
            "day": str(s.earliest_day),
            **text_params("label", s.label),
        },
    )
    if old and new and old.maintenance != new.maintenance:
        changes.append(Change("step", "maintenance.changed", arm, {"arm": arm}))
    return changes


def dosing_changes(old: Protocol, new: Protocol) -> list[Change]:
    """The escalation ladder step by step, then any other change of the dosing plan as its field names."""
    before, after = old.dosing, new.dosing
    arms = sorted(set(before.arms if before else {}) | set(after.arms if after else {}))
    changes = [
        c
        for arm in arms
        for c in _ladder(
            arm, before.arms.get(arm) if before else None, after.arms.get(arm) if after else None
        )
    ]
    if before is None or after is None:
        if before != after:
            changes.append(Change("dosing", "dosing.changed", "dosing", {"fields": "dosing"}))
        return changes
    fields = changed_fields(before, after, ignore=("arms",))
    if fields:
        changes.append(Change("dosing", "dosing.changed", "dosing", {"fields": ", ".join(fields)}))
    return changes


def stopping_changes(old: Protocol, new: Protocol) -> list[Change]:
    changes: list[Change] = []
    for scope in ("participant", "study"):
        changes += keyed(
            "stopping_rule",
            getattr(old.stopping_rules, scope) if old.stopping_rules else [],
            getattr(new.stopping_rules, scope) if new.stopping_rules else [],
            key=lambda r: r.id,
            params=lambda r, scope=scope: {"scope": scope, **text_params("description", r.description)},  # type: ignore[misc]
        )
    return changes


def consent_changes(old: Protocol, new: Protocol) -> list[Change]:
    """Consent documents by version; an added version means every participant still in the trial re-consents."""
    return keyed(
        "consent",
        old.consent,
        new.consent,
        key=lambda d: d.version,
        params=lambda d: {"version": d.version, **text_params("title", d.title)},
    )


def adds_consent_version(changes: list[Change]) -> bool:
    return any(c.code == "consent.added" for c in changes)
