"""The codebook: every exported item with its labels (English, Persian), type, unit, codes and form version, and
before each form's items its `<form>__version` variable of the wide files (codes: every version of the form the
protocol lists, oldest first)."""

from __future__ import annotations

from collections.abc import Iterator

from trialdesk.interop.catalogue import CatalogueItem, catalogue
from trialdesk.interop.csv_safety import csv_chunks
from trialdesk.interop.csv_wide import version_column
from trialdesk.protocol.forms import FormDefinition
from trialdesk.protocol.schema import Protocol

CODEBOOK_COLUMNS = (
    "variable",
    "form",
    "form_version",
    "group",
    "label_en",
    "label_fa",
    "type",
    "unit",
    "canonical_unit",
    "codes",
    "codes_fa",
    "required",
    "show_if",
    "expression",
    "lab_test",
    "cdisc_domain",
    "cdisc_test_code",
    "loinc",
    "in_wide_csv",
)


def _line(protocol: Protocol, entry: CatalogueItem) -> tuple[object, ...]:
    item = entry.item
    test = next((t for t in protocol.lab_tests if t.code == item.lab_test), None)
    units = " | ".join(test.unit_names) if test and test.units else item.unit
    return (
        item.id,
        entry.form.id,
        entry.form.version,
        entry.group,
        item.label.en,
        item.label.fa,
        item.type,
        units,
        test.canonical_unit if test else item.unit,
        " | ".join(f"{c.code}={c.label.en}" for c in item.choices),
        " | ".join(f"{c.code}={c.label.fa or c.label.en}" for c in item.choices),
        "yes" if item.required else "no",
        item.show_if,
        item.expression,
        item.lab_test,
        test.domain if test else None,
        test.test_code if test else None,
        " | ".join(code.code for code in test.loinc) if test else None,
        "no" if entry.group else "yes",
    )


def _version_line(protocol: Protocol, form: FormDefinition) -> tuple[object, ...]:
    versions = " | ".join(dict.fromkeys(f.version for f in protocol.forms if f.id == form.id))
    head = (version_column(form.id), form.id, form.version, None)
    labels = (f"{form.title.en}: form version", f"{form.title.fa or form.title.en}: نسخهٔ فرم")
    return (
        *head,
        *labels,
        "text",
        None,
        None,
        versions,
        versions,
        "no",
        None,
        None,
        None,
        None,
        None,
        None,
        "yes",
    )


def write_codebook(protocol: Protocol) -> Iterator[bytes]:
    """The codebook CSV (identifying items are not exported, so they are not described)."""

    def lines() -> Iterator[tuple[object, ...]]:
        yield CODEBOOK_COLUMNS
        described: set[str] = set()
        for entry in catalogue(protocol):
            if entry.group is None and entry.form.id not in described:
                described.add(entry.form.id)
                yield _version_line(protocol, entry.form)
            yield _line(protocol, entry)

    return csv_chunks(lines())


__all__ = ["CODEBOOK_COLUMNS", "write_codebook"]
