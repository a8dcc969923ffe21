"""The Period aggregate: opened under a scheme hash, subjects registered, closed, published."""

from __future__ import annotations

import sys
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import ScoreledgerError
from domain.ledger.copying import SharedContents
from domain.ledger.ids import period_id

SHARED_VALUES = frozenset({"group", "kind", "unit"})  # a subject's fields whose values many subjects share


def shared(subject: dict[str, Any]) -> dict[str, Any]:
    """A registered subject as the period keeps it: the same keys and values, its keys (every subject's, each decoded
    anew from its event) and its group, kind and unit interned, so that a period's subjects share one copy of each
    (issue 12: a province's 200,000 subjects were ~650 bytes each, about half of it these strings, held by every
    process that loads the period: the publish's parent among them)."""
    return {
        sys.intern(key): sys.intern(value) if key in SHARED_VALUES and type(value) is str else value
        for key, value in subject.items()
    }


class PeriodStateError(ScoreledgerError):
    """Raised when a period is not in a state that allows the action (closed, published...)."""


class Period(SharedContents, Aggregate):
    """A scoring period of one bureau, bound to the exact scheme in force."""

    copied = ("subjects", "seals")  # never changed once applied: copies share the contents (domain/ledger/copying.py)

    TOPIC = "scoreledger:Period"

    class Event(Aggregate.Event):
        TOPIC = "scoreledger:Period.Event"
        actor: str
        at: str

    class Opened(Aggregate.Created, Event):
        """A period was opened under a scheme version (bound by content hash)."""

        TOPIC = "scoreledger:Period.Opened"
        class_version = 2
        code: str
        bureau: str
        scheme: str
        scheme_version: int
        scheme_hash: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1 had one bureau per installation; v2 names it."""
            state["bureau"] = "default"

    class SchemeBound(Event):
        """The period was bound to an amended scheme version from this point on."""

        TOPIC = "scoreledger:Period.SchemeBound"
        scheme_version: int
        scheme_hash: str
        reason: str

        def apply(self, period: Period) -> None:
            period.scheme_version, period.scheme_hash = self.scheme_version, self.scheme_hash

    class SubjectRegistered(Event):
        TOPIC = "scoreledger:Period.SubjectRegistered"
        subject: dict[str, Any]

        def apply(self, period: Period) -> None:
            period.subjects[self.subject["id"]] = shared(self.subject)

    class Closed(Event):
        TOPIC = "scoreledger:Period.Closed"

        def apply(self, period: Period) -> None:
            period.status = "closed"

    class Published(Event):
        """The period's results were published; the seal binds them to the log."""

        TOPIC = "scoreledger:Period.Published"
        seal: dict[str, Any]
        published_on: str

        def apply(self, period: Period) -> None:
            if not isinstance(self.seal, dict) or self.seal.get("period") != period.code:
                return  # a publication moved here from another period's stream: it publishes nothing here
            period.status = "published"
            period.seals.append(self.seal)
            period.published_on = self.published_on

    @staticmethod
    def create_id(code: str, bureau: str, **_: Any) -> UUID:
        return period_id(code, bureau)

    def __init__(
        self, code: str, bureau: str, scheme: str, scheme_version: int, scheme_hash: str, actor: str, at: str
    ) -> None:
        self.code, self.bureau, self.scheme = code, bureau, scheme
        self.scheme_version, self.scheme_hash = scheme_version, scheme_hash
        self.status = "open"
        self.subjects: dict[str, dict[str, Any]] = {}
        self.seals: list[dict[str, Any]] = []
        self.published_on: str | None = None

    def bind_scheme(self, version: int, content_hash: str, reason: str, actor: str, at: str) -> None:
        self._require("open", "bind another scheme version")
        self.trigger_event(
            self.SchemeBound, scheme_version=version, scheme_hash=content_hash, reason=reason, actor=actor, at=at
        )

    def register_subject(self, subject: dict[str, Any], actor: str, at: str) -> None:
        self._require("open", "register subjects")
        if subject["id"] in self.subjects:
            raise PeriodStateError(f"subject {subject['id']!r} is already registered in {self.code}")
        self.trigger_event(self.SubjectRegistered, subject=subject, actor=actor, at=at)

    def close(self, actor: str, at: str) -> None:
        self._require("open", "close it")
        self.trigger_event(self.Closed, actor=actor, at=at)

    def publish(self, seal: dict[str, Any], published_on: str, actor: str, at: str) -> None:
        if self.status not in ("closed", "published"):
            raise PeriodStateError(f"period {self.code} must be closed before it is published")
        self.trigger_event(self.Published, seal=seal, published_on=published_on, actor=actor, at=at)

    def _require(self, status: str, action: str) -> None:
        if self.status != status:
            raise PeriodStateError(f"period {self.code} is {self.status}: cannot {action}")
