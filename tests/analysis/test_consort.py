"""The CONSORT flow reconciles with its input frames, and its boxes never overlap nor overflow at 2-4 arms."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from trialdesk.analysis.consort import PADDING, consort_flow, consort_svg, layout, text_width
from trialdesk.analysis.synthetic import simulate_trial
from trialdesk.errors import ValidationFailed

ARM_SETS = {
    2: ("exosome", "control"),
    3: ("exosome_low", "exosome_high", "control"),
    4: ("exosome_low", "exosome_mid", "exosome_high", "standard of care with a long descriptive name"),
}


def test_every_box_reconciles_with_the_frames() -> None:
    trial = simulate_trial(20)
    people, screening = trial.participants, trial.screening
    flow = consort_flow(people, screening, [("exosome", "Exosome"), ("control", "Control")])
    assert flow.assessed == len(screening)
    assert flow.excluded.n == int((screening["outcome"] == "excluded").sum())
    assert flow.randomized == len(people) == flow.assessed - flow.excluded.n
    assert sum(c.n for _, c in flow.excluded_by_category) == flow.excluded.n
    for arm in flow.arms:
        group = people[people["arm_randomized"] == arm.arm]
        assert arm.allocated == len(group)
        assert arm.received + arm.not_received.n == arm.allocated
        assert arm.not_received.n == int((~group["received_allocated"].astype(bool)).sum())
        assert arm.lost.n == int(group["lost_to_follow_up"].astype(bool).sum())
        assert arm.discontinued.n == int(group["discontinued_intervention"].astype(bool).sum())
        assert arm.analysed + arm.excluded_from_analysis.n == arm.allocated
        for count in (arm.not_received, arm.lost, arm.discontinued, arm.excluded_from_analysis):
            assert sum(n for _, n in count.reasons) == count.n
    assert sum(a.allocated for a in flow.arms) == flow.randomized


def test_analysed_may_be_given_and_the_rest_are_excluded_with_a_reason() -> None:
    trial = simulate_trial(20)
    analysed = trial.participants["participant"].iloc[:15]
    flow = consort_flow(trial.participants, trial.screening, [("exosome", "E"), ("control", "C")], analysed)
    assert sum(a.analysed for a in flow.arms) == 15
    assert sum(a.excluded_from_analysis.n for a in flow.arms) == 5


def test_a_screening_log_that_disagrees_is_refused() -> None:
    trial = simulate_trial(20)
    with pytest.raises(ValidationFailed, match="disagree"):
        consort_flow(trial.participants.iloc[:19], trial.screening, [("exosome", "E"), ("control", "C")])


@pytest.mark.parametrize("arm_count", [2, 3, 4])
def test_no_box_overlaps_another_and_no_text_leaves_its_box(arm_count: int) -> None:
    arms = ARM_SETS[arm_count]
    trial = simulate_trial(40, seed=arm_count, arms=arms)
    flow = consort_flow(trial.participants, trial.screening, [(a, a.replace("_", " ").title()) for a in arms])
    boxes, width, height = layout(flow)
    for index, box in enumerate(boxes):
        assert box.x >= 0 and box.y >= 0 and box.x + box.width <= width and box.y + box.height <= height
        for other in boxes[index + 1 :]:
            assert not box.overlaps(other), (box.lines[:1], other.lines[:1])
    for bar in boxes[:4]:  # phase bars hold one word, rotated
        assert text_width(bar.lines[0]) <= bar.height - 2 * PADDING
    for box in boxes[4:]:
        assert all(text_width(line) <= box.width - 2 * PADDING for line in box.lines)
    svg = consort_svg(flow)
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert f"Randomized (n={flow.randomized})" in texts
    assert svg == consort_svg(flow)


def test_a_long_reason_wraps_inside_its_box() -> None:
    trial = simulate_trial(20)
    people = trial.participants.copy()
    people.loc[people.index[0], ["lost_to_follow_up", "lost_reason"]] = (
        True,
        "x" * 80 + " moved abroad and could not be reached by telephone",
    )
    flow = consort_flow(people, trial.screening, [("exosome", "E"), ("control", "C")])
    boxes, _, _ = layout(flow)
    assert all(text_width(line) <= box.width - 2 * PADDING for box in boxes[4:] for line in box.lines)
    assert isinstance(people, pd.DataFrame)
