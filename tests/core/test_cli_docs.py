import argparse
from pathlib import Path

from trialdesk.cli import build_parser

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _commands(parser: argparse.ArgumentParser, prefix: str) -> list[str]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.extend(_commands(sub, f"{prefix} {name}") or [f"{prefix} {name}"])
    return found


def test_every_cli_command_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    commands = _commands(build_parser(), "trialdesk")
    assert "trialdesk protocol import" in commands
    missing = [c for c in commands if f"`{c}" not in text]
    assert not missing, f"undocumented commands: {missing}"
