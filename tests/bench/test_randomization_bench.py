"""The randomization benchmark works (structure and integrity check), run with tiny numbers; no timing asserted."""

from __future__ import annotations

import json

import pytest
from bench.harness import format_table, run_concurrently
from bench.randomization import parse_arguments, report
from bench.randomization_core import FLOOR_TABLE, check_integrity, run_benchmark
from django.db import connection

from trialdesk.records.models import Allocation, Study

pytestmark = pytest.mark.django_db(transaction=True)


def test_benchmark_measures_each_client_count_against_the_floor_and_checks_integrity() -> None:
    result = run_benchmark(clients=(1, 2), allocations=6)

    assert [m.clients for m in result.measurements] == [1, 2]
    for measurement in result.measurements:
        assert measurement.allocations == 6
        assert measurement.floor_transactions == 6
        assert measurement.allocations_per_second > 0
        assert measurement.floor_per_second > 0
        assert 0 < measurement.p50_ms <= measurement.p95_ms
        assert 0 < measurement.floor_p50_ms <= measurement.floor_p95_ms
        assert measurement.ratio == measurement.allocations_per_second / measurement.floor_per_second
    assert [(c.clients, c.participants, c.allocated, c.problems) for c in result.integrity] == [
        (1, 6, 6, ()),
        (2, 6, 6, ()),
    ]
    assert result.audit_chain_ok
    assert result.ok
    assert result.database == connection.vendor
    assert ("id = 1 FOR UPDATE" in result.floor_statement) == (connection.vendor == "postgresql")
    assert FLOOR_TABLE not in connection.introspection.table_names()  # the floor table is dropped

    data = json.loads(json.dumps(result.as_json()))
    assert data["ok"] is True
    assert {"clients", "allocations_per_second", "floor_per_second", "ratio", "p50_ms", "p95_ms"} <= set(
        data["measurements"][0]
    )
    printed = report([data])
    assert printed.count("OK (one slot each, list order, no gap)") == 2
    assert "audit chain: OK" in printed
    assert "floor counter: OK (no lost update)" in printed


def test_integrity_check_names_a_participant_left_without_a_slot() -> None:
    run_benchmark(clients=(2,), allocations=4)
    study = Study.objects.get(protocol_key="bench-2-clients")
    Allocation.objects.filter(randomization_list__study=study, slot__sequence=2).delete()

    check = check_integrity(study, clients=2, expected=4)

    assert not check.ok
    assert check.allocated == 3
    assert any("1 participant(s) without a slot" in problem for problem in check.problems)
    assert any("not taken as 1..4" in problem for problem in check.problems)


def test_an_error_in_one_client_stops_the_run_and_is_raised() -> None:
    def operation(item: int) -> None:
        if item == 3:
            raise ValueError("item 3 failed")

    with pytest.raises(ValueError, match="item 3 failed"):
        run_concurrently(2, range(6), operation, prepare=lambda: None, finish=lambda: None)
    timing = run_concurrently(3, range(9), lambda item: None, prepare=lambda: None, finish=lambda: None)
    assert timing.operations == 9
    assert len(timing.latencies) == 9


def test_command_line_options_and_table() -> None:
    args = parse_arguments(["--database", "sqlite", "--clients", "1,8", "--allocations", "10", "--json"])
    assert (args.database, args.clients, args.allocations, args.json) == ("sqlite", (1, 8), 10, True)
    assert parse_arguments([]).clients == (1, 8, 32)
    with pytest.raises(SystemExit):
        parse_arguments(["--clients", "0"])
    assert format_table(["a", "bb"], [["1", "2"]]).splitlines() == ["| a | bb |", "|--:|---:|", "| 1 |  2 |"]
