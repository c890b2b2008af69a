"""`trialdesk randomization generate | verify | import` end to end, against the test database."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialdesk.cli import EXIT_BROKEN, EXIT_INVALID, EXIT_OK, main
from trialdesk.records.models import AuditEntry, RandomizationList

FIXTURES = Path(__file__).parent / "core" / "fixtures" / "randomization"


def test_generate_then_verify_then_a_changed_slot_is_detected(actors, capsys) -> None:
    assert main(["randomization", "generate", "--user", "epidemiologist"]) == EXIT_OK
    stored = RandomizationList.objects.get(active=True)
    printed = capsys.readouterr().out
    assert stored.commitment in printed and stored.seed in printed and "20 slots" in printed
    assert main(["randomization", "verify"]) == EXIT_OK
    assert "verified" in capsys.readouterr().out
    slot = stored.slots.get(sequence=1)
    slot.arm = "control" if slot.arm == "exosome" else "exosome"
    slot.save()
    assert main(["randomization", "verify"]) == EXIT_BROKEN
    assert "DOES NOT MATCH" in capsys.readouterr().out


def test_generate_by_another_role_is_refused(actors, capsys) -> None:
    assert main(["randomization", "generate", "--user", "investigator"]) == EXIT_INVALID
    assert "may not generate list" in capsys.readouterr().err
    assert not RandomizationList.objects.exists()


def test_verify_without_a_list_says_so(actors, capsys) -> None:
    assert main(["randomization", "verify"]) == EXIT_INVALID
    assert "no randomization list yet" in capsys.readouterr().out


def test_import_sealed_envelope_file(actors, capsys) -> None:
    path = FIXTURES / "sealed_envelope_seed.csv"
    code = main(
        ["randomization", "import", str(path), "--format", "sealed_envelope", "--user", "epidemiologist"]
    )
    assert code == EXIT_OK
    stored = RandomizationList.objects.get(active=True)
    assert stored.source == "sealed_envelope" and stored.commitment in capsys.readouterr().out
    assert AuditEntry.objects.get(action="randomization.list_import").after["file_name"] == path.name
    assert main(["randomization", "verify"]) == EXIT_OK


def test_import_redcap_with_code_mapping_and_errors_by_row(actors, capsys, tmp_path) -> None:
    path = FIXTURES / "redcap_seed.csv"
    args = ["randomization", "import", str(path), "--format", "redcap", "--user", "epidemiologist"]
    assert main(args) == EXIT_INVALID
    assert "row 1, column redcap_randomization_group" in capsys.readouterr().err
    assert main([*args, "--treatment", "1=exosome", "--treatment", "2=control"]) == EXIT_OK
    assert RandomizationList.objects.get(active=True).source == "redcap"


def test_import_format_is_checked_by_the_parser(actors) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["randomization", "import", "x.csv", "--format", "excel", "--user", "epidemiologist"])
    assert raised.value.code == 2
