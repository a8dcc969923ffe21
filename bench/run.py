"""Run every benchmark: `python -m bench.run [--quick] [--only replay,import,...] [--stores sqlite,postgres]`.

Each workload is generated once from the seed, imported into a fresh store per backend,
and measured step by step, each step in its own process (bench.child); floors run in
the same session on the same machine. Prints a table and writes bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import child, report
from bench.stores import fresh, postgres_available

WORKLOADS = ["bureau", "city", "province"]
FIGURES = ["import", "freshness", "appeals", "asof", "replay", "whatif", "pages", "http"]
HTTP_CLIENTS = [[1, 1], [8, 1], [32, 1], [8, 20]]  # recording over HTTP: (clients, facts per request)
STEPS = [  # (figure it belongs to, child task)
    ("import", "import_floor"),
    ("freshness", "freshness"),
    ("freshness", "restart"),  # a service started again over those views, one more fact (bench/measure_fresh.py)
    ("appeals", "appeals"),
    ("asof", "asof"),  # after the publication and the appeals: reads as of the seal
    ("replay", "replay"),
    ("replay", "replay_floor"),
    ("replay", "replay_naive"),
    ("whatif", "whatif"),
    ("pages", "pages"),  # web pages: rankings, scorecard, comparison (bench/measure_pages.py)
    ("pages", "paging_notice"),  # peak memory of the 公示 PDF (bench/measure_paging.py)
    ("pages", "paging_comparison"),  # and of an appeal's comparison
]


def measure(workload: str, kind: str, root: Path, files: dict[str, str], args: argparse.Namespace,
            out: dict[str, Any], saved: Callable[[], None]) -> None:
    """Every selected step for one workload on one backend, in a fresh store that is dropped afterwards; `out`
    takes each step's result as it comes, and `saved` writes the partial results file after each."""
    store = fresh(kind, root, workload)
    base = {"store": store.as_dict(), **files, "batch": args.batch}
    try:
        out["import"] = child.run({**base, "task": "import"}, args.timeout)
        _say(workload, kind, "import", out["import"])
        saved()
        if "error" in out["import"]:
            return
        base["first"] = out["import"]["first"]
        for figure, task in STEPS:
            naive_skipped = task == "replay_naive" and (args.no_naive or _subjects(files) > NAIVE_LIMIT)
            needed = task == "appeals" and bool({"replay", "whatif", "asof"} & args.only)  # a log with appeals, a seal
            if (figure in args.only or needed) and not naive_skipped:
                out[task] = child.run({**base, "task": task}, args.timeout)
                _say(workload, kind, task, out[task])
                saved()
    finally:
        if not args.keep:
            store.drop()


NAIVE_LIMIT = 20_000  # subjects: the naive replay holds every scorecard at once (14 GB for the province)


def _subjects(files: dict[str, str]) -> int:
    return int(_meta(files["meta"]).get("subjects", 0))


def _say(workload: str, kind: str, task: str, result: dict[str, Any]) -> None:
    shown = {k: v for k, v in result.items() if k not in ("trace", "grades")}
    print(f"  {workload:8s} {kind:8s} {task:13s} {json.dumps(shown, ensure_ascii=False)[:160]}", flush=True)
    if "grades" in result:
        grades = json.dumps(result["grades"], ensure_ascii=False)
        print(f"  {workload:8s} {kind:8s} {'grades':13s} {grades}", flush=True)


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_before": list(os.getloadavg()),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="bureau and city only (a smoke run)")
    parser.add_argument("--only", default=",".join(FIGURES), help=f"figures, from {','.join(FIGURES)}")
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--workloads", default="", help="override: e.g. bureau,province")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--scale", type=float, default=1.0,
        help="the province's share of its 200,000 staff (development runs, baselines the old code cannot hold)",
    )
    parser.add_argument("--batch", type=int, default=5000, help="facts per import transaction")
    parser.add_argument("--out", default=str(Path(__file__).with_name("results.json")))
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per step")
    parser.add_argument("--http-seconds", type=float, default=0.0, help="load per HTTP level (default 5, quick 2)")
    parser.add_argument("--http-workers", type=int, default=0,
                        help="server processes for HTTP on PostgreSQL (default: one per CPU, at least 2)")
    parser.add_argument("--keep", action="store_true", help="keep the stores and files (for inspection)")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive replay (skipped > 20,000 subjects)")
    args = parser.parse_args(argv)
    args.only = set(args.only.split(","))
    workloads = args.workloads.split(",") if args.workloads else WORKLOADS[:2] if args.quick else WORKLOADS
    stores = args.stores.split(",")
    if "postgres" in stores and (why := postgres_available()) is not None:
        print(f"PostgreSQL skipped: {why}")
        stores.remove("postgres")
    root = Path(tempfile.mkdtemp(prefix="scoreledger-bench-"))
    results: dict[str, Any] = {
        "machine": machine(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seed": args.seed,
        "scale": args.scale,
        "batch": args.batch,
        "stores": stores,
        "workloads": {},
        "runs": {},
        "http": {"clients": HTTP_CLIENTS, "status": "not selected"},
    }
    started = time.perf_counter()

    def saved() -> None:
        """The results so far, written over the results file as each step ends (`"partial": true` until the last):
        a run stopped midway keeps every step it finished."""
        partial = {**results, "partial": True, "seconds": round(time.perf_counter() - started, 1)}
        Path(args.out).write_text(json.dumps(partial, indent=1, ensure_ascii=False, default=str) + "\n")

    try:
        for workload in workloads:
            files = {"file": str(root / f"{workload}.jsonl"), "meta": str(root / f"{workload}.meta.json")}
            scale = args.scale if workload == "province" else 1.0
            spec = {"task": "generate", "workload": workload, "seed": args.seed, "scale": scale, **files}
            made = child.run(spec, args.timeout)
            results["workloads"][workload] = {**made, **_meta(files["meta"])}
            print(f"{workload}: {made}", flush=True)
            saved()
            for kind in stores:
                out = results["runs"].setdefault(workload, {}).setdefault(kind, {})
                measure(workload, kind, root, files, args, out, saved)
        if "http" in args.only:
            seconds = args.http_seconds or (2.0 if args.quick else 5.0)
            for kind in stores:
                spec = {"task": "http", "clients": HTTP_CLIENTS, "seconds": seconds, "store": kind,
                        "workers": args.http_workers or max(2, len(os.sched_getaffinity(0)))}
                measured = child.run(spec, args.timeout)
                name = "http" if kind == "sqlite" else f"http_{kind}"
                results[name] = {"clients": HTTP_CLIENTS, "seconds": seconds, "status": "measured", **measured}
                _say("bureau", kind, "http", measured)
                saved()
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["machine"]["load_after"] = list(os.getloadavg())
    results["figures"] = report.figures(results)
    Path(args.out).write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str) + "\n")
    report.show(results)
    print(f"wrote {args.out}")
    return 0


def _meta(path: str) -> dict[str, Any]:
    try:
        meta = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
    return {k: meta[k] for k in ("period", "scheme", "subjects", "groups", "facts", "by_type", "events", "bytes")}


if __name__ == "__main__":
    raise SystemExit(main())
