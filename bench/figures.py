"""Figures from a run's raw results: value, floor, ratio, target and whether it is met."""

from __future__ import annotations

from typing import Any

#: issue 12: import ≥ 100,000 ev/s (province); replay ≥ 50% of its floor (city, province), province peak
#: ≤ 1 GB; publish ≤ 2 × replay and ≤ 1 GB; catch-up ≤ 2 × replay; HTTP ≥ 1,000 ev/s with 8 clients, p99 < 50 ms
IMPORT_TARGET, REPLAY_SHARE, PEAK_MB, WHATIF_SECONDS = 100_000, 0.5, 1024, 1.0
HTTP_RATE, HTTP_P99_MS = 1_000, 50
ASOF_SECONDS = 0.05  # issue 9: a read as of a seal, any workload


def _row(
    figure: str,
    workload: str,
    store: str,
    value: Any,
    unit: str,
    floor: Any = None,
    target: str = "",
    met: bool | None = None,
    peak: Any = None,
    note: str = "",
) -> dict[str, Any]:
    ratio = round(value / floor, 3) if isinstance(value, (int, float)) and floor else None
    return {
        "figure": figure,
        "workload": workload,
        "store": store,
        "value": value,
        "unit": unit,
        "floor": floor,
        "ratio": ratio,
        "target": target,
        "met": met,
        "peak_mb": peak,
        "note": note,
    }


