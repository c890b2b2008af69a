"""The English wording of every change and refusal; the web layer translates the same templates (Persian parts file
`web/locale/fa/parts/amendments.po`) and passes its `gettext` as `translate`."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from trialdesk.protocol.amendments.base import Change
from trialdesk.protocol.amendments.rules import Refusal

CHANGE_TEMPLATES: dict[str, str] = {
    "criterion.added": "Criterion added ({kind}): {text}",
    "criterion.removed": "Criterion removed ({kind}): {text}",
    "criterion.changed": "Criterion changed ({kind}): {text} [{fields}]",
    "design.changed": "Design: {field} changed from {old} to {new}",
    "arm.added": "Arm added: {name}",
    "arm.removed": "Arm removed: {name}",
    "arm.changed": "Arm changed: {name} [{fields}]",
    "randomization.changed": "Randomization changed [{fields}]",
    "visit.added": "Visit added: {label} (day {day})",
    "visit.removed": "Visit removed: {label} (day {day})",
    "visit.changed": "Visit changed: {label} (day {day}) [{fields}]",
    "form.added": "Form added: {form} (version {version})",
    "form.removed": "Form removed: {form}",
    "form.version_changed": "Form {form}: new version {new} (was {old})",
    "item.added": "Item added to {form}: {label} ({type})",
    "item.removed": "Item removed from {form}: {label}",
    "item.type_changed": "Item {label} in {form}: type changed from {old} to {new}",
    "item.unit_changed": "Item {label} in {form}: unit changed from {old} to {new}",
    "item.changed": "Item {label} in {form} changed [{fields}]",
    "lab_test.added": "Lab test added: {label}",
    "lab_test.removed": "Lab test removed: {label}",
    "lab_test.unit_changed": "Lab test {label}: canonical unit changed from {old} to {new}",
    "lab_test.changed": "Lab test {label} changed [{fields}]",
    "edit_check.added": "Edit check added on form {form_id}: {message}",
    "edit_check.removed": "Edit check removed from form {form_id}: {message}",
    "edit_check.changed": "Edit check changed on form {form_id}: {message} [{fields}]",
    "outcome.added": "Outcome added ({kind}): {description}",
    "outcome.removed": "Outcome removed ({kind}): {description}",
    "outcome.changed": "Outcome changed ({kind}): {description} [{fields}]",
    "step.added": "Dosing ladder of arm {arm}: step added, {label} ({amount}, from day {day})",
    "step.removed": "Dosing ladder of arm {arm}: step removed, {label}",
    "step.changed": "Dosing ladder of arm {arm}: step changed, {label} ({amount}, from day {day}) [{fields}]",
    "maintenance.changed": "Dosing of arm {arm}: maintenance changed",
    "dosing.changed": "Dosing plan changed [{fields}]",
    "stopping_rule.added": "Stopping rule added ({scope}): {description}",
    "stopping_rule.removed": "Stopping rule removed ({scope}): {description}",
    "stopping_rule.changed": "Stopping rule changed ({scope}): {description} [{fields}]",
    "consent.added": "New consent document version {version}: {title}; participants still in the trial re-consent",
    "consent.removed": "Consent document version {version} removed: {title}",
    "consent.changed": "Consent document version {version} changed: {title} [{fields}]",
}

REFUSAL_TEMPLATES: dict[str, str] = {
    "arm_has_participants": "Refused: arm {name} has participants; an arm in use cannot be removed",
    "randomization_after_allocation": (
        "Refused: the randomization design or ratio cannot change after the first allocation"
    ),
    "item_holds_data": "Refused: item {label} of {form} holds data and cannot be removed",
    "form_holds_data": "Refused: form {form} holds data and cannot be removed",
    "type": "Refused: values of {label} entered as {old} cannot be converted to {new}",
    "unit": "Refused: values of {label} entered in {old} cannot be converted to {new}",
}

# Parameter values that are words, translated like the templates.
VALUE_WORDS = ("inclusion", "exclusion", "participant", "study", "primary", "secondary", "exploratory")


def _identity(text: str) -> str:
    return text


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _fill(template: str, params: Mapping[str, str], language: str, translate: Callable[[str], str]) -> str:
    values = _Params()
    for key, value in params.items():
        if key.endswith("__fa"):
            continue
        chosen = params.get(f"{key}__fa", value) if language == "fa" else value
        values[key] = translate(chosen) if chosen in VALUE_WORDS else chosen
    return translate(template).format_map(values)


def describe(change: Change, *, language: str = "en", translate: Callable[[str], str] = _identity) -> str:
    """One change in words (`translate` is gettext on a Persian page)."""
    return _fill(CHANGE_TEMPLATES[change.code], change.params, language, translate)


def describe_refusal(
    refusal: Refusal, *, language: str = "en", translate: Callable[[str], str] = _identity
) -> str:
    return _fill(REFUSAL_TEMPLATES[refusal.reason], refusal.change.params, language, translate)
