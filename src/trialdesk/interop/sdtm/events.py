"""DM, DS, EX, AE, IE, SV and CM records from the row contracts (one participant's rows at a time)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from trialdesk.interop.rows import (
    AdverseEventRow,
    DoseRow,
    MedicationRow,
    ParticipantRow,
    ScreeningRow,
    VisitRow,
)
from trialdesk.interop.sdtm.common import (
    Record,
    iso,
    reference_start,
    sequence,
    study_day,
    usubjid,
    visit_fields,
)
from trialdesk.interop.sdtm.terminology import ROUTES, SEX_CODES
from trialdesk.protocol.schema import Protocol

SERIOUSNESS = {
    "death": "AESDTH",
    "life_threatening": "AESLIFE",
    "hospitalization": "AESHOSP",
    "disability": "AESDISAB",
    "congenital_anomaly": "AESCONG",
    "important_medical_event": "AESMIE",
}
OUTCOMES = {
    "recovered": "RECOVERED/RESOLVED",
    "recovering": "RECOVERING/RESOLVING",
    "not_recovered": "NOT RECOVERED/NOT RESOLVED",
    "recovered_with_sequelae": "RECOVERED/RESOLVED WITH SEQUELAE",
    "fatal": "FATAL",
    "unknown": "UNKNOWN",
}


def _base(protocol: Protocol, domain: str, participant: str) -> Record:
    return {"STUDYID": protocol.id, "DOMAIN": domain, "USUBJID": usubjid(protocol, participant)}


def dm_records(protocol: Protocol, participants: Iterable[ParticipantRow]) -> Iterator[Record]:
    for person in participants:
        arm = protocol.arm(person.arm) if person.arm else None
        yield {
            **_base(protocol, "DM", person.code),
            "SUBJID": person.code,
            "RFSTDTC": iso(reference_start(person)),
            "RFENDTC": iso(person.ended_on),
            "RFXSTDTC": iso(person.first_dose_on),
            "RFXENDTC": iso(person.last_dose_on),
            "RFICDTC": iso(person.consented_on),
            "SITEID": person.site,
            "BRTHDTC": str(person.birth_year) if person.birth_year else None,
            "AGE": person.age_years,
            "AGEU": "YEARS" if person.age_years is not None else None,
            "SEX": SEX_CODES[person.sex],
            "ARMCD": person.arm,
            "ARM": arm.name.en if arm else None,
            "ACTARMCD": person.arm,
            "ACTARM": arm.name.en if arm else None,
            "ARMNRS": None if arm else "NOT ASSIGNED",
            "COUNTRY": person.country,
        }


def ds_records(protocol: Protocol, participants: Iterable[ParticipantRow]) -> Iterator[Record]:
    for person in participants:
        events = [("INFORMED CONSENT OBTAINED", "PROTOCOL MILESTONE", person.consented_on)]
        events.append(("RANDOMIZED", "PROTOCOL MILESTONE", person.randomized_on))
        if person.ended_on is not None:
            term = (person.end_reason or "COMPLETED").upper()
            events.append((term, "DISPOSITION EVENT", person.ended_on))
        records = [
            {
                **_base(protocol, "DS", person.code),
                "DSTERM": term,
                "DSDECOD": term,
                "DSCAT": category,
                "DSSTDTC": iso(on),
                "DSSTDY": study_day(on, reference_start(person)),
            }
            for term, category, on in events
            if on is not None
        ]
        yield from sequence(records, "DS")


def _by_participant(rows: Iterable[object]) -> Iterator[tuple[str, list[object]]]:
    for code, group in itertools.groupby(rows, key=lambda row: getattr(row, "participant")):  # noqa: B009
        yield code, list(group)


def ex_records(
    protocol: Protocol, doses: Iterable[DoseRow], references: dict[str, ParticipantRow]
) -> Iterator[Record]:
    name = protocol.dosing.product.name.en if protocol.dosing else "STUDY PRODUCT"
    for code, rows in _by_participant(doses):
        person = references.get(code)
        records = []
        for dose in rows:
            assert isinstance(dose, DoseRow)
            records.append(
                {
                    **_base(protocol, "EX", code),
                    "EXTRT": name,
                    "EXDOSE": dose.amount,
                    "EXDOSU": dose.unit,
                    "EXROUTE": ROUTES.get(dose.route, dose.route.upper()),
                    "EXLOT": dose.lot,
                    "EXADJ": "PARTIAL DOSE (INFUSION STOPPED)" if dose.partial else None,
                    "EXSTDTC": iso(dose.given_at),
                    "EXENDTC": iso(dose.given_at),
                    "EXSTDY": study_day(dose.given_at, reference_start(person) if person else None),
                }
            )
        yield from sequence(records, "EX")


def ae_records(
    protocol: Protocol, events: Iterable[AdverseEventRow], references: dict[str, ParticipantRow]
) -> Iterator[Record]:
    for code, rows in _by_participant(events):
        person = references.get(code)
        records = []
        for event in rows:
            assert isinstance(event, AdverseEventRow)
            record = {
                **_base(protocol, "AE", code),
                "AETERM": event.term,
                "AEDECOD": event.term,
                "AETOXGR": str(event.grade) if event.grade else None,
                "AESER": "Y" if event.serious else "N",
                "AEREL": event.relatedness.upper() if event.relatedness else None,
                "AEACN": event.action_taken.upper() if event.action_taken else None,
                "AEOUT": OUTCOMES.get(event.outcome or "", (event.outcome or "").upper() or None),
                "AESTDTC": iso(event.started_on),
                "AEENDTC": iso(event.ended_on),
                "AESTDY": study_day(event.started_on, reference_start(person) if person else None),
            }
            for criterion, variable in SERIOUSNESS.items():
                record[variable] = ("Y" if criterion in event.seriousness else "N") if event.serious else None
            records.append(record)
        yield from sequence(records, "AE")


def ie_records(protocol: Protocol, screenings: Iterable[ScreeningRow]) -> Iterator[Record]:
    """Only the criteria that made a participant ineligible (an inclusion not met, an exclusion met)."""
    criteria = {c.id: c for c in protocol.criteria}
    codes = criterion_codes(protocol)
    for code, rows in _by_participant(screenings):
        records = []
        for screening in rows:
            assert isinstance(screening, ScreeningRow)
            for result in screening.results:
                criterion = criteria.get(result.criterion)
                if criterion is None or result.met is None or result.met == (criterion.kind == "inclusion"):
                    continue
                answer = "Y" if result.met else "N"
                records.append(
                    {
                        **_base(protocol, "IE", code),
                        "IETESTCD": codes[criterion.id],
                        "IETEST": criterion.text.en[:200],
                        "IECAT": criterion.kind.upper(),
                        "IEORRES": answer,
                        "IESTRESC": answer,
                        "IEDTC": iso(screening.screened_on),
                    }
                )
        yield from sequence(records, "IE")


def criterion_codes(protocol: Protocol) -> dict[str, str]:
    """criterion id -> IETESTCD: INCL01, INCL02, ... EXCL01, ... in protocol order (ids are too long)."""
    counters = {"inclusion": 0, "exclusion": 0}
    codes = {}
    for criterion in protocol.criteria:
        counters[criterion.kind] += 1
        codes[criterion.id] = f"{criterion.kind[:4].upper()}{counters[criterion.kind]:02d}"
    return codes


def sv_records(
    protocol: Protocol, visits: Iterable[VisitRow], references: dict[str, ParticipantRow]
) -> Iterator[Record]:
    for visit in visits:
        person = references.get(visit.participant)
        number, label = visit_fields(protocol, visit.visit, visit.occurrence)
        yield {
            **_base(protocol, "SV", visit.participant),
            "VISITNUM": number,
            "VISIT": label,
            "SVPRESP": "Y",
            "SVOCCUR": "Y" if visit.status == "done" else "N",
            "SVSTDTC": iso(visit.on),
            "SVENDTC": iso(visit.on),
            "SVSTDY": study_day(visit.on, reference_start(person) if person else None),
        }


def cm_records(protocol: Protocol, medications: Iterable[MedicationRow]) -> Iterator[Record]:
    for code, rows in _by_participant(medications):
        records = []
        for medication in rows:
            assert isinstance(medication, MedicationRow)
            records.append(
                {
                    **_base(protocol, "CM", code),
                    "CMTRT": medication.medication,
                    "CMCLAS": medication.drug_class,
                    "CMDOSE": medication.dose,
                    "CMDOSU": medication.dose_unit,
                    "CMSTDTC": iso(medication.started_on),
                    "CMENDTC": iso(medication.ended_on),
                    "CMENRTPT": "ONGOING" if medication.ongoing else None,
                    "CMENTPT": "END OF DATA COLLECTION" if medication.ongoing else None,
                }
            )
        yield from sequence(records, "CM")
