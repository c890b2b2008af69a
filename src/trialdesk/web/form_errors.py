"""A refused submission comes back as the same form with each problem on the field it names."""

from __future__ import annotations

from django import forms

from trialdesk.errors import ValidationFailed


def add_problems(form: forms.Form, error: ValidationFailed) -> None:
    """Put each `Problem` on its field when the form has one (else on the form); the message heads the form."""
    form.add_error(None, error.message)
    for problem in error.problems:
        field = problem.where if problem.where in form.fields else None
        form.add_error(field, problem.rule if field else str(problem))
