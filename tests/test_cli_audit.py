"""`trialdesk audit checkpoint | verify | prove | seal` end to end, against the test database."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from django.db import connection

from trialdesk.cli import EXIT_BROKEN, EXIT_INVALID, EXIT_OK, main
from trialdesk.records.audit.keys import ensure_signing_key
from trialdesk.records.models import AuditEntry, AuditLeaf


def test_seal_checkpoint_prove_and_verify_against_the_checkpoint(actors, capsys, tmp_path: Path) -> None:
    assert main(["audit", "seal"]) == EXIT_OK
    assert "sealed" in capsys.readouterr().out
    assert main(["audit", "checkpoint"]) == EXIT_OK
    published = json.loads(capsys.readouterr().out)
    assert published["tree_size"] == AuditEntry.objects.count() and len(published["signature"]) == 128
    checkpoint = tmp_path / "checkpoint.json"
    checkpoint.write_text(json.dumps(published))

    entry = AuditEntry.objects.order_by("id")[2]
    assert main(["audit", "prove", str(entry.pk)]) == EXIT_OK
    proof = json.loads(capsys.readouterr().out)
    assert proof["entry"] == entry.pk and proof["verified"] and proof["root_hash"] == published["root_hash"]

    assert main(["audit", "verify", "--checkpoint", str(checkpoint)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "audit log intact" in out and "consistent with the published checkpoint" in out


def test_verify_lists_every_break_and_exits_3(actors, capsys, tmp_path: Path) -> None:
    main(["audit", "seal"])
    capsys.readouterr()
    main(["audit", "checkpoint"])
    checkpoint = tmp_path / "checkpoint.json"
    checkpoint.write_text(capsys.readouterr().out)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("records_auditentry", "records_auditleaf"):
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER trialdesk_audit_no_update_delete")
    first, second = AuditEntry.objects.order_by("id")[1:3]
    AuditEntry.objects.filter(pk=first.pk).update(reason="edited")
    AuditEntry.objects.filter(pk=second.pk).delete()
    assert main(["audit", "verify", "--checkpoint", str(checkpoint)]) == EXIT_BROKEN
    out = capsys.readouterr().out
    assert f"EDITED entry #{first.pk}" in out and f"DELETED entry #{second.pk}" in out and "2 break(s)" in out


def test_prove_an_unsealed_entry_says_so(actors, capsys) -> None:
    entry = AuditEntry.objects.order_by("id").first()
    assert entry is not None and not AuditLeaf.objects.exists()
    assert main(["audit", "prove", str(entry.pk)]) == EXIT_INVALID
    assert "not sealed yet" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [["audit", "verify"], ["audit", "checkpoint"], ["audit", "prove", "1"], ["audit", "seal"], ["worker"]],
)
def test_every_command_on_a_folder_without_a_database_says_so(
    argv, capsys, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv("TRIALDESK_DATABASE_URL", raising=False)  # the embedded database: a file in the folder
    empty = tmp_path / "no-database-here"
    assert main([*argv, "--data-dir", str(empty)]) == EXIT_INVALID
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no trialdesk database in" in err[0]
    assert not empty.exists()  # nothing was created


def test_the_signing_key_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    path = ensure_signing_key(tmp_path / "keys" / "audit.pem")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and b"PRIVATE KEY" in path.read_bytes()
    before = path.read_bytes()
    assert ensure_signing_key(path) == path and path.read_bytes() == before
