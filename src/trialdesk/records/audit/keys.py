"""The audit signing key: an Ed25519 private key in a file OUTSIDE the database (0600), never in a table.

Default path: `<data folder>/audit-signing-key.pem`; `TRIALDESK_AUDIT_KEY_FILE` moves it (e.g. to a secret
mount in production). Sealing creates it on first use; verify only ever reads its public half.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from trialdesk.errors import IntegrityBroken


def key_path() -> Path:
    return Path(settings.AUDIT_KEY_FILE)


def ensure_signing_key(path: Path | None = None) -> Path:
    """Create the key file (mode 0600, never overwritten) when it does not exist yet; return its path."""
    path = path or key_path()
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return path


def signing_key() -> Ed25519PrivateKey:
    path = ensure_signing_key()
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise IntegrityBroken(f"the audit signing key {path} is not an Ed25519 key")
    return key


def public_key_from_file() -> Ed25519PublicKey | None:
    """The trusted public key, read from the key file; None when there is no key file here."""
    path = key_path()
    if not path.exists():
        return None
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise IntegrityBroken(f"the audit signing key {path} is not an Ed25519 key")
    return key.public_key()
