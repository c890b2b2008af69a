"""Mapping the design, eligibility, arms, criteria and outcomes of an IRCT record."""

from __future__ import annotations

import re
from typing import Any

from trialdesk.protocol.irct.reading import _DIGITS, _Fields, _preview, _Record
from trialdesk.protocol.irct.values import _choice, _compact, _number, _slug, _text

_ALLOCATION = {"randomized": "randomized", "non-randomized": "non_randomized", "not randomized": "non_randomized",
               "non randomized": "non_randomized", "single arm": "single_arm"}  # fmt: skip
_MASKING = {"not blinded": "none", "open": "none", "single": "single", "double": "double",
            "triple": "triple", "quadruple": "quadruple"}  # fmt: skip
_MASKED_ROLES = {"participant": "participant", "care provider": "care_provider", "investigator": "investigator",
                 "outcome assessor": "outcome_assessor", "data analy": "data_analyst"}  # fmt: skip
_ASSIGNMENT = {"parallel": "parallel", "crossover": "crossover", "cross-over": "crossover",
               "factorial": "factorial", "single": "single_group", "other": "other"}  # fmt: skip
_PHASES = {"n/a", "0", "1", "1-2", "2", "2-3", "3", "4"}


def _design(
    top: _Fields, summary: dict[str, list[str]], unmapped: list[str], *, arm_count: int
) -> dict[str, Any]:
    design: dict[str, Any] = {
        "purpose": top.take("purpose"),
        "phase": _phase(top.take("phase"), unmapped),
        "description": " ".join(summary.get("design", [])) or None,
        "settings": " ".join(summary.get("settings", [])) or None,
        "randomization_description": top.take("randomization description"),
        "masking_description": top.take("blinding description"),
        "other_features": top.take("other design features"),
        "eligibility": _eligibility(top, unmapped),
    }
    design["allocation"] = _mapped(top, "randomization (investigator's opinion)", _ALLOCATION, unmapped)
    if design["allocation"] is None and arm_count < 2:
        design["allocation"] = "single_arm"
    design["masking"] = _mapped(top, "blinding (investigator's opinion)", _MASKING, unmapped)
    design["masked_roles"] = _masked_roles(
        top.lines("groups that have been masked"), design["masking"], unmapped
    )
    design["placebo"] = _placebo(top, unmapped)
    design["assignment"] = _mapped(top, "assignment", _ASSIGNMENT, unmapped)
    design["target_sample_size"] = _sample_size(top, unmapped)
    top.take("sample size")
    return _compact(design)


def _placebo(top: _Fields, unmapped: list[str]) -> bool | None:
    value = top.take("placebo")
    used = _choice(value, {"used": "yes", "yes": "yes", "not used": "no", "no": "no"})
    if value is not None and used is None:
        unmapped.append(f"Placebo: '{_preview(value)}' has no equivalent")
    return None if used is None else used == "yes"


def _mapped(top: _Fields, key: str, words: dict[str, str], unmapped: list[str]) -> str | None:
    value = top.take(key)
    if value is None:
        return None
    word = value.casefold()
    result = next((mapped for prefix, mapped in words.items() if word.startswith(prefix)), None)
    if result is None:
        unmapped.append(f"{top.labels[key]}: '{_preview(value)}' has no equivalent")
    return result


def _phase(value: str | None, unmapped: list[str]) -> str | None:
    if value is None:
        return None
    phase = re.sub(r"(?i)phase|\s", "", value.translate(_DIGITS)).replace("/", "-").casefold()
    phase = "n/a" if phase in {"n-a", "na", "notapplicable"} else phase
    if phase in _PHASES:
        return phase
    unmapped.append(f"Phase: '{value}' is not a known phase")
    return None


def _masked_roles(lines: list[str], masking: str | None, unmapped: list[str]) -> list[str]:
    roles: list[str] = []
    for line in lines:
        word = line.casefold()
        role = next((mapped for prefix, mapped in _MASKED_ROLES.items() if word.startswith(prefix)), None)
        if role and role not in roles:
            roles.append(role)
        elif role is None and not word.startswith("no information"):
            unmapped.append(f"Groups that have been masked: '{_preview(line)}'")
    if roles and masking in (None, "none"):
        unmapped.append("Groups that have been masked: roles given for a trial that is not blinded; dropped")
        return []
    return roles


def _sample_size(top: _Fields, unmapped: list[str]) -> int:
    size = _number(top.take("target sample size"))
    if size is None or size < 1:
        unmapped.append("Target sample size: missing; set to 1 as a placeholder")
        return 1
    return int(size)


_AGE = r"(\d+(?:\.\d+)?)\s*(year|month|week|day)s?"
_UNIT_YEARS = {"year": 1.0, "month": 1 / 12, "week": 7 / 365.25, "day": 1 / 365.25}


def _eligibility(top: _Fields, unmapped: list[str]) -> dict[str, Any]:
    eligibility: dict[str, Any] = {}
    age = top.take("age")
    if age and not re.search(r"no age limit", age, re.IGNORECASE):
        text = age.translate(_DIGITS).casefold()
        low = re.search(r"(?:from|over|above|older than)\s+" + _AGE, text)
        high = re.search(r"(?:to|under|below|younger than)\s+" + _AGE, text)
        if low is None and high is None:
            unmapped.append(f"Age: '{_preview(age)}' not understood")
        for name, match in (("min_age_years", low), ("max_age_years", high)):
            if match:
                eligibility[name] = round(float(match.group(1)) * _UNIT_YEARS[match.group(2)], 2)
    gender = top.take("gender")
    if gender:
        mapped = _choice(
            gender, {"both": "both", "female": "female", "male": "male", "women": "female", "men": "male"}
        )
        if mapped is None:
            unmapped.append(f"Gender: '{_preview(gender)}' has no equivalent")
        else:
            eligibility["gender"] = mapped
    return eligibility


