"""The escalation ladder and the dosing gate: may this participant receive the next dose now?

The ladder of an arm is its escalation steps followed by the maintenance dose, given `cycles` times.
A participant's position is replayed from the administrations recorded so far:

* a full dose of a step completes it and the next dose is the step above (after the last step: maintenance);
* a **partial dose** (infusion stopped early, or less than the step amount) does not complete the step: the
  same step is given again, in full, before escalating;
* a **reaction** is an adverse event meeting the protocol's hold rule whose onset is at or after the last
  dose. While it is open the gate holds dosing; once it has resolved the protocol's reaction rule decides:
  `hold` (continue as if no reaction: the next step, or the same step after a partial dose), `repeat_step`
  (the same step again; after a full maintenance dose there is no higher step, so the next maintenance cycle
  follows at its usual interval), `step_down` (the highest step with a lower amount than the dose that reacted, then climb again one step at a
  time), or `stop` (no further doses for this participant).

The gate (`evaluate_gate`) allows the next dose only when every rule passes, and otherwise lists every
reason, in clinician language, with the time from which each time-based rule would allow it.
"""

from trialdesk.core.dosing.gate import evaluate_gate
from trialdesk.core.dosing.ladder import (
    Administration,
    DoseStep,
    Finding,
    GateDecision,
    GateReason,
    LadderPosition,
    SafetyCheck,
    check_administration,
    dose_steps,
    is_partial,
    ladder_position,
)

__all__ = [
    "Administration",
    "DoseStep",
    "Finding",
    "GateDecision",
    "GateReason",
    "LadderPosition",
    "SafetyCheck",
    "check_administration",
    "dose_steps",
    "evaluate_gate",
    "is_partial",
    "ladder_position",
]
