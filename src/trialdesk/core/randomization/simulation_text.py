"""Design reports side by side as a plain-text table (the command line's view; the page has its own)."""

from __future__ import annotations

from collections.abc import Sequence

from trialdesk.core.randomization.simulation_report import DesignReport, Estimate

THRESHOLDS = (2, 4, 6)
"""Imbalances shown in the table (every one is in the JSON)."""


def figure_rows(reports: Sequence[DesignReport]) -> list[tuple[str, list[str]]]:
    """(name of the figure, its value for each design), in reading order."""
    participants = reports[0].participants
    rows: list[tuple[str, list[str]]] = [
        (
            f"correct guesses of {participants} (convergence strategy)",
            [
                f"{r.correct_guesses.value:.2f} ({r.correct_guess_proportion:.1%}){_error(r.correct_guesses)}"
                for r in reports
            ],
        ),
        ("allocations determined by the earlier ones", [_percent(r.determined) for r in reports]),
        ("P(arms not exactly at the ratio at the end)", [_percent(r.not_balanced) for r in reports]),
    ]
    for k in THRESHOLDS:
        rows.append(
            (f"P(final imbalance >= {k})", [_percent(r.final_imbalance.at_least(k)) for r in reports])
        )
    for k in THRESHOLDS:
        rows.append(
            (
                f"P(imbalance >= {k} at some point)",
                [_percent(r.maximum_imbalance.at_least(k)) for r in reports],
            )
        )
    rows.append(("most likely group sizes", [_likely_sizes(r) for r in reports]))
    for index, figure in enumerate((reports[0].type_one_error, *reports[0].power)):
        what = "type I error" if index == 0 else f"power at effect size {figure.effect_size:g}"
        per_design = [(r.type_one_error, *r.power)[index] for r in reports]
        rows.append((f"{what}, t test (exact)", [_percent(f.t_test_exact) for f in per_design]))
        rows.append(
            (
                f"{what}, Wilcoxon rank-sum (simulated)",
                [_percent(f.wilcoxon_simulated) if f.wilcoxon_simulated else "-" for f in per_design],
            )
        )
    return rows


def format_reports(reports: Sequence[DesignReport]) -> str:
    rows = [("", [r.label for r in reports]), *figure_rows(reports)]
    name_width = max(len(name) for name, _ in rows)
    widths = [max(len(values[i]) for _, values in rows) for i in range(len(reports))]
    lines = []
    for name, values in rows:
        cells = "  ".join(value.rjust(width) for value, width in zip(values, widths, strict=True))
        lines.append(f"{name.ljust(name_width)}  {cells}".rstrip())
    return "\n".join(lines)


def _percent(estimate: Estimate) -> str:
    return f"{estimate.value:.1%}" + (
        f" ±{estimate.standard_error:.1%}" if estimate.standard_error >= 5e-4 else ""
    )


def _error(estimate: Estimate) -> str:
    return f" ±{estimate.standard_error:.2f}" if estimate.standard_error >= 0.005 else ""


def _likely_sizes(report: DesignReport) -> str:
    sizes, probability = max(report.group_sizes, key=lambda item: item[1])
    return ":".join(str(n) for n in sizes) + f" ({probability:.0%})"
