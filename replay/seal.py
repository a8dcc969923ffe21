"""Publication seals: the log position, scheme hash, results hash and Merkle roots (RFC 6962), signed.

A leaf is one stored event row exactly as stored (position, stream, version, topic, payload
bytes), so editing, deleting, reordering or truncating rows changes the root. A seal also fixes
the root of the period's own events (its period stream, fact streams and scheme documents), so a
bundle carrying only those is complete, and a consistency proof from the seal before it (of any
period: the log is one tree), so an auditor holding that earlier checkpoint sees the log only grew.
The seal's checkpoint (replay/checkpoint.py) states all of it and carries the bureau's signature.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from projections.leaves import leaf
from projections.period_input import LogFold, key_of
from projections.records import NotificationSource, Record
from projections.scoring import result_hashes
from replay.asof import PeriodNotInLog, fold_log
from replay.checkpoint import Checkpoint
from replay.fast_seal import fast_seal
from replay.merkle import MerkleAccumulator, consistency_proof, leaf_hash

SEAL_VERSION = 2
#: A seal names a hash per subject up to this many subjects (verification then names the subjects
#: whose results changed), a hash per group beyond (it names the groups): 200,000 subject hashes
#: would make the Published event 16 MB, more than one event should carry (PostgreSQL's pipelined
#: insert of it stalled in the province benchmark).
SUBJECT_HASHES_MAX = 10_000
Sign = Callable[[str], str]  # checkpoint body -> signed note


def merkle_root_hex(records: Iterable[Record]) -> str:
    accumulator = MerkleAccumulator()
    for record in records:
        accumulator.add(leaf(record))
    return accumulator.root().hex()


def make_seal(
    source: NotificationSource,
    period: str,
    bureau: str = "default",
    position: int | None = None,
    sign: Sign | None = None,
    workers: int = 0,
) -> dict[str, Any]:
    """Seal a period's results as of a position (None: the log's current end), signed by `sign`.

    Made in one streaming pass by replay/fast_seal.py when the fast replay vouches for the period (the
    same seal, without holding the log); else from the whole log folded here."""
    upto = position if position is not None else (source.max_notification_id() or 0)
    seal = fast_seal(source, period, bureau, upto, workers or os.cpu_count() or 1)
    if seal is not None:
        if sign is not None:
            seal["checkpoint"] = sign(checkpoint_of(seal, bureau).body())
        return seal
    fold, records = fold_log(source, upto=upto)
    return seal_from(fold, records, period, bureau, upto, sign)


def seal_from(
    fold: LogFold, records: list[Record], period: str, bureau: str, upto: int, sign: Sign | None = None
) -> dict[str, Any]:
    key = key_of(bureau, period)
    if key not in fold.periods:
        raise PeriodNotInLog(f"period {period} is not in the log at position {upto}")
    folded = fold.periods[key]
    hashes = result_hashes(fold, folded)  # streamed: a province is never held whole
    located = (
        {"subject_hashes": hashes.subjects}
        if len(hashes.subjects) <= SUBJECT_HASHES_MAX
        else {"group_hashes": hashes.groups}
    )
    leaves = [leaf_hash(leaf(r)) for r in records]
    own = period_records(fold, records, key)
    seal = {
        "seal_version": SEAL_VERSION,
        "period": period,
        "position": upto,
        "event_count": len(records),
        "scheme_hash": folded.scheme_hash,
        "results_hash": hashes.results,
        **located,
        "merkle_root": _root(leaves).hex(),
        "period_events": len(own),
        "period_root": merkle_root_hex(own),
        **consistency_from(fold, leaves),
    }
    if sign is not None:
        seal["checkpoint"] = sign(checkpoint_of(seal, bureau).body())
    return seal


def checkpoint_of(seal: dict[str, Any], bureau: str) -> Checkpoint:
    """What a seal's signed checkpoint states."""
    return Checkpoint(
        origin=f"scoreledger/{bureau}",
        size=int(seal["event_count"]),
        root=bytes.fromhex(seal["merkle_root"]),
        extensions=(
            f"period {seal['period']}",
            f"position {seal['position']}",
            f"results {seal['results_hash']}",
            f"scheme {seal['scheme_hash']}",
            f"events {seal['period_events']} {seal['period_root']}",
        ),
    )


def period_records(fold: LogFold, records: Sequence[Record], key: str) -> list[Record]:
    """The events a period's results come from: its period stream, its fact streams, and the scheme
    versions bound to it (what a bundle carries in full), in log order."""
    bound = {h for _, _, h in fold.periods[key].bindings}
    return [
        r
        for r in records
        if fold.streams.get(r.stream) == key
        or (r.topic == "scoreledger:SchemeBook.VersionRegistered" and r.state.get("content_hash") in bound)
    ]


def consistency_from(fold: LogFold, leaves: Sequence[bytes]) -> dict[str, Any]:
    """The RFC 6962 consistency proof from the latest earlier seal in the log (any period) to this tree."""
    earlier = [s for p in fold.periods.values() for s in p.seals if isinstance(s.get("event_count"), int)]
    if not earlier:
        return {}
    last = max(earlier, key=lambda s: s["published_at"])
    size = last["event_count"]
    if not 0 < size <= len(leaves):
        return {}
    proof = consistency_proof(leaves, size, hashed=True)
    return {"consistency": {"from_size": size, "from_root": last["merkle_root"],
                            "proof": [base64.b64encode(p).decode() for p in proof]}}


def _root(leaf_hashes: Sequence[bytes]) -> bytes:
    accumulator = MerkleAccumulator()
    for digest in leaf_hashes:
        accumulator.add_leaf_hash(digest)
    return accumulator.root()
