"""The laboratory import page: upload a CSV, map its columns, preview, commit (all or nothing).

The file's text travels in a hidden field between the steps (files are small); nothing is stored until the
commit, which calls `commit_lab_import` and shows every problem by row and column when it refuses."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trialdesk.errors import ValidationFailed
from trialdesk.services.casebook.lab_import import (
    LAB_IMPORT_FIELDS,
    OPTIONAL_FIELDS,
    LabImportPreview,
    commit_lab_import,
    ensure_may_import,
    preview_lab_import,
)
from trialdesk.services.casebook.lab_plan import MAX_FILE_CHARS, lab_file_text
from trialdesk.web.auth import request_actor
from trialdesk.web.views import domain_errors

MAX_UPLOAD_BYTES = MAX_FILE_CHARS
FIELD_LABELS = {
    "participant": gettext_lazy("Participant (study code)"),
    "date": gettext_lazy("Sampling date (YYYY-MM-DD)"),
    "test": gettext_lazy("Test code"),
    "value": gettext_lazy("Value"),
    "unit": gettext_lazy("Unit"),
}
# Column names commonly used by laboratories, to pre-select the mapping (the user can change it).
GUESSES = {
    "participant": ("participant", "patient", "subject", "study_code", "code", "id"),
    "date": ("date", "sampled", "sample_date", "collected"),
    "test": ("test", "analyte", "test_code", "lbtestcd"),
    "value": ("value", "result", "lborres"),
    "unit": ("unit", "units", "lborresu"),
}


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file from the laboratory"))


def _guess(field: str, columns: list[str]) -> str:
    lowered = {c.casefold(): c for c in columns}
    return next((lowered[g] for g in GUESSES[field] if g in lowered), "")


def _header(text: str) -> list[str]:
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    return [c.strip() for c in next(csv.reader([first]), [])]


@login_required
@domain_errors
def lab_import(request: HttpRequest) -> HttpResponse:
    actor, study = request_actor(request)
    ensure_may_import(actor)
    context: dict[str, object] = {"upload": UploadForm(), "fields": LAB_IMPORT_FIELDS}
    step = request.POST.get("step", "")
    if request.method == "POST" and step == "upload":
        upload = UploadForm(request.POST, request.FILES)
        context["upload"] = upload
        if upload.is_valid():
            file = upload.cleaned_data["file"]
            try:
                # at most one byte more than allowed is read: enough to refuse a larger file
                text = lab_file_text(file.read(MAX_UPLOAD_BYTES + 1))
            except ValidationFailed as refused:
                upload.add_error("file", " ".join(p.rule for p in refused.problems))
            else:
                columns = _header(text)
                context.update(csv_text=text, file_name=file.name, columns=columns,
                               mapping={f: _guess(f, columns) for f in LAB_IMPORT_FIELDS})  # fmt: skip
    elif request.method == "POST" and step in ("preview", "commit"):
        text = request.POST.get("csv_text", "")
        file_name = request.POST.get("file_name", "")
        mapping = {f: request.POST.get(f"map_{f}", "") for f in LAB_IMPORT_FIELDS}
        context.update(csv_text=text, file_name=file_name, columns=_header(text), mapping=mapping)
        if step == "commit":
            try:
                done = commit_lab_import(actor, study, csv_text=text, mapping=mapping, file_name=file_name)
            except ValidationFailed as refused:
                context.update(refused=refused, problems=refused.problems)
            else:
                messages.success(
                    request,
                    _("%(rows)d result(s) imported into %(forms)d form(s) (batch %(batch)d).")
                    % {"rows": len(done.rows), "forms": len(done.forms_written), "batch": done.batch_id},
                )
                return HttpResponseRedirect(reverse("casebook:lab_import"))
        else:
            preview: LabImportPreview = preview_lab_import(actor, study, csv_text=text, mapping=mapping)
            context.update(preview=preview, problems=preview.problems)
    chosen = context.get("mapping")
    context["field_rows"] = [
        (f, FIELD_LABELS[f], f in OPTIONAL_FIELDS, chosen.get(f, "") if isinstance(chosen, dict) else "")
        for f in LAB_IMPORT_FIELDS
    ]
    return render(request, "trialdesk/casebook/data/lab_import.html", context)
