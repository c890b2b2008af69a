"""Defaults of a medical web application: CSP without inline script, no caching, docs after sign-in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

import trialdesk
from tests.conftest import PASSWORD
from trialdesk.core.roles import Role

TEMPLATES = Path(trialdesk.__file__).parent / "web" / "templates"


def _signed_in(role: Role) -> Client:
    client = Client()
    assert client.login(username=role.value, password=PASSWORD)
    return client


def test_pages_and_api_carry_a_strict_csp_and_are_never_cached(actors) -> None:
    client = _signed_in(Role.RHEUMATOLOGIST)
    for url in ("/", "/participants/", "/api/participants"):
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert response["Cache-Control"] == "no-store"
        assert re.fullmatch(r"[0-9a-f]{12}", response["X-Request-Id"])


def test_no_template_has_inline_script_or_event_handlers() -> None:
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)", text) or re.search(r"\son[a-z]+=\"", text):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []


def test_api_docs_and_schema_only_after_sign_in(actors) -> None:
    anonymous = Client()
    for url in ("/api/docs", "/api/openapi.json"):
        assert anonymous.get(url).status_code in (302, 401), url
    signed_in = _signed_in(Role.MONITOR)
    assert signed_in.get("/api/openapi.json").status_code == 200


@pytest.mark.parametrize("password", ["short-one", "password1234", "123456789012345", "rheumatologist1"])
def test_weak_passwords_are_refused(password, actors) -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="rheumatologist")
    with pytest.raises(ValidationError):
        validate_password(password, user=user)
    validate_password("a-long-and-unusual-passphrase", user=user)


def test_a_server_error_is_logged_to_stderr_with_its_request_id_and_no_request_body(settings, capsys) -> None:
    import logging
    import logging.config

    from django.test import RequestFactory

    logging.config.dictConfig(settings.LOGGING)
    request = RequestFactory().post("/participants/new/", {"full_name": "Secret Name"})
    request.request_id = "abc123abc123"
    logging.getLogger("django.request").error(
        "Internal Server Error: %s", request.path, extra={"request": request}
    )
    err = capsys.readouterr().err
    assert "[abc123abc123]" in err and "POST /participants/new/" in err
    assert "Secret Name" not in err
