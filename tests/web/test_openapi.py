"""The OpenAPI schema documents the 4xx answers of every operation, with the shape errors are sent in."""

from __future__ import annotations

from django.test import Client

from tests.conftest import PASSWORD
from trialdesk.core.roles import Role


def test_every_operation_documents_its_refusals(actors) -> None:
    client = Client()
    assert client.login(username=Role.DATA_MANAGER.value, password=PASSWORD)
    schema = client.get("/api/openapi.json").json()
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert len(operations) > 40
    for operation in operations:
        for code in ("400", "401", "403", "404", "409", "422"):
            assert code in operation["responses"], (operation["operationId"], code)
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]
