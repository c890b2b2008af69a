"""Creating sites."""

from __future__ import annotations

import re

from trialdesk.core.roles import Action
from trialdesk.errors import Conflict, Problem, ValidationFailed
from trialdesk.records.models import Site, SiteSequence, Study
from trialdesk.services.actors import Actor
from trialdesk.services.unit_of_work import use_case
from trialdesk.testing import SYSTEM_CLOCK, Clock

SITE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")


def create_site(actor: Actor, *, study: Study, code: str, name: str, clock: Clock = SYSTEM_CLOCK) -> Site:
    code = code.strip().upper()
    problems = []
    if not SITE_CODE.match(code):
        problems.append(
            Problem("code", "2-20 capital letters, digits or '-', starting with a letter or digit")
        )
    if not name.strip():
        problems.append(Problem("name", "required"))
    with use_case(actor, Action.MANAGE_SITES, study=study, clock=clock, study_data=False) as uow:
        if problems:
            raise ValidationFailed("The site cannot be created", tuple(problems))
        if Site.objects.filter(study=study, code=code).exists():
            raise Conflict(f"A site with code {code} already exists in this study")
        site = Site.objects.create(study=study, code=code, name=name.strip())
        SiteSequence.objects.create(site=site)
        uow.record(
            "site.create",
            object_type="site",
            object_id=site.pk,
            after={"code": code, "name": site.name, "study": study.protocol_key},
        )
    return site
