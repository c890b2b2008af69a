"""Only the data manager and the statistician export; each export is audited with what was written."""

from __future__ import annotations

import hashlib

import pytest

from trialdesk.core.roles import Role
from trialdesk.errors import PermissionDenied, ValidationFailed
from trialdesk.records.models import AuditEntry
from trialdesk.services.exports import export, export_formats

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(Role))
def test_only_the_data_manager_and_statistician_export(role, actors, study) -> None:
    if role in (Role.DATA_MANAGER, Role.STATISTICIAN):
        assert "odm" in export_formats(actors[role])
        assert export(actors[role], study=study, format="codebook").name.endswith("codebook.csv")
    else:
        with pytest.raises(PermissionDenied):
            export(actors[role], study=study, format="csv")


def test_each_export_is_audited_with_its_sha256(small_trial, actors) -> None:
    made = export(actors[Role.STATISTICIAN], study=small_trial.study, format="csv", cutoff=small_trial.cutoff)
    data = b"".join(made.chunks())
    entry = AuditEntry.objects.filter(action="data.export").get()
    assert entry.actor == "statistician"
    assert entry.after["format"] == "csv" and entry.after["cutoff"] == small_trial.cutoff.isoformat()
    assert entry.after["sha256"] == hashlib.sha256(data).hexdigest() == made.sha256


def test_unknown_format_or_domain_is_refused_by_name(actors, study) -> None:
    with pytest.raises(ValidationFailed) as refused:
        export(actors[Role.STATISTICIAN], study=study, format="xls")
    assert refused.value.problems[0].where == "format"
    with pytest.raises(ValidationFailed) as refused:
        export(actors[Role.STATISTICIAN], study=study, format="csv", domain="LB")
    assert refused.value.problems[0].where == "domain"


def test_an_interrupted_export_is_audited_as_incomplete(small_trial, actors) -> None:
    chunks = export(actors[Role.DATA_MANAGER], study=small_trial.study, format="odm").chunks()
    next(chunks)
    chunks.close()  # the client went away
    entry = AuditEntry.objects.filter(action="data.export").get()
    assert entry.after["complete"] is False and entry.after["sha256"] is None
