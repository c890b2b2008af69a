"""Forms of the enrolment pages: they parse and type the input; the rules live in the services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trialdesk.protocol.randomization import StratificationFactor
from trialdesk.protocol.schema import ConsentDocument, Criterion
from trialdesk.services.consent import WITHDRAWAL_SCOPES
from trialdesk.services.list_import import FORMATS
from trialdesk.services.participants import SEXES
from trialdesk.web.enrolment.common import SCOPE_LABELS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ISO_DATE_FORMATS = ["%Y-%m-%d"]  # ISO only: a Jalali-looking 1403-01-01 is then refused by the date bounds
ANSWERS = [("yes", _("Yes")), ("no", _("No")), ("unknown", _("Unknown"))]
SEX_LABELS = {"female": _("Female"), "male": _("Male")}
FORMAT_LABELS = {
    "sealed_envelope": _("Sealed Envelope block list (CSV)"),
    "redcap": _("REDCap allocation table (CSV)"),
}


class RegisterForm(forms.Form):
    site = forms.ChoiceField(label=_("Site"))
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    national_id = forms.CharField(label=_("National ID"), max_length=30, required=False)
    national_id_kind = forms.ChoiceField(
        label=_("Kind of identifier"),
        choices=[("iranian", _("Iranian national code")), ("foreign", _("Foreign identifier"))],
        initial="iranian",
        required=False,  # an unstated kind is an Iranian national code
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=DATE_INPUT, input_formats=ISO_DATE_FORMATS
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=[(s, SEX_LABELS[s]) for s in SEXES])
    year_of_birth = forms.IntegerField(label=_("Year of birth"), required=False)

    def __init__(self, *args: Any, site_codes: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site = self.fields["site"]
        assert isinstance(site, forms.ChoiceField)
        site.choices = [(code, code) for code in site_codes]


class ScreeningForm(forms.Form):
    """One yes/no/unknown answer and a source note per criterion; unanswered criteria count as unknown."""

    screened_on = forms.DateField(label=_("Screened on"), widget=DATE_INPUT, input_formats=ISO_DATE_FORMATS)

    def __init__(self, *args: Any, criteria: Sequence[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"answer_{criterion.id}"] = forms.ChoiceField(
                choices=ANSWERS, required=False, widget=forms.RadioSelect
            )
            self.fields[f"note_{criterion.id}"] = forms.CharField(max_length=300, required=False)

    def answers(self) -> dict[str, tuple[str, str]]:
        data = self.cleaned_data
        return {
            c.id: (data[f"answer_{c.id}"], data[f"note_{c.id}"])
            for c in self.criteria
            if data.get(f"answer_{c.id}")
        }


class ConsentForm(forms.Form):
    document_version = forms.ChoiceField(label=_("Consent document version"))
    consented_on = forms.DateField(
        label=_("Date of consent"), widget=DATE_INPUT, input_formats=ISO_DATE_FORMATS
    )
    signature_png = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, documents: Sequence[ConsentDocument], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        version = self.fields["document_version"]
        assert isinstance(version, forms.ChoiceField)
        version.choices = [(d.version, d.version) for d in reversed(documents)]


class WithdrawalForm(forms.Form):
    withdrawn_on = forms.DateField(
        label=_("Date of withdrawal"), widget=DATE_INPUT, input_formats=ISO_DATE_FORMATS
    )
    scope = forms.ChoiceField(
        label=_("Scope"), choices=[(s, SCOPE_LABELS.get(s, s)) for s in WITHDRAWAL_SCOPES]
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RandomizeForm(forms.Form):
    """The confirmation, plus one choice per stratification (or minimization) factor of the design."""

    confirm = forms.BooleanField(label=_("I confirm: this allocation is final and cannot be undone"))

    def __init__(self, *args: Any, factors: Sequence[StratificationFactor], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.factor_ids = [f.id for f in factors]
        for factor in factors:
            self.fields[f"factor_{factor.id}"] = forms.ChoiceField(
                label=factor.label.en, choices=[(level, level) for level in factor.levels]
            )

    def factors(self) -> dict[str, str]:
        return {fid: self.cleaned_data[f"factor_{fid}"] for fid in self.factor_ids}


class ImportForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=[(f, FORMAT_LABELS[f]) for f in FORMATS])
    file = forms.FileField(label=_("CSV file"))
    treatments = forms.CharField(
        label=_("Treatment labels (one label=arm per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "1=exosome\n2=control"}),
    )
