"""Reminders from the log: an appeal filed, windows closing in two working days (P2, P4, P6), a decision
overdue; by webhook (generic, WeCom, DingTalk) and e-mail; each sent once, even across a kill."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from domain.calendar import MainlandCalendar
from service.bootstrap import Service, build
from service.notify.channels import Message, webhook_body
from service.notify.schedule import Reminder, reminder_day
from service.notify.setup import build_notifier
from service.settings import Settings
from tests.integration.helpers import AT, record_quarter
from tests.ops.reminder_support import smtp_server, webhook_receiver
from tests.signing import TEST_KEY

ROOT = Path(__file__).resolve().parents[2]
PERIOD = "2026-Q1"
PUBLISHED = date(2026, 3, 2)  # Monday; ZJG: 3 working days to appeal (P2) -> Thursday 5 March


def test_two_working_days_before_a_deadline_skips_weekends_and_holidays() -> None:
    calendar = MainlandCalendar()
    # Published Friday 6 March: the window closes Wednesday 11 March; two working days before is Monday 9
    assert reminder_day(date(2026, 3, 6), date(2026, 3, 11), calendar) == date(2026, 3, 9)
    assert reminder_day(PUBLISHED, date(2026, 3, 5), calendar) == date(2026, 3, 3)
    # Over the 2026 National Day holiday: the reminder falls on a working day two working days ahead
    deadline = calendar.add_working_days(date(2026, 9, 30), 3)
    day = reminder_day(date(2026, 9, 30), deadline, calendar)
    assert calendar.is_working_day(day) and calendar.working_days_between(day, deadline) == 2
    # A window of one working day: reminded on the day it opens
    assert reminder_day(date(2026, 3, 4), date(2026, 3, 5), calendar) == date(2026, 3, 4)


def _published(settings: Settings) -> None:
    service = build(settings)
    try:
        record_quarter(service, PERIOD)
        service.ledger.close_period(PERIOD, "admin", AT)
        service.ledger.publish(PERIOD, PUBLISHED, "督查科", AT)
    finally:
        service.close()


def _file(settings: Settings, subject: str, on: date) -> str:
    service = build(settings)
    try:
        contested = [_a_fact_of(service, subject)]
        return str(service.ledger.file_appeal(PERIOD, subject, contested, "扣分有误", [], on, subject, AT)["appeal"])
    finally:
        service.close()


def _a_fact_of(service: Service, subject: str) -> str:
    from domain.ledger.facts_ledger import FactLedger
    from domain.ledger.ids import ledger_id

    found = service.ledger.maybe(ledger_id(PERIOD, subject, service.settings.bureau))
    assert isinstance(found, FactLedger)
    return sorted(found.facts)[0]


def _decide(settings: Settings, action: str, appeal: str, on: date) -> None:
    service = build(settings)
    try:
        if action == "accept":
            service.ledger.accept_appeal(appeal, on, "领导小组", AT)
        else:
            service.ledger.reject_appeal(appeal, "维持原分", on, "领导小组", AT)
    finally:
        service.close()


@pytest.fixture
def story(tmp_path: Path) -> Iterator[tuple[Settings, object, object]]:
    with webhook_receiver() as receiver, smtp_server() as (inbox, port):
        settings = Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data", notify_webhook_url=receiver.url, notify_smtp_host="127.0.0.1",
                            notify_smtp_port=port, notify_mail_to="kpi@bureau.example, office@bureau.example")
        _published(settings)
        yield settings, receiver, inbox


def _round(settings: Settings, today: date) -> int:
    notifier, close = build_notifier(settings)
    try:
        notifier.recover()
        return notifier.round(today)
    finally:
        close()


def test_each_reminder_arrives_on_its_day_by_webhook_and_e_mail_and_only_once(story: tuple) -> None:  # type: ignore[type-arg]
    settings, receiver, inbox = story
    # Check: publication day (Monday) is more than two working days before the window closes: nothing yet
    assert _round(settings, PUBLISHED) == 0
    # Check: Tuesday, an appeal arrives, and the window closes in two working days
    appeal = _file(settings, "d1", date(2026, 3, 3))
    assert _round(settings, date(2026, 3, 3)) == 4  # two reminders, two channels
    assert _round(settings, date(2026, 3, 3)) == 0
    kinds = {b["kind"]: b for b in receiver.bodies}
    assert set(kinds) == {"appeal_filed", "appeal_window"}
    assert kinds["appeal_window"]["deadline"] == "2026-03-05" and "2026-03-05 截止" in kinds["appeal_window"]["title"]
    assert kinds["appeal_filed"]["appeal"] == appeal and "d1" in kinds["appeal_filed"]["text"]
    assert kinds["appeal_filed"]["_key"] == f"appeal-filed:{appeal}"
    subjects = sorted(m["subject"] for m in inbox.messages)
    assert subjects == ["【申诉提醒】2026-Q1 考核结果收到新的申诉", "【申诉期提醒】2026-Q1 考核结果申诉期将于 2026-03-05 截止"]
    assert all(m["to"] == "kpi@bureau.example,office@bureau.example" for m in inbox.messages)
    # Check: accepted Wednesday (decide by Monday 9 March, P4): reminded Thursday 5 March, overdue Tuesday 10
    _decide(settings, "accept", appeal, date(2026, 3, 4))
    assert _round(settings, date(2026, 3, 4)) == 0
    assert _round(settings, date(2026, 3, 5)) == 2
    assert receiver.bodies[-1]["kind"] == "decision_window" and receiver.bodies[-1]["decide_by"] == "2026-03-09"
    assert _round(settings, date(2026, 3, 9)) == 0
    assert _round(settings, date(2026, 3, 10)) == 2
    assert receiver.bodies[-1]["kind"] == "decision_overdue" and "已经逾期" in inbox.messages[-1]["body"]
    # Check: once decided, nothing more
    _decide(settings, "reject", appeal, date(2026, 3, 11))
    assert _round(settings, date(2026, 3, 12)) == 0
    assert len(receiver.bodies) == len(inbox.messages) == 4


def test_a_robot_that_refuses_gets_the_reminder_again_next_round(story: tuple) -> None:  # type: ignore[type-arg]
    settings, receiver, inbox = story
    settings = settings.model_copy(update={"notify_webhook_format": "wecom", "notify_mail_to": ""})
    receiver.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    assert _round(settings, date(2026, 3, 3)) == 0
    receiver.answer = {"errcode": 0, "errmsg": "ok"}
    assert _round(settings, date(2026, 3, 3)) == 1
    assert len(receiver.bodies) == 2 and receiver.bodies[-1]["msgtype"] == "markdown"
    assert receiver.bodies[-1]["markdown"]["content"].startswith("### 【申诉期提醒】2026-Q1")


def test_the_robot_formats_are_the_ones_wecom_and_dingtalk_document() -> None:
    message = Message(Reminder("appeal-window:default/2026-Q1", "appeal_window", {"period": PERIOD}), "default",
                      "标题", "正文")
    assert webhook_body(message, "wecom") == {"msgtype": "markdown", "markdown": {"content": "### 标题\n正文"}}
    assert webhook_body(message, "dingtalk") == {"msgtype": "markdown",
                                                 "markdown": {"title": "标题", "text": "### 标题\n正文"}}
    generic = webhook_body(message, "generic")
    assert generic["id"] == "appeal-window:default/2026-Q1" and generic["title"] == "标题" and generic["period"] == PERIOD


NOTIFY = [sys.executable, "-c", "from cli.main import app; app()", "notify", "--once", "--today", "2026-03-03"]


def test_a_notifier_killed_midway_sends_each_reminder_exactly_once(tmp_path: Path) -> None:
    with webhook_receiver() as receiver, smtp_server() as (inbox, port):
        settings = Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data")
        _published(settings)
        appeals = [_file(settings, subject, date(2026, 3, 3)) for subject in ("d1", "d2", "d3", "d4")]
        env = {**os.environ, "SCORELEDGER_DATA_DIR": str(settings.data_dir), "SCORELEDGER_NOTIFY_WEBHOOK_URL": receiver.url,
               "SCORELEDGER_NOTIFY_SMTP_HOST": "127.0.0.1", "SCORELEDGER_NOTIFY_SMTP_PORT": str(port),
               "SCORELEDGER_NOTIFY_MAIL_TO": "kpi@bureau.example"}
        first = subprocess.Popen(NOTIFY, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603
        receiver.kill_pid, receiver.kill_at = first.pid, 3  # killed while its third webhook is in flight
        first.communicate(timeout=120)
        assert first.returncode == -9
        with sqlite3.connect(settings.data_dir / "notify.sqlite") as conn:
            statuses = Counter(s for (s,) in conn.execute("SELECT status FROM sl_notify_outbox"))
        # 5 reminders x 2 channels, in order e-mail then webhook: cut at the third webhook
        assert statuses == {"sent": 5, "sending": 1, "pending": 4}
        second = subprocess.run(NOTIFY, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603
        assert second.returncode == 0, second.stderr
        assert "was being sent when the notifier stopped" in second.stderr
        third = subprocess.run(NOTIFY, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603
        assert third.returncode == 0, third.stderr
    expected = {f"appeal-filed:{a}" for a in appeals} | {"appeal-window:default/2026-Q1"}
    webhooks = Counter(b["id"] for b in receiver.bodies)
    mails = Counter(m["message_id"] for m in inbox.messages)
    assert set(webhooks) == expected and set(webhooks.values()) == {1}
    assert len(mails) == 5 and set(mails.values()) == {1}


def test_on_postgresql_one_notifier_per_bureau_sends_from_the_shared_log(pg_schema: str, tmp_path: Path) -> None:
    from service.stores import StoreBusy
    from tests.integration.conftest import PG

    with webhook_receiver() as receiver:
        settings = Settings(signing_key=TEST_KEY, store="postgres", pg_schema=pg_schema, notify_webhook_url=receiver.url,
                            data_dir=tmp_path, **PG)  # type: ignore[arg-type]
        _published(settings)
        appeal = _file(settings, "d2", date(2026, 3, 3))
        notifier, close = build_notifier(settings)
        try:
            with pytest.raises(StoreBusy, match="one notifier per bureau"):
                build_notifier(settings)
            assert notifier.round(date(2026, 3, 3)) == 2 and notifier.round(date(2026, 3, 3)) == 0
        finally:
            close()
        again, close = build_notifier(settings)  # a restart resumes from the tracked position: nothing twice
        try:
            assert again.round(date(2026, 3, 3)) == 0
        finally:
            close()
    assert sorted(b["id"] for b in receiver.bodies) == [f"appeal-filed:{appeal}", "appeal-window:default/2026-Q1"]


def test_a_restored_store_does_not_send_again_what_was_sent_before_the_backup(story: tuple, tmp_path: Path) -> None:  # type: ignore[type-arg]
    from service.backup import backup
    from service.restore import restore

    settings, receiver, inbox = story
    _file(settings, "d3", date(2026, 3, 3))
    assert _round(settings, date(2026, 3, 3)) == 4
    backup(settings, tmp_path / "backup")
    elsewhere = settings.model_copy(update={"data_dir": tmp_path / "restored"})
    restore(tmp_path / "backup", elsewhere)
    assert _round(elsewhere, date(2026, 3, 3)) == 0
    assert len(receiver.bodies) == len(inbox.messages) == 2
