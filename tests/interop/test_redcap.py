"""REDCap data dictionary: export (18 columns), import (every problem by row and column), the round trip."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml

from tests.interop.synthetic import seed_protocol
from trialdesk.cli import main
from trialdesk.errors import ValidationFailed
from trialdesk.interop.redcap import (
    COLUMNS,
    HEADERS,
    import_redcap_dictionary,
    redcap_dictionary,
    write_redcap_dictionary,
)
from trialdesk.interop.redcap.logic import canonical
from trialdesk.protocol.forms import ItemDefinition
from trialdesk.protocol.loading import load_protocol, parse_protocol

COMPARED = (
    "label",
    "type",
    "required",
    "help",
    "unit",
    "decimals",
    "max_length",
    "hard_limits",
    "choices",
    "identifying",
    "show_if",
    "expression",
)


def _dictionary(*rows: dict[str, str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([row.get(column, "") for column in COLUMNS])
    return buffer.getvalue().encode("utf-8")


def _field(name: str, kind: str = "text", form: str = "visit", **cells: str) -> dict[str, str]:
    return {"field_name": name, "form_name": form, "field_type": kind, "field_label": name.title(), **cells}


def _comparable(item: ItemDefinition, attribute: str) -> object:
    value = getattr(item, attribute)
    if attribute == "label":
        return value.en
    if attribute == "help":
        return value.en if value else None
    if attribute == "choices":
        return [(choice.code, choice.label.en) for choice in value]
    if attribute in ("show_if", "expression") and value:
        return canonical(value)
    return value


def test_the_dictionary_has_reDCaps_eighteen_columns_and_one_row_per_item() -> None:
    protocol = seed_protocol()
    text = b"".join(write_redcap_dictionary(protocol)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == HEADERS and len(HEADERS) == 18
    forms = {form.id: form for form in protocol.forms}
    assert len(rows) - 1 == sum(len(list(form.all_items())) for form in forms.values())
    assert all(len(row) == 18 for row in rows)


def test_round_trip_gives_the_same_definitions_for_everything_redcap_can_express() -> None:
    protocol = seed_protocol()
    _, lost = redcap_dictionary(protocol)
    noted = {(entry.variable, entry.attribute) for entry in lost}
    data = b"".join(write_redcap_dictionary(protocol))
    imported = parse_protocol(import_redcap_dictionary(data, study_id="round-trip"))
    back = {item.id: item for form in imported.forms for item in form.all_items()}
    compared = 0
    for form in protocol.forms:
        assert [f.id for f in imported.forms].count(form.id) == 1
        for item in form.all_items():
            for attribute in COMPARED:
                if (item.id, attribute) in noted:
                    continue
                compared += 1
                assert _comparable(back[item.id], attribute) == _comparable(item, attribute), (
                    item.id,
                    attribute,
                )
    assert compared > 500


def test_what_could_not_be_translated_is_listed_by_variable() -> None:
    _, lost = redcap_dictionary(seed_protocol())
    by_attribute = {(entry.variable, entry.attribute) for entry in lost}
    assert ("modified_sri4_response", "expression") in by_attribute  # visit() has no REDCap equivalent
    assert ("ana_titre", "choices") in by_attribute  # '1:40' is not a REDCap code
    assert ("glucose", "fasting_item") in by_attribute


def test_bad_dictionary_is_refused_with_every_problem_named_by_row_and_column() -> None:
    data = _dictionary(
        _field("age", "text", text_validation_type_or_show_slider_number="integer"),
        _field("photo", "file"),
        _field("age", "text"),
        _field("mood", "wheel"),
        _field("score", "text", branching_logic="[age] > 3 and ("),
        _field("colour", "radio", select_choices_or_calculations="1, Red | 1, Blue"),
        _field("later", "text", branching_logic="[colour] = '1' or [nowhere] = '2'"),
    )
    with pytest.raises(ValidationFailed) as caught:
        import_redcap_dictionary(data, study_id="bad")
    wheres = {problem.where for problem in caught.value.problems}
    assert {
        "row 3, column field_type",
        "row 4, column field_name",
        "row 5, column field_type",
        "row 6, column branching_logic",
        "row 7, column select_choices_or_calculations",
        "row 8, column branching_logic",
    } <= wheres
    assert any("duplicate variable name 'age' (first on row 2)" in p.rule for p in caught.value.problems)


def test_branching_logic_on_a_later_field_is_refused() -> None:
    data = _dictionary(_field("first", "text", branching_logic="[second] = ''"), _field("second", "yesno"))
    with pytest.raises(ValidationFailed) as caught:
        import_redcap_dictionary(data, study_id="order")
    assert caught.value.problems[0].where == "row 2, column branching_logic"
    assert "not an earlier field" in caught.value.problems[0].rule


def test_a_file_that_is_not_utf8_is_refused() -> None:
    data = _dictionary(_field("name_note", "text", field_label="Größe")).decode("utf-8").encode("latin-1")
    with pytest.raises(ValidationFailed) as caught:
        import_redcap_dictionary(data, study_id="latin")
    assert caught.value.problems[0].where == "file"
    assert "UTF-8" in caught.value.problems[0].rule


def test_redcap_logic_becomes_our_expressions() -> None:
    data = _dictionary(
        _field("smoker", "yesno"),
        _field("drugs", "checkbox", select_choices_or_calculations="1, Aspirin | 2, Heparin"),
        _field(
            "packs",
            "text",
            text_validation_type_or_show_slider_number="number",
            branching_logic="[smoker] = '1' and [drugs(2)] = '1'",
        ),
        _field("double", "calc", select_choices_or_calculations="round([packs] * 2, 1)"),
    )
    items = {
        i.id: i
        for f in parse_protocol(import_redcap_dictionary(data, study_id="x")).forms
        for i in f.all_items()
    }
    assert canonical(items["packs"].show_if or "") == canonical("smoker == true and '2' in drugs")
    assert canonical(items["double"].expression or "") == canonical("round(packs * 2, 1)")


def test_cli_imports_a_dictionary_into_a_draft_that_protocol_check_accepts(tmp_path: Path) -> None:
    dictionary = tmp_path / "my_forms.csv"
    dictionary.write_bytes(b"".join(write_redcap_dictionary(seed_protocol())))
    out = tmp_path / "draft.yaml"
    assert main(["protocol", "import", str(dictionary), "--format", "redcap", "-o", str(out)]) == 0
    assert main(["protocol", "check", str(out)]) == 0
    assert load_protocol(out).status == "draft"
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["id"] == "my-forms"


def test_cli_refuses_a_bad_dictionary_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dictionary = tmp_path / "bad.csv"
    dictionary.write_bytes(_dictionary(_field("a", "wheel")))
    out = tmp_path / "draft.yaml"
    assert main(["protocol", "import", str(dictionary), "--format", "redcap", "-o", str(out)]) != 0
    assert not out.exists()
    assert "row 2, column field_type" in capsys.readouterr().err
