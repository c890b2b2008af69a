"""The canonical text of a list and its SHA-256 commitment.

Canonical form (UTF-8, LF line endings, ends with a newline; documented in docs/randomization.md):

    # trialdesk randomization list v1
    # method: permuted_blocks
    # ratio: exosome=1;control=1
    # block_sizes: 4
    # stratification: none                 (or e.g. site;sex)
    # source: generated
    # strata: all                          (every stratum, ';'-separated, in list order)
    stratum,sequence,block,block_size,position_in_block,arm,code
    all,1,1,4,1,control,
    ...

One line per slot, ordered by stratum (in header order) then sequence; the CSV body follows RFC 4180
quoting (only a code containing ',' or '"' is ever quoted). The commitment is the lower-case hex SHA-256 of
these bytes: publish it before the first allocation, and anyone with the list can check it afterwards.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from typing import cast, get_args

from trialdesk.core.randomization.lists import ListDesign, ListSource, RandomizationList, Slot, build_list
from trialdesk.errors import IntegrityBroken

FORMAT_LINE = "# trialdesk randomization list v1"
COLUMNS = ("stratum", "sequence", "block", "block_size", "position_in_block", "arm", "code")


def canonical_form(randomization_list: RandomizationList) -> bytes:
    """The stable text of the list (see the module docstring), as UTF-8 bytes."""
    design = randomization_list.design
    header = [
        FORMAT_LINE,
        f"# method: {design.method}",
        "# ratio: " + ";".join(f"{arm}={share}" for arm, share in design.ratio),
        "# block_sizes: " + ";".join(str(size) for size in design.block_sizes),
        "# stratification: " + (";".join(design.stratification) or "none"),
        f"# source: {design.source}",
        "# strata: " + ";".join(randomization_list.strata),
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    order = {key: index for index, key in enumerate(randomization_list.strata)}
    for slot in sorted(randomization_list.slots, key=lambda s: (order[s.stratum], s.sequence)):
        writer.writerow(
            (
                slot.stratum,
                slot.sequence,
                slot.block,
                slot.block_size,
                slot.position_in_block,
                slot.arm,
                slot.code,
            )
        )
    return ("\n".join(header) + "\n" + out.getvalue()).encode("utf-8")


def commitment(randomization_list: RandomizationList) -> str:
    """SHA-256 (hex) of the canonical form."""
    return hashlib.sha256(canonical_form(randomization_list)).hexdigest()


def verify_commitment(randomization_list: RandomizationList, expected: str) -> bool:
    """Whether the list still matches the commitment published for it (constant-time comparison)."""
    return hmac.compare_digest(commitment(randomization_list), expected.strip().lower())


def parse_canonical_form(data: bytes) -> RandomizationList:
    """The list back from its canonical form; raises `IntegrityBroken` if the text is not one."""
    try:
        text = data.decode("utf-8")
        lines = text.split("\n")
        if lines[0] != FORMAT_LINE:
            raise ValueError("missing format line")
        fields = dict(_header_field(line) for line in lines[1:7])
        ratio = tuple(
            (arm, int(share)) for arm, share in (item.split("=", 1) for item in fields["ratio"].split(";"))
        )
        sizes = tuple(int(size) for size in fields["block_sizes"].split(";") if size)
        stratification = (
            () if fields["stratification"] == "none" else tuple(fields["stratification"].split(";"))
        )
        source = fields["source"]
        if source not in get_args(ListSource):
            raise ValueError(f"unknown source {source}")
        design = ListDesign(
            method=fields["method"],
            ratio=ratio,
            block_sizes=sizes,
            stratification=stratification,
            source=cast(ListSource, source),
        )
        strata = tuple(fields["strata"].split(";"))
        rows = list(csv.reader(io.StringIO("\n".join(lines[7:]))))
        if tuple(rows[0]) != COLUMNS:
            raise ValueError("unexpected columns")
        slots = [
            Slot(
                stratum=row[0],
                sequence=int(row[1]),
                block=int(row[2]),
                block_size=int(row[3]),
                position_in_block=int(row[4]),
                arm=row[5],
                code=row[6],
            )
            for row in rows[1:]
        ]
        result = build_list(design, strata, slots)
    except (ValueError, KeyError, IndexError, UnicodeDecodeError) as exc:
        raise IntegrityBroken(
            f"The stored randomization list is not in the canonical form ({exc})."
        ) from None
    if canonical_form(result) != data:
        raise IntegrityBroken(
            "The stored randomization list is not in the canonical form (it does not re-encode)."
        )
    return result


def _header_field(line: str) -> tuple[str, str]:
    if not line.startswith("# ") or ": " not in line:
        raise ValueError(f"bad header line {line!r}")
    name, value = line[2:].split(": ", 1)
    return name, value
