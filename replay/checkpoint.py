"""Signed checkpoints: a publication seal as a transparency-log checkpoint in a signed note.

The formats are C2SP's (https://c2sp.org/tlog-checkpoint, https://c2sp.org/signed-note), as Go's
sumdb, Rekor and Trillian use them: the body names the log (origin), the tree size and the RFC 6962
root hash, then extension lines (here: the period, its log position, the hash of its results, of
its scheme and of its own events); a signature line follows for each key that signed it:

    scoreledger/default
    203
    <base64 root>
    period 2026-Q1
    ...

    — <key name> <base64(key hash || Ed25519 signature)>

A verifier checks a signature only against public keys it holds itself (never one carried by the
note or a bundle), so a checkpoint proves who published what, and nobody without the bureau's
private key can make another one.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from domain.errors import ScoreledgerError

ED25519 = b"\x01"  # the signed-note algorithm byte of Ed25519
DASH = "\u2014"  # signature lines start with an em dash


class CheckpointInvalid(ScoreledgerError):
    """Raised when a checkpoint, signed note or public key cannot be read."""


@dataclass(frozen=True)
class Checkpoint:
    """A tree head of the log: origin, size, root, and extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "".join(f"{line}\n" for line in lines)

    def extension(self, name: str) -> str | None:
        """The value of the extension line `name value`, if present."""
        prefix = f"{name} "
        return next((line[len(prefix):] for line in self.extensions if line.startswith(prefix)), None)


@dataclass(frozen=True)
class PublicKey:
    """A signed-note verifier key: name, key hash and Ed25519 public key."""

    name: str
    raw: bytes

    @property
    def key_hash(self) -> bytes:
        return key_hash(self.name, self.raw)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the public key, hex: what the 公示 prints so a reader can compare keys."""
        return hashlib.sha256(self.raw).hexdigest()

    def verifier(self) -> str:
        """The key as one line: `name+hash+base64(0x01 || key)` (c2sp signed-note verifier keys)."""
        return f"{self.name}+{self.key_hash.hex()}+{base64.b64encode(ED25519 + self.raw).decode()}"

    def verifies(self, body: str, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, body.encode())
        except (InvalidSignature, ValueError):
            return False
        return True

    @staticmethod
    def parse(text: str) -> PublicKey:
        """A verifier key line (`name+hash+base64`)."""
        parts = text.strip().split("+", 2)  # the key data is base64, which may hold "+" itself
        if len(parts) != 3:
            raise CheckpointInvalid(f"not a verifier key (name+hash+key): {text.strip()[:80]!r}")
        name, hash_hex, encoded = parts
        try:
            data = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise CheckpointInvalid(f"verifier key {name!r}: the key is not base64") from None
        if len(data) != 33 or data[:1] != ED25519:
            raise CheckpointInvalid(f"verifier key {name!r}: not an Ed25519 key")
        key = PublicKey(name, data[1:])
        if key.key_hash.hex() != hash_hex.lower():
            raise CheckpointInvalid(f"verifier key {name!r}: its hash does not match its key")
        return key


def key_hash(name: str, raw: bytes) -> bytes:
    """The 4-byte key hash of c2sp signed-note: SHA-256(name || "\\n" || 0x01 || key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + raw).digest()[:4]


@dataclass(frozen=True)
class Signature:
    name: str
    key_hash: bytes
    signature: bytes

    def line(self) -> str:
        return f"{DASH} {self.name} {base64.b64encode(self.key_hash + self.signature).decode()}\n"


def signed_note(body: str, signatures: Iterable[Signature]) -> str:
    """A note: its body, a blank line, a signature line per key."""
    return body + "\n" + "".join(s.line() for s in signatures)


def parse_note(text: str) -> tuple[str, list[Signature]]:
    """The body and the signatures of a signed note."""
    split = text.rfind("\n\n")
    if split < 0 or not text.endswith("\n"):
        raise CheckpointInvalid("not a signed note: no blank line before the signatures")
    body, lines = text[: split + 1], text[split + 2 :].splitlines()
    signatures = []
    for line in lines:
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH:
            raise CheckpointInvalid(f"not a signature line: {line[:80]!r}")
        try:
            data = base64.b64decode(parts[2], validate=True)
        except ValueError:
            raise CheckpointInvalid(f"signature of {parts[1]!r} is not base64") from None
        if len(data) < 5:
            raise CheckpointInvalid(f"signature of {parts[1]!r} is too short")
        signatures.append(Signature(parts[1], data[:4], data[4:]))
    if not signatures:
        raise CheckpointInvalid("the note carries no signature")
    return body, signatures


def parse_checkpoint(body: str) -> Checkpoint:
    """The checkpoint a note body states."""
    lines = body.splitlines()
    if len(lines) < 3:
        raise CheckpointInvalid("a checkpoint has an origin, a size and a root")
    try:
        size, root = int(lines[1]), base64.b64decode(lines[2], validate=True)
    except ValueError:
        raise CheckpointInvalid("the checkpoint's size or root cannot be read") from None
    if size < 0 or len(root) != 32:
        raise CheckpointInvalid("the checkpoint's size or root is out of range")
    return Checkpoint(lines[0], size, root, tuple(lines[3:]))


def signed_by(text: str, keys: Sequence[PublicKey]) -> tuple[Checkpoint, list[PublicKey]]:
    """The checkpoint a signed note states, and which of the verifier's keys signed it validly."""
    body, signatures = parse_note(text)
    valid = [
        key
        for key in keys
        for s in signatures
        if s.name == key.name and s.key_hash == key.key_hash and key.verifies(body, s.signature)
    ]
    return parse_checkpoint(body), valid
