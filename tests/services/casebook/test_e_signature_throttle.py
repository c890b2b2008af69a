"""The e-signature password (issue 12): throttled and locked like sign-in after 5 failures, every failure
audited, and the preconditions checked before the password so the answer never tells a right password from a
wrong one when signing is impossible anyway."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.services.casebook.helpers import vitals
from trialdesk.core.roles import Role
from trialdesk.errors import Conflict, PermissionDenied, ValidationFailed
from trialdesk.records.models import AuditEntry, FailedSignIn
from trialdesk.services.casebook.entry import save_form
from trialdesk.services.casebook.verification import sign_casebook

pytestmark = pytest.mark.django_db
FORM = {"visit_id": "baseline", "occurrence": 1, "form_id": "vital_signs"}


@pytest.fixture
def saved(actors, enrol, clock):
    participant = enrol()
    save_form(actors[Role.RHEUMATOLOGIST], participant, values=vitals(), clock=clock, **FORM)
    return participant


def test_five_wrong_passwords_lock_signing_even_with_the_right_one(actors, saved, clock) -> None:
    investigator = actors[Role.INVESTIGATOR]
    for _ in range(5):
        with pytest.raises(ValidationFailed) as wrong:
            sign_casebook(investigator, saved, password="guess", clock=clock)
        assert wrong.value.problems[0].where == "password"
    assert AuditEntry.objects.filter(action="casebook.sign_failed").count() == 5
    assert FailedSignIn.objects.filter(username="investigator").count() == 5
    with pytest.raises(PermissionDenied) as locked:
        sign_casebook(investigator, saved, password=PASSWORD, clock=clock)
    assert locked.value.problems[0].where == "password"
    later = type(clock)(clock.now().replace(hour=clock.now().hour + 1))  # the window has passed
    assert sign_casebook(investigator, saved, password=PASSWORD, clock=later).valid


def test_nothing_to_sign_answers_the_same_to_a_right_and_a_wrong_password(actors, enrol, clock) -> None:
    empty = enrol()
    answers = []
    for password in (PASSWORD, "guess"):
        with pytest.raises(Conflict) as refused:
            sign_casebook(actors[Role.INVESTIGATOR], empty, password=password, clock=clock)
        answers.append(refused.value.message)
    assert answers[0] == answers[1]
    assert not FailedSignIn.objects.exists()  # the password was never checked


def test_already_signed_answers_the_same_to_a_right_and_a_wrong_password(actors, saved, clock) -> None:
    investigator = actors[Role.INVESTIGATOR]
    sign_casebook(investigator, saved, password=PASSWORD, clock=clock)
    answers = set()
    for password in (PASSWORD, "guess"):
        with pytest.raises(Exception) as refused:  # noqa: PT011 - the point is that both are the same error
            sign_casebook(investigator, saved, password=password, clock=clock)
        answers.add((type(refused.value), str(refused.value)))
    assert len(answers) == 1


def test_failed_signatures_count_towards_the_sign_in_lock(actors, saved, clock) -> None:
    investigator = actors[Role.INVESTIGATOR]
    for _ in range(5):
        with pytest.raises(ValidationFailed):
            sign_casebook(investigator, saved, password="guess")
    answer = Client().post(reverse("login"), {"username": "investigator", "password": PASSWORD})
    assert answer.status_code == 200 and "Too many failed sign-ins" in answer.content.decode()
