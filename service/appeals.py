"""Publication (P1) and appeals (P2-P5): windows in mainland working days (P6)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from domain.calendar import MainlandCalendar, WorkingCalendar, appeal_deadline, decision_deadline
from domain.errors import FactsInvalid, Problem
from domain.ledger.appeal import Appeal
from domain.ledger.facts_ledger import FactLedger
from domain.ledger.ids import appeal_id, joint_id, ledger_id
from domain.ledger.period import PeriodStateError
from replay.seal import make_seal
from service.commands import Ledger
from service.errors import AppealLate, NotFound, VersionMismatch


class ServiceLedger(Ledger):
    """The whole command set: facts and periods (Ledger), publication and appeals."""

    def __init__(
        self, env: dict[str, str] | None = None, bureau: str = "default", calendar: WorkingCalendar | None = None
    ) -> None:
        super().__init__(env=env, bureau=bureau)
        self.calendar = calendar or MainlandCalendar()

    def publish(
        self,
        code: str,
        published_on: date,
        actor: str,
        at: str,
        expected_version: int | None = None,
        key: str | None = None,
    ) -> dict[str, Any]:
        """Seal the closed period's results as of the log's end and publish them (P1)."""

        def decide() -> tuple[list[Any], dict[str, Any]]:
            period = self.period(code, expected_version)
            seal = make_seal(self.recorder, code, self.bureau)
            period.publish(seal, published_on.isoformat(), actor, at)
            return [period], {"period": code, "seal": seal, "version": period.version}

        return self.run(decide, key=key, request=[code, published_on.isoformat(), expected_version], actor=actor, at=at)

    def appeal(self, appeal: str, expected_version: int | None = None) -> Appeal:
        found = self.load(appeal_id(appeal), f"appeal {appeal}")
        if expected_version is not None and found.version != expected_version:
            raise VersionMismatch(f"appeal {appeal} is at version {found.version}, not {expected_version}")
        return found  # type: ignore[no-any-return]

    def file_appeal(
        self,
        code: str,
        subject: str,
        contested: list[str],
        reasons: str,
        evidence: list[str],
        filed_on: date,
        actor: str,
        at: str,
        key: str | None = None,
    ) -> dict[str, Any]:
        """P2/P3: an appeal within the window, naming facts of the subject's published scores."""

        def decide() -> tuple[list[Any], dict[str, Any]]:
            period = self.period(code)
            if period.status != "published" or period.published_on is None:
                raise PeriodStateError(f"period {code} is {period.status}: appeals follow publication")
            scheme = self.scheme(period.scheme, period.scheme_version)
            deadline = appeal_deadline(
                date.fromisoformat(period.published_on), scheme.publication.appeal_window_working_days, self.calendar
            )
            if filed_on > deadline:
                raise AppealLate(
                    f"the appeal window for {code} closed on {deadline.isoformat()} "
                    f"({scheme.publication.appeal_window_working_days} working days after "
                    f"publication on {period.published_on})",
                    deadline.isoformat(),
                )
            self._check_contested(code, subject, contested)
            name = uuid4().hex[:16]
            filed = Appeal(
                appeal=name,
                period=code,
                bureau=self.bureau,
                subject=subject,
                contested=contested,
                reasons=reasons,
                evidence=evidence,
                filed_on=filed_on.isoformat(),
                deadline=deadline.isoformat(),
                actor=actor,
                at=at,
            )
            return [filed], {"appeal": name, "deadline": deadline.isoformat(), "status": "filed"}

        request = [code, subject, contested, reasons, evidence, filed_on.isoformat()]
        return self.run(decide, key=key, request=request, actor=actor, at=at)

    def _check_contested(self, code: str, subject: str, contested: list[str]) -> None:
        if not contested:
            raise FactsInvalid("appeal refused", [Problem("contested", "name at least one contested fact (P3)")])
        own = self.maybe(ledger_id(code, subject, self.bureau))
        joint = self.maybe(joint_id(code, self.bureau))
        known = dict(own.facts if isinstance(own, FactLedger) else {})
        for fact_id, fact in joint.facts.items() if isinstance(joint, FactLedger) else []:
            if any(p.get("subject") == subject for p in fact.get("parties") or []) or fact.get("subject") == subject:
                known[fact_id] = fact
        missing = [f for f in contested if f not in known]
        if missing:
            raise NotFound(f"contested fact(s) {', '.join(missing)} are not facts of {subject} in {code}")

    def accept_appeal(
        self,
        appeal: str,
        accepted_on: date,
        actor: str,
        at: str,
        expected_version: int | None = None,
        key: str | None = None,
    ) -> dict[str, Any]:
        """P4: accept; the decision is due within the scheme's working days."""

        def decide() -> tuple[list[Any], dict[str, Any]]:
            found = self.appeal(appeal, expected_version)
            period = self.period(found.period)
            days = self.scheme(period.scheme, period.scheme_version).publication.decision_window_working_days
            decide_by = decision_deadline(accepted_on, days, self.calendar)
            found.accept(accepted_on.isoformat(), decide_by.isoformat(), actor, at)
            return [found], {
                "appeal": appeal,
                "status": found.status,
                "decide_by": decide_by.isoformat(),
                "version": found.version,
            }

        return self.run(
            decide, key=key, request=[appeal, accepted_on.isoformat(), expected_version], actor=actor, at=at
        )

    def uphold_appeal(
        self,
        appeal: str,
        corrections: list[dict[str, Any]],
        reasons: str,
        decided_on: date,
        actor: str,
        at: str,
        expected_version: int | None = None,
        key: str | None = None,
    ) -> dict[str, Any]:
        """P5: uphold; the corrections (retractions, corrected facts) are recorded with the decision."""
        first = self.appeal(appeal, expected_version)
        for index, fact in enumerate(corrections):
            target = fact.get("target") or fact.get("corrects")
            if target not in first.contested:
                raise FactsInvalid(
                    "correction refused",
                    [Problem(f"corrections[{index}]", "a correction must name a contested fact (P5)")],
                )
        prepared = self.prepare_facts(first.period, corrections, actor)

        def decide() -> tuple[list[Any], dict[str, Any]]:
            found = self.appeal(appeal, expected_version)
            ledgers = self.decide_facts(found.period, prepared, actor, at, appeal)
            ids = [f["id"] for f in prepared]
            found.uphold(decided_on.isoformat(), ids, reasons, actor, at)
            return [*ledgers, found], {"appeal": appeal, "status": found.status, "corrections": ids}

        return self.run(
            decide, key=key, request=[appeal, corrections, reasons, decided_on.isoformat()], actor=actor, at=at
        )

    def reject_appeal(
        self,
        appeal: str,
        reasons: str,
        decided_on: date,
        actor: str,
        at: str,
        expected_version: int | None = None,
        key: str | None = None,
    ) -> dict[str, Any]:
        """P5: reject; the contested values stand, and the decision is recorded."""

        def decide() -> tuple[list[Any], dict[str, Any]]:
            found = self.appeal(appeal, expected_version)
            found.reject(decided_on.isoformat(), reasons, actor, at)
            return [found], {"appeal": appeal, "status": found.status}

        return self.run(decide, key=key, request=[appeal, reasons, decided_on.isoformat()], actor=actor, at=at)
