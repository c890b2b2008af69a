"""`trialdesk ...` commands: each a thin call into protocol, services or the web server.

trialdesk serve [--data-dir DIR] [--host H] [--port P] [--workers N] [--no-job-worker]   the app on SQLite (or TRIALDESK_DATABASE_URL)
trialdesk demo [--data-dir DIR] [--reset] [--no-serve] [--simulate N [--seed S]]   demo database (+ simulated trial)
trialdesk protocol check FILE                            validate a protocol file
trialdesk protocol import FILE [--format irct|redcap] -o OUT.yaml   registry record or REDCap dictionary -> draft
trialdesk protocol diff OLD NEW                          the difference; exit 4 when a running trial refuses a change
trialdesk audit verify|checkpoint|prove|seal             the audit log (a signed Merkle log)
trialdesk worker                                         run background jobs (serve starts one itself)
trialdesk export FORMAT [--cutoff DATE] -o PATH          data out (see cli_export.py)
trialdesk randomization generate|verify|import           the concealed randomization list
trialdesk randomization simulate [--design-from FILE]    the design's balance, predictability and power
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trialdesk.errors import TrialdeskError
from trialdesk.files import read_input_file, read_text_file

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_BROKEN = 0, 1, 2, 3
MAX_RECORD_BYTES = 5_000_000  # a registry record or protocol file; anything larger is not one


def _setup_django(data_dir: Path | None, *, loopback: bool = False) -> None:
    """Point Django at the data folder (or TRIALDESK_DATABASE_URL) and load it; nothing at import time."""
    if data_dir is not None:
        os.environ["TRIALDESK_DATA_DIR"] = str(data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
    if loopback:
        # Plain http on this machine only: browsers would drop Secure cookies. Behind TLS keep the default (secure).
        os.environ.setdefault("TRIALDESK_SECURE_COOKIES", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialdesk.settings")
    import django

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def cmd_protocol_check(args: argparse.Namespace) -> int:
    from trialdesk.protocol.loading import content_hash, load_protocol

    protocol = load_protocol(Path(args.file))
    print(f"{args.file}: valid protocol {protocol.id} v{protocol.version} ({protocol.status})")
    print(
        f"  arms: {len(protocol.arms)}, criteria: {len(protocol.criteria)}, outcomes: {len(protocol.outcomes)}, "
        f"forms: {len(protocol.forms)}"
    )
    print(f"  content hash: {content_hash(protocol)}")
    return EXIT_OK


def _write_draft(out: Path, protocol_data: dict, heading: str) -> None:  # type: ignore[type-arg]
    import yaml

    out.write_text(
        heading + yaml.safe_dump(protocol_data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


def cmd_protocol_import(args: argparse.Namespace) -> int:
    from trialdesk.protocol.loading import parse_protocol

    out = Path(args.output)
    if args.format == "redcap":
        import re

        from trialdesk.interop.redcap import import_redcap_dictionary

        study_id = re.sub(r"[^a-z0-9-]+", "-", Path(args.file).stem.lower()).strip("-") or "redcap-import"
        if not study_id[0].isalpha():
            study_id = "study-" + study_id
        draft = import_redcap_dictionary(
            read_input_file(Path(args.file), max_bytes=MAX_RECORD_BYTES), study_id=study_id
        )
        _write_draft(
            out, draft, "# Draft protocol: forms imported from a REDCap data dictionary; review before use.\n"
        )
        print(f"wrote draft protocol {study_id} with {len(draft['forms'])} form(s) to {out}")
        return EXIT_OK
    from trialdesk.protocol.irct import import_irct

    result = import_irct(read_text_file(Path(args.file), max_bytes=MAX_RECORD_BYTES))
    protocol = parse_protocol(result.data, source=args.file)
    _write_draft(
        out,
        protocol.model_dump(mode="json", exclude_none=True),
        "# Draft protocol imported from a registry record; review before use.\n",
    )
    print(f"wrote draft protocol {protocol.id} to {out}")
    if result.unmapped:
        print(f"{len(result.unmapped)} field(s) could not be mapped:")
        for field in result.unmapped:
            print(f"  - {field}")
    else:
        print("every field was mapped")
    return EXIT_OK


def _person_actor(username: str):  # type: ignore[no-untyped-def]
    from trialdesk.records.models import Person
    from trialdesk.services.actors import actor_for
    from trialdesk.services.studies import default_study

    study = default_study()
    person = Person.objects.filter(user__username=username).first()
    if person is None:
        raise SystemExit(f"no person with user name {username}")
    return actor_for(person, study.pk), study


def cmd_randomization_generate(args: argparse.Namespace) -> int:
    _setup_django(Path(args.data_dir) if args.data_dir else None)
    _migrate()
    from trialdesk.services.randomization import generate

    actor, study = _person_actor(args.user)
    stored = generate(actor, study=study)
    print(f"randomization list {stored.pk} created by {actor.username}: {stored.slots.count()} slots")
    print(f"  published SHA-256 commitment: {stored.commitment}")
    print(f"  seed (keep it secret; it reproduces the list): {stored.seed}")
    return EXIT_OK


def cmd_randomization_verify(args: argparse.Namespace) -> int:
    _setup_django(Path(args.data_dir) if args.data_dir else None)
    from trialdesk.services.randomization import active_list, verify_list
    from trialdesk.services.studies import default_study

    stored = active_list(default_study())
    if stored is None:
        print("no randomization list yet")
        return EXIT_INVALID
    ok = verify_list(stored)
    print(
        f"list {stored.pk}: commitment {stored.commitment} "
        + ("verified" if ok else "DOES NOT MATCH the stored list")
    )
    return EXIT_OK if ok else EXIT_BROKEN


def cmd_randomization_import(args: argparse.Namespace) -> int:
    text = read_input_file(Path(args.file), max_bytes=2_000_000)
    _setup_django(Path(args.data_dir) if args.data_dir else None)
    _migrate()
    from trialdesk.services.list_import import import_list, mapping_from, parse_pairs

    actor, study = _person_actor(args.user)
    stored = import_list(
        actor,
        study=study,
        source=args.format,
        text=text,
        mapping=mapping_from(parse_pairs(args.treatment or [], where="--treatment")),
        file_name=Path(args.file).name,
    )
    print(
        f"randomization list {stored.pk} imported from {args.file} by {actor.username}: {stored.slots.count()} slots"
    )
    print(f"  published SHA-256 commitment: {stored.commitment}")
    return EXIT_OK


def cmd_randomization_simulate(args: argparse.Namespace) -> int:
    """Simulate the protocol's design and its alternatives; no database is needed."""
    from trialdesk.cli_simulate import run_simulate

    run_simulate(args)
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    loopback = args.host in ("127.0.0.1", "localhost", "::1")
    _setup_django(Path(args.data_dir), loopback=loopback)
    _migrate()
    from trialdesk.bootstrap import ensure_installed

    ensure_installed(admin_from_env_or_prompt=True)
    return _serve(
        args.host, args.port, workers=args.workers, data_dir=args.data_dir, job_worker=not args.no_job_worker
    )