def figures(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per figure, workload and store (skipping steps that did not run)."""
    rows = []
    for workload, by_store in results["runs"].items():
        for store, run in by_store.items():
            rows += list(_rows(workload, store, run))
    for name, store in (("http", "sqlite"), ("http_postgres", "postgres"), ("http_postgres_1", "postgres")):
        rows += _http_rows(results.get(name, {}), store)
    return rows


def _http_rows(http: dict[str, Any], store: str) -> list[dict[str, Any]]:
    """Recording over HTTP, one row per level; the server's CPU per request beside the rates."""
    rows = []
    workers = http.get("workers", 1)
    for clients, level in http.get("levels", {}).items():
        served, floor = level["service"], level["floor"]
        batch = served.get("batch", 1)
        label = f"{served.get('clients', clients)} clients" + (f", {batch} facts per request" if batch > 1 else "")
        one = ", 1 server process" if store == "postgres" else ""
        label += f", {workers} server processes" if workers > 1 else one
        cpu = served.get("cpu_ms_per_request")
        rows.append(
            _row(
                f"HTTP recording, {label}",
                "bureau",
                store,
                served["events_per_s"],
                "ev/s",
                floor["events_per_s"],
                "≥ 1,000 ev/s, p99 < 50 ms",
                _http_met(served, floor),
                http.get("peak_mb"),
                f"p50 {served['p50_ms']} ms, p99 {served['p99_ms']} ms; errors {served['errors']}"
                + (f"; server CPU {cpu} ms per request, load {served['load'][0]}-{served['load'][1]}" if cpu else ""),
            )
        )
    if "error" in http:
        rows.append(_row("HTTP recording", "bureau", store, "error", "", note=http["error"][:120]))
    return rows


def _http_met(served: dict[str, Any], floor: dict[str, Any]) -> bool:
    rate, p99 = served["events_per_s"], served["p99_ms"]
    return bool(rate >= HTTP_RATE and p99 is not None and p99 < HTTP_P99_MS)


def _cpu(step: dict[str, Any], floor: dict[str, Any]) -> str:
    """CPU seconds of a step (its process and its workers) against the floor's: less sensitive to the
    machine's other load than wall time."""
    if "workers_cpu_s" not in step:  # results of a run before the workers' CPU was recorded
        return f"CPU {step.get('cpu_s', 0):.1f} s in its own process (its workers' not recorded)"
    used = (step.get("cpu_s") or 0) + (step.get("workers_cpu_s") or 0)
    base = floor.get("cpu_s")
    timed = step.get("timed_cpu_s")  # the replay's: its timed span's, without reading the bytes back after it
    return (f"CPU {used:.1f} s" + (f" ({sum(timed):.1f} s in the timed span)" if timed else "")
            + (f" (floor {base:.1f} s, ratio {base / used:.2f})" if base and used else ""))


def _used(step: dict[str, Any]) -> float:
    """CPU seconds of a step, its workers' included."""
    return float((step.get("cpu_s") or 0) + (step.get("workers_cpu_s") or 0))


def _peak(result: dict[str, Any]) -> float | None:
    """A step's peak memory: its own process's or its workers', whichever is larger."""
    peaks = [result.get("peak_mb"), result.get("workers_peak_mb")]
    return max((p for p in peaks if isinstance(p, (int, float))), default=None)


def _rows(w: str, s: str, run: dict[str, Any]) -> Any:
    imp, flo = run.get("import", {}), run.get("import_floor", {})
    if "rate" in imp:
        yield _row(
            "import",
            w,
            s,
            imp["rate"],
            "ev/s",
            flo.get("rate"),
            f"≥ {IMPORT_TARGET:,}",
            imp["rate"] >= IMPORT_TARGET if w.startswith("province") else None,
            imp.get("peak_mb"),
            f"checks {imp['check_share']:.0%} of the time"
            + (f"; fast lane {imp['fast_batches']} of {imp['batches']} batches; {_cpu(imp, flo)}"
               if "fast_batches" in imp else ""),
        )
    rep, rfl, nai = run.get("replay", {}), run.get("replay_floor", {}), run.get("replay_naive", {})
    if "rate" in rep:
        ratio = rep["rate"] / rfl["rate"] if rfl.get("rate") else None
        peak = _peak(rep)
        met = None if ratio is None else ratio >= REPLAY_SHARE and (w != "province" or (peak or 0) <= PEAK_MB)
        yield _row(
            "replay",
            w,
            s,
            rep["rate"],
            "ev/s",
            rfl.get("rate"),
            f"≥ {REPLAY_SHARE:.0%} of floor" + (f", ≤ {PEAK_MB} MB" if w.startswith("province") else ""),
            met if w == "city" or w.startswith("province") else None,
            peak,
            f"{rep['seconds']} s, {rep.get('workers', 1)} workers (peak {rep.get('workers_peak_mb')} MB), "
            f"{rep.get('path', '?')} path; {_cpu(rep, rfl)}; "
            + (f"naive {nai['rate']} ev/s" if "rate" in nai else "naive not run (holds the whole period)"),
        )
    if "rate" in nai:
        yield _row(
            "replay, naive",
            w,
            s,
            nai["rate"],
            "ev/s",
            rfl.get("rate"),
            "baseline",
            None,
            nai.get("peak_mb"),
            f"{nai['seconds']} s",
        )
    fresh = run.get("freshness", {})
    replay_s = rep.get("seconds") if isinstance(rep.get("seconds"), (int, float)) else None
    if "visible_s" in fresh:
        yield _row(
            "visible after ack",
            w,
            s,
            fresh["visible_s"],
            "s",
            None,
            "",
            None,
            fresh.get("peak_mb"),
            f"median of {fresh['samples']}; record {fresh['record_s']} s"
            + (f"; first {fresh['first_visible_s']} s (the fold made on demand after a fast catch-up)"
               if fresh.get("fast") else ""),
        )
        yield _row(
            "catch-up (views from zero)",
            w,
            s,
            fresh["catch_up_rate"],
            "ev/s",
            rfl.get("rate"),
            "≤ 2 × replay time",
            fresh["catch_up_s"] <= 2 * replay_s if replay_s else None,
            fresh.get("catch_up_peak_mb", fresh.get("peak_mb")),
            f"{fresh['catch_up_s']} s" + (f" = {fresh['catch_up_s'] / replay_s:.1f} × replay" if replay_s else "")
            + (f"; fast: CPU {fresh['catch_up_cpu_s'] + fresh.get('workers_cpu_s', 0):.1f} s with its workers "
               f"(peak {fresh['catch_up_workers_peak_mb']} MB), replay's {_used(rep):.1f} s"
               if fresh.get("fast") else ""),
        )
    app = run.get("appeals", {})
    if "publish_s" in app:
        peak = _peak(app)
        within = app["publish_s"] <= 2 * replay_s if replay_s else None
        yield _row("publish (seal)", w, s, app["publish_s"], "s", None, "≤ 2 × replay time, ≤ 1 GB",
                   None if within is None else within and (peak or 0) <= PEAK_MB, peak,
                   (f"{app['publish_s'] / replay_s:.1f} × replay" if replay_s else ""))
        yield _row(
            "appeal upheld",
            w,
            s,
            app.get("uphold_s"),
            "s",
            None,
            "",
            None,
            None,
            f"file {app.get('file_s')} s, accept {app.get('accept_s')} s, reject {app.get('reject_s')} s; "
            f"{app.get('appeals')} appeals, {app.get('upheld')} upheld",
        )
    yield from _asof_rows(w, s, run.get("asof", {}))
    wif = run.get("whatif", {})
    if "seconds" in wif:
        note = (
            f"group of {wif['group_subjects']}, {wif.get('subjects_rescored', '?')} re-scored on kept scorecards; "
            f"cold (group scored from its facts) {wif.get('cold_seconds', '?')} s"
        )
        if "full_seconds" in wif:
            note += f"; whole period {wif['full_seconds']} s, identical: {wif['identical']}"
        served = wif.get("service") or {}
        if "first_s" in served:  # as a service answers it; the step's own peak is its fold of the log, below
            note += (f"; a service over its views: first {served['first_s']} s, then {served['second_s']} s, "
                     f"peak {served['peak_mb']} MB (ready {served['ready_mb']} MB)")
        yield _row(
            "appeal what-if",
            w,
            s,
            wif["seconds"],
            "s",
            None,
            f"< {WHATIF_SECONDS:g} s" if w.startswith("province") else "",  # the issue sets it for the province quarter
            wif["seconds"] < WHATIF_SECONDS if w.startswith("province") else None,
            wif.get("peak_mb"),
            note,
        )
    for step, result in run.items():
        if "error" in result:
            yield _row(step, w, s, "error", "", note=result["error"][:120])


def _asof_rows(w: str, s: str, asof: dict[str, Any]) -> Any:
    """One row per read as of the seal (median of the rounds), against a plain SELECT of the kept row."""
    names = {
        "scorecard": "as of the seal: scorecard",
        "rankings_page": "as of the seal: rankings, first page",
        "rankings_group": "as of the seal: one group's rankings",
        "grades_page": "as of the seal: grades, first page",
        "scorecard_by_time": "as of the seal's time: scorecard",
    }
    for read, figure in names.items():
        timed = asof.get("reads", {}).get(read)
        if timed is None:
            continue
        yield _row(
            figure,
            w,
            s,
            timed["median_s"],
            "s",
            asof.get("floor_s"),
            f"< {ASOF_SECONDS * 1000:g} ms",
            bool(asof.get("kept")) and timed["median_s"] < ASOF_SECONDS and timed["max_s"] < ASOF_SECONDS,
            asof.get("peak_mb"),
            f"max {timed['max_s']} s; seal rows kept: {asof.get('kept')}; catch-up {asof.get('catch_up_s')} s; "
            f"now {asof['reads']['scorecard_now']['median_s']} s",
        )
