"""Bulk import of a period from a facts file, against a plain executemany of the same rows."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from bench.stores import Store
from bench.workloads import build, scheme_of

AT = "2026-04-01T09:00:00+08:00"
ADMIN, RECORDER = "admin", "督查科"


def generate(spec: dict[str, Any]) -> dict[str, Any]:
    """Write the workload's facts file and a small description of it (not a measured figure)."""
    started = time.perf_counter()
    workload = build(spec["workload"], seed=spec["seed"], scale=spec.get("scale", 1.0))
    path = Path(spec["file"])
    source = workload.write(path)
    meta = {
        "workload": workload.name,
        "period": workload.period,
        "scheme": workload.scheme.scheme,
        "subjects": len(workload.subjects),
        "facts": sum(workload.counts.values()),
        "by_type": workload.counts,
        "events": workload.events,
        "groups": len({s["group"] for s in workload.subjects}),
        "appeals": source.appeals(),
        "whatif": source.whatif(),
        "probes": [source.probe(n) for n in range(spec.get("probes", 5))],
        "bytes": path.stat().st_size,
    }
    Path(spec["meta"]).write_text(json.dumps(meta, ensure_ascii=False))
    shown = ("events", "facts", "subjects", "by_type")
    return {"seconds": round(time.perf_counter() - started, 3), **{k: meta[k] for k in shown}}


def bulk_import(spec: dict[str, Any]) -> dict[str, Any]:
    """Register the scheme, open the period, then import the file: subjects, then facts in batches."""
    from service.bulk import import_lines

    store, meta = Store(**spec["store"]), json.loads(Path(spec["meta"]).read_text())
    service = store.service()
    try:
        ledger = service.ledger
        scheme = scheme_of(meta["workload"])
        ledger.register_scheme(scheme, ADMIN, AT)
        ledger.open_period(meta["period"], scheme.scheme, scheme.version, ADMIN, AT)
        before = ledger.recorder.max_notification_id() or 0
        started = time.perf_counter()
        with Path(spec["file"]).open("rb") as lines:  # the file's lines, parsed by the import (its worker)
            report = import_lines(ledger, meta["period"], lines, RECORDER, AT, batch=spec["batch"])
        seconds = time.perf_counter() - started
        after = ledger.recorder.max_notification_id() or 0
    finally:
        service.close()
    events = after - before
    return {
        "events": events,
        "first": before + 1,
        "last": after,
        "seconds": round(seconds, 3),
        "rate": round(events / seconds),
        "check_seconds": round(report.check_seconds, 3),
        "check_share": round(report.check_seconds / seconds, 3),
        "batches": report.batches,
        "fast_batches": report.fast_batches,
        "piped_batches": report.piped_batches,
        "worker_lines": report.worker_lines,
        "batch": spec["batch"],
    }


def floor(spec: dict[str, Any]) -> dict[str, Any]:
    """The same rows (as the import stored them) inserted with executemany, same batch size, one commit each."""
    store = Store(**spec["store"])
    table, first = store.events_table(), spec["first"]
    position = "notification_id" if store.kind == "postgres" else "rowid"
    with store.connect() as source:
        rows = source.execute(
            f"SELECT originator_id, originator_version, topic, state FROM {table} "  # noqa: S608
            f"WHERE {position} >= {int(first)} ORDER BY {position}"
        ).fetchall()
    target = Store(store.kind, store.data_dir, store.pg_schema)
    conn, insert = _floor_table(target)
    batch = spec["batch"]
    started = time.perf_counter()
    for start in range(0, len(rows), batch):
        cur = conn.cursor()
        cur.executemany(insert, rows[start : start + batch])
        conn.commit()
    seconds = time.perf_counter() - started
    if store.kind == "postgres":
        conn.execute("DROP TABLE floor_events")
        conn.commit()
    conn.close()
    (Path(store.data_dir) / "floor.sqlite").unlink(missing_ok=True)
    return {"events": len(rows), "seconds": round(seconds, 3), "rate": round(len(rows) / seconds)}


def _floor_table(store: Store) -> tuple[Any, str]:
    """A fresh table shaped like the library's (same key and position index), in the same database."""
    if store.kind == "postgres":
        conn = store.connect()
        conn.execute(
            "CREATE TABLE floor_events (originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
            "topic text, state bytea, notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"
        )
        conn.execute("CREATE UNIQUE INDEX floor_events_position ON floor_events (notification_id)")
        conn.commit()
        sql = "INSERT INTO floor_events (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)"
        return conn, sql
    import sqlite3

    conn = sqlite3.connect(Path(store.data_dir) / "floor.sqlite")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB, "
        "PRIMARY KEY (originator_id, originator_version))"
    )
    conn.commit()
    return conn, "INSERT INTO stored_events (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)"
