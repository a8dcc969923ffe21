"""Publication (P1) and appeals (P2-P5): windows in mainland working days (P6)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from uuid import uuid4

from domain.calendar import MainlandCalendar, WorkingCalendar, appeal_deadline, decision_deadline
from domain.errors import FactsInvalid, Problem
from domain.facts import Subject
from domain.ledger.appeal import Appeal
from domain.ledger.facts_ledger import FactLedger
from domain.ledger.ids import appeal_id, joint_id, ledger_id
from domain.ledger.period import Period, PeriodStateError
from domain.scheme.model import Scheme
from domain.scoring.applicability import applicable_ids
from domain.scoring.bystanders import lowered_bystanders, named_parties
from projections.fact_index import named_subjects
from replay.seal import checkpoint_of, make_seal
from service.anchoring import CheckpointAnchor
from service.commands import Ledger, Settle
from service.errors import AppealLate, NotFound, VersionMismatch
from service.signing import Signer, SigningKeyError


class ServiceLedger(Ledger):
    """The whole command set: facts and periods (Ledger), publication and appeals."""

    def __init__(
        self, env: dict[str, str] | None = None, bureau: str = "default", calendar: WorkingCalendar | None = None
    ) -> None:
        super().__init__(env=env, bureau=bureau)
        self.calendar = calendar or MainlandCalendar()
        self.signer: Signer | None = None  # the bureau's seal signing key (service/signing.py), set by bootstrap
        self.anchor: CheckpointAnchor | None = None  # the checkpoints signed, outside the store; set by bootstrap

    def publish(
        self,
        code: str,
        published_on: date,
        actor: str,
        at: str,
        expected_version: int | None = None,
        key: str | None = None,
    ) -> dict[str, Any]:
        """Seal the closed period's results as of the log's end, sign the seal's checkpoint with the
        bureau's key, and publish them (P1)."""
        signer = self.signer
        if signer is None:
            raise SigningKeyError(
                "publishing signs the seal with the bureau's key: none is configured "
                "(create one with `scoreledger keys create PATH`, then set SCORELEDGER_SIGNING_KEY)"
            )

        def decide() -> tuple[list[Any], dict[str, Any]]:
            period = self.period(code, expected_version)
            if period.status not in ("closed", "published"):
                raise PeriodStateError(f"period {code} must be closed before it is published")
            seal = make_seal(self.recorder, code, self.bureau)
            seal["checkpoint"] = self._signed(seal, signer, sealed=bool(period.seals) or "consistency" in seal)
            period.publish(seal, published_on.isoformat(), actor, at)
            return [period], {"period": code, "seal": seal, "version": period.version}

        return self.run(decide, key=key, request=[code, published_on.isoformat(), expected_version], actor=actor, at=at)

    def _signed(self, seal: dict[str, Any], signer: Signer, sealed: bool) -> str:
        """The seal's signed checkpoint: anchored first (service/anchoring.py), which refuses a tree that does not
        extend the last checkpoint signed; `sealed` says the log already holds a seal."""
        if self.anchor is None:
            return signer.sign(checkpoint_of(seal, self.bureau).body())
        return self.anchor.sign(self.recorder, seal, self.bureau, signer, sealed)

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
        items: Sequence[str] = (),
    ) -> dict[str, Any]:
        """P2/P3: an appeal within the window, naming facts of the subject's published scores, or items
        of the scheme whose fact is missing ("our city-level commendation was never recorded")."""

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
            self._check_contested(code, subject, contested, items, period.subjects.get(subject), scheme)
            name = uuid4().hex[:16]
            filed = Appeal(
                appeal=name,
                period=code,
                bureau=self.bureau,
                subject=subject,
                contested=contested,
                items=list(items),
                reasons=reasons,
                evidence=evidence,
                filed_on=filed_on.isoformat(),
                deadline=deadline.isoformat(),
                actor=actor,
                at=at,
            )
            return [filed], {"appeal": name, "deadline": deadline.isoformat(), "status": "filed"}

        request = [code, subject, contested, list(items), reasons, evidence, filed_on.isoformat()]
        return self.run(decide, key=key, request=request, actor=actor, at=at)

    def _check_contested(
        self,
        code: str,
        subject: str,
        contested: Sequence[str],
        items: Sequence[str],
        registered: dict[str, Any] | None,
        scheme: Scheme,
    ) -> None:
        """P3: the contested facts concern the subject (every fact that lowers its score does), the
        contested items are items of the scheme that apply to it."""
        if not contested and not items:
            wanted = Problem("contested", "name at least one contested fact or item (P3)")
            raise FactsInvalid("appeal refused", [wanted])
        if registered is None:
            raise NotFound(f"subject {subject} is not registered in {code}")
        known = self._facts_of(code, subject)
        missing = [f for f in contested if f not in known]
        if missing:
            raise NotFound(f"contested fact(s) {', '.join(missing)} are not facts of {subject} in {code}")
        applicable = applicable_ids(scheme, str(registered.get("kind")))
        problems = [
            Problem(f"items[{i}]", f"{item!r} is not an item of scheme {scheme.scheme} that applies to {subject}")
            for i, item in enumerate(items)
            if item not in scheme.items or item not in applicable
        ]
        if problems:
            raise FactsInvalid("appeal refused", problems)

    def _facts_of(self, code: str, subject: str) -> dict[str, dict[str, Any]]:
        """The facts that concern a subject: its own stream's, and the joint facts naming it (through
        their targets too: a retraction of a shared deduction concerns its parties)."""
        own = self.maybe(ledger_id(code, subject, self.bureau))
        joint = self.maybe(joint_id(code, self.bureau))
        known = dict(own.facts if isinstance(own, FactLedger) else {})
        shared = joint.facts if isinstance(joint, FactLedger) else {}
        known.update({i: f for i, f in shared.items() if subject in named_subjects(shared, f)})
        return known

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
        """P5: uphold; the corrections are recorded with the decision. They correct only what the appeal
        contests: a correction, retraction or exemption of a contested fact, or the missing fact of a
        contested item for the appellant (P3). What that changes for others is a knock-on."""
        first = self.appeal(appeal, expected_version)
        problems = [
            Problem(f"corrections[{index}]", reason)
            for index, fact in enumerate(corrections)
            if (reason := _outside_appeal(first, fact)) is not None
        ]
        if problems:
            raise FactsInvalid("correction refused", problems)
        prepared = self.prepare_facts(first.period, corrections, actor)

        def decide() -> tuple[list[Any], dict[str, Any]]:
            found = self.appeal(appeal, expected_version)
            kept = _bystanders_kept(found.subject)
            ledgers = self.decide_facts(found.period, prepared, actor, at, appeal, settle=kept)
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


