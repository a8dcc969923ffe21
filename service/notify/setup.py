"""Building the notifier from the settings: the log (read-only on SQLite), its store, the channels."""

from __future__ import annotations

from typing import Any

from domain.calendar import MainlandCalendar
from service.bootstrap import conninfo
from service.notify.channels import Channel, Mail, Webhook
from service.notify.notifier import Notifier
from service.notify.store import PostgresNotifyStore, SQLiteNotifyStore
from service.readonly import ReadOnlyLog
from service.settings import Settings
from service.stores import hold, release


def channels(settings: Settings) -> list[Channel]:
    """The bureau's configured channels (none configured: reminders are only logged as due)."""
    found: list[Channel] = []
    if settings.notify_webhook_url:
        found.append(Webhook(settings.notify_webhook_url, settings.notify_webhook_format))
    recipients = [a.strip() for a in settings.notify_mail_to.split(",") if a.strip()]
    if settings.notify_smtp_host and recipients:
        found.append(Mail(settings.notify_smtp_host, settings.notify_smtp_port, settings.notify_mail_from, recipients,
                          settings.notify_smtp_user, settings.notify_smtp_password, settings.notify_smtp_starttls))
    return found


def build_notifier(settings: Settings) -> tuple[Notifier, Any]:
    """The notifier and a function closing what it opened. One notifier per store: SQLite holds a file lock
    on notify.sqlite, PostgreSQL an advisory lock per schema and bureau."""
    calendar = MainlandCalendar.from_files([p.strip() for p in settings.calendar_files.split(",") if p.strip()])
    if settings.store == "postgres":
        store: Any = PostgresNotifyStore(conninfo(settings), f"{settings.pg_schema}:{settings.bureau}")  # lock first
        source: Any = PostgresLog(conninfo(settings), settings.pg_schema)
    else:
        hold(settings.data_dir / "notify.sqlite")
        source = ReadOnlyLog(settings.data_dir / "log.sqlite", pin=False)
        store = SQLiteNotifyStore(settings.data_dir / "notify.sqlite")
    notifier = Notifier(source, store, channels(settings), settings.bureau, calendar, settings.page_size)

    def close() -> None:
        source.close()
        store.close()
        if settings.store == "sqlite":
            release(settings.data_dir / "notify.sqlite")

    return notifier, close


class PostgresLog:
    """The log's rows read with a plain connection (the notifier needs no application)."""

    def __init__(self, info: str, schema: str):
        import psycopg

        from service.appeals import ServiceLedger

        self.connection = psycopg.connect(info, autocommit=True)
        self.table = f'"{schema}"."{ServiceLedger.name.lower()}_events"'  # the library's table for the application

    def max_notification_id(self) -> int | None:
        row = self.connection.execute(f"SELECT MAX(notification_id) FROM {self.table}").fetchone()  # noqa: S608
        return int(row[0]) if row and row[0] is not None else None

    def select_notifications(self, start: int | None, limit: int, stop: int | None = None, topics: Any = (), *,
                             inclusive_of_start: bool = True) -> list[Any]:
        from service.readonly import Notification

        low = (start or 0) - (1 if inclusive_of_start and start else 0)
        rows = self.connection.execute(
            f"SELECT notification_id, originator_id, originator_version, topic, state FROM {self.table} "  # noqa: S608
            "WHERE notification_id > %s AND notification_id <= %s ORDER BY notification_id LIMIT %s",
            (low, stop if stop is not None else 2**63 - 1, limit)).fetchall()
        return [Notification(p, s, v, t, bytes(b)) for p, s, v, t, b in rows]

    def close(self) -> None:
        self.connection.close()
