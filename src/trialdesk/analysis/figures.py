"""Figures (matplotlib, Agg, no display): individual trajectories with arm means and 95% CIs over the
analysis visits; participants by worst adverse-event grade and arm. PNG or SVG bytes, deterministic.

matplotlib is imported and configured inside the functions, never at import time. Persian labels must be
shaped and right to left: matplotlib 3.11+ does that itself (libraqm), so the text is passed in logical
order; an older matplotlib gets it shaped by arabic-reshaper and reordered by python-bidi (passing shaped
text to libraqm would reverse it twice). The font is Noto Sans Arabic (Debian package fonts-noto-core) when
installed, with DejaVu Sans as the fallback for Latin glyphs.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

Format = Literal["png", "svg"]
PERSIAN_FONTS = (
    Path("/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf"),
    Path("/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf"),
)
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
COLOURS = ("#1b6ca8", "#d1495b", "#2e8b57", "#edae49")
GRADE_COLOURS = ("#c7e9c0", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000")
_LABELS = {
    "en": {
        "mean": "mean and 95% CI",
        "participants": "Participants",
        "grade": "Grade",
        "day": "Analysis visit",
        "ae_title": "Participants by worst adverse-event grade",
        "none": "No adverse event",
    },
    "fa": {
        "mean": "میانگین و فاصله اطمینان ۹۵٪",
        "participants": "شرکت‌کنندگان",
        "grade": "درجه",
        "day": "ویزیت تحلیل",
        "ae_title": "شرکت‌کنندگان بر اساس بدترین درجه عارضه",
        "none": "بدون عارضه",
    },
}


def native_shaping() -> bool:
    """True when matplotlib lays text out with libraqm (3.11+): it shapes and orders bidi text itself."""
    from matplotlib import ft2font

    return bool(getattr(ft2font, "__libraqm_version__", ""))


def shape(text: str, language: str, *, native: bool | None = None) -> str:
    """Persian text as the renderer needs it: unchanged (logical order) when matplotlib shapes text itself,
    otherwise shaped into presentation forms (arabic-reshaper) and put in visual order (python-bidi)."""
    if language != "fa" or (native_shaping() if native is None else native):
        return text
    import arabic_reshaper
    from bidi.algorithm import get_display

    return str(get_display(arabic_reshaper.reshape(text)))


@lru_cache(maxsize=1)
def _font_families() -> list[str]:
    """Noto Sans Arabic (registered from the Debian font file) first when installed, then DejaVu Sans."""
    from matplotlib import font_manager

    families = ["DejaVu Sans"]
    for path in PERSIAN_FONTS:
        if path.exists():
            font_manager.fontManager.addfont(str(path))
            return [font_manager.FontProperties(fname=str(path)).get_name(), *families]
    return families


def _figure(width: float, height: float) -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def _bytes(figure: Any, fmt: Format) -> bytes:
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "trialdesk"}):
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        figure.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def _fonts(figure: Any) -> dict[str, Any]:
    return {"family": _font_families()}


def trajectory_figure(
    frame: pd.DataFrame,
    arms: Sequence[tuple[str, str]],
    visits: Sequence[tuple[str, str, int]],
    title: str,
    language: str = "en",
    fmt: Format = "png",
) -> bytes:
    """`frame`: participant, arm, analysis_visit, value. `visits`: (id, label, target day) in order."""
    from matplotlib.collections import LineCollection

    figure = _figure(7.5, 4.5)
    axes = figure.add_subplot()
    font = _fonts(figure)
    position = {visit: index for index, (visit, _, _) in enumerate(visits)}
    data = (
        frame.dropna(subset=["value"])
        .assign(x=lambda f: f["analysis_visit"].map(position))
        .dropna(subset=["x"])
    )
    for number, (arm, label) in enumerate(arms):
        colour, offset = COLOURS[number % len(COLOURS)], (number - (len(arms) - 1) / 2) * 0.08
        in_arm = data[data["arm"] == arm]
        lines = [
            list(zip(person["x"] + offset, person["value"].astype(float), strict=True))
            for _, person in in_arm.sort_values(["participant", "x"]).groupby("participant", sort=True)
        ]
        axes.add_collection(LineCollection(lines, colors=colour, alpha=0.25, linewidths=0.8))
        means = _mean_ci(in_arm)
        axes.errorbar(
            means["x"] + offset,
            means["mean"],
            yerr=[means["mean"] - means["low"], means["high"] - means["mean"]],
            color=colour,
            marker="o",
            linewidth=2,
            capsize=3,
            label=shape(f"{label} ({_LABELS[language]['mean']})", language),
        )
    axes.set_xticks(range(len(visits)), [shape(label, language) for _, label, _ in visits], **font)
    axes.set_xlabel(shape(_LABELS[language]["day"], language), **font)
    axes.set_title(shape(title, language), **font)
    axes.legend(prop={"family": font["family"]}, fontsize=8, loc="upper right")
    axes.grid(alpha=0.3)
    figure.subplots_adjust(left=0.09, right=0.98, top=0.9, bottom=0.16)
    return _bytes(figure, fmt)


def _mean_ci(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean and t-based 95% CI of the mean at each visit position."""
    out = []
    for x, group in rows.groupby("x", sort=True):
        values = group["value"].astype(float).to_numpy()
        mean = float(values.mean())
        half = (
            float(stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size))
            if values.size > 1
            else 0.0
        )
        out.append((float(x), mean, mean - half, mean + half))  # type: ignore[arg-type]
    return pd.DataFrame(out, columns=["x", "mean", "low", "high"])


def adverse_event_figure(
    adverse_events: pd.DataFrame,
    participants: pd.DataFrame,
    arms: Sequence[tuple[str, str]],
    language: str = "en",
    fmt: Format = "png",
) -> bytes:
    """Stacked bars: participants of each arm (safety, as treated) by their worst grade, and with none."""
    figure = _figure(6.5, 4.0)
    axes = figure.add_subplot()
    font = _fonts(figure)
    safety = participants[participants["safety"].astype(bool)]
    worst = adverse_events.groupby("participant")["worst_grade"].max()
    labels = _LABELS[language]
    bottoms = np.zeros(len(arms))
    categories: list[tuple[str, int | None]] = [(labels["none"], None)] + [
        (f"{labels['grade']} {g}", g) for g in range(1, 6)
    ]
    for colour, (name, grade) in zip(("#e0e0e0", *GRADE_COLOURS), categories, strict=True):
        heights = []
        for arm, _ in arms:
            members = safety.loc[safety["arm_treated"] == arm, "participant"]
            grades = [worst.get(p) for p in members]
            heights.append(sum(1 for g in grades if (g is None if grade is None else g == grade)))
        name = name.translate(PERSIAN_DIGITS) if language == "fa" else name
        axes.bar(
            range(len(arms)),
            heights,
            bottom=bottoms,
            color=colour,
            label=shape(name, language),
            edgecolor="white",
        )
        bottoms += np.array(heights, dtype=float)
    axes.set_xticks(range(len(arms)), [shape(label, language) for _, label in arms], **font)
    axes.set_ylabel(shape(labels["participants"], language), **font)
    axes.set_title(shape(labels["ae_title"], language), **font)
    axes.set_ylim(0, max(float(bottoms.max()), 1.0) * 1.08)
    axes.legend(prop={"family": font["family"]}, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    figure.subplots_adjust(left=0.1, right=0.76, top=0.9, bottom=0.1)
    return _bytes(figure, fmt)
