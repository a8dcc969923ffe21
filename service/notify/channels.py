"""Where reminders go: a bureau's webhook (WeCom robot, DingTalk robot or generic JSON) and e-mail (SMTP).

A channel's `send` returns when the far side accepted the message and raises `SendFailed` otherwise.
The generic webhook carries the reminder's id (also as `Idempotency-Key`), and e-mails carry it in
their Message-ID, so a receiver can tell a reminder it already has.
"""

from __future__ import annotations

import smtplib
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol

import orjson

from domain.errors import ScoreledgerError
from service.notify.schedule import Reminder


class SendFailed(ScoreledgerError):
    """Raised when a channel could not hand a reminder over (it stays pending and is tried again)."""


@dataclass(frozen=True)
class Message:
    """A reminder in words: a title and a body (Chinese, from service/ops_texts.py)."""

    reminder: Reminder
    bureau: str
    title: str
    body: str


class Channel(Protocol):
    name: str

    def send(self, message: Message) -> None: ...


def webhook_body(message: Message, kind: str) -> dict[str, Any]:
    """The JSON each robot expects (WeCom: markdown.content; DingTalk: markdown.title and text)."""
    text = f"### {message.title}\n{message.body}"
    if kind == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": text}}
    if kind == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": message.title, "text": text}}
    return {"id": message.reminder.id, "kind": message.reminder.kind, "bureau": message.bureau,
            "title": message.title, "text": message.body, **message.reminder.facts}


@dataclass
class Webhook:
    url: str
    kind: str = "generic"  # generic, wecom, dingtalk
    timeout: float = 10.0
    name: str = "webhook"

    def send(self, message: Message) -> None:
        request = urllib.request.Request(  # noqa: S310 - the bureau's configured http(s) URL
            self.url, data=orjson.dumps(webhook_body(message, self.kind)), method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": message.reminder.id})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = response.read()
        except OSError as exc:
            raise SendFailed(f"webhook {self.kind}: {exc}") from None
        _robot_answer(answer, self.kind)


def _robot_answer(answer: bytes, kind: str) -> None:
    """The robots answer 200 with {"errcode": n}; anything but 0 is a refusal."""
    if kind == "generic":
        return
    try:
        code = orjson.loads(answer).get("errcode", 0)
    except (orjson.JSONDecodeError, AttributeError):
        raise SendFailed(f"webhook {kind}: unreadable answer {answer[:200]!r}") from None
    if code != 0:
        raise SendFailed(f"webhook {kind}: errcode {code}: {answer[:200]!r}")


@dataclass
class Mail:
    host: str
    port: int
    sender: str
    recipients: list[str]
    user: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 30.0
    name: str = "email"

    def send(self, message: Message) -> None:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self.sender, ", ".join(self.recipients), message.title
        mail["Date"] = formatdate(localtime=True)
        mail["Message-ID"] = f"<{message.reminder.id.replace(':', '.').replace('/', '.')}@scoreledger>"
        mail.set_content(message.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise SendFailed(f"e-mail via {self.host}:{self.port}: {exc}") from None
