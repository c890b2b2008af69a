"""schemathesis over the whole OpenAPI schema (issue 12), signed in as two roles (investigator, data manager):
no 5xx, and every answer matches the schema (status code documented, body of the documented shape).

Path parameters are filled with real targets (an enrolled participant, a saved form, a lot, a query) so the
generated bodies reach the services rather than stopping at a 404. The example count is bounded so the
whole test stays well under a minute on both databases.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.conftest import PASSWORD
from tests.services.casebook.helpers import vitals
from trialdesk.core.roles import Role
from trialdesk.services.casebook.entry import save_form
from trialdesk.services.casebook.queries import raise_query
from trialdesk.web.api import api

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 3
SCHEMA = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api"))))
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
COUNTED: dict[str, int] = {"operations": 0, "examples": 0}


@pytest.fixture
def targets(actors, enrol, clock) -> dict[str, Any]:
    participant = enrol(arm="exosome")
    where = {"visit_id": "baseline", "occurrence": 1, "form_id": "vital_signs"}
    save_form(actors[Role.RHEUMATOLOGIST], participant, values=vitals(), clock=clock, **where)
    query = raise_query(
        actors[Role.MONITOR], participant, item_path="heart_rate", text="?", clock=clock, **where
    )
    return {
        "code": participant.study_code, "visit_id": "baseline", "occurrence": 1, "form_id": "vital_signs",
        "query_id": query.id, "site_code": "KUMS", "number": 1, "lot_id": "EXO-1", "report_id": 1, "pause_id": 1,
        "version_id": 1,
    }  # fmt: skip


def _session(role: Role) -> tuple[dict[str, str], dict[str, str]]:
    """The session and CSRF cookies of a signed-in browser, and the header Django wants on unsafe methods."""
    client = Client()
    assert client.login(username=role.value, password=PASSWORD)
    token = "t" * 32  # a CSRF cookie value of our own; the header must repeat it
    return {"sessionid": client.cookies["sessionid"].value, "csrftoken": token}, {"X-CSRFToken": token}


@pytest.fixture
def keep_connection() -> Iterator[None]:
    """Like Django's test client: the test's database connection (inside its transaction) stays open across
    the requests the WSGI application answers."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("keep_connection")
@pytest.mark.parametrize("role", [Role.INVESTIGATOR, Role.DATA_MANAGER])
def test_every_operation_answers_within_its_schema_and_never_5xx(targets, role) -> None:
    app = get_wsgi_application()
    cookies, headers = _session(role)
    statuses: dict[int, int] = {}

    @settings(
        max_examples=1,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        for operation in OPERATIONS:
            COUNTED["operations"] += 1
            for _ in range(EXAMPLES_PER_OPERATION):
                case = data.draw(operation.as_strategy())
                for name in list(case.path_parameters or {}):
                    if name in targets and data.draw(st.booleans()):
                        case.path_parameters[name] = targets[name]
                response = case.call(app=app, headers=headers, cookies=cookies)
                COUNTED["examples"] += 1
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                case.validate_response(response, checks=CHECKS)

    run()
    print(role.value, COUNTED, sorted(statuses.items()))  # the closing note's counts (pytest -s)
    assert COUNTED["operations"] >= 40
    assert statuses.get(200, 0) >= 10 and statuses.get(401, 0) == 0, statuses  # signed in, reaching services
