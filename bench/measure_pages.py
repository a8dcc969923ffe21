"""Page timings: rankings, a scorecard and a comparison rendered by the web pages, against a floor page.

Server time, measured in-process through the ASGI client (no network): the request goes through
the session, the service reads and the template, as a browser's would. The store is the imported
workload; an auditor account signs in once (not timed). Each page is asked once cold (the first
replay of a comparison is paid there), then REPEAT times warm; the median is reported. Last, one
fact is recorded and the rankings asked again (the views changed: only the rows written are decoded).
"""

from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path
from typing import Any

from bench.stores import Store

REPEAT = 7


def _median_ms(client: Any, path: str) -> tuple[float, float]:
    started = time.perf_counter()
    first = client.get(path)
    cold = (time.perf_counter() - started) * 1000
    assert first.status_code == 200, f"{path}: {first.status_code} {first.text[-300:]}"
    runs = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        client.get(path)
        runs.append((time.perf_counter() - started) * 1000)
    return round(cold, 1), round(statistics.median(runs), 1)


def pages(spec: dict[str, Any]) -> dict[str, Any]:
    """Cold and warm median milliseconds of the pages of one workload, with the floor page's."""
    from fastapi.testclient import TestClient

    from service.accounts import create_account
    from web.app import create_app

    store, meta = Store(**spec["store"]), json.loads(Path(spec["meta"]).read_text())
    service = store.service()
    service.runner.catch_up()
    create_account(service.ledger, "bench-auditor", "审计员", "auditor", [], "bench-password", "bench", "2026-01-01")
    period, last = meta["period"], service.ledger.recorder.max_notification_id() or 0
    out: dict[str, Any] = {"period": period, "events": last}
    try:
        with TestClient(create_app(service=service)) as client:
            token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
            client.post("/login", data={"username": "bench-auditor", "password": "bench-password",
                                        "csrf": token.group(1) if token else ""})
            rankings = client.get(f"/period/{period}/rankings.json").json()
            subject = rankings["groups"][0]["rows"][0]["subject"]
            paths = {"floor": "/patterns", "rankings": f"/period/{period}/rankings",
                     "scorecard": f"/period/{period}/scorecard/{subject}",
                     "comparison": f"/period/{period}/compare?from={last // 2}&to={last}"}
            seals = service.runner.meta.periods[f"{service.settings.bureau}/{period}"].seals
            if seals:  # published by the appeals step: since the publication, from the seal's kept rows
                paths["comparison_since_publication"] = (
                    f"/period/{period}/compare?from={seals[-1]['position']}&to={last}")
            for name, path in paths.items():
                cold, warm = _median_ms(client, path)
                out[name] = {"cold_ms": cold, "warm_ms": warm}
            if not seals:  # an open period: one fact recorded, then the rankings again (the views changed)
                fact = {k: v for k, v in meta["whatif"].items() if k not in ("id", "period", "recorded_by")}
                service.ledger.record_facts(period, [fact], "bench", "2026-01-01T00:00:00+08:00")
                started = time.perf_counter()
                client.get(paths["rankings"])
                out["rankings_after_a_recording_ms"] = round((time.perf_counter() - started) * 1000, 1)
            out["rankings_groups_on_page"] = len(rankings["groups"])
            out["rankings_pages"] = rankings["pages"]
    finally:
        service.close()
    floor = out["floor"]["warm_ms"] or 0.1
    out["ratios"] = {k: round(out[k]["warm_ms"] / floor, 1)
                     for k in ("rankings", "scorecard", "comparison", "comparison_since_publication") if k in out}
    return out
