"""Signed tree heads (checkpoints) of the audit log: what is signed, how, and the published JSON form.

Pure (no Django): the signed message is a fixed text over the tree size, root hash and timestamp, signed with
Ed25519. A published checkpoint carries the public key, so anyone holding it can check the signature and,
later, that the log they are shown still extends it (a consistency proof, `core.merkle`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

LOG_NAME = "trialdesk-audit-log"


def signed_message(tree_size: int, root_hash: str, timestamp_ms: int) -> bytes:
    return f"{LOG_NAME}\ntree_size {tree_size}\nroot {root_hash}\ntimestamp_ms {timestamp_ms}\n".encode()


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public_key(key)).hexdigest()


def public_key_from_hex(value: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(value))


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head as published: enough to verify it with nothing but this JSON."""

    tree_size: int
    root_hash: str
    timestamp_ms: int
    key_id: str
    signature: str
    public_key: str
    log: str = LOG_NAME

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        data: dict[str, Any] = json.loads(text)
        if data.get("log") != LOG_NAME:
            raise ValueError(f"not a trialdesk audit checkpoint (log is {data.get('log')!r})")
        return cls(
            tree_size=int(data["tree_size"]),
            root_hash=str(data["root_hash"]),
            timestamp_ms=int(data["timestamp_ms"]),
            key_id=str(data["key_id"]),
            signature=str(data["signature"]),
            public_key=str(data["public_key"]),
        )

    def signature_valid(self, key: Ed25519PublicKey) -> bool:
        return signature_valid(key, self.tree_size, self.root_hash, self.timestamp_ms, self.signature)


def sign(key: Ed25519PrivateKey, tree_size: int, root_hash: str, timestamp_ms: int) -> Checkpoint:
    public = key.public_key()
    signature = key.sign(signed_message(tree_size, root_hash, timestamp_ms)).hex()
    return Checkpoint(
        tree_size, root_hash, timestamp_ms, key_id(public), signature, raw_public_key(public).hex()
    )


def signature_valid(
    key: Ed25519PublicKey, tree_size: int, root_hash: str, timestamp_ms: int, signature: str
) -> bool:
    try:
        key.verify(bytes.fromhex(signature), signed_message(tree_size, root_hash, timestamp_ms))
    except (InvalidSignature, ValueError):
        return False
    return True
