"""Deterministic aggregate ids: the same period, subject or key always maps to the same stream."""

from __future__ import annotations

from uuid import UUID, uuid5

NAMESPACE = UUID("6d1f7a5e-2c3b-5e4f-9a8b-0c1d2e3f4a5b")


def period_id(period: str, bureau: str = "default") -> UUID:
    return uuid5(NAMESPACE, f"period:{bureau}:{period}")


def ledger_id(period: str, subject: str, bureau: str = "default") -> UUID:
    return uuid5(NAMESPACE, f"ledger:{bureau}:{period}:{subject}")


def joint_id(period: str, bureau: str = "default") -> UUID:
    return uuid5(NAMESPACE, f"joint:{bureau}:{period}")


def scheme_book_id(code: str) -> UUID:
    return uuid5(NAMESPACE, f"scheme:{code}")


def command_id(key: str) -> UUID:
    return uuid5(NAMESPACE, f"command:{key}")


def appeal_id(appeal: str) -> UUID:
    return uuid5(NAMESPACE, f"appeal:{appeal}")
