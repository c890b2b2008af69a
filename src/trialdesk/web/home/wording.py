"""Words for the participant home: timeline entries and next steps (codes from services/participant_home.py)
in the page's language, with protocol labels (visits, forms, dose steps, arms) instead of internal ids."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from trialdesk.protocol.schema import Protocol
from trialdesk.services.participant_home import NextStep, TimelineEntry
from trialdesk.web.treatment.views import REASON_TITLES
from trialdesk.web.wording import reason_sentence


@dataclass(frozen=True)
class Labels:
    """Protocol labels in the page's language, by id."""

    visits: dict[str, str]
    forms: dict[str, str]
    steps: dict[str, str]
    arms: dict[str, str]

    @classmethod
    def of(cls, protocol: Protocol, language: str) -> Labels:
        steps: dict[str, str] = {}
        if protocol.dosing is not None:
            for arm in protocol.dosing.arms.values():
                for step in arm.steps:
                    steps[step.id] = step.label.in_language(language)
        return cls(
            visits={
                v.id: v.label.in_language(language)
                for v in (protocol.schedule.visits if protocol.schedule else [])
            },
            forms={f.id: f.title.in_language(language) for f in protocol.forms},
            steps=steps,
            arms={a.id: a.name.in_language(language) for a in protocol.arms},
        )

    def visit(self, visit_id: str, occurrence: str = "1") -> str:
        label = self.visits.get(visit_id, visit_id)
        return label if occurrence in ("", "1") else f"{label} #{occurrence}"


def _screened(decision: str) -> str:
    return {
        "eligible": _("Screened: eligible"),
        "not_eligible": _("Screened: not eligible"),
    }.get(decision, _("Screening incomplete"))


def entry_text(entry: TimelineEntry, labels: Labels) -> str:
    p = entry.params
    match entry.kind:
        case "registered":
            return _("Registered for screening")
        case "screened":
            return _screened(p.get("decision", ""))
        case "consented":
            return _("Consent recorded (document %(document)s)") % {"document": p.get("document", "")}
        case "withdrawn":
            return _("Consent withdrawn")
        case "randomized":
            arm = labels.arms.get(p.get("arm", ""), "")
            return _("Randomized to %(arm)s") % {"arm": arm} if arm else _("Randomized")
        case "dose":
            return _("Dose given: %(step)s") % {"step": labels.steps.get(p["step"], p["step"])}
        case "visit":
            return _("Visit done: %(visit)s") % {"visit": labels.visit(p["visit"], p["n"])}
        case "visit_missed":
            return _("Visit missed: %(visit)s") % {"visit": labels.visit(p["visit"], p["n"])}
        case "form_saved":
            values = {
                "form": labels.forms.get(p["form"], p["form"]),
                "visit": labels.visit(p["visit"], p["n"]),
            }
            return _("Form saved: %(form)s (%(visit)s)") % values
        case "query_raised":
            return _("Query raised on %(form)s") % {"form": labels.forms.get(p["form"], p["form"])}
        case "adverse_event":
            values = {"term": p["term"].replace("_", " "), "grade": p["grade"]}
            return _("Adverse event: %(term)s, grade %(grade)s") % values
        case "casebook_signed":
            return _("Casebook signed")
    return entry.kind


def step_text(step: NextStep, labels: Labels) -> str:
    p = step.params
    match step.code:
        case "screen":
            return _("Next: screen the participant against the eligibility criteria.")
        case "consent":
            return _("Next: record the participant's informed consent.")
        case "randomize":
            return _("Next: randomize the participant.")
        case "dose_allowed":
            return _("The next dose (%(step)s) may be given now.") % {
                "step": labels.steps.get(p["step"], p["step"])
            }
        case "dose_blocked":
            return _("The next dose (%(step)s) cannot be given yet:") % {
                "step": labels.steps.get(p["step"], p["step"])
            }
        case "forms_overdue":
            return _("%(count)s form(s) overdue.") % {"count": p["count"]}
        case "forms_due":
            return _("%(count)s form(s) due now.") % {"count": p["count"]}
    return _("Nothing is due for this participant.")


def reason_text(code: str, message: str, params: Mapping[str, object] | None = None) -> str:
    """What blocks the next dose, in the page language (the gate's sentence for its code, see web/wording)."""
    title = REASON_TITLES.get(code)
    sentence = reason_sentence(code, message, params or {})
    return f"{title}: {sentence}" if title else str(sentence)
