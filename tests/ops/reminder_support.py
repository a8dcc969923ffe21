"""A local webhook receiver and a local SMTP server for the reminder tests, both on free loopback ports."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from tests.reliability.harness import free_port


@dataclass
class Receiver:
    """Records every webhook body; can answer like a robot, refuse, or kill a process on the Nth request."""

    bodies: list[dict[str, Any]] = field(default_factory=list)
    answer: dict[str, Any] = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    kill_pid: int | None = None
    kill_at: int = 0
    url: str = ""


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the standard library's name
            body = orjson.loads(self.rfile.read(int(self.headers["Content-Length"])))
            receiver.bodies.append({**body, "_key": self.headers.get("Idempotency-Key")})
            if receiver.kill_pid and len(receiver.bodies) == receiver.kill_at:
                os.kill(receiver.kill_pid, signal.SIGKILL)  # the notifier dies before it hears the answer
                receiver.kill_pid = None
            payload = orjson.dumps(receiver.answer)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Inbox:
    messages: list[dict[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        mail = message_from_bytes(envelope.content)
        self.messages.append({"message_id": mail["Message-ID"], "to": ",".join(envelope.rcpt_tos),
                              "subject": str(make_header(decode_header(mail["Subject"]))),
                              "body": mail.get_payload(decode=True).decode("utf-8")})
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
