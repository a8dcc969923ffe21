"""A seal made in one streaming pass: the same seal as `seal_from`, without holding the log.

The results hashes come from the fast replay (projections/fast/); the Merkle roots (every row up to
the position, and the period's own rows) and the consistency proof from the seal before are
accumulated in a separate process while the results are scored, each leaf hashed once and dropped:
the proof's subtrees are known from the two tree sizes before any leaf is read (RFC 6962 §2.1.2).
Memory stays that of a run of groups, whatever the size of the log. When the fast replay cannot
vouch for the period, make_seal falls back to the reference (replay/seal.py).
"""

from __future__ import annotations

import base64
import multiprocessing
import threading
from typing import Any

from projections.fast.plan import PeriodPlan, Unsure
from projections.fast.reading import Reader
from projections.fast.replay import FastReplay, plan_replay
from projections.leaves import RowLeaves
from replay.merkle import MerkleBuilder, pieces
from replay.merkle import _split as split

REGISTERED = "scoreledger:SchemeBook.VersionRegistered"


def fast_seal(source: Any, period: str, bureau: str, upto: int, workers: int) -> dict[str, Any] | None:
    """The unsigned seal of `seal_from`, or None when the fast replay cannot vouch for the period.

    A process with other threads (a running service: its requests, the view keeper) is never forked,
    since a lock another thread holds would stay held in the child: it scores in one process and
    streams the trees in a spawned one."""
    threaded = threading.active_count() > 1
    try:
        replay = plan_replay(source, period, upto, bureau, 1 if threaded else workers)
    except Unsure:
        return None
    try:
        return _made(replay, period, upto, "spawn" if threaded else "fork")
    finally:
        replay.close()


def _made(replay: FastReplay, period: str, upto: int, start: str) -> dict[str, Any] | None:
    plan = replay.plan
    earlier = _earlier(plan)
    bound = {h for _, _, h in plan.period.bindings}
    own = {stream for stream, key in plan.fold.streams.items() if key == plan.key}
    job = (plan.reader.fresh(), upto, plan.reader.count(upto), earlier, bound, own)
    context = multiprocessing.get_context(start)
    receiving, sending = context.Pipe(duplex=False)
    worker = context.Process(target=_send_trees, args=(sending, job), daemon=True)
    worker.start()  # before the scoring workers: no thread of this process is running when it forks
    sending.close()
    try:
        hashes = replay.hashes()
        roots = receiving.recv()
    except Unsure:
        worker.kill()
        return None
    finally:
        worker.join()
        receiving.close()
    if isinstance(roots, BaseException):
        raise roots
    return _seal(plan, period, upto, hashes, roots)


def _send_trees(sending: Any, job: tuple[Any, ...]) -> None:
    try:
        sending.send(_trees(*job))
    except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
        sending.send(exc)
    finally:
        sending.close()
        job[0].close()


def _earlier(plan: PeriodPlan) -> dict[str, Any] | None:
    """The latest earlier seal in the log (any period), as consistency_from takes it."""
    seals = [s for p in plan.fold.periods.values() for s in p.seals if isinstance(s.get("event_count"), int)]
    return max(seals, key=lambda s: s["published_at"]) if seals else None


def _proof_spans(old: int, size: int) -> list[tuple[int, int]]:
    """The subtrees of PROOF(old, D[size]) (replay.merkle.consistency_proof) in the order it appends them."""
    spans: list[tuple[int, int]] = []
    low, high, known = 0, size, True
    while old != high:
        middle = low + split(high - low)
        if old <= middle:
            spans.append((middle, high))
            high = middle
        else:
            spans.append((low, middle))
            low, known = middle, False
    if not known:
        spans.append((low, high))
    return spans


def _trees(reader: Reader, upto: int, count: int, earlier: dict[str, Any] | None, bound: set[str],
           own: set[str]) -> dict[str, Any]:
    """Every row's leaf into the log's tree, the period's into its own, and the proof's subtrees.

    Each batch's leaf hashes are made in one call (projections.leaves.RowLeaves) and given to the trees a
    list at a time (replay.merkle.MerkleBuilder); the proof's subtrees are nodes of the log's tree, kept
    as it is built (no leaf hashed twice)."""
    import orjson

    old = earlier["event_count"] if earlier is not None else 0
    spans = _proof_spans(old, count) if earlier is not None and 0 < old < count else []
    whole = MerkleBuilder(piece for low, high in spans for piece in pieces(low, high - low))
    mine = MerkleBuilder()
    leaves = RowLeaves(reader.name)
    mine_of: dict[str, bool] = {}  # stored stream id -> the period's own stream
    for batch in reader.rows(upto):
        hashes = leaves.hashes(batch)
        whole.extend(hashes)
        ours = []
        for row, digest in zip(batch, hashes, strict=True):
            raw = row[1]
            flag = mine_of.get(raw)
            if flag is None:
                flag = mine_of[raw] = reader.name(raw) in own
            if flag or (row[3] == REGISTERED and orjson.loads(row[4]).get("content_hash") in bound):
                ours.append(digest)
        mine.extend(ours)
    root, index = whole.finish(), whole.size
    proof = [whole.root_of(low, high - low) for low, high in spans]
    proof.reverse()
    return {"root": root.hex(), "count": index, "period_root": mine.finish().hex(),
            "period_events": mine.size, "proof": proof}


def _seal(plan: PeriodPlan, period: str, upto: int, hashes: Any, roots: dict[str, Any]) -> dict[str, Any]:
    from replay.seal import SEAL_VERSION, SUBJECT_HASHES_MAX

    results, subjects, groups = hashes
    located = {"subject_hashes": subjects} if len(subjects) <= SUBJECT_HASHES_MAX else {"group_hashes": groups}
    seal: dict[str, Any] = {
        "seal_version": SEAL_VERSION,
        "period": period,
        "position": upto,
        "event_count": roots["count"],
        "scheme_hash": plan.period.scheme_hash,
        "results_hash": results,
        **located,
        "merkle_root": roots["root"],
        "period_events": roots["period_events"],
        "period_root": roots["period_root"],
    }
    earlier = _earlier(plan)
    if earlier is not None and 0 < earlier["event_count"] <= roots["count"]:
        seal["consistency"] = {"from_size": earlier["event_count"], "from_root": earlier["merkle_root"],
                               "proof": [base64.b64encode(p).decode() for p in roots["proof"]]}
    return seal


__all__ = ["fast_seal"]
