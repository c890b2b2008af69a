"""The Merkle module against RFC 6962 / RFC 9162 behaviour: the Certificate Transparency reference vectors,
every consistency proof between every pair of sizes up to 20, and hypothesis properties."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialdesk.core.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# The reference inputs and tree heads of the Certificate Transparency test suite (RFC 6962 hashing).
INPUTS = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f"]]  # fmt: skip
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
LEAVES = [leaf_hash(x) for x in INPUTS]
# (leaf index, tree size, audit path) and (old size, new size, proof) from the same suite.
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip


def _hex(hashes: list[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


def test_hashes_are_domain_separated() -> None:
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert EMPTY_ROOT.hex() == ROOTS[0]


@pytest.mark.parametrize("size", range(0, 9))
def test_roots_match_the_reference_tree_heads(size: int) -> None:
    assert root(LEAVES[:size]).hex() == ROOTS[size]
    assert Frontier.empty().append(LEAVES[:size]).root().hex() == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_match_the_reference(index: int, size: int, path: list[str]) -> None:
    proof = inclusion_proof(index, LEAVES[:size])
    assert _hex(proof) == path
    assert verify_inclusion(index, size, LEAVES[index], proof, bytes.fromhex(ROOTS[size]))
    assert not verify_inclusion(index, size, LEAVES[index], proof, bytes.fromhex(ROOTS[size - 1]))
    assert not verify_inclusion(index, size, leaf_hash(b"forged"), proof, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_consistency_proofs_match_the_reference(old: int, new: int, path: list[str]) -> None:
    proof = consistency_proof(old, LEAVES[:new])
    assert _hex(proof) == path
    assert verify_consistency(old, new, bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new]), proof)


MANY = [leaf_hash(i.to_bytes(2, "big")) for i in range(21)]


def test_every_inclusion_proof_up_to_20_leaves() -> None:
    for size in range(1, 21):
        r = root(MANY[:size])
        for index in range(size):
            proof = inclusion_proof(index, MANY[:size])
            assert verify_inclusion(index, size, MANY[index], proof, r)
            assert not verify_inclusion(index, size, MANY[20], proof, r)
            if size > 1:
                assert not verify_inclusion((index + 1) % size, size, MANY[index], proof, r)


def test_consistency_between_every_pair_of_sizes_up_to_20() -> None:
    roots = [root(MANY[:n]) for n in range(21)]
    for new in range(0, 21):
        for old in range(0, new + 1):
            proof = consistency_proof(old, MANY[:new])
            assert verify_consistency(old, new, roots[old], roots[new], proof), (old, new)
            if 0 < old < new:
                # A rewritten old history or a wrong new root fails.
                forged_old = root([leaf_hash(b"edited")] + MANY[1:old])
                assert not verify_consistency(old, new, forged_old, roots[new], proof)
                assert not verify_consistency(old, new, roots[old], roots[new - 1], proof)


def test_frontier_grows_in_batches_to_the_same_root() -> None:
    frontier = Frontier.empty()
    for start, stop in [(0, 1), (1, 4), (4, 5), (5, 13), (13, 21)]:
        frontier = frontier.append(MANY[start:stop])
        assert frontier.size == stop and frontier.root() == root(MANY[:stop])
        assert len(frontier.hashes) == bin(stop).count("1")


def test_out_of_range_requests_are_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(3, MANY[:3])
    with pytest.raises(ValueError, match="outside"):
        consistency_proof(4, MANY[:3])
    assert not verify_inclusion(3, 3, MANY[0], [], root(MANY[:3]))
    assert not verify_consistency(4, 3, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(2, 3, root(MANY[:2]), root(MANY[:3]), [])


leaves_st = st.lists(st.binary(max_size=8), min_size=1, max_size=64).map(
    lambda xs: [leaf_hash(x) for x in xs]
)


@given(leaves_st, st.data())
def test_inclusion_round_trip(leaves: list[bytes], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(leaves) - 1))
    proof = inclusion_proof(index, leaves)
    assert verify_inclusion(index, len(leaves), leaves[index], proof, root(leaves))
    assert len(proof) <= max(1, len(leaves) - 1).bit_length()


@given(leaves_st, st.data())
def test_consistency_round_trip_and_tamper(leaves: list[bytes], data: st.DataObject) -> None:
    old = data.draw(st.integers(0, len(leaves)))
    proof = consistency_proof(old, leaves)
    assert verify_consistency(old, len(leaves), root(leaves[:old]), root(leaves), proof)
    if old > 0:
        changed = data.draw(st.integers(0, old - 1))
        rewritten = list(leaves)
        rewritten[changed] = leaf_hash(b"rewritten" + rewritten[changed])
        forged_proof = consistency_proof(old, rewritten)
        assert not verify_consistency(old, len(leaves), root(leaves[:old]), root(rewritten), forged_proof)


@given(leaves_st, st.lists(st.integers(0, 64), max_size=5))
def test_frontier_equals_the_recursive_root(leaves: list[bytes], cuts: list[int]) -> None:
    frontier = Frontier.empty()
    for cut in sorted({min(c, len(leaves)) for c in cuts} | {len(leaves)}):
        frontier = frontier.append(leaves[frontier.size : cut])
    assert frontier.root() == root(leaves)
