"""Running the notifier: rounds every SCORELEDGER_NOTIFY_INTERVAL_MS until SIGTERM/SIGINT (or one round)."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import date

from service.notify.setup import build_notifier
from service.settings import Settings

log = logging.getLogger("scoreledger.notify")


def run_notifier(settings: Settings, once: bool = False, today: date | None = None) -> None:
    notifier, close = build_notifier(settings)
    stopping = threading.Event()
    if not once and threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stopping.set())
    try:
        notifier.recover()
        if not notifier.channels:
            log.warning("no reminder channel configured (SCORELEDGER_NOTIFY_WEBHOOK_URL, _SMTP_HOST and _MAIL_TO)")
        while True:
            try:
                sent = notifier.round(today)
                if sent:
                    log.info("%s reminder(s) sent", sent)
            except Exception:  # noqa: BLE001 - the store or a channel failed: logged, the next round tries again
                if once:
                    raise
                log.exception("the reminder round failed; trying again")
            if once or stopping.wait(settings.notify_interval_ms / 1000):
                return
    finally:
        close()
