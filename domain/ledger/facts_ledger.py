"""Fact streams: one subject's facts in a period, or the period's facts that name several subjects.

Each recorded fact is an event; a retraction, exemption or correction is another event
naming its target. The stream checks what it can see: targets exist, a fact id is
used once, a rater rates a subject on an item once.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import FactsInvalid, Problem
from domain.ledger.copying import SharedContents
from domain.ledger.ids import joint_id, ledger_id

_FACT_EVENTS = {
    "deduction": "DeductionRecorded",
    "bonus": "BonusRecorded",
    "rating": "RatingRecorded",
    "veto": "VetoRecorded",
    "affirmation": "AffirmationRecorded",
    "condition": "ConditionRecorded",
    "exemption": "ExemptionGranted",
    "retraction": "FactRetracted",
}


class FactLedger(SharedContents, Aggregate):
    """A stream of facts: one subject's in a period, or (subject None) the period's joint facts."""

    copied = ("facts",)  # never changed once applied: copies share the contents (domain/ledger/copying.py)

    TOPIC = "scoreledger:FactLedger"

    class Event(Aggregate.Event):
        TOPIC = "scoreledger:FactLedger.Event"
        actor: str
        at: str

    class FactEvent(Event):
        TOPIC = "scoreledger:FactLedger.FactEvent"
        fact: dict[str, Any]
        appeal: str | None

        def apply(self, stream: FactLedger) -> None:
            stream.facts[self.fact["id"]] = self.fact

    class DeductionRecorded(FactEvent):
        TOPIC = "scoreledger:DeductionRecorded"

    class BonusRecorded(FactEvent):
        TOPIC = "scoreledger:BonusRecorded"

    class RatingRecorded(FactEvent):
        TOPIC = "scoreledger:RatingRecorded"

    class VetoRecorded(FactEvent):
        TOPIC = "scoreledger:VetoRecorded"

    class AffirmationRecorded(FactEvent):
        TOPIC = "scoreledger:AffirmationRecorded"

    class ConditionRecorded(FactEvent):
        TOPIC = "scoreledger:ConditionRecorded"

    class ExemptionGranted(FactEvent):
        TOPIC = "scoreledger:ExemptionGranted"

    class FactRetracted(FactEvent):
        TOPIC = "scoreledger:FactRetracted"

    class Opened(Aggregate.Created, Event):
        TOPIC = "scoreledger:FactLedger.Opened"
        period: str
        bureau: str
        subject: str | None

    @staticmethod
    def create_id(period: str, bureau: str, subject: str | None, **_: Any) -> UUID:
        return ledger_id(period, subject, bureau) if subject is not None else joint_id(period, bureau)

    def __init__(self, period: str, bureau: str, subject: str | None, actor: str, at: str) -> None:
        self.period, self.bureau, self.subject = period, bureau, subject
        self.facts: dict[str, dict[str, Any]] = {}

    def record(self, fact: dict[str, Any], actor: str, at: str, appeal: str | None = None) -> None:
        """Append one fact after the checks this stream can make on its own."""
        problems = self.problems(fact)
        if problems:
            raise FactsInvalid(
                f"fact {fact.get('id')} refused", [Problem(f"fact {fact.get('id')}", p) for p in problems]
            )
        event_class = getattr(self, _FACT_EVENTS[fact["type"]])
        self.trigger_event(event_class, fact=fact, actor=actor, at=at, appeal=appeal)

    def problems(self, fact: dict[str, Any]) -> list[str]:
        out = []
        if fact["id"] in self.facts:
            out.append(f"fact id {fact['id']!r} is already recorded")
        target = fact.get("target") or fact.get("corrects")
        if target is not None:
            earlier = self.facts.get(target)
            if earlier is None:
                out.append(f"names fact {target!r}, which is not recorded in this stream")
            elif earlier["type"] == "retraction":
                out.append("a retraction cannot be retracted or corrected")
            elif fact["type"] == "retraction" and self._retracted(target):
                out.append(f"fact {target!r} is already retracted")
        if fact["type"] == "rating" and not fact.get("corrects"):
            out += self._rater_twice(fact)
        if fact["type"] == "bonus" and fact.get("rank") is not None:
            out += self._rank_taken(fact)
        return out

    def _live(self) -> list[dict[str, Any]]:
        gone = {f.get("target") for f in self.facts.values()} | {f.get("corrects") for f in self.facts.values()}
        return [f for f in self.facts.values() if f["id"] not in gone]

    def _rank_taken(self, fact: dict[str, Any]) -> list[str]:
        for earlier in self._live():
            if (
                earlier.get("item") == fact["item"]
                and earlier.get("rank") == fact["rank"]
                and earlier["id"] != fact.get("corrects")
            ):
                return [f"rank {fact['rank']} of item {fact['item']} is already awarded ({earlier['id']}) (B4)"]
        return []

    def _retracted(self, target: str) -> bool:
        return any(f["type"] == "retraction" and f["target"] == target for f in self.facts.values())

    def _rater_twice(self, fact: dict[str, Any]) -> list[str]:
        """R3: one live rating per rater, item and subject (a new opinion is a correction)."""
        key = (fact.get("item"), fact.get("subject"), fact.get("rater"))
        same = [
            f["id"]
            for f in self.facts.values()
            if f["type"] == "rating" and (f.get("item"), f.get("subject"), f.get("rater")) == key
        ]
        if same:  # only then is it worth finding which facts are gone (retracted or corrected)
            gone = {f.get("target") for f in self.facts.values()} | {f.get("corrects") for f in self.facts.values()}
            if any(i not in gone for i in same):
                return [f"{fact['rater']} already rated {fact['subject']} on {fact['item']}: record a correction"]
        return []
