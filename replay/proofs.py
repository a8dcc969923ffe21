"""Inclusion proofs: one event shown to be in a sealed log, without handing over the log.

The seal fixes the tree size (its event count) and the root; the proof is the RFC 6962
audit path of the event's leaf. An auditor takes size and root from the seal, never from
whoever offers the proof.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.errors import ScoreledgerError
from projections.leaves import leaf
from projections.records import Record
from replay.merkle import inclusion_proof, verify_inclusion


class EventNotSealed(ScoreledgerError):
    """Raised when an inclusion proof is asked for an event the seal does not cover."""


def prove_event(records: Sequence[Record], seal: dict[str, Any], position: int) -> dict[str, Any]:
    """The audit path of the event at a log position in the Merkle tree of a seal."""
    prefix = [r for r in records if r.position <= int(seal["position"])]
    index = next((i for i, r in enumerate(prefix) if r.position == position), None)
    if index is None:
        raise EventNotSealed(f"no event at position {position} is covered by the seal at {seal['position']}")
    return {"position": position, "index": index, "size": len(prefix), "leaf": leaf(prefix[index]).hex(),
            "path": [node.hex() for node in inclusion_proof([leaf(r) for r in prefix], index)],
            "root": seal["merkle_root"]}


def check_proof(proof: dict[str, Any], seal: dict[str, Any]) -> bool:
    """Whether a proof places its leaf in the sealed tree (size and root from the seal)."""
    return verify_inclusion(bytes.fromhex(proof["leaf"]), proof["index"], int(seal["event_count"]),
                            [bytes.fromhex(p) for p in proof["path"]], bytes.fromhex(seal["merkle_root"]))
