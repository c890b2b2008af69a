"""Trial design domains TS, TA, TE, TV and TI from the protocol alone."""

from __future__ import annotations

from collections.abc import Iterator

from trialdesk.interop.sdtm.common import Record, repeating_visits, sequence, visit_fields
from trialdesk.interop.sdtm.events import criterion_codes
from trialdesk.interop.sdtm.terminology import SDTMIG_VERSION
from trialdesk.protocol.schema import Protocol

BLINDING = {
    "none": "OPEN LABEL",
    "single": "SINGLE BLIND",
    "double": "DOUBLE BLIND",
    "triple": "TRIPLE BLIND",
    "quadruple": "QUADRUPLE BLIND",
}
PHASES = {
    "1": "PHASE I TRIAL",
    "1-2": "PHASE I/II TRIAL",
    "2": "PHASE II TRIAL",
    "2-3": "PHASE II/III TRIAL",
    "3": "PHASE III TRIAL",
    "4": "PHASE IV TRIAL",
    "0": "PHASE 0 TRIAL",
    "n/a": "NOT APPLICABLE",
}


def _base(protocol: Protocol, domain: str) -> Record:
    return {"STUDYID": protocol.id, "DOMAIN": domain}


def ts_records(protocol: Protocol) -> Iterator[Record]:
    design = protocol.design
    eligibility = design.eligibility
    parameters = [
        ("TITLE", "Trial Title", protocol.registration.scientific_title.en[:200]),
        ("SDTIGVER", "SDTM IG Version", SDTMIG_VERSION),
        ("TPHASE", "Trial Phase Classification", PHASES.get(design.phase or "")),
        ("RANDOM", "Trial is Randomized", "Y" if design.allocation == "randomized" else "N"),
        ("TBLIND", "Trial Blinding Schema", BLINDING[design.masking]),
        ("PLANSUB", "Planned Number of Subjects", str(design.target_sample_size)),
        ("NARMS", "Planned Number of Arms", str(len(protocol.arms))),
        ("SEXPOP", "Sex of Participants", {"both": "BOTH", "female": "F", "male": "M"}[eligibility.gender]),
        (
            "AGEMIN",
            "Planned Minimum Age of Subjects",
            f"P{eligibility.min_age_years:g}Y" if eligibility.min_age_years is not None else None,
        ),
        (
            "AGEMAX",
            "Planned Maximum Age of Subjects",
            f"P{eligibility.max_age_years:g}Y" if eligibility.max_age_years is not None else None,
        ),
        ("REGID", "Registry Identifier", protocol.registration.registry_id),
        (
            "SPONSOR",
            "Clinical Study Sponsor",
            protocol.registration.sponsors[0].organization if protocol.registration.sponsors else None,
        ),
    ]
    if protocol.dosing is not None:
        parameters.append(
            ("TRT", "Investigational Therapy or Treatment", protocol.dosing.product.name.en[:200])
        )
    for condition in protocol.registration.conditions:
        parameters.append(("INDIC", "Trial Disease/Condition Indication", condition.description.en[:200]))
    records = [
        {**_base(protocol, "TS"), "TSPARMCD": code, "TSPARM": name, "TSVAL": value}
        for code, name, value in parameters
        if value
    ]
    yield from sequence(records, "TS")


def _elements(protocol: Protocol) -> list[tuple[str, str, str, str]]:
    """(ETCD, ELEMENT, start rule, end rule): screening, then one treatment element per arm."""
    out = [("SCRN", "Screening", "Informed consent", "Randomization")]
    for number, arm in enumerate(protocol.arms, start=1):
        out.append(
            (f"ARM{number}"[:8], arm.name.en, f"Randomized to {arm.name.en}", "End of study participation")
        )
    return out


def te_records(protocol: Protocol) -> Iterator[Record]:
    for code, name, start, end in _elements(protocol):
        yield {**_base(protocol, "TE"), "ETCD": code, "ELEMENT": name, "TESTRL": start, "TEENRL": end}


def ta_records(protocol: Protocol) -> Iterator[Record]:
    elements = _elements(protocol)
    for number, arm in enumerate(protocol.arms, start=1):
        for order, (code, name, _, _) in enumerate((elements[0], elements[number]), start=1):
            yield {
                **_base(protocol, "TA"),
                "ARMCD": arm.id,
                "ARM": arm.name.en,
                "TAETORD": order,
                "ETCD": code,
                "ELEMENT": name,
                "EPOCH": "SCREENING" if order == 1 else "TREATMENT",
            }


def tv_records(protocol: Protocol) -> Iterator[Record]:
    """One record per planned visit and arm; a repeating visit is listed at its first occurrence."""
    repeating = repeating_visits(protocol)
    for visit in protocol.schedule.visits if protocol.schedule else []:
        number, label = visit_fields(protocol, visit.id, 1)
        rule = f"{visit.offset_days} days after {visit.anchor.replace('_', ' ')} (window {visit.window_earliest_days} to {visit.window_latest_days})"
        if visit.id in repeating:
            rule += "; repeats"
        for arm in visit.arms:
            yield {
                **_base(protocol, "TV"),
                "VISITNUM": number,
                "VISIT": label,
                "ARMCD": arm,
                "VISITDY": visit.offset_days + 1 if visit.anchor == "randomization" else None,
                "TVSTRL": rule,
            }


def ti_records(protocol: Protocol) -> Iterator[Record]:
    codes = criterion_codes(protocol)
    for criterion in protocol.criteria:
        yield {
            **_base(protocol, "TI"),
            "IETESTCD": codes[criterion.id],
            "IETEST": criterion.text.en[:200],
            "IECAT": criterion.kind.upper(),
        }
