"""Import a Sealed Envelope block randomisation list (CSV).

Columns (headers are matched ignoring case, '_', '.', '-' and extra spaces; 'randomisation' = 'randomization'):

    required  Block Identifier   (also: Block, Block ID, Block Number)
    required  Block Size
    required  Treatment          (also: Treatment Group, Group, Arm)
    optional  Randomization ID   (also: Randomization Code, Code, Sequence, Sequence Number, ID)
    optional  Sequence Within Block (also: Position in Block)
    one column per stratification factor (and the site), when the design is stratified

Rows are in allocation order; within each stratum the n-th row is the stratum's n-th slot. Block identifiers
may be global or per stratum: blocks are renumbered 1, 2, ... within each stratum in order of appearance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from trialdesk.core.randomization.imports import (
    ImportedRow,
    ImportMapping,
    ProblemLog,
    assemble,
    check_block,
    check_codes_unique,
    check_length,
    expected_strata,
    map_arm,
    normalize_header,
    read_table,
    row_stratum,
    stratum_columns,
)
from trialdesk.core.randomization.lists import RandomizationList, Slot
from trialdesk.protocol.randomization import RandomizationDesign

ALIASES: dict[str, tuple[str, ...]] = {
    "block": ("block identifier", "block", "block id", "block number"),
    "block_size": ("block size",),
    "treatment": ("treatment", "treatment group", "group", "arm"),
    "code": (
        "randomization id",
        "randomization code",
        "randomization number",
        "code",
        "sequence",
        "sequence number",
        "id",
    ),
    "position": ("sequence within block", "position in block"),
}
REQUIRED = ("block", "block_size", "treatment")


def import_sealed_envelope(
    data: str | bytes,
    *,
    design: RandomizationDesign,
    mapping: ImportMapping,
    site_codes: Sequence[str] = (),
) -> RandomizationList:
    """The list in a Sealed Envelope CSV, checked against the design; raises `ValidationFailed` with every problem."""
    log = ProblemLog("Sealed Envelope list")
    header, table = read_table(data, log)
    if not header:
        log.raise_if_any()
    roles, others = _column_roles(header, log)
    strata_by_column = stratum_columns(design, mapping, others, log)
    strata = expected_strata(design, site_codes, log)
    missing_factor = len(strata_by_column) < len(design.stratification_factor_ids)
    if any(role not in roles for role in REQUIRED) or missing_factor or not table:
        log.raise_if_any()

    rows: list[ImportedRow] = []
    for row_number, cells in table:
        if len(cells) != len(header):
            continue  # already reported
        values = dict(zip(header, cells, strict=True))
        stratum = row_stratum(design, mapping, strata_by_column, values, site_codes, row_number, log)
        row = _row(design, mapping, roles, values, row_number, stratum, log)
        if row is not None:
            rows.append(row)

    if "code" in roles:
        check_codes_unique(rows, roles["code"], log)
    slots: list[Slot] = []
    for stratum in strata:
        slots.extend(_stratum_slots(design, stratum, [r for r in rows if r.stratum == stratum], roles, log))
    log.raise_if_any()
    return assemble(design, "sealed_envelope", strata, slots)


def _column_roles(header: Sequence[str], log: ProblemLog) -> tuple[dict[str, str], list[str]]:
    """Role -> header for the format's own columns (by alias), and the other headers; a missing required
    column is logged."""
    roles: dict[str, str] = {}
    others: list[str] = []
    for column in header:
        name = normalize_header(column)
        role = next((r for r, names in ALIASES.items() if name in names and r not in roles), None)
        if role is None:
            others.append(column)
        else:
            roles[role] = column
    for role in REQUIRED:
        if role not in roles:
            log.add(f"column {ALIASES[role][0].title()}", "missing: a Sealed Envelope list needs this column")
    return roles, others


def _row(
    design: RandomizationDesign,
    mapping: ImportMapping,
    roles: Mapping[str, str],
    values: Mapping[str, str],
    row_number: int,
    stratum: str | None,
    log: ProblemLog,
) -> ImportedRow | None:
    """One row's arm, block and position, each checked on its own; None when the row cannot become a slot."""
    label = values[roles["treatment"]]
    arm = map_arm(label, design, mapping)
    if arm is None:
        log.at(
            row_number,
            roles["treatment"],
            f"'{label}' is not a treatment of this protocol (arms: {', '.join(design.ratio)}; "
            "map file labels to arms in the import mapping)",
        )
    size = _integer(values[roles["block_size"]], row_number, roles["block_size"], log)
    if size is not None and size not in design.block_sizes:
        log.at(
            row_number,
            roles["block_size"],
            f"block size {size} is not one of the protocol's sizes ({', '.join(map(str, design.block_sizes))})",
        )
    block_id = values[roles["block"]]
    if not block_id:
        log.at(row_number, roles["block"], "the block identifier is empty")
    position = None
    if "position" in roles:
        position = _integer(values[roles["position"]], row_number, roles["position"], log)
    if stratum is None or arm is None or size is None:
        return None
    code = values[roles["code"]] if "code" in roles else ""
    return ImportedRow(row_number, stratum, arm, code, block_id, size, position)


