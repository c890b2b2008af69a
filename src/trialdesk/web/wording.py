"""Words for the codes the core returns: participant statuses, sex, gate reasons — in the page's language.

The core returns a code and its parameters (step labels as protocol texts, instants as datetimes); this module
words them through gettext. A parameter that stays Latin inside a Persian sentence (a code, a number with its
unit, an English protocol text without a Persian one) is isolated in <bdi> so it cannot reorder the sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, gettext_lazy

from trialdesk.core.dosing.ladder import LadderPosition
from trialdesk.protocol.treatment import StoppingRules
from trialdesk.web.dates import format_date, format_instant
from trialdesk.web.enrolment.common import STATUS_LABELS

ROLE_LABELS: dict[str, Promise] = {
    "rheumatologist": gettext_lazy("rheumatologist"),
    "investigator": gettext_lazy("investigator"),
    "epidemiologist": gettext_lazy("epidemiologist"),
    "monitor": gettext_lazy("monitor"),
    "statistician": gettext_lazy("statistician"),
    "ethics_committee": gettext_lazy("ethics committee"),
    "data_manager": gettext_lazy("data manager"),
    "administrator": gettext_lazy("administrator"),
}
SEX_LABELS: dict[str, Promise] = {
    "female": gettext_lazy("Female"),
    "male": gettext_lazy("Male"),
    "other": gettext_lazy("Other"),
}

# One sentence per gate reason code, with the reason's parameters by name.
REASON_SENTENCES: dict[str, Promise] = {
    "observation_period": gettext_lazy(
        "The %(hours)s-hour observation after %(step)s (given %(given_at)s) is not over."
    ),
    "earliest_day": gettext_lazy("%(step)s may be given from day %(day)s after the first dose."),
    "maintenance_interval": gettext_lazy(
        "Maintenance cycle %(cycle)s comes %(min)s–%(max)s days after the previous dose (given %(given_at)s)."
    ),
    "safety_check_missing": gettext_lazy(
        "The investigator has not signed the pre-dose safety check for %(step)s."
    ),
    "safety_check_other_dose": gettext_lazy(
        "The signed safety check is for another dose, not for %(step)s: sign a check for this dose."
    ),
    "safety_check_stale": gettext_lazy(
        "The safety check was signed %(signed_at)s, before the last dose (%(given_at)s): "
        "a new check is needed for this dose."
    ),
    "safety_check_in_future": gettext_lazy("The safety check is dated in the future (%(signed_at)s)."),
    "safety_check_unsigned": gettext_lazy("The safety check carries no investigator signature."),
    "safety_check_incomplete": gettext_lazy("The safety check is incomplete; not answered: %(items)s."),
    "safety_check_abnormal": gettext_lazy(
        "The safety check found an abnormal result, so the dose may not be given: %(items)s."
    ),
    "vital_signs_missing": gettext_lazy("The safety check does not record these vital signs: %(items)s."),
    "vital_sign_out_of_range": gettext_lazy(
        "%(item)s %(value)s %(unit)s is outside the acceptable range %(range)s: the dose may not be given."
    ),
    "first_dose_preconditions": gettext_lazy("Before the first dose these forms must be saved: %(items)s."),
    "adverse_event_hold": gettext_lazy(
        "Dosing is on hold: %(event)s is not resolved and meets the hold rule (%(condition)s). "
        "Record its resolution before the next dose."
    ),
    "stopped_after_reaction": gettext_lazy("No further doses: %(note)s."),
    "no_study_product": gettext_lazy("This arm receives no study product."),
    "ladder_complete": gettext_lazy("All planned doses have been given."),
    "participant_stopped": gettext_lazy(
        "This participant's study-product dosing has been stopped (stopping rule)."
    ),
    "study_paused": gettext_lazy(
        "All study-product dosing is paused until the ethics/safety committee records a decision."
    ),
    "withdrawn": gettext_lazy("%(code)s withdrew consent on %(on)s: no further doses."),
}


def language() -> str:
    return get_language() or "en"


def status_label(code: object) -> str:
    label = STATUS_LABELS.get(str(code))
    return str(label) if label is not None else str(code)


def role_label(code: object) -> str:
    label = ROLE_LABELS.get(str(code))
    return str(label) if label is not None else str(code)


def sex_label(code: object) -> str:
    label = SEX_LABELS.get(str(code))
    return str(label) if label is not None else str(code)


def in_language(value: object) -> str:
    """A protocol text (with `.in_language`) in the page language; anything else as text."""
    pick = getattr(value, "in_language", None)
    return str(pick(language())) if pick is not None else str(value)


def isolated(value: object, *, calendar: str = "both") -> SafeString:
    """One parameter as HTML: local time with its zone for instants, the calendar for dates, <bdi> around text."""
    if isinstance(value, datetime):
        return format_html("<bdi>{}</bdi>", format_instant(value, calendar=calendar, language=language()))
    if isinstance(value, date):
        return format_html("<bdi>{}</bdi>", format_date(value, calendar=calendar, language=language()))
    if isinstance(value, tuple | list):
        return format_html_join("؛ " if language() == "fa" else "; ", "{}", ((isolated(v),) for v in value))
    return format_html("<bdi>{}</bdi>", in_language(value))


def reason_sentence(
    code: str, message: str, params: Mapping[str, object], *, calendar: str = "both"
) -> SafeString:
    """The gate reason in the page language; the core's English message when the code has no sentence here."""
    sentence = REASON_SENTENCES.get(code)
    if sentence is None:
        return format_html("<bdi>{}</bdi>", message)
    values: dict[str, Any] = {name: isolated(value, calendar=calendar) for name, value in params.items()}
    try:
        return mark_safe(conditional_escape(str(sentence)) % values)  # noqa: S308 - every value is escaped
    except KeyError:
        return format_html("<bdi>{}</bdi>", message)


SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def readable_number(value: object) -> str:
    """10000000000.000000 → '1 × 10¹⁰'; 0.50 → '0.5': no trailing zeros, powers of ten past a million."""
    number = Decimal(str(value))
    if number == 0 or not number.is_finite():
        return str(number)
    exponent = number.adjusted()
    if abs(exponent) >= 6:
        mantissa = number.scaleb(-exponent).normalize()
        return f"{mantissa:f} × 10{str(exponent).translate(SUPERSCRIPT)}"
    return f"{number.normalize():f}"


def amount_with_unit(amount: object, unit: object) -> str:
    """'4 units', '1 unit', '1 × 10¹⁰ particles'; a Persian page names the unit in Persian when it has a word."""
    number = readable_number(amount)
    word = in_language(unit)
    if language() == "fa":
        return f"{number} {gettext(word)}"
    plural = Decimal(number.split(" ")[0]) != 1 or " × " in number
    if plural and word.isascii() and word.isalpha() and not word.endswith("s"):
        word += "s"
    return f"{number} {word}"


def rule_description(rules: StoppingRules | None, rule_id: str, fallback: str) -> str:
    """A stopping rule in the page language, from the protocol; the stored English message when not found."""
    for rule in (*rules.participant, *rules.study) if rules is not None else ():
        if rule.id == rule_id:
            return in_language(rule.description)
    return fallback


def position_sentence(position: LadderPosition | None) -> SafeString:
    """Where the participant stands on the ladder, from the position's fields, in the page language."""
    if position is None:
        return mark_safe("")  # noqa: S308 - empty
    step = isolated(position.next_step.label) if position.next_step is not None else ""
    last = isolated(position.last_step.label) if position.last_step is not None else ""
    if position.stopped_by_reaction:
        sentence = gettext("No further doses: the protocol stops dosing after the reaction to %(last)s.")
    elif position.next_step is None:
        sentence = gettext("All planned doses have been given.")
    elif position.last_dose is None:
        sentence = gettext("First dose: %(step)s.")
    elif position.repeats_last_dose and position.reaction is not None:
        sentence = gettext("After the reaction to %(last)s the same step is given again: %(step)s.")
    elif position.repeats_last_dose and position.last_dose_partial:
        sentence = gettext("%(last)s was given only in part: give it again in full before escalating.")
    else:
        sentence = gettext("Next dose: %(step)s.")
    return mark_safe(conditional_escape(sentence) % {"step": step, "last": last})  # noqa: S308 - escaped
