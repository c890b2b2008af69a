"""`trialdesk protocol diff OLD NEW`: the difference between two protocol files, and what a running trial refuses.

Exit 0: every change could apply to a running trial (or nothing changed); exit 4: at least one change would be
refused for a running trial (each printed with its reason); exit 1: a file is not a valid protocol.
"""

from __future__ import annotations

import argparse
from pathlib import Path

EXIT_REFUSED = 4


def cmd_protocol_diff(args: argparse.Namespace) -> int:
    from trialdesk.protocol.amendments import (
        TrialState,
        describe,
        describe_refusal,
        diff_protocols,
        refused_changes,
    )
    from trialdesk.protocol.loading import load_protocol

    old, new = load_protocol(Path(args.old)), load_protocol(Path(args.new))
    changes = diff_protocols(old, new)
    print(f"{old.id}: version {old.version} -> {new.version}: {len(changes)} change(s)")
    for change in changes:
        print(f"  - {describe(change)}")
    refused = refused_changes(changes, TrialState.running())
    if not refused:
        print("Every change could apply to a running trial.")
        return 0
    print(f"{len(refused)} change(s) would be refused for a running trial:")
    for refusal in refused:
        print(f"  ! {describe_refusal(refusal)}")
    return EXIT_REFUSED


def add_diff_parser(protocol: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    diff = protocol.add_parser(
        "diff",
        help="the difference between two protocol files; exit 4 when a running trial would refuse a change",
    )
    diff.add_argument("old")
    diff.add_argument("new")
    diff.set_defaults(handler=cmd_protocol_diff)