def _stratum_slots(
    design: RandomizationDesign,
    stratum: str,
    rows: Sequence[ImportedRow],
    roles: dict[str, str],
    log: ProblemLog,
) -> list[Slot]:
    """The stratum's slots, block by block in file order; each block is checked against the design."""
    if not rows:
        log.add(
            f"stratum {stratum}",
            "has no rows in the file: participants of this stratum could not be randomized",
        )
        return []
    blocks = _blocks(stratum, rows, roles, log)
    check_length(design, stratum, len(rows), len(blocks), log)
    slots: list[Slot] = []
    sequence = 0
    for number, block in enumerate(blocks, start=1):
        size = block[0].block_size
        assert size is not None
        _check_block_rows(block, size, roles, log)
        check_block(
            design,
            [item.arm for item in block],
            size,
            is_last=number == len(blocks),
            first_row=block[0].row,
            stratum=stratum,
            column=roles["treatment"],
            log=log,
        )
        for position, item in enumerate(block, start=1):
            sequence += 1
            slots.append(Slot(stratum, sequence, number, size, position, item.arm, item.code))
    return slots


def _blocks(
    stratum: str, rows: Sequence[ImportedRow], roles: Mapping[str, str], log: ProblemLog
) -> list[list[ImportedRow]]:
    """The stratum's rows grouped into blocks: consecutive rows with the same block identifier. A block that
    resumes after another one started is logged (and counted as a new block)."""
    blocks: list[list[ImportedRow]] = []
    finished: dict[str, int] = {}
    for item in rows:
        if blocks and blocks[-1][0].block_id == item.block_id:
            blocks[-1].append(item)
            continue
        assert item.block_id is not None
        if item.block_id in finished:
            log.at(
                item.row,
                roles["block"],
                f"block '{item.block_id}' of stratum {stratum} continues after another block started "
                f"(it began in row {finished[item.block_id]})",
            )
        else:
            finished[item.block_id] = item.row
        blocks.append([item])
    return blocks


def _check_block_rows(
    block: Sequence[ImportedRow], size: int, roles: Mapping[str, str], log: ProblemLog
) -> None:
    """Every row of a block states the block's size and (when the file has the column) its own position."""
    for item in block[1:]:
        if item.block_size != size:
            log.at(
                item.row,
                roles["block_size"],
                f"block size {item.block_size} differs within the block ({size})",
            )
    for position, item in enumerate(block, start=1):
        if item.position_in_block is not None and item.position_in_block != position:
            log.at(
                item.row,
                roles["position"],
                f"sequence within block is {item.position_in_block}, but this is row {position} of its block",
            )


def _integer(raw: str, row: int, column: str, log: ProblemLog) -> int | None:
    try:
        value = int(raw)
    except ValueError:
        log.at(row, column, f"'{raw}' is not a whole number")
        return None
    if value <= 0:
        log.at(row, column, f"{value} is not a positive number")
        return None
    return value
