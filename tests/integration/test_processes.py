"""Several service processes share one PostgreSQL: every acknowledged fact is stored exactly once."""

from __future__ import annotations

import json
import multiprocessing
import traceback
from pathlib import Path

from domain.ledger.ids import ledger_id
from service.bootstrap import build
from service.settings import Settings
from tests.integration.helpers import AT, record_quarter
from tests.signing import TEST_KEY


def _writer(settings_json: str, name: str, out: str) -> None:
    acknowledged, error, service = [], None, None
    try:
        service = build(Settings.model_validate_json(settings_json))
        for i in range(20):
            result = service.ledger.record_facts("2026-Q1", [{"type": "deduction", "item": "3.1", "subject": "d4"}],
                                                 "咨询指导科", AT, key=f"{name}-{i}")
            acknowledged += result["facts"]
    except Exception:  # noqa: BLE001 - reported to the test, which fails with it
        error = traceback.format_exc()
    finally:
        Path(out).write_text(json.dumps({"acknowledged": acknowledged, "error": error}), encoding="utf-8")
        if service is not None:
            service.close()


def test_two_processes_on_one_postgres_lose_and_duplicate_nothing(pg_schema: str, tmp_path: Path) -> None:
    from tests.integration.conftest import PG

    settings = Settings(signing_key=TEST_KEY, store="postgres", pg_schema=pg_schema, data_dir=tmp_path, **PG)  # type: ignore[arg-type]
    service = build(settings)
    try:
        record_quarter(service)
        context = multiprocessing.get_context("spawn")
        outputs = [tmp_path / f"p{n}.json" for n in range(2)]
        workers = [context.Process(target=_writer, args=(settings.model_dump_json(), f"p{n}", str(out)))
                   for n, out in enumerate(outputs)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
        reports = [json.loads(out.read_text(encoding="utf-8")) for out in outputs]
        assert [r["error"] for r in reports] == [None, None]
        acknowledged = [f for report in reports for f in report["acknowledged"]]
        stream = service.ledger.repository.get(ledger_id("2026-Q1", "d4"))
        stored = [f for f, fact in stream.facts.items() if fact["type"] == "deduction"]
        assert sorted(stored) == sorted(acknowledged) and len(stored) == 40
        versions = [e.originator_version for e in service.ledger.events.get(ledger_id("2026-Q1", "d4"))]
        assert versions == list(range(1, len(versions) + 1))
    finally:
        service.close()
