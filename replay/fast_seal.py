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
from projections.fast.reading import Reader, reader_for
from projections.fast.replay import FastReplay, plan_read, plan_replay
from projections.leaves import leaf
from projections.records import Record
from replay.merkle import MerkleAccumulator, leaf_hash
from replay.merkle import _split as split

REGISTERED = "scoreledger:SchemeBook.VersionRegistered"


def fast_seal(source: Any, period: str, bureau: str, upto: int, workers: int) -> dict[str, Any] | None:
    """The unsigned seal of `seal_from`, or None when the fast replay cannot vouch for the period.

    A process with other threads (a running service: its requests, the view keeper) is never forked,
    since a lock another thread holds would stay held in the child: on PostgreSQL (whose recorder's pool
    runs threads) a spawned process makes the seal's parts, forking its own workers (`_apart`); else it
    scores in one process and streams the trees in a spawned one."""
    threaded = threading.active_count() > 1
    if threaded and workers > 1 and upto >= APART_MIN:
        reader = reader_for(source)
        if reader is not None and reader.kind == "postgres":
            return _apart(reader.fresh(), period, bureau, upto, workers)
    try:
        replay = plan_replay(source, period, upto, bureau, 1 if threaded else workers)
    except Unsure:
        return None
    try:
        return _made(replay, period, upto, "spawn" if threaded else "fork")
    finally:
        replay.close()


APART_MIN = 50_000  # events: a shorter log is sealed here (a spawned process costs ~0.5 s; the city's 12,900: 0.9 s)


def _apart(reader: Reader, period: str, bureau: str, upto: int, workers: int) -> dict[str, Any] | None:
    """The seal made by a spawned process of its own (issue 12): the PostgreSQL recorder's connection pool runs
    threads, so this process never forks, and one process scored the whole period (7.6 s where the forked
    replay takes 2.7 s, province at 5%). The spawned process has no thread but its own: it plans the period
    over its own connection and forks the scoring workers and the trees' process, as fast_seal does where
    nothing else runs. None when the fast replay cannot vouch for the period, as for fast_seal."""
    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=False)
    # not a daemon: a daemonic process may not start the workers it forks
    worker = context.Process(target=_seal_apart, args=(sending, reader, period, bureau, upto, workers, _tuned()))
    worker.start()
    sending.close()
    try:
        made = receiving.recv()
    except EOFError:
        raise RuntimeError("the process making the seal ended without an answer") from None
    finally:
        receiving.close()
        worker.join(timeout=60)
        if worker.is_alive():  # pragma: no cover - it has answered; its workers are done
            worker.kill()
            worker.join()
    if isinstance(made, BaseException):
        raise made
    return None if made is None else _seal(period, upto, *made)  # the seal's format is this process's


_TUNED = {"projections.fast.replay": ("RUN", "GUIDE", "PARALLEL_MIN_SUBJECTS"), "projections.fast.index": ("SPLIT",)}


def _tuned() -> dict[str, dict[str, Any]]:
    """How this process sizes runs and splits the first pass: a spawned process imports the modules afresh."""
    import importlib

    return {module: {name: getattr(importlib.import_module(module), name) for name in names}
            for module, names in _TUNED.items()}


def _seal_apart(sending: Any, reader: Reader, period: str, bureau: str, upto: int, workers: int,
                tuned: dict[str, dict[str, Any]]) -> None:
    import importlib

    for module, values in tuned.items():
        for name, value in values.items():
            setattr(importlib.import_module(module), name, value)
    try:
        try:
            replay = plan_read(reader, period, upto, bureau, workers)
        except Unsure:
            sending.send(None)
            return
        try:
            sending.send(_parts(replay, upto, "fork"))
        finally:
            replay.close()
    except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
        sending.send(exc)
    finally:
        sending.close()


def _made(replay: FastReplay, period: str, upto: int, start: str) -> dict[str, Any] | None:
    parts = _parts(replay, upto, start)
    return None if parts is None else _seal(period, upto, *parts)


def _parts(replay: FastReplay, upto: int, start: str) -> tuple[Any, dict[str, Any], str, dict[str, Any] | None] | None:
    """What a seal is made of: the results hashes, the trees' roots and proof, the scheme hash, the seal before;
    None when the fast replay cannot vouch for the period."""
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
    return hashes, roots, plan.period.scheme_hash, earlier


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
    """Every row's leaf into the log's tree, the period's into its own, and the proof's subtrees."""
    import orjson

    whole, mine = MerkleAccumulator(), MerkleAccumulator()
    old = earlier["event_count"] if earlier is not None else 0
    spans = _proof_spans(old, count) if earlier is not None and 0 < old < count else []
    parts = [MerkleAccumulator() for _ in spans]
    names: dict[str, str] = {}
    index, mine_count = 0, 0
    for batch in reader.rows(upto):
        for position, raw, version, topic, payload in batch:
            name = names.get(raw)
            if name is None:
                name = names[raw] = reader.name(raw)
            digest = leaf_hash(leaf(Record(position, name, version, topic, payload, {})))
            whole.add_leaf_hash(digest)
            for n, (low, high) in enumerate(spans):
                if low <= index < high:
                    parts[n].add_leaf_hash(digest)
            if name in own or (topic == REGISTERED and orjson.loads(payload).get("content_hash") in bound):
                mine.add_leaf_hash(digest)
                mine_count += 1
            index += 1
    proof = [p.root() for p in parts]
    proof.reverse()
    return {"root": whole.root().hex(), "count": index, "period_root": mine.root().hex(),
            "period_events": mine_count, "proof": proof}


def _seal(period: str, upto: int, hashes: Any, roots: dict[str, Any], scheme_hash: str,
          earlier: dict[str, Any] | None) -> dict[str, Any]:
    from replay.seal import SEAL_VERSION, SUBJECT_HASHES_MAX

    results, subjects, groups = hashes
    located = {"subject_hashes": subjects} if len(subjects) <= SUBJECT_HASHES_MAX else {"group_hashes": groups}
    seal: dict[str, Any] = {
        "seal_version": SEAL_VERSION,
        "period": period,
        "position": upto,
        "event_count": roots["count"],
        "scheme_hash": scheme_hash,
        "results_hash": results,
        **located,
        "merkle_root": roots["root"],
        "period_events": roots["period_events"],
        "period_root": roots["period_root"],
    }
    if earlier is not None and 0 < earlier["event_count"] <= roots["count"]:
        seal["consistency"] = {"from_size": earlier["event_count"], "from_root": earlier["merkle_root"],
                               "proof": [base64.b64encode(p).decode() for p in roots["proof"]]}
    return seal


__all__ = ["fast_seal"]
