"""Freshness (acknowledged append to visible in the views) and the publication and appeal commands."""

from __future__ import annotations

import json
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.measure_import import ADMIN, AT, RECORDER
from bench.stores import Store

DATES = {"2026-Q1": ("2026-04-13", "2026-04-14", "2026-04-15"), "2026": ("2026-12-21", "2026-12-22", "2026-12-23")}


def freshness(spec: dict[str, Any]) -> dict[str, Any]:
    """Catch the views up from zero (the background rate; its own peak memory and CPU noted before anything
    else runs), then append one fact at a time and wait until the views show it (read your writes: only the
    subject's group is scored again; after views built by the fast replay, the first one waits for the fold
    the runner then makes: `first_visible_s`)."""
    from bench.child import _children_cpu, children_peak_mb, peak_mb

    store, meta = Store(**spec["store"]), json.loads(Path(spec["meta"]).read_text())
    service = store.service()
    try:
        ledger, runner = service.ledger, service.runner
        head = ledger.recorder.max_notification_id() or 0
        started, cpu, forked = time.perf_counter(), time.process_time(), _children_cpu()
        runner.catch_up()
        caught = time.perf_counter() - started
        own = {"catch_up_cpu_s": round(time.process_time() - cpu, 3), "catch_up_peak_mb": round(peak_mb(), 1),
               "catch_up_workers_cpu_s": round(_children_cpu() - forked, 3),  # waited for: the workers, a spawned build
               "catch_up_workers_peak_mb": round(children_peak_mb(), 1), "fast": bool(getattr(runner, "light", False))}
        recorded, visible = [], []
        for probe in meta["probes"]:
            started = time.perf_counter()
            result = ledger.record_facts(meta["period"], [probe], RECORDER, AT)
            acknowledged = time.perf_counter()
            runner.wait_for(result["position"])
            assert service.views.position() >= result["position"]
            recorded.append(acknowledged - started)
            visible.append(time.perf_counter() - acknowledged)
    finally:
        service.close()
    return {
        "events": head,
        "catch_up_s": round(caught, 3),
        "catch_up_rate": round(head / caught),
        "record_s": round(statistics.median(recorded), 4),
        "visible_s": round(statistics.median(visible), 4),
        "visible_max_s": round(max(visible), 4),
        "first_visible_s": round(visible[0], 4),
        "samples": len(visible),
        **own,
    }


def restart(spec: dict[str, Any]) -> dict[str, Any]:
    """A service started again over the views the freshness step wrote (a restart: the log is folded without its
    facts and each period lazily, projections/lazy.py; before, every fact of the log was folded here), then one
    more fact recorded and waited for until the views show it (its group folded first)."""
    from bench.child import peak_mb

    store, meta = Store(**spec["store"]), json.loads(Path(spec["meta"]).read_text())
    started, cpu = time.perf_counter(), time.process_time()
    service = store.service()
    try:
        out: dict[str, Any] = {"start_s": round(time.perf_counter() - started, 3),
                               "start_cpu_s": round(time.process_time() - cpu, 3),
                               "start_peak_mb": round(peak_mb(), 1), "lazy": bool(service.runner.light)}
        probe = dict(meta["probes"][0])
        probe["id"] += "-again"
        if "rater" in probe:
            probe["rater"] += "-again"
        started, cpu = time.perf_counter(), time.process_time()
        result = service.ledger.record_facts(meta["period"], [probe], RECORDER, AT)
        acknowledged = time.perf_counter()
        service.runner.wait_for(result["position"])
        assert service.views.position() >= result["position"]
        out |= {"record_s": round(acknowledged - started, 4),
                "first_visible_s": round(time.perf_counter() - acknowledged, 4),
                "first_cpu_s": round(time.process_time() - cpu, 3),
                "peak_mb": round(peak_mb(), 1), "lazy_after": bool(service.runner.light)}
        return out
    finally:
        service.close()


def appeals(spec: dict[str, Any]) -> dict[str, Any]:
    """Close the period, publish it (seal), then file, accept and uphold each appeal with its correction."""
    from service.appeals import ServiceLedger
    from service.signing import load_key
    from service.stores import event_store_env

    store, meta = Store(**spec["store"]), json.loads(Path(spec["meta"]).read_text())
    settings = store.settings()
    ledger, code = ServiceLedger(env=event_store_env(settings, "log")), meta["period"]
    ledger.signer = load_key(settings.signing_key) if settings.signing_key else None
    published, filed, decided = (date.fromisoformat(d) for d in DATES[code])
    out: dict[str, Any] = {}
    try:
        out["close_s"] = _timed(lambda: ledger.close_period(code, ADMIN, AT))
        out["publish_s"] = _timed(lambda: ledger.publish(code, published, ADMIN, AT))
        steps: dict[str, list[float]] = {"file_s": [], "accept_s": [], "uphold_s": [], "reject_s": []}
        for appeal in meta["appeals"]:
            started = time.perf_counter()
            name = ledger.file_appeal(code, appeal["subject"], [appeal["contested"]], "申诉", [], filed, "申诉人", AT)
            steps["file_s"].append(time.perf_counter() - started)
            steps["accept_s"].append(_timed(lambda n=name: ledger.accept_appeal(n["appeal"], filed, ADMIN, AT)))
            if appeal.get("outcome", "upheld") == "upheld":
                steps["uphold_s"].append(_timed(lambda n=name, a=appeal: ledger.uphold_appeal(
                    n["appeal"], [a["correction"]], "申诉成立", decided, ADMIN, AT)))
            else:
                steps["reject_s"].append(_timed(lambda n=name: ledger.reject_appeal(
                    n["appeal"], "维持原分", decided, ADMIN, AT)))
        out.update({k: round(statistics.median(v), 3) for k, v in steps.items() if v})
        out["appeals"] = len(meta["appeals"])
        out["upheld"] = sum(a.get("outcome", "upheld") == "upheld" for a in meta["appeals"])
    finally:
        ledger.close()
    return out


def _timed(action: Any) -> float:
    started = time.perf_counter()
    action()
    return round(time.perf_counter() - started, 3)
