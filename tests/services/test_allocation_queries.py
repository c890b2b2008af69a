"""An allocation runs a fixed number of SQL statements, however many slots of its stratum are taken; the
minimization path still allocates from the earlier allocations."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import consented
from trialdesk.core.roles import Role
from trialdesk.errors import Conflict
from trialdesk.protocol.randomization import RandomizationDesign
from trialdesk.records.models import Allocation, AuditEntry
from trialdesk.services.randomization import generate, randomize
from trialdesk.services.studies import protocol_of, store_protocol
from trialdesk.services.versions import in_force_on

SEX = {"id": "sex", "label": {"en": "Sex"}, "levels": ["female", "male"]}

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
            # The protocol is parsed once per version and process: its JSON content is not even read.
            assert not [sql for sql in statements if '"records_protocolversion"."content",' in sql]
    assert counts == [QUERIES_PER_ALLOCATION, QUERIES_PER_ALLOCATION]
    assert Allocation.objects.count() == 15


def test_minimization_allocates_from_the_earlier_allocations_and_audits_its_draw(
    actors, site, system, clock
) -> None:
    current = protocol_of(in_force_on(site.study))
    design = RandomizationDesign.model_validate(
        {
            "method": "minimization",
            "ratio": {arm.id: 1 for arm in current.arms},
            "minimization": {"factors": [SEX], "probability": 1.0},
        }
    )
    store_protocol(system, protocol=current.model_copy(update={"randomization": design}), make_default=True)
    people = [consented(actors, site, clock, name=f"M {i}") for i in range(2)]
    with pytest.raises(Conflict, match="No randomization list"):
        randomize(actors[Role.INVESTIGATOR], participant=people[0], factors={"sex": "female"}, clock=clock)
    generate(actors[Role.EPIDEMIOLOGIST], study=site.study, clock=clock)
    investigator = actors[Role.INVESTIGATOR]
    first = randomize(investigator, participant=people[0], factors={"sex": "female"}, clock=clock)
    second = randomize(investigator, participant=people[1], factors={"sex": "female"}, clock=clock)
    assert first.slot is None and first.stratum == "all"
    assert second.arm != first.arm  # probability 1: the arm that minimizes the imbalance of sex
    entry = AuditEntry.objects.filter(action="randomization.allocate").order_by("pk").last()
    assert entry is not None and entry.after["minimization"]["preferred_arms"] == [second.arm]
