"""The randomization benchmark proper, on whatever database Django is configured for.

`bench.randomization` runs it in a child process against a throwaway database; the smoke test runs it
with tiny numbers on the test database. For each client count it installs its own study (the default
protocol with a longer list), so every measurement starts from an empty list of the same length, and
times two things with the same threads:

* allocations through the production `randomize()` service (permission, participant row lock, stratum
  row lock, next slot, allocation, counter, audit entry: one transaction);
* the floor: a bare transaction that locks one row of a one-row table (`SELECT ... FOR UPDATE`) and
  updates it. SQLite has no FOR UPDATE: there the IMMEDIATE transaction's write lock is the lock.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from functools import partial
from typing import Any

from django.db import connection, transaction

from bench.harness import Timing, run_concurrently
from trialdesk.core.randomization import RecordedAllocation, check_allocation_order, parse_canonical_form
from trialdesk.core.roles import Role
from trialdesk.protocol.loading import default_study_path, parse_protocol, read_protocol_data
from trialdesk.records.audit import verify_chain
from trialdesk.records.models import Allocation, Participant, Person, RandomizationList, Site, Study
from trialdesk.services.actors import Actor, actor_for
from trialdesk.services.consent import current_consent_version, record_consent
from trialdesk.services.participants import IdentityDetails, register_for_screening
from trialdesk.services.people import add_person, grant_role
from trialdesk.services.randomization import generate, randomize, verify_list
from trialdesk.services.screening import screen
from trialdesk.services.sites import create_site
from trialdesk.services.studies import protocol_of, store_protocol

FLOOR_TABLE = "bench_floor"
LIST_SEED = 20260110  # a fixed seed: the same list in every run
PASSWORD = "bench-password-not-for-use"


@dataclass(frozen=True)
class Measurement:
    clients: int
    allocations: int
    allocations_per_second: float
    p50_ms: float
    p95_ms: float
    client_cpu_percent: float
    """CPU used by the client process (all its threads) per second of allocating: 100 = one core busy."""
    floor_transactions: int
    floor_per_second: float
    floor_p50_ms: float
    floor_p95_ms: float

    @property
    def ratio(self) -> float:
        """Allocations per second as a fraction of floor transactions per second (1.0 = as fast as the floor)."""
        return self.allocations_per_second / self.floor_per_second if self.floor_per_second else 0.0


@dataclass(frozen=True)
class IntegrityCheck:
    clients: int
    participants: int
    allocated: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class BenchResult:
    database: str
    server_version: str
    floor_statement: str
    measurements: tuple[Measurement, ...]
    integrity: tuple[IntegrityCheck, ...]
    floor_problems: tuple[str, ...]
    audit_chain_ok: bool

    @property
    def ok(self) -> bool:
        return self.audit_chain_ok and not self.floor_problems and all(check.ok for check in self.integrity)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for measurement, row in zip(self.measurements, data["measurements"], strict=True):
            row["ratio"] = measurement.ratio
        for check, row in zip(self.integrity, data["integrity"], strict=True):
            row["ok"] = check.ok
        data["ok"] = self.ok
        return data


def run_benchmark(
    *,
    clients: Sequence[int],
    allocations: int,
    floor_transactions: int | None = None,
    rounds: int = 3,
    progress: Callable[[str], None] = lambda message: None,
) -> BenchResult:
    """Measure allocations/s and floor transactions/s for each client count, then check integrity.

    `allocations` participants are allocated per client count, in `rounds` chunks alternating with chunks
    of the `floor_transactions` (default: as many as allocations).
    """
    floor_count = floor_transactions or allocations
    rounds = max(1, min(rounds, allocations, floor_count))
    system = Actor.system("bench")
    staff: dict[Role, Person] = {}  # made in the first study, granted their role in the others
    measurements: list[Measurement] = []
    checks: list[IntegrityCheck] = []
    _create_floor_table()
    try:
        for count in clients:
            progress(
                f"{connection.vendor}: preparing {allocations} consented participants for {count} client(s)"
            )
            study, investigator, participants = _prepare(system, staff, count, allocations)
            progress(f"{connection.vendor}: measuring with {count} client(s)")
            floors: list[Timing] = []
            allocations_timed: list[Timing] = []
            # Floor and randomize() alternate in rounds, so a change in the machine's load hits both.
            for round_number in range(rounds):
                floors.append(_measure(count, range(floor_count)[round_number::rounds], _floor_transaction))
                chunk = participants[round_number::rounds]
                allocations_timed.append(_measure(count, chunk, partial(_allocate, investigator)))
            measurements.append(
                _measurement(count, Timing.combined(allocations_timed), Timing.combined(floors))
            )
            checks.append(check_integrity(study, clients=count, expected=allocations))
        floor_problems = _check_floor(floor_count * len(clients))
    finally:
        _drop_floor_table()
    return BenchResult(
        database=connection.vendor,
        server_version=_server_version(),
        floor_statement=_floor_statement(),
        measurements=tuple(measurements),
        integrity=tuple(checks),
        floor_problems=floor_problems,
        audit_chain_ok=verify_chain().ok,
    )


def _allocate(investigator: Actor, participant: Participant) -> None:
    randomize(investigator, participant=participant)


def _measure(clients: int, items: Sequence[Any], operation: Callable[[Any], object]) -> Timing:
    # Each thread has its own connection (Django's are per thread): open it before the clock, close it after.
    # The lambdas matter: `connection` must be looked up in the client thread, not here.
    return run_concurrently(
        clients,
        items,
        operation,
        prepare=lambda: connection.ensure_connection(),
        finish=lambda: connection.close(),
    )


def _measurement(clients: int, allocation: Timing, floor: Timing) -> Measurement:
    return Measurement(
        clients=clients,
        allocations=allocation.operations,
        allocations_per_second=allocation.per_second,
        p50_ms=allocation.percentile_ms(50),
        p95_ms=allocation.percentile_ms(95),
        client_cpu_percent=100 * allocation.cpu_seconds / allocation.seconds if allocation.seconds else 0.0,
        floor_transactions=floor.operations,
        floor_per_second=floor.per_second,
        floor_p50_ms=floor.percentile_ms(50),
        floor_p95_ms=floor.percentile_ms(95),
    )


# --- setup: a study per client count, made through the services like a real one -------------------------


def benchmark_protocol_data(protocol_id: str, participants: int) -> dict[str, Any]:
    """The default study's protocol with its own id and a list long enough for `participants`.

    One stratum (no stratification factors, no site strata): every allocation contends for the same
    stratum row, the worst case for the lock.
    """
    data = copy.deepcopy(read_protocol_data(default_study_path()))
    data["id"] = protocol_id
    data["design"]["target_sample_size"] = participants
    design = data["randomization"]
    design.pop("slots_per_stratum", None)
    design["blocks_per_stratum"] = -(-participants // min(design["block_sizes"]))
    design["strata"] = []
    design["stratify_by_site"] = False
    return data


def _prepare(
    system: Actor, staff: dict[Role, Person], clients: int, participants: int
) -> tuple[Study, Actor, list[Participant]]:
    protocol = parse_protocol(benchmark_protocol_data(f"bench-{clients}-clients", participants))
    study = store_protocol(system, protocol=protocol, make_default=False).study
    site = create_site(
        system, study=study, code=f"BENCH-{clients}", name=f"Benchmark site, {clients} clients"
    )
    # The epidemiologist is study-wide; the doctors hold their roles at the site, as in a real trial.
    where: dict[Role, Site | None] = {
        Role.EPIDEMIOLOGIST: None,
        Role.INVESTIGATOR: site,
        Role.RHEUMATOLOGIST: site,
    }
    actors: dict[Role, Actor] = {}
    for role, at_site in where.items():
        if role in staff:
            grant_role(system, person=staff[role], study=study, role=role, site=at_site)
        else:
            staff[role] = add_person(
                system,
                study=study,
                username=f"bench-{role.value}",
                display_name=f"Benchmark {role.value}",
                password=PASSWORD,
                role=role,
                site=at_site,
            )
        actors[role] = actor_for(staff[role], study.pk)
    generate(actors[Role.EPIDEMIOLOGIST], study=study, seed=LIST_SEED)
    doctor = actors[Role.RHEUMATOLOGIST]
    ready = [_consented(doctor, site, number) for number in range(1, participants + 1)]
    return study, actors[Role.INVESTIGATOR], ready


def _consented(doctor: Actor, site: Site, number: int) -> Participant:
    """Registered, screened eligible and consented on the current document: ready to randomize."""
    today = date.today()
    participant = register_for_screening(
        doctor,
        site=site,
        identity=IdentityDetails(full_name=f"Benchmark participant {number}"),
        sex="female",
        year_of_birth=1990,
    )
    screen(doctor, participant=participant, answers=_eligible_answers(participant), screened_on=today)
    version = current_consent_version(participant) or "1"
    record_consent(doctor, participant=participant, document_version=version, consented_on=today)
    participant.refresh_from_db()
    return participant


def _eligible_answers(participant: Participant) -> dict[str, tuple[str, str]]:
    """Every ungrouped inclusion met, no exclusion, and the first criterion of each inclusion group met."""
    criteria = protocol_of(participant.protocol_version).criteria
    answers = {
        c.id: ("yes", "seen") if c.kind == "inclusion" and c.group is None else ("no", "") for c in criteria
    }
    for group in {c.group for c in criteria if c.group}:
        answers[next(c.id for c in criteria if c.group == group)] = ("yes", "seen")
    return answers


# --- the floor: one row, locked and updated ---------------------------------------------------------------


def _floor_statement() -> str:
    if connection.features.has_select_for_update:
        return f"BEGIN; SELECT counter FROM {FLOOR_TABLE} WHERE id = 1 FOR UPDATE; UPDATE ...; COMMIT"
    return (
        f"BEGIN IMMEDIATE; SELECT counter FROM {FLOOR_TABLE} WHERE id = 1; UPDATE ...; COMMIT "
        "(SQLite has no FOR UPDATE: the IMMEDIATE transaction's database write lock is the lock)"
    )


def _create_floor_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
        cursor.execute(f"CREATE TABLE {FLOOR_TABLE} (id integer PRIMARY KEY, counter bigint NOT NULL)")
        cursor.execute(f"INSERT INTO {FLOOR_TABLE} (id, counter) VALUES (1, 0)")


def _drop_floor_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")


def _floor_transaction(_: object) -> None:
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT counter FROM {FLOOR_TABLE} WHERE id = 1{lock}")
        cursor.fetchone()
        cursor.execute(f"UPDATE {FLOOR_TABLE} SET counter = counter + 1 WHERE id = 1")


def _check_floor(expected: int) -> tuple[str, ...]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT counter FROM {FLOOR_TABLE} WHERE id = 1")
        (counter,) = cursor.fetchone()
    return () if counter == expected else (f"floor counter is {counter}, not {expected}: an update was lost",)


# --- integrity --------------------------------------------------------------------------------------------


def check_integrity(study: Study, *, clients: int, expected: int) -> IntegrityCheck:
    """Each participant got exactly one slot; slots were taken in list order with no gap or duplicate."""
    stored = RandomizationList.objects.get(study=study, active=True)
    codes = dict(Participant.objects.filter(study=study).values_list("pk", "study_code"))
    taken = list(
        Allocation.objects.filter(randomization_list=stored)
        .order_by("pk")  # insertion order: the allocation row is written while the stratum lock is held
        .values_list("participant_id", "stratum", "slot__sequence", "arm")
    )
    per_participant = Counter(participant_id for participant_id, *_ in taken)
    problems: list[str] = []
    missing = sorted(code for pk, code in codes.items() if per_participant[pk] == 0)
    repeated = sorted(codes.get(pk, str(pk)) for pk, n in per_participant.items() if n > 1)
    if missing:
        problems.append(f"{len(missing)} participant(s) without a slot, e.g. {missing[0]}")
    if repeated:
        problems.append(f"{len(repeated)} participant(s) with more than one slot, e.g. {repeated[0]}")
    sequences = [sequence for _, _, sequence, _ in taken]
    if sequences != list(range(1, expected + 1)):
        problems.append(f"slots were not taken as 1..{expected} in order (first ones: {sequences[:10]})")
    recorded = [
        RecordedAllocation(stratum=stratum, sequence=sequence, arm=arm, participant=codes.get(pk, ""))
        for pk, stratum, sequence, arm in taken
    ]
    core = parse_canonical_form(stored.canonical_text.encode("utf-8"))
    problems += [discrepancy.message for discrepancy in check_allocation_order(core, recorded)]
    if not verify_list(stored):
        problems.append("the stored list no longer matches its commitment")
    return IntegrityCheck(clients, len(codes), len(taken), tuple(problems))


def _server_version() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return "SQLite " + cursor.fetchone()[0]
        cursor.execute("SHOW server_version")
        return f"{connection.display_name} {cursor.fetchone()[0]}"