def cmd_demo(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir)
    if args.reset and (data_dir / "trialdesk.sqlite3").exists():
        (data_dir / "trialdesk.sqlite3").unlink()
    if os.environ.get("TRIALDESK_DATABASE_URL"):
        print("demo uses its own SQLite database; TRIALDESK_DATABASE_URL is ignored for it", file=sys.stderr)
        del os.environ["TRIALDESK_DATABASE_URL"]
    # the seed study's site lives in Iran: the demo shows its times there unless told otherwise
    os.environ.setdefault("TRIALDESK_TIME_ZONE", "Asia/Tehran")
    loopback = args.host in ("127.0.0.1", "localhost", "::1")
    _setup_django(data_dir, loopback=loopback)
    _migrate()
    from trialdesk.bootstrap import ensure_demo

    ensure_demo(data_dir, simulate=args.simulate, seed=args.seed)
    if args.no_serve:
        from trialdesk.records.audit.keys import ensure_signing_key

        ensure_signing_key()
        return EXIT_OK
    return _serve(args.host, args.port, workers=None, data_dir=str(data_dir))


def _serve(
    host: str, port: int, *, workers: int | None, data_dir: str | None, job_worker: bool = True
) -> int:
    from trialdesk.commands.serving import serve

    return serve(host, port, workers=workers, data_dir=data_dir, job_worker=job_worker)


