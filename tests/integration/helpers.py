"""Shared steps of the integration stories: a ZJG quarter, raw SQL access to the stored rows."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

from domain.facts import Subject
from domain.scheme.loader import load_scheme_file
from service.bootstrap import Service, conninfo

ROOT = Path(__file__).resolve().parents[2]
ZJG = load_scheme_file(ROOT / "schemes" / "zjg.yaml")
AT = "2026-04-01T09:00:00+08:00"


def record_quarter(service: Service, period: str = "2026-Q1") -> dict[str, Any]:
    """Four departments, a few deductions and the leadership ratings; returns the fact ids by name."""
    ledger = service.ledger
    ledger.register_scheme(ZJG, "admin", AT)
    ledger.open_period(period, "ZJG", 2, "admin", AT)
    subjects = [Subject(id=f"d{i}", name=f"科室{i}", kind="department") for i in range(1, 5)]
    ledger.register_subjects(period, subjects, "admin", AT)
    ratings = []
    for i, subject in enumerate(subjects):
        ratings += [{"type": "rating", "item": "rating", "subject": subject.id, "role": "principal", "rater": "局长",
                     "value": str(Decimal(90) - i)},
                    {"type": "rating", "item": "rating", "subject": subject.id, "role": "supervising",
                     "rater": "副局长", "value": "80"}]
    ledger.record_facts(period, ratings, "督查科", AT)
    late = ledger.record_facts(period, [{"type": "deduction", "item": "2.1", "subject": "d1", "count": 4}],
                               "人事教育科", AT, key="late-d1")
    smoking = ledger.record_facts(period, [{"type": "deduction", "item": "3.6", "subject": "d2"}], "咨询指导科", AT)
    return {"late": late["facts"][0], "smoking": smoking["facts"][0]}


def execute(service: Service, sql_sqlite: str, sql_pg: str, params: tuple[Any, ...] = ()) -> None:
    """Run hand-written SQL against the stored events, as an intruder would."""
    if service.settings.store == "sqlite":
        with sqlite3.connect(service.settings.data_dir / "log.sqlite") as conn:
            conn.execute(sql_sqlite, params)
        return
    import psycopg

    with psycopg.connect(conninfo(service.settings), autocommit=True) as conn:
        conn.execute(sql_pg, params)


def position_column(service: Service) -> str:
    return "rowid" if service.settings.store == "sqlite" else "notification_id"


def events_table(service: Service) -> str:
    return str(service.ledger.recorder.events_table_name)
