"""Importing a Sealed Envelope or REDCap list: checked, stored like a generated list, commitment published."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.factories import consented
from trialdesk.core.randomization import ImportMapping
from trialdesk.core.roles import Action, Role
from trialdesk.errors import Conflict, PermissionDenied, ValidationFailed
from trialdesk.records.audit import verify_chain
from trialdesk.records.models import AuditEntry, RandomizationList
from trialdesk.services.list_import import import_list, parse_pairs
from trialdesk.services.randomization import (
    concealment_report,
    generate,
    public_commitment,
    randomize,
    verify_list,
)

FIXTURES = Path(__file__).parents[1] / "core" / "fixtures" / "randomization"
SEALED_ENVELOPE = (FIXTURES / "sealed_envelope_seed.csv").read_text(encoding="utf-8")
REDCAP = (FIXTURES / "redcap_seed.csv").read_text(encoding="utf-8")
REDCAP_CODES = ImportMapping(treatments={"1": "exosome", "2": "control"})


def _file_arms(text: str, column: str) -> list[str]:
    import csv
    import io

    return [row[column] for row in csv.DictReader(io.StringIO(text))]


def test_sealed_envelope_list_is_stored_in_file_order_with_its_commitment(actors, site, clock) -> None:
    epi = actors[Role.EPIDEMIOLOGIST]
    stored = import_list(epi, study=site.study, source="sealed_envelope", text=SEALED_ENVELOPE, clock=clock)
    assert stored.source == "sealed_envelope" and stored.seed == "" and verify_list(stored)
    expected = [label.lower() for label in _file_arms(SEALED_ENVELOPE, "Treatment")]
    assert [s.arm for s in stored.slots.order_by("sequence")] == expected
    assert public_commitment(site.study).commitment == stored.commitment
    assert "KS001" in stored.canonical_text  # the file's randomization ids are kept as slot codes
    actions = list(AuditEntry.objects.order_by("sequence").values_list("action", flat=True))
    assert actions[-2:] == ["randomization.list_create", "randomization.list_import"]
    entry = AuditEntry.objects.get(action="randomization.list_import")
    assert entry.after["file_sha256"] == hashlib.sha256(SEALED_ENVELOPE.encode()).hexdigest()
    assert verify_chain().ok


def test_redcap_table_needs_its_coded_values_mapped_to_arms(actors, site, clock) -> None:
    epi = actors[Role.EPIDEMIOLOGIST]
    with pytest.raises(ValidationFailed) as raised:
        import_list(epi, study=site.study, source="redcap", text=REDCAP, clock=clock)
    assert raised.value.problems[0].where == "row 1, column redcap_randomization_group"
    assert not RandomizationList.objects.exists()
    stored = import_list(
        epi, study=site.study, source="redcap", text=REDCAP, mapping=REDCAP_CODES, clock=clock
    )
    codes = {"1": "exosome", "2": "control"}
    assert [s.arm for s in stored.slots.order_by("sequence")] == [
        codes[v] for v in _file_arms(REDCAP, "redcap_randomization_group")
    ]


def test_every_problem_is_named_by_row_and_nothing_is_stored(actors, site, clock) -> None:
    lines = SEALED_ENVELOPE.splitlines()
    lines[2] = lines[2].replace("Exosome", "Placebo")  # data row 2
    lines[5] = lines[5].replace(",4,", ",3,", 1)  # data row 5: a block size the protocol does not use
    lines.append(lines[1])  # row 21 repeats row 1's randomization id
    with pytest.raises(ValidationFailed) as raised:
        import_list(
            actors[Role.EPIDEMIOLOGIST],
            study=site.study,
            source="sealed_envelope",
            text="\n".join(lines),
            clock=clock,
        )
    wheres = [p.where for p in raised.value.problems]
    assert "row 2, column Treatment" in wheres and "row 5, column Block Size" in wheres
    assert "row 21, column Randomization ID" in wheres
    assert (
        not RandomizationList.objects.exists()
        and not AuditEntry.objects.filter(action__startswith="randomization").exists()
    )


@pytest.mark.parametrize("role", list(Role))
def test_only_the_epidemiologist_imports(role, actors, site, clock) -> None:
    actor = actors[role]
    if actor.may(Action.IMPORT_LIST):
        import_list(actor, study=site.study, source="sealed_envelope", text=SEALED_ENVELOPE, clock=clock)
    else:
        with pytest.raises(PermissionDenied):
            import_list(actor, study=site.study, source="sealed_envelope", text=SEALED_ENVELOPE, clock=clock)


def test_unknown_format_is_refused(actors, site, clock) -> None:
    with pytest.raises(ValidationFailed) as raised:
        import_list(actors[Role.EPIDEMIOLOGIST], study=site.study, source="excel", text="x", clock=clock)
    assert raised.value.problems[0].where == "format"


def test_import_replaces_an_unused_list_but_not_one_with_allocations(actors, site, clock) -> None:
    epi = actors[Role.EPIDEMIOLOGIST]
    generated = generate(epi, study=site.study, seed=1, clock=clock)
    imported = import_list(epi, study=site.study, source="sealed_envelope", text=SEALED_ENVELOPE, clock=clock)
    generated.refresh_from_db()
    assert not generated.active and imported.active
    p = consented(actors, site, clock)
    allocation = randomize(actors[Role.INVESTIGATOR], participant=p, clock=clock)
    assert allocation.arm == _file_arms(SEALED_ENVELOPE, "Treatment")[0].lower()
    with pytest.raises(Conflict, match="already allocated"):
        import_list(epi, study=site.study, source="sealed_envelope", text=SEALED_ENVELOPE, clock=clock)
    report = concealment_report(actors[Role.MONITOR], study=site.study)
    assert report.commitment_ok and report.order_problems == []


def test_label_pairs_are_read_and_bad_lines_named() -> None:
    assert parse_pairs("1=exosome\n\n 2 = control ", where="treatments") == {"1": "exosome", "2": "control"}
    with pytest.raises(ValidationFailed) as raised:
        parse_pairs(["1=exosome", "2"], where="treatments")
    assert raised.value.problems[0].where == "treatments line 2"