def _bystanders_kept(appellant: str) -> Settle:
    """P5: the decision may not lower the total of a party that did not appeal (security review F9); it is
    scored on the admitted facts before anything is appended (domain/scoring/bystanders.py)."""

    def settle(scheme: Scheme, period: Period, before: Mapping[str, Any], after: Mapping[str, Any],
               batch: list[Any]) -> None:
        registered = period.subjects
        parties = [Subject.model_validate(registered[s]) for s in sorted(named_parties(batch, after))
                   if s in registered]
        lowered = lowered_bystanders(scheme, parties, list(before.values()), list(after.values()), period.code,
                                     appellant)
        problems = [
            Problem("corrections", f"upholding the appeal of {appellant} would lower the total of {x.subject}, "
                                   f"which did not appeal, from {x.before} to {x.after}: a decision corrects only "
                                   "what the appellant contests (P5)")
            for x in lowered
        ]
        if problems:
            raise FactsInvalid("correction refused", problems)

    return settle


def _outside_appeal(appeal: Appeal, fact: dict[str, Any]) -> str | None:
    """Why a correction goes beyond what the appeal contests (P5), or None."""
    target = fact.get("target") or fact.get("corrects")
    if target is not None:
        return None if target in appeal.contested else "a correction must name a contested fact (P5)"
    if fact.get("item") not in getattr(appeal, "items", []):
        return "a new fact must be for an item the appeal contests (P3, P5)"
    if fact.get("subject") != appeal.subject or fact.get("parties"):
        return f"a new fact of a contested item is recorded for the appellant {appeal.subject} only (P5)"
    return None
