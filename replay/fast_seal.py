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
from collections.abc import Callable, Iterator
from typing import Any

from projections.fast.apart import APART_MIN, apart, tuned
from projections.fast.plan import PeriodPlan, Unsure
from projections.fast.reading import Reader, reader_for
from projections.fast.replay import FastReplay, plan_read, plan_replay
from projections.leaves import RowLeaves
from replay.merkle import MerkleBuilder, pieces
from replay.merkle import _split as split

REGISTERED = "scoreledger:SchemeBook.VersionRegistered"


AHEAD = 2_000_000  # rows whose leaves the trees process hashes before it knows the period (~80 bytes each held)


def fast_seal(source: Any, period: str, bureau: str, upto: int, workers: int) -> dict[str, Any] | None:
    """The unsigned seal of `seal_from`, or None when the fast replay cannot vouch for the period.

    The trees process starts first, reading and hashing rows while this one makes the first pass (issue 12:
    the leaves are hashed beside the serial first pass rather than against the scoring workers, and the
    process does not inherit the plan's memory); it learns the period's streams and the seal before from
    this one once planned. A process with other threads (a running service: its requests, the view keeper)
    is never forked, since a lock another thread holds would stay held in the child: on PostgreSQL (whose
    recorder's pool runs threads) a spawned process makes the seal's parts, forking its own workers and
    trees process (`_apart`); elsewhere it scores in one process and streams the trees in a spawned one."""
    reader = reader_for(source)
    if reader is None:
        return None
    threaded = threading.active_count() > 1
    if threaded and workers > 1 and upto >= APART_MIN and reader.kind == "postgres":
        return _apart(reader.fresh(), period, bureau, upto, workers)
    try:
        parts = _parts(reader, lambda: plan_replay(source, period, upto, bureau, 1 if threaded else workers),
                       upto, "spawn" if threaded else "fork")
    finally:
        reader.close()
    return None if parts is None else _seal(period, upto, *parts)


Parts = tuple[Any, dict[str, Any], str, "dict[str, Any] | None"]


def _parts(reader: Reader, planned: Callable[[], FastReplay], upto: int, start: str) -> Parts | None:
    """What a seal is made of (the results hashes, the trees' roots and proof, the scheme hash, the seal
    before), the trees process started before `planned` makes the first pass; None when the fast replay
    cannot vouch for the period."""
    context = multiprocessing.get_context(start)
    here, there = context.Pipe()
    worker = context.Process(target=_send_trees, args=(there, reader.fresh(), upto), daemon=True)
    worker.start()  # before the first pass and the scoring workers: no thread of this process runs yet
    there.close()
    try:
        try:
            replay = planned()
        except Unsure:
            return None
        try:
            return _made(replay, here)
        finally:
            replay.close()
    finally:
        if worker.is_alive():
            worker.kill()  # not needed (the period is not vouched for, or a failure)
        worker.join()
        here.close()


def _apart(reader: Reader, period: str, bureau: str, upto: int, workers: int,
           target: Callable[..., None] | None = None) -> dict[str, Any] | None:
    """The seal made by a spawned process of its own (issue 12; projections/fast/apart.py): the PostgreSQL
    recorder's connection pool runs threads, so this process never forks, and one process scored the whole period
    (7.6 s where the forked replay takes 2.7 s, province at 5%). The spawned process has no thread but its own: it
    plans the period over its own connection and forks the scoring workers and the trees' process, as fast_seal
    does where nothing else runs. None when the fast replay cannot vouch for the period, as for fast_seal."""
    made = apart(_seal_parts, (reader, period, bureau, upto, workers), "the seal",
                 tuned({"replay.fast_seal": ("AHEAD",)}), target)
    return None if made is None else _seal(period, upto, *made)  # the seal's format is this process's


def _seal_parts(reader: Reader, period: str, bureau: str, upto: int, workers: int) -> Parts | None:
    """In the spawned process: the seal's parts, its workers and trees' process forked (nothing else runs)."""
    return _parts(reader, lambda: plan_read(reader, period, upto, bureau, workers), upto, "fork")


def _made(replay: FastReplay, trees: Any) -> Parts | None:
    plan = replay.plan
    earlier = _earlier(plan)
    bound = {h for _, _, h in plan.period.bindings}
    own = {stream for stream, key in plan.fold.streams.items() if key == plan.key}
    try:
        trees.send((earlier["event_count"] if earlier is not None else None, bound, own))
    except OSError:  # the trees process failed already: what it sent says why
        failed = trees.recv()
        raise failed if isinstance(failed, BaseException) else RuntimeError("the trees process ended") from None
    try:
        hashes = replay.hashes()
    except Unsure:
        return None
    roots = trees.recv()
    if isinstance(roots, BaseException):
        raise roots
    return hashes, roots, plan.period.scheme_hash, earlier


