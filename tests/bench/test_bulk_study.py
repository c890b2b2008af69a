"""The bulk path writes the rows the services write: a small simulated trial grown by copies gives a results
report and exports that build, with every count multiplied by the number of copies."""

from __future__ import annotations

from pathlib import Path

from bench.bulk_study import grow, participant_models

from tests.services.simulation.test_simulation import _team
from trialdesk.core.roles import Role
from trialdesk.records.audit import content_hash
from trialdesk.records.models import AuditEntry, Participant, Site, Study
from trialdesk.services.actors import Actor
from trialdesk.services.exports import export
from trialdesk.services.results import results_report
from trialdesk.services.simulation import simulate_trial
from trialdesk.testing import FixedClock


def _counts(study: Study) -> dict[str, int]:
    out = {}
    for model in participant_models():
        field = "participant__study" if hasattr(model, "participant") else None
        rows = model.objects.all() if field is None else model.objects.filter(**{field: study})
        out[model.__name__] = rows.count()
    return out


def _exported(actor: Actor, study: Study, fmt: str, **options: str) -> bytes:
    return b"".join(
        chunk for file in export(actor, study=study, format=fmt, **options).files() for chunk in file.chunks
    )


def test_the_bulk_path_copies_the_services_rows(
    actors: dict[Role, Actor], site: Site, study: Study, clock: FixedClock, tmp_path: Path
) -> None:
    today = clock.now().date()
    simulate_trial(_team(actors), study=study, site=site, participants=2, seed=13, today=today)
    before = _counts(study)
    statistician = actors[Role.STATISTICIAN]
    small = results_report(statistician, study=study, cutoff=today, with_figures=False).results.consort
    csv_rows = _exported(statistician, study, "csv").count(b"\n")
    lb_size = len(_exported(statistician, study, "sdtm-json", domain="LB"))
    entries = AuditEntry.objects.filter(object_type="participant").count()

    grown = grow(study, total=15, sites=3, log=lambda _: None)

    assert grown["participants"] == Participant.objects.filter(study=study).count() == 15
    after = _counts(study)
    assert {name: after[name] for name in before} == {name: 3 * n for name, n in before.items()}
    assert AuditEntry.objects.filter(object_type="participant").count() > 2 * entries
    copied = AuditEntry.objects.filter(object_id__contains="-1000")
    assert copied.count() > 2 * entries
    assert all(entry.entry_hash == content_hash(entry) for entry in copied)  # hashed by the database
    big = results_report(statistician, study=study, cutoff=today, with_figures=False).results.consort
    assert (big.assessed, big.randomized) == (3 * small.assessed, 3 * small.randomized)
    assert [a.allocated for a in big.arms] == [3 * a.allocated for a in small.arms]
    assert _exported(statistician, study, "csv").count(b"\n") - 1 == 3 * (csv_rows - 1)  # one header line
    assert b"<ClinicalData" in _exported(statistician, study, "odm")
    assert len(_exported(statistician, study, "sdtm-json", domain="LB")) > 2 * lb_size
    codes = set(Participant.objects.values_list("site__code", flat=True))
    assert len(codes) == 3
