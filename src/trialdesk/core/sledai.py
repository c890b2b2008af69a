"""SLEDAI-2K (Gladman 2002) and the modified SRI-4 response (SRI-4 without its BILAG component).

SLEDAI-2K has 24 descriptors: 8 weighted 8, 6 weighted 4, 7 weighted 2 and 3 weighted 1 (maximum 105).
A descriptor present at the visit or in the preceding 10 days, and attributable to lupus, scores its full
weight. SLEDAI-2K counts persistent rash, alopecia, mucosal ulcers and proteinuria.

The SLE Responder Index SRI-4 (Furie 2009) needs BILAG-2004. This trial does not collect BILAG, so the
response computed here is the **modified SRI-4** (mSRI-4): a SLEDAI-2K reduction of at least 4 points from
baseline and no worsening of the Physician Global Assessment (PGA, 0-3) by 0.3 or more. It must never be
reported as "SRI-4".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from trialdesk.errors import Problem, ValidationFailed


@dataclass(frozen=True)
class Descriptor:
    id: str
    name: str
    weight: int
    definition: str
    definition_verified: bool = True


DESCRIPTORS: Final[tuple[Descriptor, ...]] = (
    Descriptor("seizure", "Seizure", 8, "Recent onset; exclude metabolic, infectious or drug causes"),
    Descriptor(
        "psychosis",
        "Psychosis",
        8,
        "Severe disturbance in perception of reality altering normal function; exclude uremia and drug causes",
    ),
    Descriptor(
        "organic_brain_syndrome",
        "Organic brain syndrome",
        8,
        "Altered mental function (orientation, memory, intellect) with rapid onset and fluctuating features; "
        "exclude metabolic, infectious and drug causes",
    ),
    Descriptor(
        "visual_disturbance",
        "Visual disturbance",
        8,
        "Retinal changes of SLE (cytoid bodies, retinal haemorrhages, choroidal exudate or haemorrhage) or "
        "optic neuritis; exclude hypertension, infection and drug causes",
    ),
    Descriptor(
        "cranial_nerve_disorder",
        "Cranial nerve disorder",
        8,
        "New onset of sensory or motor neuropathy involving cranial nerves",
    ),
    Descriptor(
        "lupus_headache",
        "Lupus headache",
        8,
        "Severe persistent headache; may be migrainous but must be nonresponsive to narcotic analgesia",
    ),
    Descriptor(
        "cerebrovascular_accident",
        "CVA (cerebrovascular accident)",
        8,
        "New onset of cerebrovascular accident(s); exclude arteriosclerosis",
    ),
    Descriptor(
        "vasculitis",
        "Vasculitis",
        8,
        "Ulceration, gangrene, tender finger nodules, periungual infarction, splinter haemorrhages, or "
        "biopsy/angiogram proof of vasculitis",
    ),
    Descriptor(
        "arthritis",
        "Arthritis",
        4,
        "More than 2 joints with pain and signs of inflammation (threshold wording unverified)",
        definition_verified=False,
    ),
    Descriptor(
        "myositis",
        "Myositis",
        4,
        "Proximal muscle aching/weakness with elevated CPK/aldolase, EMG changes or biopsy showing myositis",
    ),
    Descriptor("urinary_casts", "Urinary casts", 4, "Heme-granular or red blood cell casts"),
    Descriptor(
        "hematuria", "Hematuria", 4, ">5 RBC/high-power field; exclude stone, infection or other cause"
    ),
    Descriptor("proteinuria", "Proteinuria", 4, ">0.5 g/24 h"),
    Descriptor("pyuria", "Pyuria", 4, ">5 WBC/high-power field; exclude infection"),
    Descriptor("rash", "Rash", 2, "Inflammatory-type rash"),
    Descriptor(
        "alopecia", "Alopecia", 2, "Abnormal, patchy or diffuse loss of hair (wording unverified)", False
    ),
    Descriptor("mucosal_ulcers", "Mucosal ulcers", 2, "Oral or nasal ulcerations"),
    Descriptor(
        "pleurisy", "Pleurisy", 2, "Pleuritic chest pain with pleural rub or effusion, or pleural thickening"
    ),
    Descriptor(
        "pericarditis", "Pericarditis", 2, "Pericardial pain with at least one of: rub, effusion, ECG/echo"
    ),
    Descriptor(
        "low_complement",
        "Low complement",
        2,
        "Decrease in CH50, C3 or C4 below the lower limit of normal for the testing laboratory",
        False,
    ),
    Descriptor(
        "increased_dna_binding",
        "Increased DNA binding",
        2,
        "Increased DNA binding above the normal range for the testing laboratory",
        False,
    ),
    Descriptor("fever", "Fever", 1, ">38 °C; exclude infectious cause", False),
    Descriptor(
        "thrombocytopenia", "Thrombocytopenia", 1, "<100 x 10^9 platelets/L; exclude drug causes", False
    ),
    Descriptor("leukopenia", "Leukopenia", 1, "<3.0 x 10^9 WBC/L; exclude drug causes", False),
)

WEIGHTS: Final[dict[str, int]] = {d.id: d.weight for d in DESCRIPTORS}
MAX_TOTAL: Final = 105
LOOK_BACK_DAYS: Final = 10
PGA_MIN: Final = Decimal(0)
PGA_MAX: Final = Decimal(3)
MSRI4_SLEDAI_REDUCTION: Final = 4
MSRI4_PGA_WORSENING: Final = Decimal("0.3")
MODIFIED_SRI4_NAME: Final = "modified SRI-4 (mSRI-4, without BILAG)"


def sledai_2k_total(present: Iterable[str]) -> int:
    """The SLEDAI-2K total of the descriptors present (ids from `DESCRIPTORS`); unknown ids are refused."""
    chosen = set(present)
    unknown = sorted(chosen - WEIGHTS.keys())
    if unknown:
        raise ValidationFailed(
            "unknown SLEDAI-2K descriptor(s): " + ", ".join(unknown),
            tuple(Problem(u, "is not a SLEDAI-2K descriptor") for u in unknown),
        )
    return sum(WEIGHTS[d] for d in chosen)


def _pga(value: Decimal | int | float, where: str) -> Decimal:
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not PGA_MIN <= number <= PGA_MAX:
        raise ValidationFailed(
            f"{where}: the Physician Global Assessment must be between 0 and 3",
            (Problem(where, "must be between 0 and 3"),),
        )
    return number


def _sledai(value: int, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOTAL:
        raise ValidationFailed(
            f"{where}: a SLEDAI-2K total is a whole number from 0 to 105",
            (Problem(where, "must be a whole number from 0 to 105"),),
        )
    return value


def modified_sri4(
    *,
    baseline_sledai: int,
    baseline_pga: Decimal | int | float,
    followup_sledai: int,
    followup_pga: Decimal | int | float,
) -> bool:
    """Modified SRI-4 responder: SLEDAI-2K fell by >= 4 and the PGA rose by < 0.3 (PGA on 0-3).

    Not SRI-4: the BILAG-2004 component is not assessed in this trial.
    """
    reduction = _sledai(baseline_sledai, "baseline_sledai") - _sledai(followup_sledai, "followup_sledai")
    worsening = _pga(followup_pga, "followup_pga") - _pga(baseline_pga, "baseline_pga")
    return reduction >= MSRI4_SLEDAI_REDUCTION and worsening < MSRI4_PGA_WORSENING


__all__ = [
    "DESCRIPTORS",
    "MAX_TOTAL",
    "MODIFIED_SRI4_NAME",
    "WEIGHTS",
    "Descriptor",
    "modified_sri4",
    "sledai_2k_total",
]
