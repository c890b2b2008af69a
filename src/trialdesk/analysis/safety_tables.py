"""Safety tables: adverse events by SOC and term with the worst grade per participant, serious events,
events that stopped dosing, expedited-report timeliness, and laboratory shift tables. Safety population,
as treated. A participant with several events of one term counts once, at the worst grade."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from trialdesk.analysis.tables import DASH, Arms, Table, count_percent

GRADES = (1, 2, 3, 4, 5)
FLAGS = ("low", "normal", "high")


def _safety(participants: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    safety = participants[participants["safety"].astype(bool)]
    return safety, {str(arm): int(n) for arm, n in safety["arm_treated"].value_counts().items()}


def _per_arm(events: pd.DataFrame, arms: Arms, totals: dict[str, int], label: str) -> tuple[str, ...]:
    """label, then per arm: participants n (%) and their worst grades as 'G1 a · G2 b · ...'."""
    cells: list[str] = [label]
    for arm, _ in arms:
        rows = events[events["arm_treated"] == arm]
        worst = rows.groupby("participant")["worst_grade"].max()
        cells.append(count_percent(len(worst), totals.get(arm, 0)))
        grades = worst.value_counts()
        cells.append(" · ".join(f"G{g} {int(grades.get(g, 0))}" for g in GRADES if grades.get(g, 0)) or DASH)
    return tuple(cells)


def adverse_event_table(adverse_events: pd.DataFrame, participants: pd.DataFrame, arms: Arms) -> Table:
    safety, totals = _safety(participants)
    events = adverse_events[adverse_events["participant"].isin(list(safety["participant"]))]
    rows = [
        _per_arm(events, arms, totals, "Any adverse event"),
        _per_arm(events[events["worst_grade"] >= 3], arms, totals, "Any grade 3 or higher"),
        _per_arm(events[events["serious"].astype(bool)], arms, totals, "Any serious adverse event"),
        _per_arm(events[events["related"].astype(bool)], arms, totals, "Any related adverse event"),
        _per_arm(
            events[events["led_to_stop"].astype(bool)],
            arms,
            totals,
            "Any event leading to stopping the product",
        ),
    ]
    for soc in sorted(events["soc"].unique()):
        in_soc = events[events["soc"] == soc]
        rows.append(_per_arm(in_soc, arms, totals, soc))
        for term in sorted(in_soc["term"].unique()):
            rows.append(_per_arm(in_soc[in_soc["term"] == term], arms, totals, f"  {term}"))
    header: list[str] = ["System organ class / term"]
    for arm, label in arms:
        header += [f"{label} (N={totals.get(arm, 0)}): participants n (%)", f"{label}: worst grade"]
    note = "Participants counted once per row, at their worst CTCAE grade; safety population, as treated."
    return Table(
        "adverse_events", "Adverse events by system organ class and term", tuple(header), tuple(rows), (note,)
    )


def serious_event_table(adverse_events: pd.DataFrame, arm_labels: dict[str, str]) -> Table:
    """A listing of serious adverse events (pseudonymous), by onset."""
    serious = adverse_events[adverse_events["serious"].astype(bool)].sort_values(["onset_day", "event"])
    rows = tuple(
        (
            str(e.event),
            str(e.participant),
            arm_labels.get(str(e.arm_treated), str(e.arm_treated)),
            str(e.term),
            str(e.worst_grade),
            str(e.relationship),
            str(e.onset_day),
            DASH if _missing(e.days_after_last_dose) else str(e.days_after_last_dose),
            _timeliness(e.expedited_due, e.expedited_on_time),
            "" if _missing(e.narrative) else str(e.narrative),
        )
        for e in serious.itertuples()
    )
    header = (
        "Event",
        "Participant",
        "Arm",
        "Term",
        "Worst grade",
        "Relationship",
        "Onset (study day)",
        "Days after last dose",
        "Expedited report",
        "Narrative",
    )
    return Table("serious_events", "Serious adverse events", header, rows)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def _timeliness(due: object, on_time: object) -> str:
    if not bool(due):
        return "not required"
    if _missing(on_time):
        return "pending"
    return "on time" if bool(on_time) else "late"


def expedited_table(adverse_events: pd.DataFrame, arms: Arms) -> Table:
    due = adverse_events[adverse_events["expedited_due"].astype(bool)]
    rows = []
    for status in ("on time", "late", "pending"):
        cells = [status]
        for arm, _ in arms:
            in_arm = due[due["arm_treated"] == arm]
            statuses = [_timeliness(True, v) for v in in_arm["expedited_on_time"]]
            cells.append(str(statuses.count(status)))
        rows.append(tuple(cells))
    header = ("Expedited reports", *[label for _, label in arms])
    return Table("expedited_reports", "Expedited-report timeliness", header, tuple(rows))


def stopping_events_table(adverse_events: pd.DataFrame, participants: pd.DataFrame, arms: Arms) -> Table:
    safety, totals = _safety(participants)
    stopped = adverse_events[adverse_events["led_to_stop"].astype(bool)]
    rows = [
        _per_arm(stopped[stopped["term"] == term], arms, totals, term)
        for term in sorted(stopped["term"].unique())
    ]
    header: list[str] = ["Term"]
    for _arm, label in arms:
        header += [f"{label}: participants n (%)", f"{label}: worst grade"]
    return Table(
        "stopping_events", "Adverse events leading to stopping the product", tuple(header), tuple(rows)
    )


def _worst_after(flags: pd.Series) -> str | None:
    """The worst post-baseline flag: high if any, else low if any, else normal (an assumption, see docs)."""
    known = set(flags.dropna())
    for flag in ("high", "low", "normal"):
        if flag in known:
            return flag
    return None


def lab_shift_table(
    measurements: pd.DataFrame,
    participants: pd.DataFrame,
    arms: Arms,
    parameters: Sequence[str],
    baseline_visit: str,
) -> Table:
    """Baseline reference flag against the worst flag after baseline, per parameter and arm."""
    safety, _ = _safety(participants)
    arm_of = dict(zip(safety["participant"], safety["arm_treated"], strict=True))
    rows: list[tuple[str, ...]] = []
    for parameter in parameters:
        data = measurements[
            (measurements["parameter"] == parameter) & measurements["participant"].isin(list(arm_of))
        ]
        after_rows = data[data["analysis_visit"] != baseline_visit]
        after = {
            str(p): _worst_after(flags) for p, flags in after_rows.groupby("participant")["reference_flag"]
        }
        base_rows = data[data["analysis_visit"] == baseline_visit]
        base = {
            str(p): f
            for p, f in zip(base_rows["participant"], base_rows["reference_flag"], strict=True)
            if isinstance(f, str)
        }
        for arm, label in arms:
            members = [p for p, a in arm_of.items() if a == arm]
            for before in FLAGS:
                who = [p for p in members if base.get(p) == before]
                cells = [str(sum(1 for p in who if after.get(p) == flag)) for flag in FLAGS]
                missing = sum(1 for p in who if after.get(p) is None)
                rows.append((parameter, label, before, *cells, str(missing)))
    header = (
        "Parameter",
        "Arm",
        "Baseline",
        "Worst after: low",
        "Worst after: normal",
        "Worst after: high",
        "No value after",
    )
    note = "Worst after baseline: high if any value is high, else low if any is low, else normal."
    return Table("lab_shifts", "Laboratory shift tables", header, tuple(rows), (note,))
