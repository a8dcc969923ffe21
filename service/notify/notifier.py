"""The notifier: a subscriber to the log that resumes from its tracked position and sends each reminder once.

Each round: fold the events after the tracked position into the notifier's state (one transaction per
page, with the new position), put the reminders due today in the outbox (each id once per channel,
whatever its status), and send what is pending. A send is marked `sending` before and `sent` after; a
process killed between the two leaves `sending`, which the next start marks `uncertain` and reports,
and never sends again: nothing is sent twice (docs/deployment.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.calendar import WorkingCalendar
from projections.records import NotificationSource, read_log
from service.notify.channels import Channel, Message, SendFailed
from service.notify.fold import TOPICS, fold
from service.notify.schedule import Reminder, due
from service.notify.store import NotifyStore
from service.ops_texts import reminder_text

log = logging.getLogger("scoreledger.notify")
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class Notifier:
    source: NotificationSource
    store: NotifyStore
    channels: list[Channel]
    bureau: str
    calendar: WorkingCalendar
    page: int = 1000

    def recover(self) -> list[tuple[str, str]]:
        """On start: sends a crash interrupted are reported, not repeated."""
        interrupted = self.store.interrupted(_now())
        for reminder, channel in interrupted:
            log.warning("reminder %s via %s was being sent when the notifier stopped: not sent again",
                        reminder, channel)
        return interrupted

    def follow(self) -> int:
        """Fold the log after the tracked position; returns the new position."""
        with self.store.transaction() as cur:
            position = self.store.position(cur)
        for batch in read_log(self.source, after=position, page=self.page):
            with self.store.transaction() as cur:
                get, put = self._accessors(cur)
                for record in batch:
                    if record.topic in TOPICS:
                        fold(record, get, put)
                position = batch[-1].position
                self.store.set_position(cur, position)
        return position

    def _accessors(self, cur: Any) -> tuple[Any, Any]:
        import orjson

        def get(key: str) -> Any:
            cur.execute(self.store.sql("SELECT value FROM sl_notify_state WHERE key = ?"), (key,))
            row = cur.fetchone()
            return orjson.loads(row[0]) if row else None

        return get, lambda key, value: self.store.put(cur, key, value)

    def schedule(self, today: date) -> list[Reminder]:
        """Put the reminders due today in the outbox, once per reminder and channel."""
        with self.store.transaction() as cur:
            found = due(self.store.state(cur), self.bureau, today, self.calendar)
            rows = [(r.id, c.name, r.kind, r.facts) for r in found for c in self.channels]
            self.store.enqueue(cur, rows, _now())
        return found

    def deliver(self) -> int:
        """Send what is pending; a refused send stays pending for the next round."""
        by_name = {c.name: c for c in self.channels}
        sent = 0
        for reminder_id, channel, kind, facts in self.store.pending():
            if channel not in by_name:
                continue
            title, body = reminder_text(kind, self.bureau, facts)
            self.store.mark(reminder_id, channel, "sending", _now())
            try:
                by_name[channel].send(Message(Reminder(reminder_id, kind, facts), self.bureau, title, body))
            except SendFailed as exc:
                self.store.mark(reminder_id, channel, "pending", _now())
                log.warning("reminder %s via %s not sent (tried again next round): %s", reminder_id, channel, exc)
                continue
            self.store.mark(reminder_id, channel, "sent", _now())
            log.info("reminder %s sent via %s", reminder_id, channel)
            sent += 1
        return sent

    def round(self, today: date | None = None) -> int:
        self.follow()
        self.schedule(today or datetime.now(SHANGHAI).date())
        return self.deliver()


def _now() -> str:
    return datetime.now(SHANGHAI).isoformat(timespec="seconds")
