"""The use-case shape holds across the code: services go through `use_case`, time through the study clock."""

from __future__ import annotations

import re
from pathlib import Path

import trialdesk

SOURCE = Path(trialdesk.__file__).parent
SERVICES = SOURCE / "services"
# The unit of work itself and the audit log's own storage are where these calls belong.
OWNERS = {SERVICES / "unit_of_work.py", SERVICES / "clock.py"}


def _service_files() -> list[Path]:
    return [p for p in SERVICES.rglob("*.py") if p not in OWNERS]


def _offenders(pattern: str, files: list[Path]) -> list[str]:
    regex = re.compile(pattern)
    return [
        f"{path.relative_to(SOURCE)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if regex.search(line) and not line.lstrip().startswith("#")
    ]


def test_no_service_opens_a_transaction_or_writes_the_audit_log_by_hand() -> None:
    assert _offenders(r"transaction\.atomic|audit\.append\(", _service_files()) == []


def test_no_service_or_page_asks_the_wall_clock_or_the_utc_date() -> None:
    files = _service_files() + list((SOURCE / "web").rglob("*.py"))
    pattern = (
        r"date\.today\(\)|datetime\.now\(|timezone\.localdate\(|timezone\.now\(\)\.date\(\)|now\.date\(\)"
    )
    assert _offenders(pattern, [p for p in files if p.name != "auth.py"]) == []


def test_no_service_guards_the_database_lock_or_withdrawal_by_hand() -> None:
    files = [p for p in _service_files() if p.name != "database_lock.py"]
    assert _offenders(r"ensure_database_open\(|ensure_not_withdrawn\(", files) == []