_ARM_NAMES = {
    "experimental": "Intervention group",
    "control": "Control group",
    "placebo_comparator": "Placebo group",
}
_ARM_IDS = {"experimental": "intervention", "control": "control", "placebo_comparator": "placebo"}


def _arm_kind(description: str, category: str | None) -> str:
    text = f"{description} {category or ''}".casefold()
    if "placebo" in text or "دارونما" in text:
        return "placebo_comparator"
    if "control" in text or "کنترل" in text or "usual care" in text:
        return "control"
    return "experimental"


def _arms(record: _Record, unmapped: list[str]) -> list[dict[str, Any]]:
    arms: list[dict[str, Any]] = []
    taken: set[str] = set()
    for item in record.sections.get("intervention groups", []):
        description = item.take("description")
        if description is None:
            unmapped.append(f"{item.where}: no description")
            continue
        category = item.take("category")
        kind = _arm_kind(description, category)
        arm_id, name = _ARM_IDS[kind], _ARM_NAMES[kind]
        if arm_id in taken:
            arm_id, name = f"{arm_id}_{len(arms) + 1}", f"{name} {len(arms) + 1}"
        taken.add(arm_id)
        text = _text(description, item.where, unmapped)
        arm = {
            "id": arm_id,
            "kind": kind,
            "name": {"en": name},
            "description": text,
            "registry_category": category,
        }
        arms.append(_compact(arm))
    if not arms:
        unmapped.append("Intervention groups: none found; a placeholder arm was added")
        arms.append({"id": "arm", "kind": "other", "name": {"en": "Placeholder arm"}})
    return arms


def _criteria_lists(lines: list[str], unmapped: list[str], where: str) -> dict[str, list[str]]:
    """Split 'Inclusion criteria:' / 'Exclusion criteria:' text into items (by line and by ';')."""
    lists: dict[str, list[str]] = {"inclusion": [], "exclusion": []}
    kind: str | None = None
    for line in lines:
        heading = re.match(r"(?i)\s*(inclusion|exclusion) criteria\s*:?\s*(.*)$", line)
        persian = re.match(r"\s*معیارهای\s+(ورود|خروج)\s*:?\s*(.*)$", line)
        if heading:
            kind, line = heading.group(1).casefold(), heading.group(2)
        elif persian:
            kind, line = ("inclusion" if persian.group(1) == "ورود" else "exclusion"), persian.group(2)
        for part in line.split(";"):
            item = re.sub(r"^\s*(?:[-•*·]|\d+\s*[.)\-])\s*", "", part).strip().rstrip(",").strip()
            if not item:
                continue
            if kind is None:
                unmapped.append(f"{where}: '{_preview(item)}' is under neither inclusion nor exclusion")
            else:
                lists[kind].append(item)
    return lists


def _normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _union(base: list[str], extra: list[str], unmapped: list[str]) -> list[str]:
    """`base` plus the items of `extra` it lacks (by normalized text), each placed after its predecessor in `extra`.

    An added item whose words begin another item is kept but reported: it may be the same criterion abridged.
    """
    merged = list(dict.fromkeys(base))
    known = {_normal(item) for item in merged}
    previous: str | None = None
    for item in extra:
        if _normal(item) not in known:
            merged.insert(_after(merged, previous), item)
            known.add(_normal(item))
            _report_abridged(item, base, unmapped)
        previous = item
    return merged


def _after(items: list[str], previous: str | None) -> int:
    """The index just after `previous` in `items` (0 when absent)."""
    if previous is not None:
        for index, item in enumerate(items):
            if _normal(item) == _normal(previous):
                return index + 1
    return 0


def _report_abridged(item: str, others: list[str], unmapped: list[str]) -> None:
    for other in others:
        if _normal(other).startswith(_normal(item) + " "):
            unmapped.append(
                f"Criteria: '{_preview(item)}' (summary) may repeat '{_preview(other)}'; both kept"
            )


def _criteria(top: _Fields, summary_lines: list[str], unmapped: list[str]) -> list[dict[str, Any]]:
    structured = _criteria_lists(
        top.lines("inclusion/exclusion criteria"), unmapped, "Inclusion/Exclusion criteria"
    )
    summary = _criteria_lists(summary_lines, unmapped, "Participants (summary)")
    criteria: list[dict[str, Any]] = []
    taken: set[str] = set()
    for kind, prefix in (("inclusion", "inc"), ("exclusion", "exc")):
        for number, text in enumerate(_union(structured[kind], summary[kind], unmapped), start=1):
            criterion_id = _slug(text, prefix, number, taken)
            criteria.append(
                {"id": criterion_id, "kind": kind, "text": _text(text, f"criteria {criterion_id}", unmapped)}
            )
    return criteria


def _outcomes(record: _Record, unmapped: list[str]) -> list[dict[str, Any]]:
    outcomes: list[dict[str, Any]] = []
    for kind in ("primary", "secondary"):
        for number, item in enumerate(record.sections.get(f"{kind} outcomes", []), start=1):
            description = item.take("description")
            if description is None:
                unmapped.append(f"{item.where}: no description")
                continue
            timepoint, method = item.take("timepoint"), item.take("method of measurement")
            outcome = {
                "id": f"{kind}_{number}",
                "kind": kind,
                "description": _text(description, item.where, unmapped),
                "timepoint": _text(timepoint, item.where, unmapped) if timepoint else None,
                "method": _text(method, item.where, unmapped) if method else None,
            }
            outcomes.append(_compact(outcome))
    return outcomes
