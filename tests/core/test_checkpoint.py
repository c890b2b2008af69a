"""Signed tree heads: Ed25519 over a fixed text; any changed field or another key fails."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from trialdesk.core.checkpoint import Checkpoint, public_key_from_hex, sign, signed_message


def test_a_signed_checkpoint_verifies_and_round_trips_through_json() -> None:
    key = Ed25519PrivateKey.generate()
    head = sign(key, 7, "ab" * 32, 1_700_000_000_000)
    assert head.signature_valid(key.public_key())
    assert head.signature_valid(public_key_from_hex(head.public_key))
    assert Checkpoint.from_json(head.to_json()) == head
    assert signed_message(7, "ab" * 32, 1_700_000_000_000).startswith(b"trialdesk-audit-log\ntree_size 7\n")


@pytest.mark.parametrize(
    "change", [{"tree_size": 6}, {"root_hash": "cd" * 32}, {"timestamp_ms": 1}, {"signature": "00" * 64}]
)
def test_any_changed_field_breaks_the_signature(change: dict) -> None:
    key = Ed25519PrivateKey.generate()
    head = sign(key, 7, "ab" * 32, 1_700_000_000_000)
    assert not dataclasses.replace(head, **change).signature_valid(key.public_key())


def test_another_key_or_garbage_does_not_verify() -> None:
    head = sign(Ed25519PrivateKey.generate(), 1, "ab" * 32, 5)
    assert not head.signature_valid(Ed25519PrivateKey.generate().public_key())
    assert not dataclasses.replace(head, signature="not hex").signature_valid(
        public_key_from_hex(head.public_key)
    )
    with pytest.raises(ValueError, match="not a trialdesk audit checkpoint"):
        Checkpoint.from_json('{"log": "something else"}')
