"""Every command's parser is built before Django is set up: `trialdesk --help` works on a fresh machine."""

from __future__ import annotations

import subprocess
import sys


def test_the_command_line_answers_help_without_a_configured_django() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from trialdesk.cli import main; main(['--help'])"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for command in ("serve", "demo", "protocol", "randomization", "audit", "worker", "export"):
        assert command in done.stdout
