"""A second protocol version with a changed form (vital signs 2.0 adds oxygen saturation and a date-time)."""

from __future__ import annotations

import copy

from trialdesk.protocol.loading import default_study_path, load_protocol
from trialdesk.protocol.schema import Protocol
from trialdesk.services.actors import Actor
from trialdesk.services.studies import store_protocol
from trialdesk.testing import FixedClock


def amended_protocol() -> Protocol:
    protocol = load_protocol(default_study_path())
    data = protocol.model_dump(mode="json", exclude_none=True)
    data["version"] = data["version"] + "-amended"
    forms = data["forms"]
    index = next(i for i, f in enumerate(forms) if f["id"] == "vital_signs")
    new = copy.deepcopy(forms[index])
    new["version"] = "2.0"
    new["sections"][0]["items"].append(
        {
            "id": "oxygen_saturation",
            "label": {"en": "Oxygen saturation", "fa": "اشباع اکسیژن"},
            "type": "integer",
            "unit": "%",
            "hard_limits": {"min": 50, "max": 100},
        }
    )
    new["sections"][0]["items"].append(
        {"id": "measured_at", "label": {"en": "Measured at", "fa": "زمان اندازه‌گیری"}, "type": "datetime"}
    )
    forms[index] = new
    return Protocol.model_validate(data)


def install_amended_protocol(system: Actor, clock: FixedClock) -> None:
    store_protocol(system, protocol=amended_protocol(), make_default=True, clock=clock)
