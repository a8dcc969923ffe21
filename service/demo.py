"""The demo bureau: the ZJG scheme, twelve departments and a quarter of sample events, plus demo tokens
and demo accounts (one per role) for the web pages.

Loaded once into an empty store, so a new user sees real rankings at once; a load cut short (the
process killed) is finished by the next one, never left half-done. The demo tokens and passwords are
fixed strings printed by `scoreledger serve --demo`; they are valid only while the demo runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.facts import Subject
from domain.ledger.ids import command_id
from domain.scheme.loader import load_scheme_file
from service.accounts import create_account
from service.bootstrap import Service
from service.ledger import scoped_key
from service.tokens import issue_token

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2026-Q1"
STARTED, DONE = "demo:started", "demo:loaded"  # the idempotency keys of the markers that open and close a load
DEMO_TOKENS = {
    "admin": ("demo-admin-token", "局办公室管理员", []),
    "recorder": ("demo-recorder-token", "督查科", ["inspection", "office", "personnel", "guidance"]),
    "rater": ("demo-rater-token", "局长", ["principal-1=principal"]),
    "auditor": ("demo-auditor-token", "审计员", []),
    "reviewer": ("demo-reviewer-token", "绩效考核工作领导小组", []),
    "subject": ("demo-subject-token", "办公室代表", ["s001"]),
}

# role -> (user name, password, name shown, scope): the same scopes as the tokens, the recorder 督查科 only
DEMO_ACCOUNTS = {
    "admin": ("admin", "demo-admin", "局办公室管理员", []),
    "recorder": ("duchake", "demo-recorder", "督查科录入员", ["inspection"]),
    "rater": ("juzhang", "demo-rater", "局长", ["principal-1=principal"]),
    "auditor": ("shenji", "demo-auditor", "审计员", []),
    "reviewer": ("shensu", "demo-reviewer", "绩效考核工作领导小组", []),
    "subject": ("bangongshi", "demo-subject", "办公室代表", ["s001"]),
}


def create_demo_accounts(service: Service, at: str) -> None:
    """One account per role, each under its own key (a resumed load adds nothing twice)."""
    for role, (username, password, name, scope) in DEMO_ACCOUNTS.items():
        create_account(service.ledger, username, name, role, scope, password, "demo", at, demo=True,
                       key=f"demo:account:{username}")


@dataclass(frozen=True)
class DemoLoad:
    """What a demo load did: 'loaded', 'resumed' (a load cut short before was finished), 'present' or 'refused'."""

    status: str
    appended: int = 0
    tokens: int = 0
    subjects: int = 0
    facts: int = 0

    def __bool__(self) -> bool:
        return self.status in ("loaded", "resumed")

    def summary(self, language: str = "zh") -> str:
        """What was loaded, in words (service/ops_texts.py)."""
        from service.ops_texts import line

        return line("demo_detail" if language == "zh" else "demo_detail_en", period=PERIOD, subjects=self.subjects,
                    facts=self.facts, tokens=self.tokens, appended=self.appended)


def load_demo(service: Service, at: str) -> DemoLoad:
    """Load the demo into an empty store, or finish a load that was cut short.

    Every step carries an idempotency key (`demo:…`): a step that was saved before a crash returns its
    first result and appends nothing, so running the load again resumes it. A last marker says the
    load is complete. A store holding anything else is left alone."""
    ledger = service.ledger
    before = ledger.recorder.max_notification_id() or 0
    if ledger.maybe(_marker(DONE)) is not None:
        return DemoLoad("present")
    if before > 0 and ledger.maybe(_marker(STARTED)) is None:
        return DemoLoad("refused")
    ledger.run(_started, key=STARTED, request=[PERIOD], actor="demo", at=at)  # the first save: the load's mark
    for role, (token, principal, scope) in DEMO_TOKENS.items():  # issuing a known token again adds nothing
        issue_token(ledger, principal, role, scope, "demo", at, token=token, demo=True)
    create_demo_accounts(service, at)
    scheme = load_scheme_file(ROOT / "schemes" / "zjg.yaml")  # version 2: its values have Chinese labels
    ledger.register_scheme(scheme, "demo", at, key="demo:scheme")
    ledger.open_period(PERIOD, "ZJG", scheme.version, "demo", at, key="demo:period")
    rows = _rows()
    subjects = [
        Subject.model_validate({k: v for k, v in r.items() if k != "type"}) for r in rows if r["type"] == "subject"
    ]
    ledger.register_subjects(PERIOD, subjects, "demo", at, key="demo:subjects")
    facts = [r for r in rows if r["type"] != "subject"]
    renamed: dict[str, str] = {}
    for row in facts:
        fact = _renamed({k: v for k, v in row.items() if k not in ("id", "period", "recorded_by")}, renamed)
        result = ledger.record_facts(PERIOD, [fact], row["recorded_by"], at, key=f"demo:fact:{row['id']}")
        renamed[row["id"]] = result["facts"][0]
    ledger.run(_loaded, key=DONE, request=[PERIOD], actor="demo", at=at)
    service.runner.catch_up()
    appended = (ledger.recorder.max_notification_id() or 0) - before
    return DemoLoad("resumed" if before else "loaded", appended, len(DEMO_TOKENS), len(subjects), len(facts))


def _started() -> tuple[list[Any], dict[str, Any]]:
    return [], {"demo": PERIOD, "step": "started"}


def _loaded() -> tuple[list[Any], dict[str, Any]]:
    return [], {"demo": PERIOD, "step": "loaded"}


def _marker(key: str) -> UUID:
    """Where the command record of a marker is stored (keys are scoped to principal and command)."""
    return command_id(scoped_key("demo", _started if key == STARTED else _loaded, key))


def _rows() -> list[dict[str, Any]]:
    return [
        json.loads(line, parse_float=Decimal)
        for line in (ROOT / "schemes" / "demo" / "zjg-2026-Q1.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def _renamed(fact: dict[str, Any], renamed: dict[str, str]) -> dict[str, Any]:
    for key in ("target", "corrects"):
        if key in fact:
            fact[key] = renamed[fact[key]]
    return fact