def _add_protocol_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    protocol = commands.add_parser("protocol", help="protocol files").add_subparsers(
        dest="subcommand", required=True
    )
    check = protocol.add_parser(
        "check", help="validate a protocol file; non-zero exit with path-named errors"
    )
    check.add_argument("file")
    check.set_defaults(handler=cmd_protocol_check)
    imp = protocol.add_parser(
        "import",
        help="turn a registry record (IRCT layout) or a REDCap data dictionary into a draft protocol file",
    )
    imp.add_argument("file")
    imp.add_argument(
        "--format",
        choices=["irct", "redcap"],
        default="irct",
        help="irct: a registry record (default); redcap: a REDCap data dictionary CSV (forms only)",
    )
    imp.add_argument("-o", "--output", required=True)
    imp.set_defaults(handler=cmd_protocol_import)
    from trialdesk.cli_amend import add_diff_parser

    add_diff_parser(protocol)


def _add_report_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from trialdesk.cli_report import add_report_parser

    add_report_parser(commands)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trialdesk", description="Run a randomized clinical trial end to end."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _add_server_commands(commands)
    _add_protocol_commands(commands)
    _add_randomization_commands(commands)
    from trialdesk.commands.audit import register as register_audit_commands

    register_audit_commands(commands)
    from trialdesk.cli_export import add_export_parser

    add_export_parser(commands)
    _add_report_commands(commands)
    return parser


def _add_server_commands(commands: Any) -> None:
    serve = commands.add_parser(
        "serve", help="create/migrate the database, load the default study, serve the app"
    )
    serve.add_argument("--data-dir", default="data", help="folder of the SQLite database (default: ./data)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn with N worker processes (default: one waitress process)",
    )
    serve.add_argument(
        "--no-job-worker",
        action="store_true",
        help="start no job worker beside the server (several app processes share job workers of their own)",
    )
    serve.set_defaults(handler=cmd_serve)

    demo = commands.add_parser(
        "demo", help="a separate demo database with one account per role, then serve it"
    )
    demo.add_argument("--data-dir", default="demo-data")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--reset", action="store_true", help="throw the demo database away and make a new one")
    demo.add_argument("--no-serve", action="store_true", help="prepare the demo database and stop")
    demo.add_argument(
        "--simulate",
        type=int,
        default=0,
        metavar="N",
        help="fill a new demo database with a simulated trial of N randomized participants",
    )
    demo.add_argument("--seed", type=int, default=13, help="the simulation's seed (same seed, same trial)")
    demo.set_defaults(handler=cmd_demo)


def _add_randomization_commands(commands: Any) -> None:
    randomization = commands.add_parser(
        "randomization", help="the concealed randomization list"
    ).add_subparsers(dest="subcommand", required=True)
    gen = randomization.add_parser(
        "generate", help="make the list from a cryptographic seed (epidemiologist only)"
    )
    gen.add_argument("--user", required=True, help="the epidemiologist's user name")
    gen.add_argument("--data-dir", default=None)
    gen.set_defaults(handler=cmd_randomization_generate)
    ver = randomization.add_parser(
        "verify", help="check the stored list against its published SHA-256 commitment"
    )
    ver.add_argument("--data-dir", default=None)
    ver.set_defaults(handler=cmd_randomization_verify)
    imp_list = randomization.add_parser(
        "import", help="store a Sealed Envelope or REDCap list CSV as the list (epidemiologist only)"
    )
    imp_list.add_argument("file")
    imp_list.add_argument("--format", required=True, choices=["sealed_envelope", "redcap"])
    imp_list.add_argument("--user", required=True, help="the epidemiologist's user name")
    imp_list.add_argument(
        "--treatment",
        action="append",
        metavar="LABEL=ARM",
        help="map a treatment label or REDCap code to an arm id (repeat; arm names need no mapping)",
    )
    imp_list.add_argument("--data-dir", default=None)
    imp_list.set_defaults(handler=cmd_randomization_import)
    from trialdesk.cli_simulate import add_simulate_parser

    add_simulate_parser(randomization, handler=cmd_randomization_simulate)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
        return code
    except TrialdeskError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
