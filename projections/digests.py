"""The hashes a seal and the views keep of a period's results, taken as the canonical bytes stream by."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import NamedTuple


class Hashes(NamedTuple):
    results: str
    subjects: dict[str, str]
    groups: dict[str, str]


def hashed(head: bytes, results: Iterable[tuple[str, str, bytes]]) -> Hashes:
    """SHA-256 of the period's canonical bytes (the heading, each subject result in order joined by commas,
    then `]}`), of each subject's result, and of each group's results joined by commas."""
    whole, subjects, groups, first = hashlib.sha256(head), {}, {}, True
    for subject, group, body in results:
        whole.update(body if first else b"," + body)
        subjects[subject] = hashlib.sha256(body).hexdigest()
        if group in groups:
            groups[group].update(b"," + body)
        else:
            groups[group] = hashlib.sha256(body)
        first = False
    whole.update(b"]}")
    return Hashes(whole.hexdigest(), subjects, {g: h.hexdigest() for g, h in groups.items()})
