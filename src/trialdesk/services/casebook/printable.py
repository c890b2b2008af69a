"""What the printable documents hold: the blank annotated CRF of the study and a participant's filled casebook.

    blank_crf(actor, study, *, language, clock) -> PrintedCrf          every form per visit, items annotated
    filled_casebook(actor, participant, *, language, clock) -> PrintedCrf   the saved forms with their values

Both are audited reads (`crf.print_blank`, `casebook.print`): who downloaded what, when. The filled casebook
is read through `entry.load_form`, so identifying items are withheld from readers without VIEW_IDENTITY
exactly as on the form pages. The web layer turns a `PrintedCrf` into HTML and PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trialdesk.core.roles import Action
from trialdesk.errors import PermissionDenied
from trialdesk.protocol.forms import FormDefinition, ItemDefinition
from trialdesk.protocol.schema import Protocol
from trialdesk.records.casebook.models import FormRecord
from trialdesk.records.models import Participant, Study
from trialdesk.services.actors import Actor
from trialdesk.services.casebook.common import display_protocol
from trialdesk.services.casebook.entry import FormView, load_form
from trialdesk.services.unit_of_work import use_case
from trialdesk.testing import SYSTEM_CLOCK, Clock

WITHHELD = "withheld"  # an identifying value this reader may not see


@dataclass(frozen=True)
class PrintedItem:
    path: str  # internal name (`glucose`, `medications[2].dose`)
    label: str
    type: str
    unit: str  # the item's unit, or the lab test's units
    codes: tuple[tuple[str, str], ...]  # (code, label) of a choice item
    required: bool
    limits: str  # hard limits as "min – max"
    value: str = ""  # filled casebook: the stored value as text; WITHHELD for identifying items hidden


@dataclass(frozen=True)
class PrintedSection:
    title: str
    items: tuple[PrintedItem, ...]


@dataclass(frozen=True)
class PrintedForm:
    form_id: str
    version: str
    title: str
    visit_labels: tuple[str, ...]  # blank CRF: the visits the form belongs to; filled: the one visit
    sections: tuple[PrintedSection, ...]
    status: str = ""  # filled casebook: the form's status


@dataclass(frozen=True)
class PrintedVisit:
    visit_id: str
    label: str
    forms: tuple[PrintedForm, ...]


@dataclass(frozen=True)
class PrintedCrf:
    study_title: str
    protocol_version: str
    participant_code: str = ""  # empty for the blank CRF
    visits: tuple[PrintedVisit, ...] = field(default_factory=tuple)


def _limits(item: ItemDefinition) -> str:
    if item.hard_limits is None:
        return ""
    low = "" if item.hard_limits.min is None else str(item.hard_limits.min)
    high = "" if item.hard_limits.max is None else str(item.hard_limits.max)
    return f"{low} – {high}"


def _units(item: ItemDefinition, protocol: Protocol) -> str:
    if item.type == "lab":
        test = next((t for t in protocol.lab_tests if t.code == item.lab_test), None)
        return ", ".join(test.unit_names) if test is not None else ""
    return item.unit or ""


def _item(item: ItemDefinition, path: str, label_prefix: str, protocol: Protocol, language: str,
          value: str = "") -> PrintedItem:  # fmt: skip
    return PrintedItem(
        path=path, label=label_prefix + item.label.in_language(language), type=item.type,
        unit=_units(item, protocol), codes=tuple((c.code, c.label.in_language(language)) for c in item.choices),
        required=item.required, limits=_limits(item), value=value,
    )  # fmt: skip


def _blank_form(
    form: FormDefinition, protocol: Protocol, language: str, visits: dict[str, str]
) -> PrintedForm:
    sections = []
    for section in form.sections:
        items = [_item(i, i.id, "", protocol, language) for i in section.items]
        for group in section.groups:
            prefix = f"{group.label.in_language(language)} · "
            items += [_item(i, f"{group.id}[n].{i.id}", prefix, protocol, language) for i in group.items]
        sections.append(PrintedSection(section.title.in_language(language), tuple(items)))
    return PrintedForm(
        form.id, form.version, form.title.in_language(language),
        tuple(visits.get(v, v) for v in form.visits), tuple(sections),
    )  # fmt: skip


def _latest_forms(protocol: Protocol) -> list[FormDefinition]:
    latest: dict[str, FormDefinition] = {}
    for form in protocol.forms:
        latest[form.id] = form
    return list(latest.values())


def _visit_labels(protocol: Protocol, language: str) -> dict[str, str]:
    visits = protocol.schedule.visits if protocol.schedule else []
    return {v.id: v.label.in_language(language) for v in visits}


def blank_crf(actor: Actor, study: Study, *, language: str = "en", clock: Clock = SYSTEM_CLOCK) -> PrintedCrf:
    """Every form of the governing protocol, grouped per visit, each item with its label, internal name,
    type, unit(s), choice codes, hard limits and whether it is required (VIEW_FORM_DATA at any site)."""
    if actor.site_ids(Action.VIEW_FORM_DATA) == set():
        raise PermissionDenied(f"{actor.username} may not view the case report forms")
    with use_case(actor, Action.VIEW_FORM_DATA, study=study, clock=clock, study_data=False) as uow:
        protocol = display_protocol(study)
        labels = _visit_labels(protocol, language)
        forms = [_blank_form(f, protocol, language, labels) for f in _latest_forms(protocol)]
        visits = tuple(
            PrintedVisit(visit_id, label, tuple(f for f, d in zip(forms, _latest_forms(protocol), strict=True)
                                                if visit_id in d.visits))
            for visit_id, label in labels.items()
        )  # fmt: skip
        uow.record("crf.print_blank", object_type="study", object_id=study.pk, after={"language": language})
    return PrintedCrf(study.title, protocol.version, visits=tuple(v for v in visits if v.forms))


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v) for v in value)
    if isinstance(value, dict):
        return " ".join(str(v) for k, v in value.items() if k in ("value", "unit") and v)
    return str(value)


def _value(view: FormView, path: str) -> str:
    if view.hidden_items and view.definition.identifies(path):
        return WITHHELD
    stored = view.items.get(path)
    if stored is None:
        return ""
    if stored.unit:
        flag = f" {stored.flag}" if stored.flag else ""
        return f"{_shown(stored.raw if isinstance(stored.raw, dict) else stored.value)}{flag}"
    return _shown(stored.value)


def _filled_form(view: FormView, protocol: Protocol, language: str, visit_label: str) -> PrintedForm:
    sections = []
    for section in view.definition.sections:
        items = [_item(i, i.id, "", protocol, language, _value(view, i.id)) for i in section.items]
        for group in section.groups:
            rows = sorted({p.split("]")[0] + "]" for p in view.items if p.startswith(group.id + "[")})
            for row in rows:
                prefix = f"{group.label.in_language(language)} {row[len(group.id) :]} · "
                items += [
                    _item(i, f"{row}.{i.id}", prefix, protocol, language, _value(view, f"{row}.{i.id}"))
                    for i in group.items
                ]
        sections.append(PrintedSection(section.title.in_language(language), tuple(items)))
    return PrintedForm(
        view.form_id, view.form_version, view.definition.title.in_language(language),
        (visit_label if view.occurrence == 1 else f"{visit_label} #{view.occurrence}",), tuple(sections),
        status=view.status,
    )  # fmt: skip


def filled_casebook(
    actor: Actor, participant: Participant, *, language: str = "en", clock: Clock = SYSTEM_CLOCK
) -> PrintedCrf:
    """The participant's saved forms per visit (schedule order) with their values as stored; identifying
    items are withheld from readers without VIEW_IDENTITY (VIEW_FORM_DATA at the participant's site)."""
    with use_case(
        actor, Action.VIEW_FORM_DATA, participant=participant, clock=clock, study_data=False, allow_withdrawn=True
    ) as uow:  # fmt: skip
        protocol = display_protocol(participant.study)
        labels = _visit_labels(protocol, language)
        order = {visit_id: n for n, visit_id in enumerate(labels)}
        records = sorted(
            FormRecord.objects.filter(participant=participant),
            key=lambda r: (order.get(r.visit_id, len(order)), r.visit_id, r.occurrence, r.form_id),
        )
        visits: dict[tuple[str, int], list[PrintedForm]] = {}
        for record in records:
            view = load_form(actor, participant, record.visit_id, record.occurrence, record.form_id)
            label = labels.get(record.visit_id, record.visit_id)
            visits.setdefault((record.visit_id, record.occurrence), []).append(
                _filled_form(view, protocol, language, label)
            )
        uow.record(
            "casebook.print", object_type="participant", object_id=participant.study_code,
            after={"forms": len(records), "language": language},
        )  # fmt: skip
    return PrintedCrf(
        participant.study.title, protocol.version, participant.study_code,
        tuple(PrintedVisit(v, forms[0].visit_labels[0], tuple(forms)) for (v, _n), forms in visits.items()),
    )  # fmt: skip


__all__ = ["WITHHELD", "PrintedCrf", "PrintedForm", "PrintedItem", "blank_crf", "filled_casebook"]