def _send_trees(there: Any, reader: Reader, upto: int) -> None:
    try:
        there.send(_trees(there, reader, upto))
    except EOFError:
        pass  # the parent left (the period not vouched for): nothing to send
    except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
        there.send(exc)
    finally:
        there.close()
        reader.close()


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


def _trees(parent: Any, reader: Reader, upto: int, ahead: int | None = None) -> dict[str, Any]:
    """Every row's leaf into the log's tree, the period's into its own, and the proof's subtrees.

    Each batch's leaf hashes are made in one call (projections.leaves.RowLeaves) and given to the trees a
    list at a time (replay.merkle.MerkleBuilder); the proof's subtrees are nodes of the log's tree, kept
    as it is built (no leaf hashed twice). Until the parent sends what it planned (the earlier seal's
    tree size, the bound scheme versions, the period's streams), up to `ahead` rows are hashed and kept
    (their hashes and stream ids: not the rows); then the trees take them."""
    ahead = AHEAD if ahead is None else ahead
    count = reader.count(upto)
    waiting: list[tuple[list[bytes], list[str], dict[int, Any]]] = []  # hashes, stream ids, registrations
    ids: dict[str, str] = {}
    held = 0
    trees: _Trees | None = None

    def planted() -> _Trees:  # the trees, once the parent has planned, given what waited
        made = _Trees(parent.recv(), count, reader)
        for listed in waiting:
            made.add(*listed)
        waiting.clear()
        return made

    for hashes, raws, registered in _leaf_batches(reader, upto):
        if trees is None and held + len(raws) <= ahead and not parent.poll():
            raws = [ids.setdefault(raw, raw) for raw in raws]  # one str a stream, not a row
            waiting.append((hashes, raws, registered))
            held += len(raws)
            continue
        if trees is None:
            trees = planted()
        trees.add(hashes, raws, registered)
    return (trees or planted()).finish()


def _leaf_batches(reader: Reader, upto: int) -> Iterator[tuple[list[bytes], list[str], dict[int, Any]]]:
    """Every row's leaf hash, stream id as stored and, for a scheme version's registration, its content hash (by
    its place in the batch), a batch at a time: hashed by the server where the reader can (PostgreSQL:
    `PostgresReader.leaf_hashes`, the payloads neither sent nor hashed here), else here (`RowLeaves`)."""
    import orjson

    if hasattr(reader, "leaf_hashes"):
        for rows in reader.leaf_hashes(upto, REGISTERED):
            yield ([digest for _, digest, _ in rows], [raw for raw, _, _ in rows],
                   {n: orjson.loads(payload).get("content_hash") for n, (_, _, payload) in enumerate(rows)
                    if payload is not None})
        return
    leaves = RowLeaves(reader.name)
    for batch in reader.rows(upto):
        yield (leaves.hashes(batch), [row[1] for row in batch],
               {n: orjson.loads(row[4]).get("content_hash") for n, row in enumerate(batch) if row[3] == REGISTERED})


class _Trees:
    """The log's tree (with the proof's pieces wanted) and the period's, once the period is known."""

    def __init__(self, planned: tuple[int | None, set[str], set[str]], count: int, reader: Reader):
        old, self.bound, self.own = planned
        self.spans = _proof_spans(old, count) if old is not None and 0 < old < count else []
        self.whole = MerkleBuilder(piece for low, high in self.spans for piece in pieces(low, high - low))
        self.mine = MerkleBuilder()
        self.name = reader.name
        self.mine_of: dict[str, bool] = {}  # stored stream id -> the period's own stream

    def add(self, hashes: list[bytes], raws: list[str], registered: dict[int, Any]) -> None:
        self.whole.extend(hashes)
        mine_of, ours = self.mine_of, []
        for n, (raw, digest) in enumerate(zip(raws, hashes, strict=True)):
            flag = mine_of.get(raw)
            if flag is None:
                flag = mine_of[raw] = self.name(raw) in self.own
            if flag or (n in registered and registered[n] in self.bound):
                ours.append(digest)
        self.mine.extend(ours)

    def finish(self) -> dict[str, Any]:
        whole, mine = self.whole, self.mine
        root = whole.finish()
        proof = [whole.root_of(low, high - low) for low, high in self.spans]
        proof.reverse()
        return {"root": root.hex(), "count": whole.size, "period_root": mine.finish().hex(),
                "period_events": mine.size, "proof": proof}


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
