"""Importing Sealed Envelope block lists and REDCap allocation tables; every bad row is named."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from trialdesk.core.randomization import (
    ImportMapping,
    RandomizationList,
    commitment,
    import_redcap,
    import_sealed_envelope,
    next_slot,
    partition_into_blocks,
)
from trialdesk.errors import Problem, ValidationFailed
from trialdesk.protocol.randomization import RandomizationDesign

FIXTURES = Path(__file__).parent / "fixtures" / "randomization"
SEX = {"id": "sex", "label": {"en": "Sex"}, "levels": ["female", "male"]}

SEED_DESIGN = RandomizationDesign.model_validate(
    {"ratio": {"exosome": 1, "control": 1}, "block_sizes": [4], "slots_per_stratum": 20}
)
STRATIFIED_DESIGN = RandomizationDesign.model_validate(
    {
        "ratio": {"exosome": 1, "control": 1},
        "block_sizes": [2, 4],
        "slots_per_stratum": 6,
        "strata": [SEX],
        "stratify_by_site": True,
    }
)
SE_MAPPING = ImportMapping(
    treatments={"Exosome": "exosome", "Control": "control"},
    levels={"sex": {"Female": "female", "Male": "male"}},
)
REDCAP_MAPPING = ImportMapping(
    treatments={"1": "exosome", "2": "control"},
    levels={"sex": {"1": "male", "2": "female"}, "site": {"1330": "KUMS", "1331": "TUMS"}},
)
SITES = ["KUMS", "TUMS"]


def _text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _edit(text: str, row: int, column: str, value: str) -> str:
    """Set one cell (data row `row`, 1-based) of a CSV text."""
    records = list(csv.reader(io.StringIO(text)))
    records[row][records[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(records)
    return out.getvalue()


def _problems(call: Any, *args: Any, **kwargs: Any) -> list[Problem]:
    with pytest.raises(ValidationFailed) as caught:
        call(*args, **kwargs)
    assert "nothing was stored" in caught.value.message
    return list(caught.value.problems)


def _seed(text: str) -> RandomizationList:
    return import_sealed_envelope(text, design=SEED_DESIGN, mapping=SE_MAPPING)


def _wheres(problems: list[Problem]) -> list[str]:
    return [p.where for p in problems]


# Sealed Envelope: good files


def test_seed_sealed_envelope_list_imports_as_twenty_slots_in_five_balanced_blocks() -> None:
    result = _seed(_text("sealed_envelope_seed.csv"))
    assert result.design.source == "sealed_envelope"
    assert result.strata == ("all",)
    assert [s.sequence for s in result.slots] == list(range(1, 21))
    assert [s.code for s in result.slots][:2] == ["KS001", "KS002"]
    assert Counter(s.block for s in result.slots) == {b: 4 for b in range(1, 6)}
    assert Counter(s.arm for s in result.slots) == {"exosome": 10, "control": 10}
    assert next_slot(result, "all", set()).code == "KS001"


def test_sealed_envelope_file_as_bytes_with_bom_gives_the_same_list() -> None:
    text = _text("sealed_envelope_seed.csv")
    from_bytes = import_sealed_envelope(
        ("\ufeff" + text).encode("utf-8"), design=SEED_DESIGN, mapping=SE_MAPPING
    )
    assert commitment(from_bytes) == commitment(_seed(text))


def test_treatment_labels_equal_to_arm_ids_need_no_mapping() -> None:
    text = _text("sealed_envelope_seed.csv").replace("Exosome", "exosome").replace("Control", "control")
    assert len(import_sealed_envelope(text, design=SEED_DESIGN, mapping=ImportMapping()).slots) == 20


def test_stratified_sealed_envelope_list_with_dotted_headers_gives_one_sequence_per_stratum() -> None:
    result = import_sealed_envelope(
        _text("sealed_envelope_stratified.csv"),
        design=STRATIFIED_DESIGN,
        mapping=SE_MAPPING,
        site_codes=SITES,
    )
    assert result.strata == (
        "site=KUMS|sex=female",
        "site=KUMS|sex=male",
        "site=TUMS|sex=female",
        "site=TUMS|sex=male",
    )
    for stratum in result.strata:
        slots = result.slots_of(stratum)
        assert [s.sequence for s in slots] == list(range(1, len(slots) + 1))
        assert slots[0].block == 1
        assert len(slots) >= 6


def test_minimal_sealed_envelope_columns_are_enough() -> None:
    text = "Block,Block size,Treatment\n1,2,Exosome\n1,2,Control\n" + "".join(
        f"{b},4,Exosome\n{b},4,Control\n{b},4,Control\n{b},4,Exosome\n" for b in range(2, 7)
    )
    result = _seed_with_sizes(text, [2, 4])
    assert len(result.slots) == 22 and result.slots[0].code == ""


def _seed_with_sizes(text: str, sizes: list[int]) -> RandomizationList:
    design = RandomizationDesign.model_validate(
        {"ratio": {"exosome": 1, "control": 1}, "block_sizes": sizes, "slots_per_stratum": 20}
    )
    return import_sealed_envelope(text, design=design, mapping=SE_MAPPING)


# Sealed Envelope: each bad case names its row and column


def test_empty_file_is_refused() -> None:
    assert _wheres(_problems(_seed, "")) == ["file"]
    assert _wheres(_problems(_seed, "\n\n")) == ["file"]


def test_header_without_rows_is_refused() -> None:
    problems = _problems(_seed, "Block Identifier,Block Size,Treatment\n")
    assert [p.rule for p in problems] == ["the file has a header but no data rows"]


def test_missing_treatment_column_is_named() -> None:
    text = "Block Identifier,Block Size\n1,4\n"
    assert _wheres(_problems(_seed, text)) == ["column Treatment"]


def test_unknown_treatment_is_named_with_its_row_and_column() -> None:
    text = _edit(_text("sealed_envelope_seed.csv"), 7, "Treatment", "Placebo")
    problems = _problems(_seed, text)
    assert problems[0].where == "row 7, column Treatment"
    assert "'Placebo' is not a treatment" in problems[0].rule


def test_duplicate_randomization_id_is_named_at_its_second_use() -> None:
    text = _edit(_text("sealed_envelope_seed.csv"), 5, "Randomization ID", "KS001")
    problems = _problems(_seed, text)
    assert [(p.where, p.rule) for p in problems] == [
        ("row 5, column Randomization ID", "'KS001' is used again (first in row 1)")
    ]


def test_unbalanced_complete_block_is_named_at_its_first_row() -> None:
    text = _text("sealed_envelope_seed.csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    second_block = [i for i, r in enumerate(rows, start=1) if r["Block Identifier"] == "2"]
    target = second_block[1]
    flipped = "Control" if rows[target - 1]["Treatment"] == "Exosome" else "Exosome"
    problems = _problems(_seed, _edit(text, target, "Treatment", flipped))
    assert _wheres(problems) == [f"row {second_block[0]}, column Treatment"]
    assert "not balanced at exosome:control = 1:1" in problems[0].rule


def test_block_size_outside_the_protocol_is_named() -> None:
    text = _edit(_text("sealed_envelope_seed.csv"), 9, "Block Size", "6")
    problems = _problems(_seed, text)
    assert problems[0].where == "row 9, column Block Size"
    assert "not one of the protocol's sizes (4)" in problems[0].rule


def test_non_numeric_block_size_is_named() -> None:
    text = _edit(_text("sealed_envelope_seed.csv"), 3, "Block Size", "four")
    assert _wheres(_problems(_seed, text))[0] == "row 3, column Block Size"


def test_duplicate_sequence_within_block_is_named() -> None:
    text = _edit(_text("sealed_envelope_seed.csv"), 2, "Sequence Within Block", "1")
    problems = _problems(_seed, text)
    assert [(p.where, p.rule) for p in problems] == [
        ("row 2, column Sequence Within Block", "sequence within block is 1, but this is row 2 of its block")
    ]


def test_block_split_by_another_block_is_named() -> None:
    text = _edit(_text("sealed_envelope_seed.csv"), 5, "Block Identifier", "1")
    text = _edit(text, 6, "Block Identifier", "1")
    text = _edit(text, 9, "Block Identifier", "1")
    problems = _problems(_seed, text)
    assert "row 9, column Block Identifier" in _wheres(problems)


def test_incomplete_block_that_is_not_the_last_is_named() -> None:
    lines = _text("sealed_envelope_seed.csv").splitlines()
    del lines[2]  # data row 2 of block 1
    problems = _problems(_seed, "\n".join(lines) + "\n")
    assert any(p.where == "row 1, column Treatment" and "not the last block" in p.rule for p in problems)


def test_list_shorter_than_the_protocol_is_refused() -> None:
    lines = _text("sealed_envelope_seed.csv").splitlines()[:17]
    problems = _problems(_seed, "\n".join(lines) + "\n")
    assert [(p.where, p.rule) for p in problems] == [
        ("stratum all", "has 16 allocations; the protocol needs at least 20 per stratum")
    ]


def test_row_with_missing_cells_is_named() -> None:
    lines = _text("sealed_envelope_seed.csv").splitlines()
    lines[4] = "KS004,1,4,4"
    problems = _problems(_seed, "\n".join(lines) + "\n")
    assert problems[0].where == "row 4"
    assert "has 4 cells but the header has 5 columns" in problems[0].rule


def test_unknown_stratum_level_is_named_with_its_row_and_column() -> None:
    text = _edit(_text("sealed_envelope_stratified.csv"), 3, "Sex", "Other")
    problems = _problems(
        import_sealed_envelope, text, design=STRATIFIED_DESIGN, mapping=SE_MAPPING, site_codes=SITES
    )
    assert problems[0].where == "row 3, column Sex"
    assert "'Other' is not a known sex" in problems[0].rule


def test_unknown_site_is_named() -> None:
    text = _edit(_text("sealed_envelope_stratified.csv"), 1, "Site", "SHIRAZ")
    problems = _problems(
        import_sealed_envelope, text, design=STRATIFIED_DESIGN, mapping=SE_MAPPING, site_codes=SITES
    )
    assert problems[0].where == "row 1, column Site"


def test_missing_stratum_column_and_unknown_column_are_named() -> None:
    records = list(csv.reader(io.StringIO(_text("sealed_envelope_stratified.csv"))))
    for record in records:
        record[-1] = "Notes" if record is records[0] else ""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(records)
    problems = _problems(
        import_sealed_envelope, out.getvalue(), design=STRATIFIED_DESIGN, mapping=SE_MAPPING, site_codes=SITES
    )
    assert _wheres(problems) == ["column Notes", "column sex"]


def test_ignored_columns_are_skipped() -> None:
    text = _text("sealed_envelope_seed.csv").replace("Treatment\r\n", "Treatment,Notes\r\n", 1)
    text = text.replace("\r\n", ",\r\n").replace("Notes,\r\n", "Notes\r\n", 1)
    mapping = ImportMapping(treatments=SE_MAPPING.treatments, ignored_columns=frozenset({"Notes"}))
    assert len(import_sealed_envelope(text, design=SEED_DESIGN, mapping=mapping).slots) == 20


def test_stratum_absent_from_the_file_is_refused() -> None:
    problems = _problems(
        import_sealed_envelope,
        _text("sealed_envelope_stratified.csv"),
        design=STRATIFIED_DESIGN,
        mapping=SE_MAPPING,
        site_codes=[*SITES, "SHIRAZ"],
    )
    assert _wheres(problems) == ["stratum site=SHIRAZ|sex=female", "stratum site=SHIRAZ|sex=male"]


def test_all_problems_are_reported_together() -> None:
    text = _edit(_text("sealed_envelope_seed.csv"), 2, "Treatment", "Placebo")
    text = _edit(text, 11, "Randomization ID", "KS001")
    wheres = _wheres(_problems(_seed, text))
    assert "row 2, column Treatment" in wheres and "row 11, column Randomization ID" in wheres


# REDCap


def _redcap(text: str, design: RandomizationDesign = STRATIFIED_DESIGN) -> RandomizationList:
    return import_redcap(text, design=design, mapping=REDCAP_MAPPING, site_codes=SITES)


def test_redcap_stratified_table_imports_one_sequence_per_stratum_with_inferred_blocks() -> None:
    result = _redcap(_text("redcap_stratified.csv"))
    assert result.design.source == "redcap"
    assert len(result.strata) == 4
    for stratum in result.strata:
        slots = result.slots_of(stratum)
        assert [s.sequence for s in slots] == list(range(1, len(slots) + 1))
        for block in {s.block for s in slots}:
            arms = [s.arm for s in slots if s.block == block]
            assert Counter(arms)["exosome"] == Counter(arms)["control"]
    assert result.slot("site=KUMS|sex=female", 1).code == "1001"


def test_redcap_unstratified_table_with_only_the_group_column_imports() -> None:
    result = _redcap(_text("redcap_seed.csv"), SEED_DESIGN)
    assert len(result.slots) == 20 and result.strata == ("all",)
    assert all(s.block_size == 4 for s in result.slots)


def test_redcap_table_without_the_group_column_is_refused() -> None:
    text = _text("redcap_seed.csv").replace("redcap_randomization_group", "randomize", 1)
    problems = _problems(_redcap, text, SEED_DESIGN)
    assert _wheres(problems) == ["column redcap_randomization_group", "column randomize"]


def test_redcap_unknown_group_code_is_named_with_its_row() -> None:
    text = _edit(_text("redcap_stratified.csv"), 4, "redcap_randomization_group", "3")
    problems = _problems(_redcap, text)
    assert problems[0].where == "row 4, column redcap_randomization_group"
    assert "'3' is not a treatment" in problems[0].rule


def test_redcap_unknown_data_access_group_is_named() -> None:
    text = _edit(_text("redcap_stratified.csv"), 2, "redcap_data_access_group", "9999")
    assert _problems(_redcap, text)[0].where == "row 2, column redcap_data_access_group"


def test_redcap_duplicate_randomization_number_is_named() -> None:
    text = _edit(_text("redcap_stratified.csv"), 6, "redcap_randomization_number", "1001")
    problems = _problems(_redcap, text)
    assert [(p.where, p.rule) for p in problems] == [
        ("row 6, column redcap_randomization_number", "'1001' is used again (first in row 1)")
    ]


def test_redcap_rows_that_cannot_form_balanced_blocks_are_named_where_the_fault_starts() -> None:
    text = _text("redcap_seed.csv")
    records = list(csv.reader(io.StringIO(text)))
    # rows 5-8 are block 2 of the seed list; make it three of one arm
    codes = [r[0] for r in records[5:9]]
    records[5:9] = [[c] for c in ([codes[0]] * 3 + [codes[3] if codes[3] != codes[0] else codes[1]])]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(records)
    problems = _problems(_redcap, out.getvalue(), SEED_DESIGN)
    assert [p.where for p in problems] == ["row 5, column redcap_randomization_group"]
    assert "do not form blocks of size 4 balanced at exosome:control = 1:1" in problems[0].rule


def test_redcap_empty_file_is_refused() -> None:
    assert _wheres(_problems(_redcap, "", SEED_DESIGN)) == ["file"]


def test_partition_prefers_small_blocks_and_allows_an_incomplete_last_block() -> None:
    ratio = (("a", 1), ("b", 1))
    assert partition_into_blocks(list("ABBA".lower()), ratio, [2, 4]) == [2, 2]
    assert partition_into_blocks(list("aabb"), ratio, [2, 4]) == [4]
    assert partition_into_blocks(list("abba" + "a"), ratio, [4]) == [4, 4]
    assert partition_into_blocks(list("abaa"), ratio, [4]) == 0
    assert partition_into_blocks(list("ab" + "aa" + "bb"), ratio, [2]) == 2


@pytest.mark.parametrize(
    "last_block",
    [
        ["KS021,6,3,1,Exosome"],  # an incomplete last block whose size is not a multiple of the ratio total
        ["KS021,6,3,1,Exosome", "KS022,6,3,2,Control", "KS023,6,3,3,Control"],  # complete, size 3 at 1:1
    ],
)
def test_last_block_whose_size_is_not_a_multiple_of_the_ratio_is_refused_naming_its_row(last_block) -> None:
    text = _text("sealed_envelope_seed.csv") + "\n".join(last_block) + "\n"
    problems = _problems(_seed, text)
    assert "row 21, column Treatment" in _wheres(problems)
    assert any("must be a multiple of 2" in p.rule for p in problems)
