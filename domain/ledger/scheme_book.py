"""The SchemeBook aggregate: every version of one scheme, each bound by its content hash."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import ScoreledgerError
from domain.ledger.ids import scheme_book_id


class SchemeVersionExists(ScoreledgerError):
    """Raised when a scheme version is registered twice with different content."""


class SchemeBook(Aggregate):
    """All registered versions of one scheme code; a version, once registered, never changes."""

    TOPIC = "scoreledger:SchemeBook"

    class Event(Aggregate.Event):
        TOPIC = "scoreledger:SchemeBook.Event"
        actor: str
        at: str

    class Started(Aggregate.Created, Event):
        TOPIC = "scoreledger:SchemeBook.Started"
        code: str

    class VersionRegistered(Event):
        TOPIC = "scoreledger:SchemeBook.VersionRegistered"
        version: int
        content_hash: str
        document: dict[str, Any]

        def apply(self, book: SchemeBook) -> None:
            book.versions[self.version] = {"content_hash": self.content_hash, "document": self.document}

    @staticmethod
    def create_id(code: str, **_: Any) -> UUID:
        return scheme_book_id(code)

    def __init__(self, code: str, actor: str, at: str) -> None:
        self.code = code
        self.versions: dict[int, dict[str, Any]] = {}

    def register(self, version: int, content_hash: str, document: dict[str, Any], actor: str, at: str) -> bool:
        """Register a version; the same content again is a no-op (False), other content is refused."""
        existing = self.versions.get(version)
        if existing is not None:
            if existing["content_hash"] == content_hash:
                return False
            raise SchemeVersionExists(
                f"scheme {self.code} v{version} is registered with other content; register a new version"
            )
        self.trigger_event(
            self.VersionRegistered, version=version, content_hash=content_hash, document=document, actor=actor, at=at
        )
        return True
