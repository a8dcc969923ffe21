"""Reads as of a seal (issue 9, part 5): served from the rows the runner kept when it folded the publication.

After the appeals step (closed, published, appeals upheld: the views have moved on since the seal), the
service catches up (keeping the seal's rows) and reads as of the seal, as an auditor does through
service.queries: one scorecard, a page of rankings (the first 1,000 subjects), one group's rankings, a page
of grades, and a scorecard as of a timestamp that maps to the seal. Each read is timed over several rounds
(median and maximum). The floor is a plain SELECT of the same subject's kept row by key + orjson.loads, on
the same view store. Target: every read under 50 ms, for any workload.

The reads run after what a server process does once its service is built (`api.app.collect_rarely`: startup's
objects frozen out of the cyclic collector's way, collections made rarer). Without it, a full collection walking
the catch-up's millions of objects fell into one of the timed rounds: 150-270 ms for a province at 5% (the
maximum of eighth and ninth rounds' runs), the medians unchanged.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from bench.stores import Store

TARGET_S = 0.05
ROUNDS = 15


def asof(spec: dict[str, Any]) -> dict[str, Any]:
    from api.app import collect_rarely
    from projections.period_input import key_of
    from service import queries
    from service.tokens import Actor

    store, meta = Store(**spec["store"]), json.loads(Path(spec["meta"]).read_text())
    started = time.perf_counter()
    service = store.service()  # a start over the views written before the publication
    service.runner.catch_up()  # the publication's rows kept, the appeals' groups folded (timed: run M19 missed them)
    caught = time.perf_counter() - started
    collect_rarely()  # as a server process does after its startup (api/app.py): startup's objects frozen
    try:
        code, key = meta["period"], key_of("default", meta["period"])
        period = queries.known_period(service, code)  # seals and subjects: never the whole log's facts
        seal = int(period.seals[0]["position"])
        kept = service.views.seal_kept(key, seal)
        subject = meta["appeals"][0]["subject"] if meta.get("appeals") else sorted(period.subjects)[0]
        group = period.subjects[subject].get("group", "all")
        auditor, at = Actor("审计员", "auditor", []), str(seal)
        when = _time_of(service, key, seal)
        reads: dict[str, Callable[[], Any]] = {
            "scorecard": lambda: queries.scorecard(service, auditor, code, subject, at),
            "rankings_page": lambda: queries.rankings(service, auditor, code, at),
            "rankings_group": lambda: queries.rankings(service, auditor, code, at, group),
            "grades_page": lambda: queries.grades(service, auditor, code, at),
            "scorecard_by_time": lambda: queries.scorecard(service, auditor, code, subject, when),
            "scorecard_now": lambda: queries.scorecard(service, auditor, code, subject),
        }
        timed = {name: _timed(read) for name, read in reads.items()}
        floor = _timed(lambda: _plain_select(service, key, seal, subject))
        checks = {
            "as_of": queries.scorecard(service, auditor, code, subject, at)["as_of"] == seal,
            "by_time_is_seal": when is not None and queries.scorecard(service, auditor, code, subject, when)["as_of"]
            == seal,
        }
    finally:
        service.close()
    worst = max(t["median_s"] for name, t in timed.items() if name != "scorecard_now")
    slowest = max(t["max_s"] for name, t in timed.items() if name != "scorecard_now")
    return {
        "seal": seal,
        "kept": bool(kept and kept.kept),
        "catch_up_s": round(caught, 3),
        "reads": timed,
        "floor_s": floor["median_s"],
        "worst_median_s": worst,
        "worst_max_s": slowest,
        "met": bool(kept and kept.kept) and slowest < TARGET_S and all(checks.values()),
        "checks": checks,
        "subjects": meta["subjects"],
    }


def _timed(read: Callable[[], Any]) -> dict[str, float]:
    read()  # the first call warms caches (scheme validation, the statement cache)
    seconds = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        read()
        seconds.append(time.perf_counter() - started)
    return {"median_s": round(statistics.median(seconds), 5), "max_s": round(max(seconds), 5)}


def _plain_select(service: Any, key: str, seal: int, subject: str) -> Any:
    with service.views.transaction() as cur:
        cur.execute(
            service.views.sql("SELECT body FROM sl_view_sealed WHERE period = ? AND seal = ? AND subject = ?"),
            (key, seal, subject),
        )
        return orjson.loads(cur.fetchone()[0])


def _time_of(service: Any, key: str, seal: int) -> str | None:
    """A timestamp that maps to the seal (the middle of its range), as an ISO text with zone."""
    with service.views.transaction() as cur:
        cur.execute(
            service.views.sql("SELECT since_us, until_us FROM sl_view_seals WHERE period = ? AND seal = ?"),
            (key, seal),
        )
        row = cur.fetchone()
    if row is None or row[0] is None or row[1] is None:
        return None
    middle = (int(row[0]) + int(row[1])) // 2
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=middle)).isoformat()
