"""The Appeal aggregate (P2-P5): filed, accepted, then upheld with corrections or rejected."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import ScoreledgerError
from domain.ledger.ids import appeal_id


class AppealStateError(ScoreledgerError):
    """Raised when an appeal is not in a state that allows the decision."""


class Appeal(Aggregate):
    """A scored party's appeal against named facts or items of a published period."""

    TOPIC = "scoreledger:Appeal"

    class Event(Aggregate.Event):
        TOPIC = "scoreledger:Appeal.Event"
        actor: str
        at: str

    class Filed(Aggregate.Created, Event):
        """P2/P3: filed within the window, naming the contested facts and items, with reasons and evidence."""

        TOPIC = "scoreledger:Appeal.Filed"
        class_version = 2
        appeal: str
        period: str
        bureau: str
        subject: str
        contested: list[str]
        items: list[str]
        reasons: str
        evidence: list[str]
        filed_on: str
        deadline: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1 contested facts only; v2 may contest items whose fact is missing (P3)."""
            state["items"] = []

    class Accepted(Event):
        TOPIC = "scoreledger:Appeal.Accepted"
        accepted_on: str
        decide_by: str

        def apply(self, appeal: Appeal) -> None:
            appeal.status, appeal.decide_by = "accepted", self.decide_by

    class Upheld(Event):
        """P5: upheld; the corrections it made are facts recorded with this appeal's id."""

        TOPIC = "scoreledger:Appeal.Upheld"
        decided_on: str
        corrections: list[str]
        reasons: str

        def apply(self, appeal: Appeal) -> None:
            appeal.status, appeal.corrections = "upheld", list(self.corrections)

    class Rejected(Event):
        TOPIC = "scoreledger:Appeal.Rejected"
        decided_on: str
        reasons: str

        def apply(self, appeal: Appeal) -> None:
            appeal.status = "rejected"

    @staticmethod
    def create_id(appeal: str, **_: Any) -> UUID:
        return appeal_id(appeal)

    def __init__(
        self,
        appeal: str,
        period: str,
        bureau: str,
        subject: str,
        contested: list[str],
        items: list[str],
        reasons: str,
        evidence: list[str],
        filed_on: str,
        deadline: str,
        actor: str,
        at: str,
    ) -> None:
        self.appeal, self.period, self.bureau, self.subject = appeal, period, bureau, subject
        self.contested, self.items = list(contested), list(items)
        self.reasons, self.evidence = reasons, list(evidence)
        self.filed_on, self.deadline = filed_on, deadline
        self.status = "filed"
        self.decide_by: str | None = None
        self.corrections: list[str] = []

    def accept(self, accepted_on: str, decide_by: str, actor: str, at: str) -> None:
        self._require("filed", "accept")
        self.trigger_event(self.Accepted, accepted_on=accepted_on, decide_by=decide_by, actor=actor, at=at)

    def uphold(self, decided_on: str, corrections: list[str], reasons: str, actor: str, at: str) -> None:
        self._require("accepted", "uphold")
        self.trigger_event(
            self.Upheld, decided_on=decided_on, corrections=corrections, reasons=reasons, actor=actor, at=at
        )

    def reject(self, decided_on: str, reasons: str, actor: str, at: str) -> None:
        self._require("accepted", "reject")
        self.trigger_event(self.Rejected, decided_on=decided_on, reasons=reasons, actor=actor, at=at)

    def _require(self, status: str, action: str) -> None:
        if self.status != status:
            raise AppealStateError(f"appeal {self.appeal} is {self.status}: cannot {action}")
