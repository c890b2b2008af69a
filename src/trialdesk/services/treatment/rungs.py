"""The dosing ladder as the dosing page shows it: one rung per escalation step and per maintenance cycle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from trialdesk.core.dosing import DoseStep, LadderPosition
from trialdesk.records.treatment.models import Administration

RungState = Literal["done", "partial", "next", "pending"]


@dataclass(frozen=True)
class LadderRung:
    """One rung of the ladder as shown: an escalation step, or one maintenance cycle (`cycle` 1..n)."""

    step: DoseStep
    cycle: int | None
    state: RungState
    doses: tuple[Administration, ...]  # every dose recorded against this rung (partial ones included)


def ladder_rungs(
    steps: tuple[DoseStep, ...], cycles: int, position: LadderPosition | None, doses: list[Administration]
) -> tuple[LadderRung, ...]:
    """The rungs as shown: each escalation step once, the maintenance step once per planned cycle."""
    rungs: list[LadderRung] = []
    completed = position.completed_step_ids if position else frozenset()
    for step in steps:
        of_step = tuple(d for d in doses if d.step_id == step.id)
        is_next = position is not None and position.next_step is not None and position.next_step.id == step.id
        if step.kind == "escalation":
            state: RungState = (
                "done" if step.id in completed else "next" if is_next else "partial" if of_step else "pending"
            )
            rungs.append(LadderRung(step, None, state, of_step))
            continue
        full = [d for d in of_step if not d.partial]
        done_cycles = position.maintenance_cycles_done if position else 0
        for cycle in range(1, cycles + 1):
            mine = (full[cycle - 1],) if cycle <= len(full) else ()
            if cycle <= done_cycles:
                state = "done"
            elif is_next and position is not None and position.next_cycle == cycle:
                state = "next"
            else:
                state = "pending"
            rungs.append(LadderRung(step, cycle, state, mine))
    return tuple(rungs)
