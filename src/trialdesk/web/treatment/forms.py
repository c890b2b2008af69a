"""Input forms of the treatment pages: they only parse what was typed; every rule is checked by the services.

Choices come from the protocol (ladder steps, safety-check items, relatedness scale) and from `trialdesk.core`
(CTCAE terms, seriousness criteria, actions, outcomes), so a second study needs no change here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from trialdesk.core.adverse_events import ActionTaken, Expectedness, Outcome, SeriousnessCriterion
from trialdesk.core.ctcae import TERMS
from trialdesk.core.dosing import DoseStep
from trialdesk.protocol.treatment import RelatednessLevel, SafetyCheckItem, VitalSignLimit
from trialdesk.services.treatment.adverse_events import JUDGEMENT_FIELDS, NOT_SERIOUS

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
OTHER_TERM = "other"

SERIOUSNESS_LABELS = {
    SeriousnessCriterion.RESULTS_IN_DEATH: _("Results in death"),
    SeriousnessCriterion.LIFE_THREATENING: _("Life-threatening"),
    SeriousnessCriterion.HOSPITALIZATION: _("Requires or prolongs hospitalisation"),
    SeriousnessCriterion.DISABILITY: _("Persistent or significant disability/incapacity"),
    SeriousnessCriterion.CONGENITAL_ANOMALY: _("Congenital anomaly/birth defect"),
    SeriousnessCriterion.IMPORTANT_MEDICAL_EVENT: _("Important medical event"),
}
ACTION_LABELS = {
    ActionTaken.NONE: _("None"),
    ActionTaken.INFUSION_INTERRUPTED: _("Infusion interrupted"),
    ActionTaken.DOSING_HELD: _("Dosing held"),
    ActionTaken.DOSE_REDUCED: _("Dose reduced"),
    ActionTaken.PRODUCT_WITHDRAWN: _("Study product withdrawn"),
    ActionTaken.NOT_APPLICABLE: _("Not applicable"),
}
OUTCOME_LABELS: dict[str, str | Promise] = {  # keyed by Outcome (a str) so a stored value finds its label
    Outcome.RECOVERED: _("Recovered/resolved"),
    Outcome.RECOVERING: _("Recovering/resolving"),
    Outcome.NOT_RECOVERED: _("Not recovered/not resolved"),
    Outcome.RECOVERED_WITH_SEQUELAE: _("Recovered with sequelae"),
    Outcome.FATAL: _("Fatal"),
    Outcome.UNKNOWN: _("Unknown"),
}
EXPECTEDNESS_LABELS = {Expectedness.EXPECTED: _("Expected"), Expectedness.UNEXPECTED: _("Unexpected")}
DEVIATION_LABELS = {
    "visit_out_of_window": _("Visit outside its window"),
    "missed_visit": _("Missed visit"),
    "dosing": _("Dosing"),
    "eligibility": _("Eligibility"),
    "consent": _("Consent"),
    "procedure": _("Procedure"),
    "other": _("Other"),
}
FINDING_CHOICES = [("normal", _("Normal")), ("abnormal", _("Abnormal"))]
ROUTE_CHOICES = [
    ("intravenous", _("Intravenous")),
    ("subcutaneous", _("Subcutaneous")),
    ("intramuscular", _("Intramuscular")),
    ("oral", _("Oral")),
    ("other", _("Other")),
]
LAB_TESTS = [
    ("glucose", _("Glucose")),
    ("triglycerides", _("Triglycerides")),
    ("temperature", _("Body temperature (fever)")),
]
LAB_UNITS = [("mg/dL", "mg/dL"), ("mmol/L", "mmol/L"), ("°C", "°C")]


def _choose(choices: Iterable[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """A blank first option, so no clinical judgement is preselected and an unanswered field is refused."""
    return [("", _("— choose —")), *choices]


def _datetime_field(label: Any, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=[DATETIME_FORMAT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


def _date_field(label: Any, *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


def _text(value: Any, language: str) -> str:
    """A protocol `Text` in the page language (plain strings pass through)."""
    in_language = getattr(value, "in_language", None)
    return str(in_language(language)) if in_language is not None else str(value)


class SafetyCheckForm(forms.Form):
    """The pre-dose safety check: one normal/abnormal answer per protocol item, the protocol's vital signs (each
    with its unit and acceptable range), and the signature. An item attesting the vital signs cannot be answered
    "normal" against a value outside its range: the form says which value and which range."""

    step_id = forms.CharField(widget=forms.HiddenInput)
    symptoms = forms.CharField(
        label=_("Symptoms or remarks"), required=False, widget=forms.Textarea({"rows": 2})
    )
    signed = forms.BooleanField(
        label=_("I, the investigator, sign this pre-dose safety check"), required=True
    )

    def __init__(
        self,
        *args: Any,
        items: Sequence[SafetyCheckItem],
        language: str,
        limits: Sequence[VitalSignLimit] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.item_ids = [item.id for item in items]
        self.attesting = [item.id for item in items if item.attests_vital_signs]
        self.limits = list(limits)
        for limit in self.limits:
            self.fields[f"vital_{limit.id}"] = forms.DecimalField(
                label=f"{_text(limit.label, language)} ({limit.unit})",
                required=limit.required,
                max_digits=6,
                decimal_places=1,
                min_value=Decimal("0.1"),  # a measurement: more than 0, as the service requires
                help_text=_("Acceptable range: %(range)s") % {"range": limit.describe_range()},
            )
        for item in items:
            self.fields[f"item_{item.id}"] = forms.ChoiceField(
                label=_text(item.label, language), choices=FINDING_CHOICES, widget=forms.RadioSelect
            )
        self.order_fields(["step_id", *(f"vital_{v.id}" for v in self.limits)])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        outside = [
            _("%(sign)s %(value)s %(unit)s is outside the acceptable range %(range)s")
            % {
                "sign": self.fields[f"vital_{v.id}"].label,
                "value": value,
                "unit": v.unit,
                "range": v.describe_range(),
            }
            for v in self.limits
            if (value := data.get(f"vital_{v.id}")) is not None and not v.contains(value)
        ]
        for item_id in self.attesting:
            if outside and data.get(f"item_{item_id}") == "normal":
                self.add_error(
                    f"item_{item_id}",
                    _("Cannot be answered normal: %(values)s.")
                    % {"values": "; ".join(str(o) for o in outside)},
                )
        return data

    def answers(self) -> dict[str, str]:
        return {item_id: self.cleaned_data[f"item_{item_id}"] for item_id in self.item_ids}

    def vital_signs(self) -> dict[str, Any]:
        values = {v.id: self.cleaned_data.get(f"vital_{v.id}") for v in self.limits}
        return {name: value for name, value in values.items() if value is not None}


class AdministrationForm(forms.Form):
    """One dose as given: the step, the time, the amount actually given, the lot, the infusion and any reaction."""

    step_id = forms.ChoiceField(label=_("Step"))
    given_at = _datetime_field(_("Date and time given (empty: now)"), required=False)
    amount_given = forms.DecimalField(
        label=_("Amount given"), min_value=Decimal("0"), max_digits=10, decimal_places=4
    )
    lot_id = forms.ChoiceField(label=_("Product lot"))
    infusion_started_at = _datetime_field(_("Infusion started"), required=False)
    infusion_stopped_at = _datetime_field(_("Infusion stopped"), required=False)
    partial = forms.BooleanField(label=_("Partial dose (infusion stopped early)"), required=False)
    given_by = forms.CharField(label=_("Given by (if not you)"), required=False, max_length=150)
    immediate_reaction = forms.CharField(
        label=_("Immediate reaction (none if empty)"), required=False, widget=forms.Textarea({"rows": 2})
    )

    def __init__(
        self, *args: Any, steps: Sequence[DoseStep], lot_ids: Iterable[str], language: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        step_field = self.fields["step_id"]
        assert isinstance(step_field, forms.ChoiceField)
        step_field.choices = [(s.id, f"{_text(s.label, language)} ({s.amount} {s.unit})") for s in steps]
        lot_field = self.fields["lot_id"]
        assert isinstance(lot_field, forms.ChoiceField)
        lot_field.choices = [("", "—")] + [(lot, lot) for lot in lot_ids]


class LotForm(forms.Form):
    lot_id = forms.CharField(label=_("Lot id"), max_length=60)
    source_id = forms.CharField(label=_("Source (donor/placenta id)"), max_length=60)
    amount_per_unit = forms.DecimalField(label=_("Amount per unit"), max_digits=30, decimal_places=6)
    amount_unit = forms.CharField(label=_("Amount unit (e.g. particles, µg protein)"), max_length=40)
    expiry_date = _date_field(_("Expiry date"))


class VisitRecordForm(forms.Form):
    """One occurrence recorded as done (with its date) or as missed (with the reason)."""

    visit_id = forms.CharField(widget=forms.HiddenInput)
    occurrence = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    outcome = forms.ChoiceField(choices=[("done", _("Done")), ("missed", _("Missed"))], label=_("Visit"))
    done_on = _date_field(_("Date done"), required=False)
    reason = forms.CharField(label=_("Reason (missed visit)"), required=False, max_length=500)


class DeviationForm(forms.Form):
    visit_id = forms.CharField(widget=forms.HiddenInput, required=False)
    occurrence = forms.IntegerField(widget=forms.HiddenInput, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=list(DEVIATION_LABELS.items()))
    occurred_on = _date_field(_("Occurred on"))
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea({"rows": 2}))


class AdverseEventForm(forms.Form):
    """An adverse event (new or a follow-up update): CTCAE term and grade, E2A seriousness, relatedness."""

    term = forms.ChoiceField(label=_("Term (CTCAE v5.0)"))
    other_term = forms.CharField(label=_("Other term (specify)"), required=False, max_length=120)
    onset_at = _datetime_field(_("Onset"))
    resolved_at = _datetime_field(_("Resolved"), required=False)
    grade = forms.TypedChoiceField(
        label=_("CTCAE grade"),
        coerce=int,
        choices=[(g, str(g)) for g in range(1, 6)],
        widget=forms.RadioSelect,
    )
    seriousness = forms.MultipleChoiceField(
        label=_("Seriousness criteria (ICH E2A)"),
        required=True,
        choices=[*SERIOUSNESS_LABELS.items(), (NOT_SERIOUS, _("None of these: not serious"))],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick the criteria met, or 'None of these: not serious'.")},
    )
    relationship_to_product = forms.ChoiceField(label=_("Relationship to the study product"))
    relationship_to_conventional_therapy = forms.ChoiceField(label=_("Relationship to conventional therapy"))
    expectedness = forms.ChoiceField(label=_("Expectedness"), choices=_choose(EXPECTEDNESS_LABELS.items()))
    action_taken = forms.ChoiceField(
        label=_("Action taken with the study treatment"), choices=_choose(ACTION_LABELS.items())
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=_choose(OUTCOME_LABELS.items()))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea({"rows": 3}))
    first_knowledge_on = _date_field(_("Date the site first knew of the event"), required=False)
    aware_on = _date_field(_("Date the site learned this follow-up information"), required=False)
    reason = forms.CharField(label=_("Reason for the update"), required=False, max_length=1000)

    def __init__(self, *args: Any, scale: Sequence[RelatednessLevel], language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = _choose((level.id, _text(level.label, language)) for level in scale)
        for name in ("relationship_to_product", "relationship_to_conventional_therapy"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = levels
        for name in JUDGEMENT_FIELDS:
            self.fields[name].error_messages["required"] = _("Choose it explicitly: nothing is preselected.")
        term_field = self.fields["term"]
        assert isinstance(term_field, forms.ChoiceField)
        term_field.choices = _choose(
            [(t.id, t.name) for t in TERMS.values()] + [(OTHER_TERM, _("Other (specify)"))]
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("term") == OTHER_TERM and not (data.get("other_term") or "").strip():
            self.add_error("other_term", _("Name the term when it is not in the list."))
        if NOT_SERIOUS in data.get("seriousness", ()) and len(data["seriousness"]) > 1:
            self.add_error("seriousness", _("'Not serious' cannot be ticked together with a criterion."))
        return data

    def term_value(self) -> str:
        term = str(self.cleaned_data["term"])
        return str(self.cleaned_data["other_term"]).strip() if term == OTHER_TERM else term


class LabValueForm(forms.Form):
    """A laboratory value or a body temperature typed on the AE form; the service suggests the CTCAE grade."""

    lab_test = forms.ChoiceField(label=_("Laboratory test"), choices=LAB_TESTS)
    lab_value = forms.DecimalField(label=_("Value"), max_digits=10, decimal_places=3)
    lab_unit = forms.ChoiceField(label=_("Unit"), choices=LAB_UNITS)
    lab_lln = forms.DecimalField(
        label=_("Lower limit of normal"), required=False, max_digits=10, decimal_places=3
    )
    lab_uln = forms.DecimalField(
        label=_("Upper limit of normal"), required=False, max_digits=10, decimal_places=3
    )
    hours_above_40 = forms.DecimalField(
        label=_("Hours above 40.0 °C (fever only)"),
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=1,
    )


class MarkSentForm(forms.Form):
    sent_on = _date_field(_("Sent on"))
    which = forms.ChoiceField(
        choices=[("initial", _("Initial report")), ("follow_up", _("Follow-up report"))],
        widget=forms.HiddenInput,
    )
    reference = forms.CharField(label=_("Reference"), required=False, max_length=200)


class PauseDecisionForm(forms.Form):
    """The ethics/safety committee's decision on a pause: lift it (dosing resumes) or keep it, with the text."""

    lift = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda value: value == "lift",
        choices=[("lift", _("Lift the pause: dosing may resume")), ("keep", _("Keep dosing paused"))],
        widget=forms.RadioSelect,
    )
    decision = forms.CharField(label=_("Decision text"), max_length=4000, widget=forms.Textarea({"rows": 3}))


class ReleaseLotForm(forms.Form):
    released_on = _date_field(_("QC release date"))
