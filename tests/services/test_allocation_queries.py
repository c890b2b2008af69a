"""An allocation runs a fixed number of SQL statements, however many slots of its stratum are taken."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import consented
from trialdesk.core.roles import Role
from trialdesk.records.models import Allocation
from trialdesk.services.randomization import generate, randomize

# participant lock, database lock, protocol version (no JSON decoded), allocation/consent/withdrawal facts,
# status, stratum counter (lock + advance), slot, allocation, audit entry. Was 14 (22 before the Merkle log).
QUERIES_PER_ALLOCATION = 9


def test_one_allocation_costs_a_fixed_number_of_queries(actors, site, clock) -> None:
    generate(actors[Role.EPIDEMIOLOGIST], study=site.study, seed=7, clock=clock)
    people = [consented(actors, site, clock, name=f"P {i}") for i in range(15)]
    counts = []
    for number, person in enumerate(people, start=1):
        with CaptureQueriesContext(connection) as queries:
            allocation = randomize(actors[Role.INVESTIGATOR], participant=person, clock=clock)
        assert allocation.slot is not None and allocation.slot.sequence == number
        if number in (1, 15):
            # The test's own transaction wraps each use case in a savepoint; production has BEGIN/COMMIT.
            statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
            counts.append(len(statements))
    assert counts == [QUERIES_PER_ALLOCATION, QUERIES_PER_ALLOCATION]
    assert Allocation.objects.count() == 15
