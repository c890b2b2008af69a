"""The CONSORT 2025 participant flow (four phases: enrolment, allocation, follow-up, analysis), counted
from the participants dataset and the screening log, and drawn as SVG.

Box wording follows the CONSORT 2010 template (facts sheet section 7); whether CONSORT 2025 changed the box
labels is unverified, so the labels are data (`LABELS`) a later check can edit. Text is wrapped with the real
advance widths of DejaVu Sans (shipped with matplotlib), so a test can prove that no text leaves its box and
no two boxes overlap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape

import pandas as pd

from trialdesk.analysis.wording import Translate, persian_digits, same, translate_text
from trialdesk.errors import Problem, ValidationFailed

LABELS = {
    "assessed": "Assessed for eligibility",
    "excluded": "Excluded",
    "randomized": "Randomized",
    "allocated": "Allocated to {arm}",
    "received": "Received allocated intervention",
    "not_received": "Did not receive allocated intervention",
    "lost": "Lost to follow-up",
    "discontinued": "Discontinued intervention",
    "analysed": "Analysed",
    "excluded_analysis": "Excluded from analysis",
}
EXCLUSION_CATEGORIES = {
    "not_meeting_criteria": "Not meeting inclusion criteria",
    "declined": "Declined to participate",
    "other": "Other reasons",
}
PHASES = ("Enrolment", "Allocation", "Follow-up", "Analysis")


@dataclass(frozen=True)
class Count:
    """A box's number with its reasons (reason, count), most frequent first then alphabetical."""

    n: int
    reasons: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class ArmFlow:
    arm: str
    label: str
    allocated: int
    received: int
    not_received: Count
    lost: Count
    discontinued: Count
    analysed: int
    excluded_from_analysis: Count


@dataclass(frozen=True)
class ConsortFlow:
    assessed: int
    excluded: Count
    excluded_by_category: tuple[tuple[str, Count], ...]
    randomized: int
    arms: tuple[ArmFlow, ...]


def _count(reasons: Iterable[object]) -> Count:
    values = [str(r) if r is not None and not pd.isna(r) else "reason not recorded" for r in reasons]  # type: ignore[call-overload]
    ordered = sorted(Counter(values).items(), key=lambda item: (-item[1], item[0]))
    return Count(len(values), tuple(ordered))


def consort_flow(
    participants: pd.DataFrame,
    screening: pd.DataFrame,
    arms: Sequence[tuple[str, str]],
    analysed: Iterable[str] | None = None,
) -> ConsortFlow:
    """The flow. `arms` is (arm id, label) in display order; `analysed` the participants analysed for the
    primary outcome (default: the intention-to-treat population). Raises `ValidationFailed` when the
    screening log's randomized count disagrees with the participants dataset."""
    randomized = len(participants)
    logged = int((screening["outcome"] == "randomized").sum())
    if logged != randomized:
        raise ValidationFailed(
            "the screening log and the participants dataset disagree",
            (Problem("screening.outcome", f"{logged} randomized in the log, {randomized} participants"),),
        )
    excluded = screening[screening["outcome"] == "excluded"]
    by_category = tuple(
        (label, _count(excluded.loc[excluded["exclusion_category"] == key, "exclusion_reason"]))
        for key, label in EXCLUSION_CATEGORIES.items()
    )
    analysed_ids = (
        set(analysed)
        if analysed is not None
        else set(participants.loc[participants["itt"].astype(bool), "participant"])
    )
    flows = []
    for arm, label in arms:
        group = participants[participants["arm_randomized"] == arm]
        received = group["received_allocated"].astype(bool)
        lost = group["lost_to_follow_up"].astype(bool)
        stopped = group["discontinued_intervention"].astype(bool)
        in_analysis = group["participant"].isin(analysed_ids)
        not_analysed = group[~in_analysis]
        reasons = not_analysed["per_protocol_exclusion"].where(
            ~not_analysed["itt"].astype(bool), "no value at the primary analysis visit"
        )
        flows.append(
            ArmFlow(
                arm,
                label,
                len(group),
                int(received.sum()),
                _count(group.loc[~received, "not_received_reason"]),
                _count(group.loc[lost, "lost_reason"]),
                _count(group.loc[stopped, "discontinuation_reason"]),
                int(in_analysis.sum()),
                _count(reasons),
            )
        )
    return ConsortFlow(
        len(screening), _count(excluded["exclusion_reason"]), by_category, randomized, tuple(flows)
    )


