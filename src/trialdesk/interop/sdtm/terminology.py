"""CDISC controlled terminology the SDTM writers use, with where each value comes from.

Verified rows are those of /work/shared/reference/domain-facts.md §4.1 (CDISC SDTM CT 2025-03-25); the
lab and IS test codes themselves come from the protocol's `lab_tests` (which cite the same sheet).
Everything else here is standard SDTM CT that was NOT checked against a CT file in this project: it is
marked `verified=False`, and define.xml carries that mark as a comment on the code list.
"""

from __future__ import annotations

from dataclasses import dataclass

CT_VERSION = "2025-03-25"
SDTMIG_VERSION = "3.4"


@dataclass(frozen=True)
class Term:
    submission_value: str
    nci_code: str | None
    verified: bool


@dataclass(frozen=True)
class CodeList:
    name: str
    nci_code: str | None
    verified: bool
    terms: tuple[Term, ...]


def _unverified(name: str, *values: str) -> CodeList:
    return CodeList(name, None, False, tuple(Term(value, None, False) for value in values))


SEX = _unverified("SEX", "F", "M", "U")
NY = _unverified("NY", "N", "Y")
AGEU = _unverified("AGEU", "YEARS")
ROUTE = _unverified("ROUTE", "INTRAVENOUS", "ORAL", "SUBCUTANEOUS", "INTRAMUSCULAR")
NRIND = _unverified("NRIND", "LOW", "NORMAL", "HIGH")
IECAT = _unverified("IECAT", "INCLUSION", "EXCLUSION")
UNITS_VERIFIED = {
    "GPL U/mL": "C117971",
    "MPL U/mL": "C117973",
    "titer": "C67454",
    "IU/mL": "C67377",
    "U/mL": "C77607",
    "mg/dL": "C67015",
    "g/L": "C42576",
    "mmol/L": "C64387",
}
ISBDAGNT_VERIFIED = {
    "NUCLEAR AUTOANTIGENS": "C181353",
    "CARDIOLIPIN": "C198263",
    "BETA-2 GLYCOPROTEIN 1": "C142155",
    "DOUBLE STRANDED DNA": "C449",
}
TESTCD_VERIFIED = {
    "ATAB": "C181397",
    "ATIGGAB": "C198279",
    "ATIGMAB": "C198280",
    "DDNAIGAB": "C154769",
    "C3": "C80174",
    "C4": "C80177",
    "GLUC": "C105585",
    "TRIG": "C64812",
    "DRVVT": "C96696",
    "DRVVTRT": "C103386",
    "DRVVTSCR": "C163430",
}
CODELIST_CODES = {"LBTESTCD": "C65047", "ISTESTCD": "C120525", "ISBDAGNT": "C181169", "UNIT": "C71620"}
ROUTES = {
    "intravenous": "INTRAVENOUS",
    "oral": "ORAL",
    "subcutaneous": "SUBCUTANEOUS",
    "intramuscular": "INTRAMUSCULAR",
}
SEX_CODES = {"female": "F", "male": "M", "unknown": "U"}
