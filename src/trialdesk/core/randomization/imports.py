"""What every list import shares: the mapping from file labels to protocol ids, reading the CSV, finding
each row's stratum, and checking the finished list (duplicates, balance, coverage, length).

Problems name the row (1-based data row: the first line after the header is row 1) and the column.
All problems are collected and raised together in one `ValidationFailed`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from trialdesk.core.randomization.blocks import fits_in_block, is_balanced
from trialdesk.core.randomization.lists import ListDesign, ListSource, RandomizationList, Slot, build_list
from trialdesk.core.randomization.strata import format_stratum_key, strata_keys
from trialdesk.core.spreadsheet import FORMULA_STARTS
from trialdesk.errors import Problem, ValidationFailed
from trialdesk.protocol.randomization import SITE_FACTOR, RandomizationDesign


@dataclass(frozen=True)
class ImportMapping:
    """How the file's labels map to the protocol's ids.

    `treatments`: label in the file -> arm id (a label equal to an arm id needs no entry).
    `columns`: column header -> stratification factor id ('site' for the site). A column whose header equals
    a factor id or its English label (ignoring case, spaces, '_' and '.') needs no entry.
    `levels`: factor id -> {value in the file -> level id (or site code)}. A value equal to the level id
    needs no entry.
    `ignored_columns`: headers to skip (e.g. a notes column).
    """

    treatments: Mapping[str, str] = field(default_factory=dict)
    columns: Mapping[str, str] = field(default_factory=dict)
    levels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    ignored_columns: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ImportedRow:
    """One data row, after mapping (before the list-wide checks)."""

    row: int
    stratum: str
    arm: str
    code: str = ""
    block_id: str | None = None
    block_size: int | None = None
    position_in_block: int | None = None


class ProblemLog:
    """Collects problems; `raise_if_any` raises them all at once."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.problems: list[Problem] = []

    def add(self, where: str, rule: str) -> None:
        self.problems.append(Problem(where, rule))

    def at(self, row: int, column: str | None, rule: str) -> None:
        self.add(f"row {row}, column {column}" if column else f"row {row}", rule)

    def raise_if_any(self) -> None:
        if self.problems:
            raise ValidationFailed(
                f"The {self.what} cannot be imported ({len(self.problems)} problem(s)); nothing was stored.",
                tuple(self.problems),
            )


def normalize_header(header: str) -> str:
    """'Block_Identifier ' / 'block.identifier' -> 'block identifier'; British spellings folded."""
    text = header.strip().lower().replace("_", " ").replace(".", " ").replace("-", " ")
    text = " ".join(text.split())
    return text.replace("randomisation", "randomization")


MAX_ROWS = 100_000  # far more than any trial's list; a larger file is refused before it is read whole
MAX_CELL = 1_000  # a randomization list cell is a code, an arm, a number or a stratum level