# --- layout and SVG -----------------------------------------------------------------------------------

FONT_SIZE = 12.0
LINE_HEIGHT = 16.0
PADDING = 8.0
PHASE_BAR = 28.0
GAP = 24.0


@lru_cache(maxsize=1)
def _font() -> object:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    return FT2Font(font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans")))


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """Advance width in px of `text` in DejaVu Sans at `size` px (FreeType, no hinting)."""
    font = _font()
    font.set_size(size, 72)  # type: ignore[attr-defined]
    font.set_text(text, 0.0)  # type: ignore[attr-defined]
    width, _ = font.get_width_height()  # type: ignore[attr-defined]
    return float(width) / 64.0


def wrap(text: str, width: float) -> list[str]:
    """Greedy word wrap to `width` px; a word wider than the line is cut by characters."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if text_width(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while text_width(word) > width:
            cut = max(i for i in range(1, len(word) + 1) if text_width(word[:i]) <= width or i == 1)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


Words = Callable[[str], str]


@dataclass(frozen=True)
class LaidOutBox:
    x: float
    y: float
    width: float
    height: float
    lines: tuple[str, ...]

    def overlaps(self, other: LaidOutBox) -> bool:
        return not (
            self.x + self.width <= other.x
            or other.x + other.width <= self.x
            or self.y + self.height <= other.y
            or other.y + other.height <= self.y
        )


def _text(title: str, count: int, reasons: Sequence[tuple[str, int]] = ()) -> list[str]:
    return [f"{title} (n={count})", *[f"• {reason} (n={n})" for reason, n in reasons]]


def _box(x: float, y: float, width: float, paragraphs: list[str], words: Words) -> LaidOutBox:
    lines = [line for paragraph in paragraphs for line in wrap(words(paragraph), width - 2 * PADDING)]
    return LaidOutBox(x, y, width, len(lines) * LINE_HEIGHT + 2 * PADDING, tuple(lines))


def layout(
    flow: ConsortFlow, translate: Translate = same, language: str = "en"
) -> tuple[list[LaidOutBox], float, float]:
    """Boxes (phase bars first) and the drawing's width and height, worded in `language` by `translate`."""

    def words(text: str) -> str:
        text = translate_text(text, translate)
        return persian_digits(text) if language == "fa" else text

    arm_count = max(len(flow.arms), 1)
    column = 230.0
    arms_right = PHASE_BAR + GAP + arm_count * column + (arm_count - 1) * GAP
    centre_width = 240.0
    centre_x = max(PHASE_BAR + GAP, (PHASE_BAR + GAP + arms_right) / 2 - centre_width / 2 - 60.0)
    side_x = centre_x + centre_width + GAP
    width = max(arms_right, side_x + 280.0) + GAP
    excluded_lines = [f"{LABELS['excluded']} (n={flow.excluded.n})"]
    for label, count in flow.excluded_by_category:
        excluded_lines += [
            f"• {label} (n={count.n})",
            *[f"– {reason} (n={n})" for reason, n in count.reasons],
        ]
    assessed = _box(centre_x, GAP, centre_width, _text(LABELS["assessed"], flow.assessed), words)
    excluded = _box(
        side_x, assessed.y + assessed.height + GAP / 2, width - side_x - GAP, excluded_lines, words
    )
    randomized_y = max(excluded.y + excluded.height, assessed.y + assessed.height) + GAP
    randomized = _box(
        centre_x, randomized_y, centre_width, _text(LABELS["randomized"], flow.randomized), words
    )
    boxes = [assessed, excluded, randomized]
    y = randomized.y + randomized.height + 2 * GAP
    rows: list[list[LaidOutBox]] = []
    for number, phase in enumerate(("allocation", "follow_up", "analysis"), start=1):
        row = []
        for index, arm in enumerate(flow.arms):
            x = PHASE_BAR + GAP + index * (column + GAP)
            row.append(_box(x, y, column, _arm_paragraphs(arm, phase), words))
        rows.append(row)
        # The row is at least as tall as its rotated phase label needs.
        tallest = max([box.height for box in row] + [text_width(words(PHASES[number])) + 2 * PADDING])
        y += tallest + 2 * GAP
    boxes += [box for row in rows for box in row]
    tops = [
        assessed.y,
        rows[0][0].y if flow.arms else y,
        rows[1][0].y if flow.arms else y,
        rows[2][0].y if flow.arms else y,
        y - GAP,
    ]
    phases = [
        LaidOutBox(4.0, tops[i], PHASE_BAR - 8.0, tops[i + 1] - tops[i] - GAP, (words(PHASES[i]),))
        for i in range(4)
    ]
    return [*phases, *boxes], width, y


def _arm_paragraphs(arm: ArmFlow, phase: str) -> list[str]:
    if phase == "allocation":
        return [
            f"{LABELS['allocated'].format(arm=arm.label)} (n={arm.allocated})",
            f"• {LABELS['received']} (n={arm.received})",
            *_text("• " + LABELS["not_received"], arm.not_received.n, arm.not_received.reasons),
        ]
    if phase == "follow_up":
        return [
            *_text(LABELS["lost"], arm.lost.n, arm.lost.reasons),
            *_text(LABELS["discontinued"], arm.discontinued.n, arm.discontinued.reasons),
        ]
    return [
        f"{LABELS['analysed']} (n={arm.analysed})",
        *_text(
            "• " + LABELS["excluded_analysis"],
            arm.excluded_from_analysis.n,
            arm.excluded_from_analysis.reasons,
        ),
    ]


def consort_svg(
    flow: ConsortFlow, translate: Translate = same, language: str = "en", *, with_text: bool = True
) -> str:
    """The flow diagram as a standalone SVG document (deterministic text), worded in `language`.
    `with_text=False` draws only boxes and connectors (the PDF lays Persian text over it in HTML)."""
    boxes, width, height = layout(flow, translate, language)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="DejaVu Sans, sans-serif" font-size="{FONT_SIZE:.0f}">',
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    for index, box in enumerate(boxes):
        phase_bar = index < 4
        fill = "#dce6f2" if phase_bar else "white"
        parts.append(
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" height="{box.height:.1f}" '
            f'fill="{fill}" stroke="#333" rx="3"/>'
        )
        if not with_text:
            continue
        if phase_bar:
            cx, cy = box.x + box.width / 2, box.y + box.height / 2
            parts.append(
                f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="middle" dominant-baseline="middle" '
                f'transform="rotate(-90 {cx:.1f} {cy:.1f})">{escape(box.lines[0])}</text>'
            )
            continue
        # Right to left: each line starts at the box's right edge.
        x, direction = (
            (box.x + box.width - PADDING, ' direction="rtl"') if language == "fa" else (box.x + PADDING, "")
        )
        for line_number, line in enumerate(box.lines):
            baseline = box.y + PADDING + (line_number + 1) * LINE_HEIGHT - 4
            parts.append(f'<text x="{x:.1f}" y="{baseline:.1f}"{direction}>{escape(line)}</text>')
    parts += _arrows(boxes[4:], len(flow.arms))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _arrows(boxes: list[LaidOutBox], arm_count: int) -> list[str]:
    """Vertical connectors: assessed -> randomized -> each allocation box -> follow-up -> analysis."""
    assessed, excluded, randomized = boxes[:3]
    arms = boxes[3:]
    lines = []

    def line(x1: float, y1: float, x2: float, y2: float) -> None:
        lines.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#333"/>')

    mid = assessed.x + assessed.width / 2
    line(mid, assessed.y + assessed.height, mid, randomized.y)
    line(mid, excluded.y + excluded.height / 2, excluded.x, excluded.y + excluded.height / 2)
    fork = randomized.y + randomized.height + 12
    line(mid, randomized.y + randomized.height, mid, fork)
    for index in range(arm_count):
        top, follow, analysis = arms[index], arms[arm_count + index], arms[2 * arm_count + index]
        centre = top.x + top.width / 2
        line(mid, fork, centre, fork)
        line(centre, fork, centre, top.y)
        line(centre, top.y + top.height, centre, follow.y)
        line(centre, follow.y + follow.height, centre, analysis.y)
    return lines
