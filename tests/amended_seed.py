"""The seed study and an amendment of it (issue 17): an added exclusion criterion, a lab test added to the
laboratory panel (a new panel version) and a new consent document version."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from trialdesk.protocol.loading import default_study_path, parse_protocol, read_protocol_data
from trialdesk.protocol.schema import Protocol

NEW_EXCLUSION = "active_tuberculosis"
NEW_LAB_TEST = "esr"
NEW_CONSENT = "2.0"


def seed_data() -> dict[str, Any]:
    return read_protocol_data(default_study_path())


def amend(data: dict[str, Any]) -> dict[str, Any]:
    """The amendment applied to a protocol mapping (a copy)."""
    new = copy.deepcopy(data)
    new["version"] = "1.2.0"
    new["criteria"].append(
        {
            "id": NEW_EXCLUSION,
            "kind": "exclusion",
            "text": {"en": "Active tuberculosis", "fa": "سل فعال"},
        }
    )
    new["lab_tests"].append(
        {
            "code": NEW_LAB_TEST,
            "label": {"en": "Erythrocyte sedimentation rate", "fa": "سرعت رسوب گلبول قرمز"},
            "domain": "LB",
            "test_code": "ESR",
            "specimen": "BLOOD",
            "result_type": "quantitative",
            "canonical_unit": "mm/h",
            "units": [{"unit": "mm/h", "factor": "1"}],
            "hard_limits": {"min": 0, "max": 200},
        }
    )
    panel = copy.deepcopy(next(f for f in reversed(new["forms"]) if f["id"] == "lab_panel"))
    panel["version"] = "1.2"
    panel["sections"][-1]["items"].append(
        {"id": NEW_LAB_TEST, "label": {"en": "ESR", "fa": "ESR"}, "type": "lab", "lab_test": NEW_LAB_TEST}
    )
    new["forms"].append(panel)
    new["consent"].append(
        {
            "version": NEW_CONSENT,
            "title": {"en": "Informed consent form, version 2", "fa": "رضایت‌نامه، نسخه ۲"},
        }
    )
    return new


def protocols() -> tuple[Protocol, Protocol]:
    data = seed_data()
    return parse_protocol(data), parse_protocol(amend(data))


def write(data: dict[str, Any], path: Path) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def upload_bytes(data: dict[str, Any]) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


def run_amendment(actors: Any, study: Any, clock: Any, data: dict[str, Any] | None = None) -> Any:
    """Propose (administrator), approve (ethics committee) and activate from today: the amendment in force."""
    from trialdesk.core.roles import Role
    from trialdesk.services.amendments import activate_amendment, approve_amendment, propose_amendment

    today = clock.now().date()
    raw = upload_bytes(data if data is not None else amend(seed_data()))
    version = propose_amendment(
        actors[Role.ADMINISTRATOR], study=study, raw=raw, filename="v1.2.yaml", clock=clock
    )
    version = approve_amendment(
        actors[Role.ETHICS_COMMITTEE],
        version=version,
        reference="IR.KUMS.REC.1405.001",
        approved_on=today,
        clock=clock,
    )
    return activate_amendment(actors[Role.ADMINISTRATOR], version=version, effective_from=today, clock=clock)
