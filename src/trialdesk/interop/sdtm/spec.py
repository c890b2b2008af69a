"""The SDTMIG 3.4 datasets we write: name, label, class, structure, keys and variables (name, label, type,
declared length, role). The labels are SDTMIG's variable labels (40 characters at most, as XPT v5 needs)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    numeric: bool = False
    length: int = 200
    role: str = "Record Qualifier"


@dataclass(frozen=True)
class Domain:
    name: str
    label: str
    sdtm_class: str
    structure: str
    keys: tuple[str, ...]
    variables: tuple[Variable, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variables)


def _id(domain: str) -> tuple[Variable, ...]:
    return (
        Variable("STUDYID", "Study Identifier", length=40, role="Identifier"),
        Variable("DOMAIN", "Domain Abbreviation", length=2, role="Identifier"),
        Variable("USUBJID", "Unique Subject Identifier", length=60, role="Identifier"),
        Variable(f"{domain}SEQ", "Sequence Number", numeric=True, length=8, role="Identifier"),
    )


def _n(name: str, label: str, role: str = "Record Qualifier") -> Variable:
    return Variable(name, label, numeric=True, length=8, role=role)


def _c(name: str, label: str, length: int = 200, role: str = "Record Qualifier") -> Variable:
    return Variable(name, label, length=length, role=role)


def _visit(prefix: str) -> tuple[Variable, ...]:
    return (
        _n("VISITNUM", "Visit Number", "Timing"),
        _c("VISIT", "Visit Name", 200, "Timing"),
        _c(
            f"{prefix}DTC",
            f"Date/Time of {'Collection' if prefix != 'EX' else 'Administration'}",
            19,
            "Timing",
        ),
        _n(f"{prefix}DY", "Study Day of Visit/Collection/Exam", "Timing"),
    )


def _findings(p: str, *extra: Variable) -> tuple[Variable, ...]:
    return (
        *_id(p),
        _c(f"{p}TESTCD", "Test or Examination Short Name", 8, "Topic"),
        _c(f"{p}TEST", "Test or Examination Name", 40, "Synonym Qualifier"),
        *extra,
        _c(f"{p}ORRES", "Result or Finding in Original Units", 200, "Result Qualifier"),
        _c(f"{p}ORRESU", "Original Units", 40, "Variable Qualifier"),
        _c(f"{p}STRESC", "Character Result/Finding in Std Format", 200, "Result Qualifier"),
        _n(f"{p}STRESN", "Numeric Result/Finding in Standard Units", "Result Qualifier"),
        _c(f"{p}STRESU", "Standard Units", 40, "Variable Qualifier"),
        _c(f"{p}LOBXFL", "Last Observation Before Exposure Flag", 1),
        *_visit(p),
    )


_LAB_EXTRA = (
    _c("LBSPEC", "Specimen Type", 40),
    _c("LBMETHOD", "Method of Test or Examination", 40),
    _c("LBFAST", "Fasting Status", 1),
    _c("LBLOINC", "LOINC Code", 10, "Synonym Qualifier"),
    _c("LBNRIND", "Reference Range Indicator", 8, "Variable Qualifier"),
    _n("LBORNRLO", "Reference Range Lower Limit in Orig Unit", "Variable Qualifier"),
    _n("LBORNRHI", "Reference Range Upper Limit in Orig Unit", "Variable Qualifier"),
)

DOMAINS: dict[str, Domain] = {
    d.name: d
    for d in (
        Domain(
            "DM",
            "Demographics",
            "SPECIAL PURPOSE",
            "One record per subject",
            ("STUDYID", "USUBJID"),
            (
                *_id("DM")[:3],
                _c("SUBJID", "Subject Identifier for the Study", 20, "Topic"),
                _c("RFSTDTC", "Subject Reference Start Date/Time", 19, "Record Qualifier"),
                _c("RFENDTC", "Subject Reference End Date/Time", 19),
                _c("RFXSTDTC", "Date/Time of First Study Treatment", 19),
                _c("RFXENDTC", "Date/Time of Last Study Treatment", 19),
                _c("RFICDTC", "Date/Time of Informed Consent", 19),
                _c("SITEID", "Study Site Identifier", 20),
                _c("BRTHDTC", "Date/Time of Birth", 4),
                _n("AGE", "Age"),
                _c("AGEU", "Age Units", 10, "Variable Qualifier"),
                _c("SEX", "Sex", 1),
                _c("ARMCD", "Planned Arm Code", 20),
                _c("ARM", "Description of Planned Arm", 200, "Synonym Qualifier"),
                _c("ACTARMCD", "Actual Arm Code", 20),
                _c("ACTARM", "Description of Actual Arm", 200, "Synonym Qualifier"),
                _c("ARMNRS", "Reason Arm and/or Actual Arm is Null", 40),
                _c("COUNTRY", "Country", 3),
            ),
        ),
        Domain(
            "DS",
            "Disposition",
            "EVENTS",
            "One record per disposition status or protocol milestone per subject",
            ("STUDYID", "USUBJID", "DSSEQ"),
            (
                *_id("DS"),
                _c("DSTERM", "Reported Term for the Disposition Event", 200, "Topic"),
                _c("DSDECOD", "Standardized Disposition Term", 200, "Synonym Qualifier"),
                _c("DSCAT", "Category for Disposition Event", 40, "Grouping Qualifier"),
                _c("DSSTDTC", "Start Date/Time of Disposition Event", 19, "Timing"),
                _n("DSSTDY", "Study Day of Start of Disposition Event", "Timing"),
            ),
        ),
        Domain(
            "EX",
            "Exposure",
            "INTERVENTIONS",
            "One record per constant dosing interval per subject",
            ("STUDYID", "USUBJID", "EXSEQ"),
            (
                *_id("EX"),
                _c("EXTRT", "Name of Treatment", 200, "Topic"),
                _n("EXDOSE", "Dose"),
                _c("EXDOSU", "Dose Units", 40, "Variable Qualifier"),
                _c("EXROUTE", "Route of Administration", 40, "Variable Qualifier"),
                _c("EXLOT", "Lot Number", 40),
                _c("EXADJ", "Reason for Dose Adjustment", 200),
                _c("EXSTDTC", "Start Date/Time of Treatment", 19, "Timing"),
                _c("EXENDTC", "End Date/Time of Treatment", 19, "Timing"),
                _n("EXSTDY", "Study Day of Start of Treatment", "Timing"),
            ),
        ),
        Domain(
            "AE",
            "Adverse Events",
            "EVENTS",
            "One record per adverse event per subject",
            ("STUDYID", "USUBJID", "AESEQ"),
            (
                *_id("AE"),
                _c("AETERM", "Reported Term for the Adverse Event", 200, "Topic"),
                _c("AEDECOD", "Dictionary-Derived Term", 200, "Synonym Qualifier"),
                _c("AETOXGR", "Standard Toxicity Grade", 1),
                _c("AESER", "Serious Event", 1),
                _c("AESDTH", "Results in Death", 1),
                _c("AESLIFE", "Is Life Threatening", 1),
                _c("AESHOSP", "Requires or Prolongs Hospitalization", 1),
                _c("AESDISAB", "Persist or Signif Disability/Incapacity", 1),
                _c("AESCONG", "Congenital Anomaly or Birth Defect", 1),
                _c("AESMIE", "Other Medically Important Serious Event", 1),
                _c("AEREL", "Causality", 40),
                _c("AEACN", "Action Taken with Study Treatment", 40),
                _c("AEOUT", "Outcome of Adverse Event", 40),
                _c("AESTDTC", "Start Date/Time of Adverse Event", 19, "Timing"),
                _c("AEENDTC", "End Date/Time of Adverse Event", 19, "Timing"),
                _n("AESTDY", "Study Day of Start of Adverse Event", "Timing"),
            ),
        ),
        Domain(
            "LB",
            "Laboratory Test Results",
            "FINDINGS",
            "One record per lab test per time point per visit per subject",
            ("STUDYID", "USUBJID", "LBTESTCD", "VISITNUM"),
            _findings("LB", *_LAB_EXTRA),
        ),
        Domain(
            "IS",
            "Immunogenicity Specimen Assessments",
            "FINDINGS",
            "One record per test per visit per subject",
            ("STUDYID", "USUBJID", "ISTESTCD", "ISBDAGNT", "VISITNUM"),
            _findings(
                "IS",
                _c("ISBDAGNT", "Binding Agent", 40, "Record Qualifier"),
                _c("ISSPEC", "Specimen Type", 40),
                _c("ISMETHOD", "Method of Test or Examination", 40),
                _c("ISLOINC", "LOINC Code", 10, "Synonym Qualifier"),
            ),
        ),
        Domain(
            "VS",
            "Vital Signs",
            "FINDINGS",
            "One record per vital sign measurement per visit per subject",
            ("STUDYID", "USUBJID", "VSTESTCD", "VISITNUM"),
            _findings("VS"),
        ),
        Domain(
            "IE",
            "Inclusion/Exclusion Criteria Not Met",
            "FINDINGS",
            "One record per inclusion/exclusion criterion not met per subject",
            ("STUDYID", "USUBJID", "IETESTCD"),
            (
                *_id("IE"),
                _c("IETESTCD", "Incl/Excl Criterion Short Name", 8, "Topic"),
                _c("IETEST", "Inclusion/Exclusion Criterion", 200, "Synonym Qualifier"),
                _c("IECAT", "Inclusion/Exclusion Category", 10, "Grouping Qualifier"),
                _c("IEORRES", "I/E Criterion Original Result", 1, "Result Qualifier"),
                _c("IESTRESC", "I/E Criterion Result in Std Format", 1, "Result Qualifier"),
                _c("IEDTC", "Date/Time of Collection", 19, "Timing"),
            ),
        ),
        Domain(
            "SV",
            "Subject Visits",
            "SPECIAL PURPOSE",
            "One record per actual or planned visit per subject",
            ("STUDYID", "USUBJID", "VISITNUM"),
            (
                *_id("SV")[:3],
                _n("VISITNUM", "Visit Number", "Topic"),
                _c("VISIT", "Visit Name", 200, "Synonym Qualifier"),
                _c("SVPRESP", "Pre-specified", 1),
                _c("SVOCCUR", "Occurrence", 1),
                _c("SVSTDTC", "Start Date/Time of Observation", 19, "Timing"),
                _c("SVENDTC", "End Date/Time of Observation", 19, "Timing"),
                _n("SVSTDY", "Study Day of Start of Observation", "Timing"),
            ),
        ),
        Domain(
            "CM",
            "Concomitant/Prior Medications",
            "INTERVENTIONS",
            "One record per recorded medication occurrence per subject",
            ("STUDYID", "USUBJID", "CMSEQ"),
            (
                *_id("CM"),
                _c("CMTRT", "Reported Name of Drug, Med, or Therapy", 200, "Topic"),
                _c("CMCLAS", "Medication Class", 200),
                _n("CMDOSE", "Dose per Administration"),
                _c("CMDOSU", "Dose Units", 40, "Variable Qualifier"),
                _c("CMSTDTC", "Start Date/Time of Medication", 19, "Timing"),
                _c("CMENDTC", "End Date/Time of Medication", 19, "Timing"),
                _c("CMENRTPT", "End Relative to Reference Time Point", 20, "Timing"),
                _c("CMENTPT", "End Reference Time Point", 40, "Timing"),
            ),
        ),
        Domain(
            "TS",
            "Trial Summary",
            "TRIAL DESIGN",
            "One record per trial summary parameter value",
            ("STUDYID", "TSPARMCD", "TSSEQ"),
            (
                *_id("TS")[:2],
                _n("TSSEQ", "Sequence Number", "Identifier"),
                _c("TSPARMCD", "Trial Summary Parameter Short Name", 8, "Topic"),
                _c("TSPARM", "Trial Summary Parameter", 40, "Synonym Qualifier"),
                _c("TSVAL", "Parameter Value", 200, "Result Qualifier"),
            ),
        ),
        Domain(
            "TA",
            "Trial Arms",
            "TRIAL DESIGN",
            "One record per planned Element per Arm",
            ("STUDYID", "ARMCD", "TAETORD"),
            (
                *_id("TA")[:2],
                _c("ARMCD", "Planned Arm Code", 20, "Topic"),
                _c("ARM", "Description of Planned Arm", 200, "Synonym Qualifier"),
                _n("TAETORD", "Planned Order of Element within Arm", "Timing"),
                _c("ETCD", "Element Code", 8),
                _c("ELEMENT", "Description of Element", 200, "Synonym Qualifier"),
                _c("EPOCH", "Epoch", 40, "Timing"),
            ),
        ),
        Domain(
            "TE",
            "Trial Elements",
            "TRIAL DESIGN",
            "One record per planned Element",
            ("STUDYID", "ETCD"),
            (
                *_id("TE")[:2],
                _c("ETCD", "Element Code", 8, "Topic"),
                _c("ELEMENT", "Description of Element", 200, "Synonym Qualifier"),
                _c("TESTRL", "Rule for Start of Element", 200, "Rule"),
                _c("TEENRL", "Rule for End of Element", 200, "Rule"),
            ),
        ),
        Domain(
            "TV",
            "Trial Visits",
            "TRIAL DESIGN",
            "One record per planned Visit per Arm",
            ("STUDYID", "VISITNUM", "ARMCD"),
            (
                *_id("TV")[:2],
                _n("VISITNUM", "Visit Number", "Topic"),
                _c("VISIT", "Visit Name", 200, "Synonym Qualifier"),
                _c("ARMCD", "Planned Arm Code", 20),
                _n("VISITDY", "Planned Study Day of Visit", "Timing"),
                _c("TVSTRL", "Visit Start Rule", 200, "Rule"),
            ),
        ),
        Domain(
            "TI",
            "Trial Inclusion/Exclusion Criteria",
            "TRIAL DESIGN",
            "One record per I/E criterion",
            ("STUDYID", "IETESTCD"),
            (
                *_id("TI")[:2],
                _c("IETESTCD", "Incl/Excl Criterion Short Name", 8, "Topic"),
                _c("IETEST", "Inclusion/Exclusion Criterion", 200, "Synonym Qualifier"),
                _c("IECAT", "Inclusion/Exclusion Category", 10, "Grouping Qualifier"),
            ),
        ),
    )
}
