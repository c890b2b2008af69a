"""The CTCAE v5.0 term table (NCI, 27 Nov 2017) for the terms this trial meets.

Grade texts are verbatim from the CTCAE v5.0 term table (see docs/treatment-and-safety.md for sources).
A grade a term does not have (a '-' in the table, e.g. anaphylaxis grades 1-2) is simply absent from `grades`.
Look-ups by id or name and grade suggestions from lab values are in `trialdesk.core.ctcae`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

CTCAE_VERSION = "5.0"

GENERAL_GRADES: Mapping[int, str] = MappingProxyType(
    {
        1: "Mild; asymptomatic or mild symptoms; clinical or diagnostic observations only; intervention not indicated.",
        2: "Moderate; minimal, local or noninvasive intervention indicated; limiting age-appropriate instrumental ADL*.",
        3: "Severe or medically significant but not immediately life-threatening; hospitalization or prolongation of "
        "hospitalization indicated; disabling; limiting self care ADL**.",
        4: "Life-threatening consequences; urgent intervention indicated.",
        5: "Death related to AE.",
    }
)


@dataclass(frozen=True)
class CtcaeTerm:
    id: str
    name: str
    meddra_code: str
    system_organ_class: str
    definition: str
    grades: Mapping[int, str]
    navigational_note: str = ""

    @property
    def available_grades(self) -> tuple[int, ...]:
        return tuple(sorted(self.grades))


def _term(
    term_id: str, name: str, code: str, soc: str, definition: str, grades: dict[int, str], note: str = ""
) -> CtcaeTerm:
    return CtcaeTerm(term_id, name, code, soc, definition, MappingProxyType(grades), note)


_IMMUNE = "Immune system disorders"
_METABOLISM = "Metabolism and nutrition disorders"
_LIFE = "Life-threatening consequences; urgent intervention indicated"

TERMS: Mapping[str, CtcaeTerm] = MappingProxyType(
    {
        t.id: t
        for t in (
            _term(
                "infusion_related_reaction",
                "Infusion related reaction",
                "10051792",
                "Injury, poisoning and procedural complications",
                "adverse reaction to the infusion of pharmacological or biological substances.",
                {
                    1: "Mild transient reaction; infusion interruption not indicated; intervention not indicated",
                    2: "Therapy or infusion interruption indicated but responds promptly to symptomatic treatment "
                    "(e.g., antihistamines, NSAIDS, narcotics, IV fluids); prophylactic medications indicated for "
                    "<=24 hrs",
                    3: "Prolonged (e.g., not rapidly responsive to symptomatic medication and/or brief interruption "
                    "of infusion); recurrence of symptoms following initial improvement; hospitalization indicated "
                    "for clinical sequelae",
                    4: _LIFE,
                    5: "Death",
                },
            ),
            _term(
                "allergic_reaction",
                "Allergic reaction",
                "10001718",
                _IMMUNE,
                "adverse local or general response from exposure to an allergen.",
                {
                    1: "Systemic intervention not indicated",
                    2: "Oral intervention indicated",
                    3: "Bronchospasm; hospitalization indicated for clinical sequelae; intravenous intervention indicated",
                    4: _LIFE,
                    5: "Death",
                },
                "If related to infusion, use Injury, poisoning and procedural complications: Infusion related "
                "reaction. Do not report both.",
            ),
            _term(
                "anaphylaxis",
                "Anaphylaxis",
                "10002218",
                _IMMUNE,
                "acute inflammatory reaction from histamine release from mast cells (breathing difficulty, dizziness, "
                "hypotension, cyanosis, loss of consciousness; may lead to death). [summary, not verbatim]",
                {
                    3: "Symptomatic bronchospasm, with or without urticaria; parenteral intervention indicated; "
                    "allergy-related edema/angioedema; hypotension",
                    4: _LIFE,
                    5: "Death",
                },
            ),
            _term(
                "fever",
                "Fever",
                "10016558",
                "General disorders and administration site conditions",
                "elevation of the body's temperature above the upper limit of normal.",
                {
                    1: "38.0 - 39.0 degrees C (100.4 - 102.2 degrees F)",
                    2: ">39.0 - 40.0 degrees C (102.3 - 104.0 degrees F)",
                    3: ">40.0 degrees C (>104.0 degrees F) for <=24 hrs",
                    4: ">40.0 degrees C (>104.0 degrees F) for >24 hrs",
                    5: "Death",
                },
            ),
            _term(
                "hyperglycemia",
                "Hyperglycemia",
                "10020639",
                _METABOLISM,
                "laboratory test results that indicate an elevation in the concentration of blood sugar. It is "
                "usually an indication of diabetes mellitus or glucose intolerance.",
                {
                    1: "Abnormal glucose above baseline with no medical intervention",
                    2: "Change in daily management from baseline for a diabetic; oral antiglycemic agent initiated; "
                    "workup for diabetes",
                    3: "Insulin therapy initiated; hospitalization indicated",
                    4: _LIFE,
                    5: "Death",
                },
                "CTCAE v5.0 grades hyperglycemia by the intervention, not by the glucose value.",
            ),
            _term(
                "hypoglycemia",
                "Hypoglycemia",
                "10021005",
                _METABOLISM,
                "",
                {
                    1: "<LLN - 55 mg/dL; <LLN - 3.0 mmol/L",
                    2: "<55 - 40 mg/dL; <3.0 - 2.2 mmol/L",
                    3: "<40 - 30 mg/dL; <2.2 - 1.7 mmol/L",
                    4: "<30 mg/dL; <1.7 mmol/L; life-threatening consequences; seizures",
                    5: "Death",
                },
            ),
            _term(
                "hypertriglyceridemia",
                "Hypertriglyceridemia",
                "10020870",
                _METABOLISM,
                "",
                {
                    1: "150 mg/dL - 300 mg/dL; 1.71 mmol/L - 3.42 mmol/L",
                    2: ">300 mg/dL - 500 mg/dL; >3.42 mmol/L - 5.7 mmol/L",
                    3: ">500 mg/dL - 1000 mg/dL; >5.7 mmol/L - 11.4 mmol/L",
                    4: ">1000 mg/dL; >11.4 mmol/L; life-threatening consequences",
                    5: "Death",
                },
            ),
            _term(
                "cytokine_release_syndrome",
                "Cytokine release syndrome",
                "10052015",
                _IMMUNE,
                "fever, tachypnea, headache, tachycardia, hypotension, rash, and/or hypoxia caused by the release of "
                "cytokines.",
                {
                    1: "Fever with or without constitutional symptoms",
                    2: "Hypotension responding to fluids; hypoxia responding to <40% O2",
                    3: "Hypotension managed with one pressor; hypoxia requiring >= 40% O2",
                    4: _LIFE,
                    5: "Death",
                },
                "Also consider reporting other organ dysfunctions, including neurological toxicities.",
            ),
        )
    }
)


__all__ = ["CTCAE_VERSION", "GENERAL_GRADES", "TERMS", "CtcaeTerm"]
