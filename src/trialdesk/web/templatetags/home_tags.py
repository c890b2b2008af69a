"""`{% participant_tabs %}`: the participant's tab bar on every participant page (web/home/tabs.py)."""

from __future__ import annotations

from typing import Any

from django import template

from trialdesk.services.casebook.common import display_protocol
from trialdesk.services.casebook.status_grid import arms_visible
from trialdesk.web.home.tabs import participant_tabs as tabs_for
from trialdesk.web.request_context import trial

register = template.Library()


@register.inclusion_tag("trialdesk/pages/_participant_tabs.html", takes_context=True)
def participant_tabs(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    participant = context["participant"]
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match is not None else ""
    return {"participant": participant, "tabs": tabs_for(trial(request).actor, participant, current)}


@register.simple_tag(takes_context=True)
def sees_arm(context: template.Context) -> bool:
    """`{% sees_arm as show_arm %}`: may the viewer see the participant's arm (VIEW_ARM, protocol masking)."""
    participant = context["participant"]
    protocol = display_protocol(participant.study)
    return arms_visible(trial(context["request"]).actor, protocol, participant.site_id)
