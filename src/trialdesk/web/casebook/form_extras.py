"""Helpers of the form page beside the rendering walk: item labels for messages, and the SLEDAI-2K
"none of the below" blocks.

    item_labels(sections) -> {path: label}          every item, row item and group of the page, as labelled
    label_of(labels, where) -> str                  the label of a problem's path (`glucose.value` -> Glucose)
    descriptor_blocks(items) -> {first id: ids}      consecutive weighted yes/no descriptors of equal weight
    answer_none(raw, ids) -> raw                     the block's unanswered descriptors answered "no"
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from django.utils.translation import gettext as _

from trialdesk.errors import Problem
from trialdesk.protocol.forms import ItemDefinition
from trialdesk.web.casebook.rendering import Raw, SectionView


def item_labels(sections: Sequence[SectionView]) -> dict[str, str]:
    """Path -> the label the page shows (a row item as `Medications, row 2: Dose`)."""
    labels: dict[str, str] = {"reason": _("Reason for change"), "values": _("Answers")}
    for section in sections:
        for item in section.items:
            labels[item.path] = item.label
        for group in section.groups:
            labels[group.group.id] = group.label
            for row in group.rows:
                for item in row.items:
                    labels[item.path] = _("%(group)s, row %(row)s: %(item)s") % {
                        "group": group.label,
                        "row": row.number,
                        "item": item.label,
                    }
    return labels


def label_of(labels: Mapping[str, str], where: str) -> str:
    """The label of the item a problem is about: the longest labelled path `where` starts with."""
    path = where
    while path:
        if path in labels:
            return labels[path]
        if "." not in path:
            break
        path = path.rsplit(".", 1)[0]
    return labels.get(where.split("[", 1)[0], where)


def labelled(problems: Sequence[Problem], labels: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(item label, rule, item path) for each problem, in order: the label is read, the path marks the field."""
    return [(label_of(labels, p.where), p.rule, p.where) for p in problems]


def descriptor_blocks(items: Iterable[ItemDefinition]) -> dict[str, tuple[str, ...]]:
    """Runs of at least two consecutive yes/no descriptors with the same weight (SLEDAI-2K's weight-8,
    weight-4, ... blocks), keyed by the id of the first item of each run."""
    blocks: dict[str, tuple[str, ...]] = {}
    run: list[ItemDefinition] = []

    def close() -> None:
        if len(run) >= 2:
            blocks[run[0].id] = tuple(i.id for i in run)

    for item in items:
        descriptor = item.type == "yes_no" and item.weight is not None
        if descriptor and run and run[-1].weight == item.weight:
            run.append(item)
            continue
        close()
        run = [item] if descriptor else []
    close()
    return blocks


def answer_none(raw: Raw, ids: Sequence[str]) -> Raw:
    """ "None of the below": every unanswered descriptor of the block becomes "no" (an answer already given,
    "yes" or "not assessed", is never overwritten)."""
    changed = dict(raw)
    for item_id in ids:
        if changed.get(item_id) in (None, ""):
            changed[item_id] = "no"
    return changed
