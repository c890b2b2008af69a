"""First-run set-up for `trialdesk serve` and `trialdesk demo`: an edge (prompts, printing) over services."""

from __future__ import annotations

import getpass
import os
import re
import secrets
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from trialdesk.core.roles import Role
from trialdesk.records.models import Person, Site, Study
from trialdesk.records.treatment.models import ProductLot
from trialdesk.services.actors import Actor, actor_for
from trialdesk.services.clock import local_today
from trialdesk.services.participants import IdentityDetails, register_for_screening
from trialdesk.services.people import add_person
from trialdesk.services.sites import create_site
from trialdesk.services.studies import install_protocol, protocol_of
from trialdesk.services.treatment.lots import register_lot, release_lot

INSTALLER = Actor.system("installer")


def site_code_for(name: str, index: int) -> str:
    """'Medical Biology Research Center' -> 'MBRC': initials of the centre's name."""
    initials = "".join(word[0] for word in re.findall(r"[A-Za-z0-9]+", name)).upper()[:12]
    return initials if len(initials) >= 2 else f"SITE{index}"


def ensure_study() -> Study:
    """Load the default study (idempotent) and create its recruitment centres as sites on first run."""
    loaded = install_protocol(INSTALLER)
    study = loaded.study
    if not study.sites.exists():
        protocol = protocol_of(loaded.version)
        centres = [c.name for c in protocol.registration.recruitment_centres] or ["Main site"]
        for index, name in enumerate(centres, start=1):
            create_site(INSTALLER, study=study, code=site_code_for(name, index), name=name)
    return study


def ensure_installed(*, admin_from_env_or_prompt: bool) -> Study:
    study = ensure_study()
    if admin_from_env_or_prompt and not Person.objects.exists():
        username = os.environ.get("TRIALDESK_ADMIN_USERNAME")
        password = os.environ.get("TRIALDESK_ADMIN_PASSWORD")
        if not (username and password):
            if not sys.stdin.isatty():
                raise SystemExit(
                    "No administrator yet: set TRIALDESK_ADMIN_USERNAME and TRIALDESK_ADMIN_PASSWORD, "
                    "or run `trialdesk serve` in a terminal to be asked."
                )
            username = input("First administrator's user name: ").strip()
            password = getpass.getpass("Password (12 characters or more): ")
        add_person(
            INSTALLER,
            study=study,
            username=username,
            display_name=username,
            password=password,
            role=Role.ADMINISTRATOR,
            site=None,
            superuser=True,
        )
        print(f"created administrator {username}")
    return study


DEMO_TEAM = [
    ("rheumatologist", "Dr. Rheumatologist", Role.RHEUMATOLOGIST, True),
    ("investigator", "Dr. Investigator", Role.INVESTIGATOR, True),
    ("epidemiologist", "Epidemiologist", Role.EPIDEMIOLOGIST, False),
    ("monitor", "Monitor", Role.MONITOR, True),
    ("statistician", "Statistician", Role.STATISTICIAN, False),
    ("ethics", "Ethics Committee", Role.ETHICS_COMMITTEE, False),
    ("datamanager", "Data Manager", Role.DATA_MANAGER, False),
    ("admin", "Administrator", Role.ADMINISTRATOR, False),
]

DEMO_PARTICIPANTS = [
    ("Maryam Rahimi", "female", 1988),
    ("Leila Moradi", "female", 1995),
    ("Reza Hosseini", "male", 1979),
    ("Fatemeh Karimi", "female", 2001),
]


def ensure_demo(data_dir: Path, *, simulate: int = 0, seed: int = 13) -> None:
    """One account per role (passwords printed once, when the demo database is made) and synthetic participants;
    with `simulate`, a simulated trial of that many randomized participants (only in a new demo database)."""
    study = ensure_study()
    if Person.objects.exists():
        print(
            f"demo database in {data_dir} already exists; its passwords were printed when it was made "
            "(`trialdesk demo --reset` makes a new one)"
        )
        if simulate > 0:
            print("--simulate fills a new demo database only: add --reset to make one with a simulated trial")
        return
    site: Site = study.sites.order_by("pk").first()  # type: ignore[assignment]
    print("Demo accounts (shown this once):")
    for username, name, role, at_site in DEMO_TEAM:
        password = secrets.token_urlsafe(9)
        add_person(
            INSTALLER,
            study=study,
            username=username,
            display_name=name,
            password=password,
            role=role,
            site=site if at_site else None,
            superuser=role is Role.ADMINISTRATOR,
        )
        print(f"  {role.value:<17} user {username:<15} password {password}")
    rheumatologist = actor_for(Person.objects.get(user__username="rheumatologist"), study.pk)
    for full_name, sex, year in DEMO_PARTICIPANTS:
        register_for_screening(
            rheumatologist,
            site=site,
            identity=IdentityDetails(full_name=f"{full_name} (synthetic)"),
            sex=sex,
            year_of_birth=year,
        )
    print(f"  {len(DEMO_PARTICIPANTS)} synthetic participants registered for screening at {site.code}")
    investigator = actor_for(Person.objects.get(user__username="investigator"), study.pk)
    ensure_demo_lots(investigator, study, local_today())
    if simulate > 0:
        from trialdesk.bootstrap_simulation import simulate_demo

        simulate_demo(study, site, participants=simulate, seed=seed)


# Two released lots from one placenta (single-source product) and one expired lot, so the demo can dose and
# show the lot refusals. Synthetic ids; 1 unit = 1e10 particles (assumption A-unit).
DEMO_LOTS = [
    ("EXO-2026-001", "PL-DEMO-01", 365),
    ("EXO-2026-002", "PL-DEMO-01", 365),
    ("EXO-2025-009", "PL-DEMO-01", -30),
]


def ensure_demo_lots(investigator: Actor, study: Study, today: date) -> None:
    """Register and QC-release the demo lots (idempotent: lots already there are left alone)."""
    for lot_id, source, days_to_expiry in DEMO_LOTS:
        if ProductLot.objects.filter(study=study, lot_id=lot_id).exists():
            continue
        lot = register_lot(
            investigator,
            study=study,
            lot_id=lot_id,
            source_id=source,
            amount_per_unit=Decimal("1e10"),
            amount_unit="particles",
            expiry_date=today + timedelta(days=days_to_expiry),
            note="synthetic demo lot",
        )
        release_lot(investigator, lot=lot, released_on=min(today, lot.expiry_date))
    print(f"  {len(DEMO_LOTS)} product lots (one expired) from source {DEMO_LOTS[0][1]}")
