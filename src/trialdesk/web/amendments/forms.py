"""Forms of the amendment pages: they parse and type the input; the rules live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from trialdesk.protocol.loading import MAX_PROTOCOL_BYTES
from trialdesk.web.enrolment.forms import DATE_INPUT, ISO_DATE_FORMATS


class UploadForm(forms.Form):
    protocol_file = forms.FileField(label=_("Protocol file (YAML, one file)"))

    def clean_protocol_file(self) -> object:
        handle = self.cleaned_data["protocol_file"]
        if handle.size is not None and handle.size > MAX_PROTOCOL_BYTES:
            raise forms.ValidationError(_("The file is too large for a protocol."))
        return handle


class ApprovalForm(forms.Form):
    reference = forms.CharField(label=_("Ethics committee reference"), max_length=100)
    approved_on = forms.DateField(
        label=_("Date of approval"), widget=DATE_INPUT, input_formats=ISO_DATE_FORMATS
    )


class ActivationForm(forms.Form):
    effective_from = forms.DateField(
        label=_("Effective from"), widget=DATE_INPUT, input_formats=ISO_DATE_FORMATS
    )
