"""The CONSORT diagram for the PDF in a right-to-left language: boxes and connectors as SVG, text in HTML.

WeasyPrint shapes Persian letters inside SVG but does not apply the bidirectional algorithm there, so a Persian
line drawn as SVG text comes out with its words in left-to-right order (seen in a rendered PDF). HTML text is
laid out with bidi, so the PDF draws the same layout (`consort.layout`) as a text-less SVG under absolutely
positioned HTML boxes. Browsers lay SVG text out correctly; the page keeps the plain SVG.
"""

from __future__ import annotations

import base64
from html import escape

from trialdesk.analysis.consort import FONT_SIZE, LINE_HEIGHT, PADDING, ConsortFlow, consort_svg, layout
from trialdesk.analysis.wording import Translate, same


def consort_overlay(
    flow: ConsortFlow, translate: Translate = same, language: str = "en", *, max_width: float = 640.0
) -> str:
    """An HTML fragment: the text-less diagram as an image with each box's lines laid over it, scaled to fit
    `max_width` CSS pixels (the PDF's text width). Every text is escaped."""
    boxes, width, height = layout(flow, translate, language)
    scale = min(1.0, max_width / width)
    svg = consort_svg(flow, translate, language, with_text=False)
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    direction = "rtl" if language == "fa" else "ltr"
    parts = [
        f'<div class="consort-overlay" data-testid="consort-overlay" style="position: relative; '
        f'width: {width * scale:.1f}px; height: {height * scale:.1f}px;">',
        f'<div style="position: absolute; left: 0; top: 0; width: {width:.1f}px; height: {height:.1f}px; '
        f'transform: scale({scale:.4f}); transform-origin: 0 0;">',
        f'<img src="{uri}" alt="" style="position: absolute; left: 0; top: 0; width: {width:.1f}px; '
        f'height: {height:.1f}px; max-width: none;">',
    ]
    for index, box in enumerate(boxes):
        if index < 4:  # the phase bars: one rotated word each
            parts.append(
                f'<div style="position: absolute; left: {box.x + box.width / 2 - box.height / 2:.1f}px; '
                f"top: {box.y + box.height / 2 - LINE_HEIGHT / 2:.1f}px; width: {box.height:.1f}px; "
                f"height: {LINE_HEIGHT:.1f}px; text-align: center; transform: rotate(-90deg); "
                f'font-size: {FONT_SIZE:.0f}px; line-height: {LINE_HEIGHT:.0f}px;" dir="{direction}">'
                f"{escape(box.lines[0])}</div>"
            )
            continue
        text = "<br>".join(escape(line) for line in box.lines)
        parts.append(
            f'<div style="position: absolute; left: {box.x + PADDING:.1f}px; top: {box.y + PADDING:.1f}px; '
            f"width: {box.width - 2 * PADDING:.1f}px; font-size: {FONT_SIZE:.0f}px; "
            f'line-height: {LINE_HEIGHT:.0f}px; white-space: nowrap;" dir="{direction}">{text}</div>'
        )
    parts.append("</div></div>")
    return "\n".join(parts)
