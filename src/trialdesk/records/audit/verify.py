"""`trialdesk audit verify`: check every entry, leaf, signed tree head and a published checkpoint; list EVERY break.

What is checked, in order:
1. each entry's content hash (entries of the old hash chain: the chain, in sequence order);
2. each leaf: indices 0..n-1 without a gap, its entry still there, its hash = the leaf of that entry now;
3. each signed tree head: its Ed25519 signature under the trusted key (the key file's, or the checkpoint's),
   and its root = the Merkle root of the first `tree_size` leaves (a mismatch is diagnosed as an inserted or
   a reordered leaf when removing or swapping one restores the signed root);
4. a published checkpoint: its signature, and that the log still extends it (an RFC 9162 consistency proof
   from the checkpoint to the newest tree head; fewer leaves than the checkpoint is a truncation).
An entry written (database clock) well before a tree head was signed but not covered by it was inserted later.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from trialdesk.core import checkpoint as cp
from trialdesk.core import merkle
from trialdesk.records.audit import GENESIS_HASH, chain_hash, content_hash, leaf_bytes
from trialdesk.records.audit.keys import public_key_from_file
from trialdesk.records.models import AuditEntry, AuditLeaf, AuditTreeHead

# A write transaction open longer than this while a seal ran is taken for a later insertion.
INSERTION_GRACE = timedelta(minutes=5)
_DIAGNOSE_LIMIT = 64  # leaves per batch searched for one inserted / two swapped leaves


@dataclass(frozen=True)
class Break:
    kind: str  # edited | deleted | inserted | reordered | truncated | rewritten
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind.upper()} {self.where}: {self.detail}"


@dataclass
class VerifyReport:
    entries: int = 0
    chained: int = 0
    sealed: int = 0
    tree_heads: int = 0
    breaks: list[Break] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks

    def add(self, kind: str, where: str, detail: str) -> None:
        self.breaks.append(Break(kind, where, detail))

    def __str__(self) -> str:
        lines = [
            f"audit log: {self.entries} entries ({self.chained} from the old hash chain), {self.sealed} sealed "
            f"under {self.tree_heads} signed tree heads, {self.entries - self.sealed} awaiting sealing"
        ]
        lines += [f"note: {n}" for n in self.notes]
        if self.ok:
            lines.append("audit log intact")
        else:
            lines.append(f"audit log BROKEN: {len(self.breaks)} break(s)")
            lines += [f"  - {b}" for b in self.breaks]
        return "\n".join(lines)


@dataclass
class _Entry:
    id: int
    entry_hash: str
    recorded_at_ms: int


def verify(published: cp.Checkpoint | None = None) -> VerifyReport:
    report = VerifyReport()
    entries = _check_entries(report)
    leaves = _check_leaves(report, entries)
    key = _trusted_key(report, published)
    heads = list(AuditTreeHead.objects.order_by("tree_size"))
    report.tree_heads = len(heads)
    _check_heads(report, heads, leaves, key)
    _check_insertions(report, entries, leaves, heads)
    if published is not None:
        _check_checkpoint(report, published, leaves, heads, key)
    return report


def _check_entries(report: VerifyReport) -> dict[int, _Entry]:
    entries: dict[int, _Entry] = {}
    chained: list[AuditEntry] = []
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        report.entries += 1
        entries[entry.pk] = _Entry(entry.pk, entry.entry_hash, int(entry.recorded_at.timestamp() * 1000))
        if entry.sequence is not None:
            chained.append(entry)
        elif content_hash(entry) != entry.entry_hash:
            report.add("edited", f"entry #{entry.pk}", "its content does not match its hash")
    report.chained = len(chained)
    _check_chain(report, sorted(chained, key=lambda e: e.sequence or 0))
    return entries


def _check_chain(report: VerifyReport, chained: list[AuditEntry]) -> None:
    """The old hash chain, kept for the entries written before the Merkle log: every break, not the first."""
    previous, expected = GENESIS_HASH, 1
    for entry in chained:
        sequence = entry.sequence or 0
        where = f"entry #{entry.pk} (chain sequence {sequence})"
        if sequence > expected:
            missing = f"{expected}" if sequence == expected + 1 else f"{expected}..{sequence - 1}"
            report.add("deleted", f"chain sequence {missing}", "missing from the old hash chain")
        if chain_hash(entry.previous_hash, entry) != entry.entry_hash:
            report.add("edited", where, "its content does not match its chain hash")
        elif entry.previous_hash != previous:
            report.add(
                "inserted", where, "does not follow the previous entry of the chain (inserted or moved)"
            )
        previous, expected = entry.entry_hash, sequence + 1


def _check_leaves(report: VerifyReport, entries: dict[int, _Entry]) -> list[AuditLeaf]:
    leaves = list(AuditLeaf.objects.order_by("index"))
    report.sealed = len(leaves)
    mismatched: list[AuditLeaf] = []
    expected = 0
    for leaf in leaves:
        if leaf.index > expected:
            gap = f"leaf {expected}" if leaf.index == expected + 1 else f"leaves {expected}..{leaf.index - 1}"
            report.add("deleted", gap, "missing from the sealed log")
        expected = leaf.index + 1
        entry = entries.get(leaf.entry_id)
        if entry is None:
            report.add(
                "deleted", f"entry #{leaf.entry_id}", f"sealed as leaf {leaf.index}, but its row is gone"
            )
        elif merkle.leaf_hash(leaf_bytes(entry.id, entry.entry_hash)).hex() != leaf.leaf_hash:
            mismatched.append(leaf)
    _name_mismatches(report, mismatched, entries)
    return leaves


def _name_mismatches(report: VerifyReport, mismatched: list[AuditLeaf], entries: dict[int, _Entry]) -> None:
    """Two sealed entries that swapped contents are a reordering; any other changed sealed entry, an edit."""
    named: set[int] = set()
    searchable = len(mismatched) <= _DIAGNOSE_LIMIT  # pairs are searched in a small set only

    def sealed_as(leaf: AuditLeaf, content_of: AuditLeaf) -> bool:
        return merkle.leaf_hash(leaf_bytes(leaf.entry_id, entries[content_of.entry_id].entry_hash)).hex() == (
            leaf.leaf_hash
        )

    for i, leaf in enumerate(mismatched):
        if leaf.index in named:
            continue
        for other in mismatched[i + 1 :] if searchable else []:
            if other.index not in named and sealed_as(leaf, other) and sealed_as(other, leaf):
                report.add(
                    "reordered",
                    f"entries #{leaf.entry_id} and #{other.entry_id}",
                    f"the contents sealed as leaves {leaf.index} and {other.index} were swapped",
                )
                named |= {leaf.index, other.index}
                break
        else:
            report.add(
                "edited", f"entry #{leaf.entry_id}", f"changed after it was sealed as leaf {leaf.index}"
            )
            named.add(leaf.index)


def _trusted_key(report: VerifyReport, published: cp.Checkpoint | None) -> Ed25519PublicKey | None:
    key = public_key_from_file()
    if key is None and published is not None:
        report.notes.append("no key file here: signatures are checked with the checkpoint's public key")
        return cp.public_key_from_hex(published.public_key)
    if key is None:
        report.notes.append(
            "no audit key file here: tree head signatures were not checked (give --checkpoint)"
        )
    return key


def _check_heads(
    report: VerifyReport, heads: list[AuditTreeHead], leaves: list[AuditLeaf], key: Ed25519PublicKey | None
) -> None:
    hashes = [bytes.fromhex(leaf.leaf_hash) for leaf in leaves]
    frontier, trusted = merkle.Frontier.empty(), True
    for head in heads:
        where = f"tree head of size {head.tree_size}"
        if key is not None and not cp.signature_valid(
            key, head.tree_size, head.root_hash, head.timestamp_ms, head.signature
        ):
            report.add("rewritten", where, "its signature does not verify (the head row was rewritten)")
        if head.tree_size > len(hashes):
            report.add(
                "truncated", where, f"it covers {head.tree_size} leaves but the log has only {len(hashes)}"
            )
            trusted = False
            continue
        if not trusted:
            continue
        start = frontier.size
        candidate = frontier.append(hashes[start : head.tree_size])
        if candidate.root().hex() != head.root_hash:
            fixed = _diagnose(report, frontier, hashes, head, leaves)
            if fixed is None:
                trusted = False
                continue
            hashes = fixed
            candidate = frontier.append(hashes[start : head.tree_size])
        frontier = candidate
    if heads and len(hashes) > heads[-1].tree_size:
        report.add(
            "deleted",
            f"leaves {heads[-1].tree_size}..{len(hashes) - 1}",
            "sealed, but the signed tree heads covering them are gone",
        )


def _diagnose(
    report: VerifyReport,
    frontier: merkle.Frontier,
    hashes: list[bytes],
    head: AuditTreeHead,
    leaves: list[AuditLeaf],
) -> list[bytes] | None:
    """Which change of this batch explains the wrong root? Returns the leaf list with it undone, if found."""
    start, size = frontier.size, head.tree_size
    where = f"tree head of size {size}"
    window = hashes[start : min(len(hashes), size + 1)]
    if len(window) <= _DIAGNOSE_LIMIT:
        for j in range(len(window)):
            trial = window[:j] + window[j + 1 :]
            if (
                len(trial) >= size - start
                and frontier.append(trial[: size - start]).root().hex() == head.root_hash
            ):
                entry_id = leaves[start + j].entry_id
                report.add(
                    "inserted", f"entry #{entry_id}", f"spliced into the sealed log as leaf {start + j}"
                )
                return hashes[: start + j] + hashes[start + j + 1 :]
        batch = hashes[start:size]
        for i in range(len(batch)):
            for j in range(i + 1, len(batch)):
                trial = list(batch)
                trial[i], trial[j] = trial[j], trial[i]
                if frontier.append(trial).root().hex() == head.root_hash:
                    report.add(
                        "reordered",
                        f"leaves {start + i} and {start + j}",
                        f"entries #{leaves[start + i].entry_id} and #{leaves[start + j].entry_id} swapped places",
                    )
                    return hashes[:start] + trial + hashes[size:]
    report.add(
        "rewritten",
        where,
        f"leaves {start}..{size - 1} no longer hash to the signed root (history rewritten)",
    )
    return None


def _check_insertions(
    report: VerifyReport, entries: dict[int, _Entry], leaves: list[AuditLeaf], heads: list[AuditTreeHead]
) -> None:
    """Entries written (database clock) before a head was signed, yet not covered by it, came later."""
    if not heads:
        return
    grace = int(INSERTION_GRACE.total_seconds() * 1000)
    sizes = [head.tree_size for head in heads]
    index_of = {leaf.entry_id: leaf.index for leaf in leaves}
    for entry in entries.values():
        index = index_of.get(entry.id)
        # Heads are signed in size order, so the newest head NOT covering the entry has the latest timestamp.
        uncovered = len(heads) if index is None else bisect_right(sizes, index)
        if uncovered and entry.recorded_at_ms < heads[uncovered - 1].timestamp_ms - grace:
            head = heads[uncovered - 1]
            report.add(
                "inserted",
                f"entry #{entry.id}",
                f"written before the tree head of size {head.tree_size} was signed, yet not sealed in it",
            )


def _check_checkpoint(
    report: VerifyReport,
    published: cp.Checkpoint,
    leaves: list[AuditLeaf],
    heads: list[AuditTreeHead],
    key: Ed25519PublicKey | None,
) -> None:
    where = f"published checkpoint of size {published.tree_size}"
    own = cp.public_key_from_hex(published.public_key)
    if not published.signature_valid(own):
        report.add("rewritten", where, "the checkpoint's own signature does not verify")
    if key is not None and cp.key_id(key) != cp.key_id(own):
        report.add("rewritten", where, "it was signed with another key than this log's key file")
    hashes = [bytes.fromhex(leaf.leaf_hash) for leaf in leaves]
    if len(hashes) < published.tree_size:
        report.add("truncated", where, f"the log has only {len(hashes)} sealed entries now")
        return
    newest = heads[-1] if heads else None
    new_size = newest.tree_size if newest and newest.tree_size <= len(hashes) else len(hashes)
    new_root = merkle.root(hashes[:new_size]).hex()
    proof = merkle.consistency_proof(published.tree_size, hashes[:new_size])
    if not merkle.verify_consistency(
        published.tree_size, new_size, bytes.fromhex(published.root_hash), bytes.fromhex(new_root), proof
    ):
        report.add(
            "rewritten",
            where,
            "the log no longer extends it: entries it covers were changed, removed or added",
        )
    else:
        report.notes.append(f"consistent with the {where} (RFC 9162 consistency proof to size {new_size})")
