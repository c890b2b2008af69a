"""Import a REDCap randomization allocation table (CSV, the file uploaded in Randomization Setup step 3).

Columns (exact names, as REDCap expects them):

    required  redcap_randomization_group   the arm's coded value (open allocation)
    optional  redcap_randomization_number  a randomization number (kept as the slot's code)
    optional  redcap_data_access_group     the numeric DAG id, when randomizing by group/site
    one column per stratification field (its REDCap variable name), with coded values

One row per allocation slot; REDCap gives each record the next unused row matching its stratum, in file
order. The table carries no block markers: the rows of each stratum are split into consecutive blocks of
the protocol's sizes, each balanced at the ratio (the last may be incomplete), and the file is refused if
no such split exists. Block numbers in the resulting list are therefore inferred.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from trialdesk.core.randomization.blocks import partition_into_blocks
from trialdesk.core.randomization.imports import (
    ImportedRow,
    ImportMapping,
    ProblemLog,
    assemble,
    check_codes_unique,
    check_length,
    expected_strata,
    map_arm,
    read_table,
    row_stratum,
    stratum_columns,
)
from trialdesk.core.randomization.lists import RandomizationList, Slot
from trialdesk.protocol.randomization import RandomizationDesign

GROUP = "redcap_randomization_group"
NUMBER = "redcap_randomization_number"
DAG = "redcap_data_access_group"


def import_redcap(
    data: str | bytes,
    *,
    design: RandomizationDesign,
    mapping: ImportMapping,
    site_codes: Sequence[str] = (),
) -> RandomizationList:
    """The list in a REDCap allocation table, checked against the design; raises `ValidationFailed`."""
    log = ProblemLog("REDCap allocation table")
    header, table = read_table(data, log)
    if not header:
        log.raise_if_any()
    if GROUP not in header:
        log.add(f"column {GROUP}", "missing: a REDCap allocation table (open allocation) needs this column")
    others = [column for column in header if column not in (GROUP, NUMBER)]
    strata_by_column = stratum_columns(design, mapping, others, log, site_aliases=(DAG,))
    strata = expected_strata(design, site_codes, log)
    missing_factor = len(strata_by_column) < len(design.stratification_factor_ids)
    if GROUP not in header or missing_factor or not table:
        log.raise_if_any()

    rows = _rows(header, table, design, mapping, strata_by_column, site_codes, log)
    if NUMBER in header:
        check_codes_unique(rows, NUMBER, log)
    slots: list[Slot] = []
    for stratum in strata:
        slots.extend(_stratum_slots(design, stratum, [r for r in rows if r.stratum == stratum], log))
    log.raise_if_any()
    return assemble(design, "redcap", strata, slots)


def _rows(
    header: Sequence[str],
    table: Sequence[tuple[int, list[str]]],
    design: RandomizationDesign,
    mapping: ImportMapping,
    strata_by_column: Mapping[str, str],
    site_codes: Sequence[str],
    log: ProblemLog,
) -> list[ImportedRow]:
    """The rows with a known stratum and arm, in file order; every unknown level or arm is logged."""
    rows: list[ImportedRow] = []
    for row_number, cells in table:
        if len(cells) != len(header):
            continue  # already reported
        values = dict(zip(header, cells, strict=True))
        stratum = row_stratum(design, mapping, strata_by_column, values, site_codes, row_number, log)
        label = values[GROUP]
        arm = map_arm(label, design, mapping)
        if arm is None:
            log.at(
                row_number,
                GROUP,
                f"'{label}' is not a treatment of this protocol (arms: {', '.join(design.ratio)}; "
                "map the coded values to arms in the import mapping)",
            )
        if stratum is None or arm is None:
            continue
        rows.append(ImportedRow(row_number, stratum, arm, values.get(NUMBER, "")))
    return rows


def _stratum_slots(
    design: RandomizationDesign, stratum: str, stratum_rows: Sequence[ImportedRow], log: ProblemLog
) -> list[Slot]:
    """The stratum's slots, its rows split into consecutive balanced blocks (the table has no block markers)."""
    if not stratum_rows:
        log.add(
            f"stratum {stratum}",
            "has no rows in the file: participants of this stratum could not be randomized",
        )
        return []
    ratio = tuple(design.ratio.items())
    split = partition_into_blocks([r.arm for r in stratum_rows], ratio, design.block_sizes)
    if isinstance(split, int):
        log.at(
            stratum_rows[split].row,
            GROUP,
            f"from this row the allocations of stratum {stratum} do not form blocks of size "
            f"{' or '.join(map(str, design.block_sizes))} balanced at {design.ratio_text}",
        )
        return []
    check_length(design, stratum, len(stratum_rows), len(split), log)
    slots: list[Slot] = []
    index = 0
    for number, size in enumerate(split, start=1):
        for position in range(1, size + 1):
            if index == len(stratum_rows):
                break
            item = stratum_rows[index]
            index += 1
            slots.append(Slot(stratum, index, number, size, position, item.arm, item.code))
    return slots
