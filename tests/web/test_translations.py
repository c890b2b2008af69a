"""Every string a template marks for translation has a Persian translation in the compiled catalogue."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import trialdesk.web

WEB = Path(trialdesk.web.__file__).parent
CATALOGUE = WEB / "locale" / "fa" / "LC_MESSAGES" / "django.mo"
TRANSLATE_TAG = re.compile(r"""{%\s*(?:translate|trans)\s+(["'])(.+?)\1""")


def _template_msgids() -> set[str]:
    found: set[str] = set()
    for template in (WEB / "templates").rglob("*.html"):
        found.update(match.group(2) for match in TRANSLATE_TAG.finditer(template.read_text(encoding="utf-8")))
    return found


def test_the_templates_mark_strings_for_translation() -> None:
    assert len(_template_msgids()) > 50


def test_every_template_string_has_a_persian_translation() -> None:
    with CATALOGUE.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    missing = sorted(m for m in _template_msgids() if catalogue.gettext(m) == m)
    assert missing == [], (
        f"no Persian translation (add to web/locale/fa/parts/*.po, run scripts/build-locale.sh): {missing}"
    )