def read_table(data: str | bytes, log: ProblemLog) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and numbered data rows (blank lines skipped, numbering kept). Empty -> a problem.

    Binary, wrongly encoded and oversized files are refused with one clear problem, and reading stops early."""
    text = _as_text(data, log)
    if text is None:
        return [], []
    records = _records(text, log)
    if records is None:
        return [], []
    records_with_numbers = [
        (index, record) for index, record in enumerate(records) if any(c.strip() for c in record)
    ]
    if not records_with_numbers:
        log.add("file", "the file is empty")
        return [], []
    header_index, header = records_with_numbers[0]
    header = [cell.strip() for cell in header]
    rows = [(index - header_index, [c.strip() for c in record]) for index, record in records_with_numbers[1:]]
    if not rows:
        log.add("file", "the file has a header but no data rows")
    for row_number, cells in rows:
        if len(cells) != len(header):
            log.at(row_number, None, f"has {len(cells)} cells but the header has {len(header)} columns")
    return header, rows


def map_arm(label: str, design: RandomizationDesign, mapping: ImportMapping) -> str | None:
    arm = mapping.treatments.get(label, label)
    return arm if arm in design.ratio else None


def stratum_columns(
    design: RandomizationDesign,
    mapping: ImportMapping,
    candidates: Sequence[str],
    log: ProblemLog,
    *,
    site_aliases: Sequence[str] = (),
) -> dict[str, str]:
    """Header -> factor id for the stratification columns among `candidates`; other headers are problems."""
    by_name: dict[str, str] = {}
    for factor in design.strata:
        by_name[normalize_header(factor.id)] = factor.id
        by_name[normalize_header(factor.label.en)] = factor.id
    if design.stratify_by_site:
        for alias in (SITE_FACTOR, "centre", "center", *site_aliases):
            by_name[normalize_header(alias)] = SITE_FACTOR
    wanted = set(design.stratification_factor_ids)
    found: dict[str, str] = {}
    for header in candidates:
        if header in mapping.ignored_columns:
            continue
        factor_id = mapping.columns.get(header) or by_name.get(normalize_header(header))
        if factor_id is None or factor_id not in wanted:
            log.add(
                f"column {header}",
                "is not a column of this format nor a stratification factor of this protocol",
            )
        elif factor_id in found.values():
            log.add(f"column {header}", f"a second column for factor '{factor_id}'")
        else:
            found[header] = factor_id
    for factor_id in design.stratification_factor_ids:
        if factor_id not in found.values():
            log.add(f"column {factor_id}", f"missing: the list is stratified by '{factor_id}'")
    return found


def row_stratum(
    design: RandomizationDesign,
    mapping: ImportMapping,
    columns: Mapping[str, str],
    cells: Mapping[str, str],
    site_codes: Sequence[str],
    row: int,
    log: ProblemLog,
) -> str | None:
    """The stratum key of one row, or None (with a problem logged) when a level is unknown."""
    values: dict[str, str] = {}
    ok = True
    for header, factor_id in columns.items():
        raw = cells.get(header, "")
        value = mapping.levels.get(factor_id, {}).get(raw, raw)
        if factor_id == SITE_FACTOR:
            allowed: Sequence[str] = site_codes
        else:
            allowed = next(f.levels for f in design.strata if f.id == factor_id)
        if value not in allowed:
            log.at(row, header, f"'{raw}' is not a known {factor_id} ({', '.join(allowed)})")
            ok = False
        values[factor_id] = value
    if not ok:
        return None
    return format_stratum_key(
        [(factor_id, values[factor_id]) for factor_id in design.stratification_factor_ids]
    )


def expected_strata(
    design: RandomizationDesign, site_codes: Sequence[str], log: ProblemLog
) -> tuple[str, ...]:
    try:
        return strata_keys(design, site_codes)
    except ValidationFailed as exc:
        log.problems.extend(exc.problems)
        return ()


def _as_text(data: str | bytes, log: ProblemLog) -> str | None:
    if isinstance(data, bytes):
        if b"\x00" in data:
            log.add("file", "is not a text file (binary content)")
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            log.add("file", f"is not UTF-8 text (byte {error.start} cannot be read); save it as CSV UTF-8")
            return None
    if "\x00" in data:
        log.add("file", "is not a text file (binary content)")
        return None
    return data.removeprefix("\ufeff")


def _records(text: str, log: ProblemLog) -> list[list[str]] | None:
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text))
    try:
        for record in reader:
            if len(records) > MAX_ROWS:
                log.add("file", f"has more than {MAX_ROWS} rows; a randomization list is far shorter")
                return None
            if any(len(cell) > MAX_CELL for cell in record):
                log.at(reader.line_num, None, f"has a cell longer than {MAX_CELL} characters")
                return None
            records.append(record)
    except csv.Error as error:
        log.add("file", f"is not a readable CSV table near line {reader.line_num}: {error}")
        return None
    return records


def check_codes_unique(rows: Sequence[ImportedRow], column: str, log: ProblemLog) -> None:
    first_row: dict[str, int] = {}
    for item in rows:
        if not item.code:
            continue
        if item.code.startswith(FORMULA_STARTS):
            log.at(item.row, column, f"'{item.code[:20]}' starts like a spreadsheet formula; codes may not")
            continue
        if item.code in first_row:
            log.at(item.row, column, f"'{item.code}' is used again (first in row {first_row[item.code]})")
        else:
            first_row[item.code] = item.row


def check_length(design: RandomizationDesign, stratum: str, slots: int, blocks: int, log: ProblemLog) -> None:
    if design.slots_per_stratum is not None and slots < design.slots_per_stratum:
        log.add(
            f"stratum {stratum}",
            f"has {slots} allocations; the protocol needs at least {design.slots_per_stratum} per stratum",
        )
    if design.blocks_per_stratum is not None and blocks < design.blocks_per_stratum:
        log.add(
            f"stratum {stratum}",
            f"has {blocks} blocks; the protocol needs at least {design.blocks_per_stratum} per stratum",
        )


def check_block(
    design: RandomizationDesign,
    arms: Sequence[str],
    size: int,
    *,
    is_last: bool,
    first_row: int,
    stratum: str,
    column: str,
    log: ProblemLog,
) -> None:
    """A declared block: complete and balanced, or (only the last of its stratum) incomplete but fitting."""
    ratio = tuple(design.ratio.items())
    where_rule = f"block starting here (stratum {stratum}, size {size})"
    total = sum(n for _, n in ratio)
    if size < 1 or size % total:
        log.at(
            first_row,
            column,
            f"{where_rule}: a block's size must be a multiple of {total} ({design.ratio_text})",
        )
        return
    if len(arms) == size:
        if not is_balanced(arms, ratio):
            log.at(
                first_row, column, f"{where_rule} is not balanced at {design.ratio_text}: {', '.join(arms)}"
            )
    elif len(arms) > size:
        log.at(first_row, column, f"{where_rule} has {len(arms)} rows, more than its size")
    elif not is_last:
        log.at(
            first_row,
            column,
            f"{where_rule} has only {len(arms)} rows but is not the last block of its stratum",
        )
    elif not fits_in_block(arms, ratio, size):
        log.at(
            first_row, column, f"{where_rule} is incomplete and already beyond the ratio {design.ratio_text}"
        )


def assemble(
    design: RandomizationDesign,
    source: ListSource,
    strata: Sequence[str],
    slots: Sequence[Slot],
) -> RandomizationList:
    return build_list(ListDesign.of(design, source=source), strata, slots)
