"""Replay: the log to finished results as of a position, against a plain SELECT + orjson and a naive rebuild."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import orjson

from bench.stores import Store

HASH_LIMIT = 5_000  # subjects: hash the results (for the cross-store check) only below this


def _ledger(store: Store) -> Any:
    """The ledger alone (no projection runner, which would fold the log on start)."""
    from service.appeals import ServiceLedger
    from service.stores import event_store_env

    return ServiceLedger(env=event_store_env(store.settings(), "log"))


def replay(spec: dict[str, Any]) -> dict[str, Any]:
    """replay.asof.canonical_as_of at the log's last position: read, fold, score, rank and grade, to the
    canonical bytes and their SHA-256 (a seal's results hash), a group at a time, in `workers` processes
    (default: one per CPU). The fast path hashes its spooled runs as they come, beside the workers: the time
    ends with the bytes spooled and hashed; reading them back (`read_seconds`, outside `seconds`) then
    checks that hash and counts the grades. The reference's pieces are hashed as they stream (timed)."""
    import hashlib
    import os

    from projections.fast.api import fast_canonical
    from projections.scoring import canonical_chunks
    from replay.asof import fold_log

    store, meta = Store(**spec["store"]), json.loads(Path(spec["meta"]).read_text())
    workers = int(spec.get("workers") or os.cpu_count() or 1)
    ledger = _ledger(store)
    position = ledger.recorder.max_notification_id() or 0
    digest, size, grades = hashlib.sha256(), 0, Grades()
    cpu_before = _cpu()
    started = time.perf_counter()
    pieces, path = fast_canonical(ledger.recorder, meta["period"], position, "default", workers), "fast"
    if pieces is None:  # the fast path did not vouch for the log: the reference replays it
        fold, _ = fold_log(ledger.recorder, upto=position)
        pieces, path = canonical_chunks(fold, fold.periods["default/" + meta["period"]], workers), "reference"
    hashed = getattr(pieces, "sha256", None)  # the fast path's: hashed beside the workers as the runs came
    if hashed is not None:
        seconds = time.perf_counter() - started  # finished (spooled) and hashed
        timed_cpu = _cpu()
    read = time.perf_counter()
    for piece in pieces:
        digest.update(piece)
        size += len(piece)
        grades.count(piece)
    grades.finish()
    if hashed is None:
        seconds = time.perf_counter() - started - grades.seconds
        timed_cpu = _cpu()
    elif hashed != digest.hexdigest() or size != pieces.size:
        raise AssertionError(f"the spooled bytes hash to {digest.hexdigest()}, not {hashed}")
    read_seconds = time.perf_counter() - read - grades.seconds
    ledger.close()
    return {
        "events": position,
        "seconds": round(seconds, 3),
        "rate": round(position / seconds),
        "workers": workers,
        "path": path,
        "subjects": grades.subjects,
        "bytes": size,
        "results_sha256": digest.hexdigest(),
        "read_seconds": round(read_seconds, 3),
        "timed_cpu_s": [round(t - c, 3) for t, c in zip(timed_cpu, cpu_before, strict=True)],
        "grades": grades.shares(),
    }


def _cpu() -> tuple[float, float]:
    """CPU seconds so far of this process and of the workers it waited for (the timed span's: `timed_cpu_s`,
    without the read back and grade count after it, which `cpu_s` includes)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


class Grades:
    """The grade distribution of a stream of canonical result bytes (the time it takes is not replay's):
    a subject result's `grade` is the key before `grade_reasons` (a further outcome's is not), a subject
    without a grade has none; `quota_cut` counts subjects qualified for a grade but outside its quota.
    The pieces are cut anywhere: each subject result is counted whole (the bytes from the last subject
    result's start wait for the next piece), or a result cut in two was counted as none or not at all."""

    START = b'{"card":'  # a subject result's first key (its card's own keys start otherwise)

    GRADE = re.compile(rb'"grade":"((?:[^"\\]|\\.)*)","grade_reasons"')

    def __init__(self) -> None:
        self.found: dict[str, int] = {}
        self.subjects = self.quota_cut = 0
        self.seconds = 0.0
        self.carry = b""

    def count(self, piece: bytes) -> None:
        started = time.perf_counter()
        data = self.carry + piece
        cut = data.rfind(self.START)
        if cut <= 0:
            self.carry = data
        else:
            self.carry = data[cut:]
            self._count(data[:cut])
        self.seconds += time.perf_counter() - started

    def finish(self) -> None:
        """The last subject result."""
        started = time.perf_counter()
        self._count(self.carry)
        self.carry = b""
        self.seconds += time.perf_counter() - started

    def _count(self, piece: bytes) -> None:
        subjects = piece.count(b'"grade_reasons":')
        named = self.GRADE.findall(piece)
        for grade in named:
            text = grade.decode()
            self.found[text] = self.found.get(text, 0) + 1
        if subjects > len(named):
            self.found["(none)"] = self.found.get("(none)", 0) + subjects - len(named)
        self.subjects += subjects
        self.quota_cut += piece.count(b"outside the quota")

    def shares(self) -> dict[str, Any]:
        return {**dict(sorted(self.found.items())), "quota_cut": self.quota_cut}



def floor(spec: dict[str, Any]) -> dict[str, Any]:
    """A plain SELECT of the same rows (position, stream, version, topic, payload) and orjson.loads of each."""
    store = Store(**spec["store"])
    table, loads, count = store.events_table(), orjson.loads, 0
    with store.connect() as conn:
        started = time.perf_counter()
        if store.kind == "postgres":
            cur = conn.cursor(name="floor")  # server-side: the rows stream in, as the SQLite cursor's do
            cur.itersize = 10_000
            cur.execute(
                f"SELECT notification_id, originator_id, originator_version, topic, state FROM {table} "  # noqa: S608
                "ORDER BY notification_id"
            )
        else:
            cur = conn.execute(
                "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid"
            )
        for _position, _stream, _version, _topic, state in cur:
            loads(state)
            count += 1
        seconds = time.perf_counter() - started
    return {"events": count, "seconds": round(seconds, 3), "rate": round(count / seconds)}


def naive(spec: dict[str, Any]) -> dict[str, Any]:
    """What a library user would write: each aggregate rebuilt through the repository, then the engine."""
    from pydantic import TypeAdapter

    from domain.canonical import sha256_hex
    from domain.facts import Fact, Subject
    from domain.ledger.ids import joint_id, ledger_id
    from domain.scoring import score_period

    store, meta = Store(**spec["store"]), json.loads(Path(spec["meta"]).read_text())
    ledger, adapter, code = _ledger(store), TypeAdapter(Fact), meta["period"]
    position = ledger.recorder.max_notification_id() or 0
    started = time.perf_counter()
    period = ledger.period(code)
    scheme = ledger.scheme(period.scheme, period.scheme_version)
    facts: list[dict[str, Any]] = []
    for stream in [*(ledger_id(code, s, ledger.bureau) for s in period.subjects), joint_id(code, ledger.bureau)]:
        found = ledger.maybe(stream)
        if found is not None:
            facts.extend(found.facts.values())
    subjects = [Subject.model_validate(s) for s in period.subjects.values()]
    result = score_period(scheme, subjects, [adapter.validate_python(f) for f in facts], code)
    seconds = time.perf_counter() - started
    ledger.close()
    digest = sha256_hex(result) if len(result.subjects) <= HASH_LIMIT else None
    return {
        "events": position,
        "seconds": round(seconds, 3),
        "rate": round(position / seconds),
        "subjects": len(result.subjects),
        "results_sha256": digest,
    }
