"""The demo bureau: the ZJG scheme, twelve departments and a quarter of sample events, plus demo
tokens and demo accounts (one per role) for the web pages.

Loaded once into an empty store, so a new user sees real rankings at once. The demo tokens and
passwords are fixed strings printed by `scoreledger serve --demo`; they exist in the demo store only.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from domain.facts import Subject
from domain.scheme.loader import load_scheme_file
from service.accounts import create_account
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


# role -> (user name, password, name shown, scope, rating role)
DEMO_ACCOUNTS = {
    "admin": ("admin", "demo-admin", "局办公室管理员", [], None),
    "recorder": ("duchake", "demo-recorder", "督查科录入员", ["inspection"], None),
    "rater": ("juzhang", "demo-rater", "局长", ["principal-1=principal"], None),
    "auditor": ("shenji", "demo-auditor", "审计员", [], None),
    "reviewer": ("shensu", "demo-reviewer", "绩效考核工作领导小组", [], None),
    "subject": ("bangongshi", "demo-subject", "办公室代表", ["s001"], None),
}


def create_demo_accounts(service: Service, at: str) -> None:
    """One account per role (the recorder: 督查科 only, so another office's items are refused)."""
    for role, (username, password, name, scope, rater_role) in DEMO_ACCOUNTS.items():
        create_account(service.ledger, username, name, role, scope, password, "demo", at, rater_role=rater_role,
                       demo=True)


def load_demo(service: Service, at: str) -> bool:
    """Load the demo into an empty store; returns False when the store already has events."""
    ledger = service.ledger
    if (ledger.recorder.max_notification_id() or 0) > 0:
        return False
    for role, (token, principal, scope) in DEMO_TOKENS.items():
        issue_token(ledger, principal, role, scope, "demo", at, token=token, demo=True)
    create_demo_accounts(service, at)
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
