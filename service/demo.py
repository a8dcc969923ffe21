"""The demo bureau: the ZJG scheme, twelve departments and a quarter of sample events, plus demo tokens.

Loaded once into an empty store, so a new user sees real rankings at once. The demo tokens are
fixed strings printed by `scoreledger serve --demo`; they are for the demo store only.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from domain.facts import Subject
from domain.scheme.loader import load_scheme_file
from service.bootstrap import Service
from service.tokens import issue_token

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2026-Q1"
DEMO_TOKENS = {
    "admin": ("demo-admin-token", "局办公室管理员", []),
    "recorder": ("demo-recorder-token", "督查科", ["inspection", "office", "personnel", "guidance"]),
    "rater": ("demo-rater-token", "局长", ["principal-1=principal"]),
    "auditor": ("demo-auditor-token", "审计员", []),
    "reviewer": ("demo-reviewer-token", "绩效考核工作领导小组", []),
    "subject": ("demo-subject-token", "办公室代表", ["s001"]),
}


def load_demo(service: Service, at: str) -> bool:
    """Load the demo into an empty store; returns False when the store already has events."""
    ledger = service.ledger
    if (ledger.recorder.max_notification_id() or 0) > 0:
        return False
    for role, (token, principal, scope) in DEMO_TOKENS.items():
        issue_token(ledger, principal, role, scope, "demo", at, token=token, demo=True)
    ledger.register_scheme(load_scheme_file(ROOT / "schemes" / "zjg.yaml"), "demo", at)
    ledger.open_period(PERIOD, "ZJG", 1, "demo", at)
    rows = [
        json.loads(line, parse_float=Decimal)
        for line in (ROOT / "schemes" / "demo" / "zjg-2026-Q1.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    subjects = [
        Subject.model_validate({k: v for k, v in r.items() if k != "type"}) for r in rows if r["type"] == "subject"
    ]
    ledger.register_subjects(PERIOD, subjects, "demo", at)
    renamed: dict[str, str] = {}
    for row in (r for r in rows if r["type"] != "subject"):
        fact = _renamed({k: v for k, v in row.items() if k not in ("id", "period", "recorded_by")}, renamed)
        result = ledger.record_facts(PERIOD, [fact], row["recorded_by"], at)
        renamed[row["id"]] = result["facts"][0]
    service.runner.catch_up()
    return True


def _renamed(fact: dict[str, Any], renamed: dict[str, str]) -> dict[str, Any]:
    for key in ("target", "corrects"):
        if key in fact:
            fact[key] = renamed[fact[key]]
    return fact
