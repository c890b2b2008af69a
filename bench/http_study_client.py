"""What one client of the HTTP benchmark does: read a page, or save its participant's baseline lab panel.

The save is the form a browser would post: the form page is read once (not timed), its fields taken as a
browser submits them (checked boxes and radios, selected options, text areas, hidden fields with the CSRF
token), then each timed save posts them with one lab value changed (turn by turn between two values) and a
reason for the change, as an investigator correcting a transcription.
"""

from __future__ import annotations

import urllib.parse
from html.parser import HTMLParser

from bench.serving_client import Session

FORM_PATH = "/participants/{code}/forms/baseline/1/lab_panel/"


class _FormFields(HTMLParser):
    """The fields each <form method=post> of a page submits, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._form: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._first_option: str | None = None
        self._selected = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._form = []
            self.forms.append(self._form)
        if self._form is None or ("name" not in a and tag != "option"):
            return
        if tag == "input" and a.get("type", "text") not in ("submit", "button", "reset", "file", "image"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self._form.append((a["name"], a.get("value", "on" if a.get("type") == "checkbox" else "")))
        elif tag == "select":
            self._select, self._first_option, self._selected = a["name"], None, False
        elif tag == "option" and self._select is not None:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a and not self._selected:
                self._form.append((self._select, a.get("value", "")))
                self._selected = True
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            if not self._selected and self._first_option is not None:
                self._form.append((self._select, self._first_option))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.append((self._textarea, "".join(self._text)))
            self._textarea = None


class LabPanel:
    """One client's lab-panel form: read once, then saved again and again with one value changed."""

    def __init__(self, session: Session, participant: str) -> None:
        self.session, self.path = session, FORM_PATH.format(code=participant)
        status, page = session.request("GET", self.path)
        if status != 200:
            raise RuntimeError(f"GET {self.path}: HTTP {status}")
        parser = _FormFields()
        parser.feed(page.decode())
        fields = next((f for f in parser.forms if any(name.startswith("f-") for name, _ in f)), None)
        if fields is None:
            raise RuntimeError(f"{self.path}: no form with answers")
        self.fields = [(n, v) for n, v in fields if n != "change_reason"]
        numbers = [n for n, v in self.fields if n.endswith("-value") and _number(v) is not None]
        if not numbers:
            raise RuntimeError(f"{self.path}: no stored lab value to change")
        self.item = "f-c3-value" if "f-c3-value" in numbers else numbers[0]
        stored = dict(self.fields)[self.item]
        self.values = (stored, _nudged(stored))
        self.saves = 0

    def save(self) -> None:
        self.saves += 1
        value = self.values[self.saves % 2]
        form = [(n, value if n == self.item else v) for n, v in self.fields]
        form.append(("change_reason", "Transcription corrected (benchmark)"))
        body = urllib.parse.urlencode(form).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        status, page = self.session.request("POST", self.path, body, headers)
        if status != 302:
            raise RuntimeError(f"save {self.path}: HTTP {status} {page[:300]!r}")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _nudged(text: str) -> str:
    """The stored value changed in its last digit (so it stays within the same limits)."""
    digits = len(text.split(".")[1]) if "." in text else 0
    step = 10.0**-digits
    value = float(text) + (step if float(text) < 1000 else -step)
    return f"{value:.{digits}f}"


def read_page(session: Session, path: str) -> None:
    status, _ = session.request("GET", path)
    if status != 200:
        raise RuntimeError(f"GET {path}: HTTP {status}")
