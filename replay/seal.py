"""Publication seals: the log position, scheme hash, results hash and a Merkle root (RFC 6962).

A leaf is one stored event row exactly as stored (position, stream, version, topic,
payload bytes), so editing, deleting, reordering or truncating rows changes the root.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from projections.leaves import leaf
from projections.period_input import LogFold, key_of
from projections.records import NotificationSource, Record
from projections.scoring import result_hashes
from replay.asof import PeriodNotInLog, fold_log
from replay.merkle import MerkleAccumulator

SEAL_VERSION = 1
#: A seal names a hash per subject up to this many subjects (verification then names the subjects
#: whose results changed), a hash per group beyond (it names the groups): 200,000 subject hashes
#: would make the Published event 16 MB, more than one event should carry (PostgreSQL's pipelined
#: insert of it stalled in the province benchmark).
SUBJECT_HASHES_MAX = 10_000


def merkle_root_hex(records: Iterable[Record]) -> str:
    accumulator = MerkleAccumulator()
    for record in records:
        accumulator.add(leaf(record))
    return accumulator.root().hex()


def make_seal(
    source: NotificationSource, period: str, bureau: str = "default", position: int | None = None
) -> dict[str, Any]:
    """Seal a period's results as of a position (None: the log's current end)."""
    upto = position if position is not None else (source.max_notification_id() or 0)
    fold, records = fold_log(source, upto=upto)
    return seal_from(fold, records, period, bureau, upto)


def seal_from(fold: LogFold, records: list[Record], period: str, bureau: str, upto: int) -> dict[str, Any]:
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
    return {
        "seal_version": SEAL_VERSION,
        "period": period,
        "position": upto,
        "event_count": len(records),
        "scheme_hash": folded.scheme_hash,
        "results_hash": hashes.results,
        **located,
        "merkle_root": merkle_root_hex(records),
    }
