"""Opening an EXISTING database for a command that only reads or maintains it (never creates one)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def open_existing(data_dir: str | None) -> bool:
    """Set Django up on the data folder's database; False (one message on stderr) when there is none."""
    from django.apps import apps

    already_configured = apps.ready and data_dir is None  # inside a set-up process (the test suite)
    if not os.environ.get("TRIALDESK_DATABASE_URL") and not already_configured:
        folder = Path(data_dir or os.environ.get("TRIALDESK_DATA_DIR", "data"))
        if not (folder / "trialdesk.sqlite3").is_file():
            print(
                f"error: no trialdesk database in {folder.resolve()} (run `trialdesk serve` there first)",
                file=sys.stderr,
            )
            return False
        os.environ["TRIALDESK_DATA_DIR"] = str(folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialdesk.settings")
    import django
    from django.db import DatabaseError, connection

    django.setup()
    try:
        tables = connection.introspection.table_names()
    except DatabaseError as error:
        print(f"error: cannot open the trialdesk database: {str(error).strip()}", file=sys.stderr)
        return False
    if "records_auditentry" not in tables:
        print(
            "error: the database holds no trialdesk data (run `trialdesk serve` to create it)",
            file=sys.stderr,
        )
        return False
    if "records_auditleaf" not in tables:
        print(
            "error: the database predates the Merkle audit log (run `trialdesk serve` once to migrate it)",
            file=sys.stderr,
        )
        return False
    return True
