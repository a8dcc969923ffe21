"""The bureau's seal signing key: an Ed25519 private key in a file kept outside the log and its store.

`scoreledger keys create PATH` makes one (mode 0600) and prints its public verifier key, which the
bureau hands to auditors and prints on the 公示. The service signs each publication checkpoint with
it (replay/checkpoint.py); anyone holding the public key can check a seal, and whoever can edit the
database but not read this file cannot make a seal that verifies.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.errors import ScoreledgerError
from replay.checkpoint import PublicKey, Signature, key_hash, signed_note

NAME = re.compile(r"^[A-Za-z0-9._/-]{1,100}$")


class SigningKeyError(ScoreledgerError):
    """Raised when the signing key is missing, unreadable or not an Ed25519 key."""


class Signer:
    """Signs checkpoint bodies as signed notes under the key's name."""

    def __init__(self, private: Ed25519PrivateKey, name: str):
        self.private, self.name = private, name
        raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.public = PublicKey(name, raw)

    def sign(self, body: str) -> str:
        signature = Signature(self.name, key_hash(self.name, self.public.raw), self.private.sign(body.encode()))
        return signed_note(body, [signature])


def create_key(path: Path, name: str) -> Signer:
    """Write a new private key to `path` (refusing to overwrite one), readable by its owner only."""
    if not NAME.match(name):
        raise SigningKeyError(f"a key name is letters, digits and ._/- (no spaces or +): {name!r}")
    if path.exists():
        raise SigningKeyError(f"{path} exists: a signing key is never overwritten (move it away first)")
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(f"# scoreledger signing key {name}\n".encode() + pem)
    return Signer(private, name)


def load_key(path: Path) -> Signer:
    """The signer in a key file written by `create_key`."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"cannot read the signing key {path}: {exc.strerror}") from None
    first, _, pem = text.partition(b"\n")
    name = first.decode(errors="replace").removeprefix("# scoreledger signing key ").strip()
    try:
        private = serialization.load_pem_private_key(pem, password=None)
    except ValueError:
        raise SigningKeyError(f"{path} is not a PEM private key") from None
    if not isinstance(private, Ed25519PrivateKey) or not NAME.match(name):
        raise SigningKeyError(f"{path} is not a scoreledger Ed25519 signing key")
    return Signer(private, name)


def read_public_keys(values: list[str]) -> list[PublicKey]:
    """Verifier keys given on the command line: each a verifier line, or a file holding such lines."""
    keys = []
    for value in values:
        candidate = Path(value)
        lines = candidate.read_text(encoding="utf-8").splitlines() if "+" not in value and candidate.is_file() else [
            value
        ]
        keys += [PublicKey.parse(line) for line in lines if line.strip() and not line.startswith("#")]
    return keys


def retired_keys(settings: Any) -> list[PublicKey]:
    """The public keys of signing keys used before a rotation (`SCORELEDGER_RETIRED_KEYS`)."""
    return read_public_keys([v.strip() for v in settings.retired_keys.split(",") if v.strip()])
