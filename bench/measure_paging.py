"""Peak memory of the reads that once held a whole period (issue 12): the 公示 as a PDF and an appeal's comparison.

Each in a process of its own (bench/child.py), on the imported workload after the appeals step (published, appeals
decided). The service is built and its views caught up first (`ready_mb`: the process's peak by then); the read's
own cost is its peak above that (`read_mb`) and its CPU seconds. Also runs as a script, so that the code before
a change can be measured the same way: `PYTHONPATH=<old checkout> python bench/measure_paging.py notice STORE META`.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _ready(spec: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    from bench.stores import Store

    store, meta = Store(**spec["store"]), json.loads(Path(spec["meta"]).read_text())
    service = store.service()
    service.runner.catch_up()
    return service, meta


def _measured(spec: dict[str, Any], read: Any) -> dict[str, Any]:
    """The read once for its CPU seconds and its peak resident memory above the ready service's (0 when the
    catch-up's peak was higher), then once more under tracemalloc for the peak of what it allocated itself."""
    service, meta = _ready(spec)
    try:
        ready, started = _peak_mb(), time.process_time()
        out = read(service, meta)
        cpu = time.process_time() - started
        _forget(service)
        tracemalloc.start()
        try:
            read(service, meta)
            traced = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    finally:
        service.close()
    return {**out, "ready_mb": round(ready, 1), "read_mb": round(_peak_mb() - ready, 1), "read_cpu_s": round(cpu, 3),
            "read_traced_mb": round(traced / 2**20, 1)}


def _forget(service: Any) -> None:
    """Drop what the first read kept for the next (the comparison's answers, its whole results before issue 12)."""
    from service import comparison

    for kept in ("_EXPLAINED", "_KEPT"):
        getattr(comparison, kept, {}).clear()


def notice(spec: dict[str, Any]) -> dict[str, Any]:
    """The 公示 of the published period as a PDF (documents.publication, then fpdf2)."""
    from service.sheets import documents
    from service.sheets.pdf import publication_pdf
    from service.tokens import Actor

    def read(service: Any, meta: dict[str, Any]) -> dict[str, Any]:
        if not service.runner.meta.periods[f"{service.settings.bureau}/{meta['period']}"].seals:
            return {"skipped": "the period is not published (the appeals step did not run)"}
        found = documents.publication(service, Actor("bench", "auditor", ()), meta["period"], "http://bench.test/")
        return {"rows": len(found.rows), "pdf_bytes": len(publication_pdf(found))}

    return _measured(spec, read)


def comparison(spec: dict[str, Any]) -> dict[str, Any]:
    """An upheld appeal's comparison, as the API gives it (from its seal to now), then as the page gives it."""
    from service import comparison as compared
    from service.tokens import Actor

    def read(service: Any, meta: dict[str, Any]) -> dict[str, Any]:
        try:
            api = compared.appeal_comparison
        except AttributeError:  # before issue 12 the API's comparison was in service.queries
            from service.queries import appeal_comparison as api
        actor = Actor("bench", "auditor", ())
        upheld = next((a["appeal"] for a in service.runner.meta.appeals.values() if a["status"] == "upheld"), None)
        if upheld is None:
            return {"skipped": "no appeal was upheld (the appeals step did not run)"}
        found = api(service, actor, upheld)
        page = compared.compare_appeal(service, actor, upheld, date(2026, 6, 1))
        return {"changes": len(found["changes"]), "page_changes": len(page["changes"])}

    return _measured(spec, read)


if __name__ == "__main__":
    task, data_dir, meta_path = sys.argv[1:4]
    sys.path.append(str(Path(__file__).resolve().parents[1]))  # after PYTHONPATH: the checkout measured comes first
    print(json.dumps({"notice": notice, "comparison": comparison}[task](
        {"store": {"kind": "sqlite", "data_dir": data_dir}, "meta": meta_path})))
