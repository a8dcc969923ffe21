"""Deterministic aggregate ids: the same period, subject or key always maps to the same stream."""

from __future__ import annotations

from functools import lru_cache
from hashlib import sha1
from uuid import UUID, uuid5

NAMESPACE = UUID("6d1f7a5e-2c3b-5e4f-9a8b-0c1d2e3f4a5b")
STREAMS_KEPT = 16_384  # stream ids kept worked out (a recording names its period and streams again and again)
KEYS_KEPT = 4_096  # command ids kept: a group looks each key's id up three times (issue 12)


@lru_cache(maxsize=STREAMS_KEPT)
def period_id(period: str, bureau: str = "default") -> UUID:
    return uuid5(NAMESPACE, f"period:{bureau}:{period}")


@lru_cache(maxsize=STREAMS_KEPT)
def ledger_id(period: str, subject: str, bureau: str = "default") -> UUID:
    return uuid5(NAMESPACE, f"ledger:{bureau}:{period}:{subject}")


def ledger_name(period: str, subject: str, bureau: str = "default") -> str:
    """`str(ledger_id(...))` worked out without the UUID objects (RFC 4122 version 5: the SHA-1 of the
    namespace and the name, its version and variant bits set), for the fast replay's thousands of streams."""
    digest = bytearray(sha1(_NAMESPACE + f"ledger:{bureau}:{period}:{subject}".encode()).digest()[:16])  # noqa: S324
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_NAMESPACE = NAMESPACE.bytes


@lru_cache(maxsize=STREAMS_KEPT)
def joint_id(period: str, bureau: str = "default") -> UUID:
    return uuid5(NAMESPACE, f"joint:{bureau}:{period}")


def scheme_book_id(code: str) -> UUID:
    return uuid5(NAMESPACE, f"scheme:{code}")


@lru_cache(maxsize=KEYS_KEPT)
def command_id(key: str) -> UUID:
    return uuid5(NAMESPACE, f"command:{key}")


def appeal_id(appeal: str) -> UUID:
    return uuid5(NAMESPACE, f"appeal:{appeal}")
