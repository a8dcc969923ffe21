"""The commands recording offices, administrators and reviewers send to the ledger."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter

from domain.errors import FactsInvalid, Problem
from domain.facts import Fact, Subject, typed_facts
from domain.ledger.facts_ledger import FactLedger
from domain.ledger.ids import joint_id, ledger_id, period_id, scheme_book_id
from domain.ledger.period import Period, PeriodStateError
from domain.ledger.scheme_book import SchemeBook
from domain.scheme.loader import validate_scheme
from domain.scheme.model import Scheme
from domain.scheme.offices import Groups, group_lookup
from domain.scoring.dating import date_findings
from domain.scoring.plausible import refuse_implausible
from domain.scoring.validate import allowed_periods
from domain.scoring.vetting import Vetting
from domain.units import expand_units
from projections.admission import typed_already
from service.carry import carry_subjects
from service.errors import Conflict, NotFound, VersionMismatch
from service.facts_routing import JOINT, assign_id, log_order, route
from service.ledger import Command, LedgerBase
from service.rebinding import refuse_unfit

_FACT: TypeAdapter[Any] = TypeAdapter(Fact)
Authorize = Callable[[Scheme, list[dict[str, Any]], Mapping[str, dict[str, Any]], Groups], None]
# settle(scheme, period, admitted before the batch, admitted with it, the batch): may refuse what the batch does
Settle = Callable[[Scheme, Period, Mapping[str, Any], Mapping[str, Any], list[Any]], None]


class Ledger(LedgerBase):
    """Schemes, periods, subjects and facts (appeals and publication in AppealsLedger)."""

    def __init__(self, env: dict[str, str] | None = None, bureau: str = "default") -> None:
        super().__init__(env=env)
        self.bureau = bureau
        self._schemes: dict[str, Scheme] = {}
        self._versions: dict[tuple[str, int], Scheme] = {}
        self._typed_facts: dict[tuple[UUID, str], tuple[dict[str, Any], Any]] = {}
        self._admitted: dict[tuple[UUID, ...], _Admitted] = {}  # the stored facts of streams, admitted

    def register_scheme(self, scheme: Scheme, actor: str, at: str, key: str | None = None) -> dict[str, Any]:
        """Register a scheme version (the same content twice is a no-op)."""
        document = scheme.model_dump(mode="json", exclude_none=True)

        def decide() -> tuple[list[Any], dict[str, Any]]:
            book = self.maybe(scheme_book_id(scheme.scheme)) or SchemeBook(code=scheme.scheme, actor=actor, at=at)
            added = book.register(scheme.version, scheme.content_hash, document, actor, at)
            result = {"scheme": scheme.scheme, "version": scheme.version, "content_hash": scheme.content_hash}
            return ([book] if added or book.version == 0 else []), {**result, "added": added}

        return self.run(decide, key=key, request=document, actor=actor, at=at)

    def scheme(self, code: str, version: int) -> Scheme:
        """A registered scheme version, validated (cached: a registered version never changes, the book
        refuses other content under its number, so a version once seen is not loaded again)."""
        known = self._versions.get((code, version))
        if known is not None:
            return known
        book = self.load(scheme_book_id(code), f"scheme {code}")
        entry = book.versions.get(version)
        if entry is None:
            raise NotFound(f"scheme {code} has no version {version}")
        cached = self._schemes.get(entry["content_hash"])
        if cached is None:
            cached = self._schemes[entry["content_hash"]] = validate_scheme(entry["document"])
        self._versions[(code, version)] = cached
        return cached

    def open_period(
        self,
        code: str,
        scheme: str,
        version: int,
        actor: str,
        at: str,
        key: str | None = None,
        carry_over: bool = False,
        leave_out: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Open a period bound to a scheme version's content hash; with `carry_over`, registering the previous
        period's subjects and groups in the same transaction (service.carry)."""
        bound = self.scheme(scheme, version)

        def decide() -> tuple[list[Any], dict[str, Any]]:
            if self.maybe(period_id(code, self.bureau)) is not None:
                raise Conflict(f"period {code} already exists")
            period = Period(
                code=code,
                bureau=self.bureau,
                scheme=scheme,
                scheme_version=version,
                scheme_hash=bound.content_hash,
                actor=actor,
                at=at,
            )
            result = {"period": code, "scheme_hash": bound.content_hash}
            if carry_over:
                source, carried = carry_subjects(self, period, bound, leave_out, actor, at)
                result |= {"carried_over_from": source, "subjects": carried}
            return [period], result

        asked = [code, scheme, version] + ([True, sorted(leave_out)] if carry_over else [])
        return self.run(decide, key=key, request=asked, actor=actor, at=at)

    def bind_scheme(
        self,
        code: str,
        version: int,
        reason: str,
        actor: str,
        at: str,
        expected_version: int | None = None,
        key: str | None = None,
    ) -> dict[str, Any]:
        """Bind an open period to an amended version of its scheme from this log position on; refused when a
        stored fact would be set aside under it (service/rebinding.py)."""

        def decide() -> tuple[list[Any], dict[str, Any]]:
            period = self.period(code, expected_version)
            amended = self.scheme(period.scheme, version)
            refuse_unfit(self, period, self.scheme(period.scheme, period.scheme_version), amended)
            period.bind_scheme(version, amended.content_hash, reason, actor, at)
            return [period], {"period": code, "scheme_version": version, "scheme_hash": amended.content_hash}

        return self.run(decide, key=key, request=[code, version, reason, expected_version], actor=actor, at=at)

    def period(self, code: str, expected_version: int | None = None) -> Period:
        period = self.load(period_id(code, self.bureau), f"period {code}")
        if expected_version is not None and period.version != expected_version:
            raise VersionMismatch(f"period {code} is at version {period.version}, not {expected_version}")
        return period  # type: ignore[no-any-return]

    def register_subjects(
        self, code: str, subjects: list[Subject], actor: str, at: str, key: str | None = None
    ) -> dict[str, Any]:
        """Register subjects (S2) in an open period, all or none."""

        def decide() -> tuple[list[Any], dict[str, Any]]:
            period = self.period(code)
            scheme = self.scheme(period.scheme, period.scheme_version)
            for subject in subjects:
                if subject.kind not in scheme.subject_kinds:
                    raise FactsInvalid(
                        "subject refused",
                        [
                            Problem(
                                f"subject {subject.id}.kind",
                                f"unknown kind; the scheme has {sorted(scheme.subject_kinds)}",
                            )
                        ],
                    )
                period.register_subject(subject.model_dump(mode="json"), actor, at)
            return [period], {"period": code, "subjects": [s.id for s in subjects], "version": period.version}

        return self.run(decide, key=key, request=[code, subjects], actor=actor, at=at)

    def close_period(
        self, code: str, actor: str, at: str, expected_version: int | None = None, key: str | None = None
    ) -> dict[str, Any]:
        """Close a period: no fact appended after this counts, except appeal corrections."""

        def decide() -> tuple[list[Any], dict[str, Any]]:
            period = self.period(code, expected_version)
            period.close(actor, at)
            return [period], {"period": code, "status": period.status, "version": period.version}

        return self.run(decide, key=key, request=[code, expected_version], actor=actor, at=at)

    def record_facts(
        self,
        code: str,
        facts: list[dict[str, Any]],
        actor: str,
        at: str,
        key: str | None = None,
        appeal: str | None = None,
        authorize: Authorize | None = None,
        submit: Callable[[Command], Any] | None = None,
    ) -> Any:
        """Record a batch of facts, all or none; the batch is checked against the scheme first.

        `authorize(scheme, facts, known, groups)` may refuse the batch, seeing the facts already in the
        streams it goes to (so a retraction is judged by the fact it names) and each subject's group as
        the period registers it (S5: an office may depend on the group). `submit` runs the command another
        way (a group commit, service/group_commit.py) and its answer is returned; by default it runs now.
        """
        prepared = self.prepare_facts(code, facts, actor)

        def decide() -> tuple[list[Any], dict[str, Any]]:
            batch = list(prepared)  # decided afresh each time (a retry, a group decided again)
            ledgers = self.decide_facts(code, batch, actor, at, appeal, authorize)
            return ledgers, {"period": code, "facts": [f["id"] for f in batch]}

        def streams() -> list[UUID]:  # what the decision loads first: the period and the streams the facts go to
            routed = sorted({route(f) for f in prepared})
            return [period_id(code, self.bureau), *(joint_id(code, self.bureau) if stream == JOINT else
                                                     ledger_id(code, stream, self.bureau) for stream in routed)]

        command = Command(decide, key=key, request=[code, facts, appeal], actor=actor, at=at, streams=streams)
        return (submit or self.run_command)(command)

    @staticmethod
    def prepare_facts(code: str, facts: list[dict[str, Any]], actor: str) -> list[dict[str, Any]]:
        """Stamp period and recorder, and give each fact its routed id."""
        return [assign_id({**f, "period": code, "recorded_by": actor}, i) for i, f in enumerate(facts)]

    def decide_facts(
        self,
        code: str,
        prepared: list[dict[str, Any]],
        actor: str,
        at: str,
        appeal: str | None,
        authorize: Authorize | None = None,
        settle: Settle | None = None,
    ) -> list[Any]:
        """Load the streams the facts touch, check the batch, and record it on its streams (not yet saved).

        The batch is checked against the stored facts of every stream it touches: the streams it goes
        to, those of every subject it (or a fact it names) concerns, and the joint stream whenever a
        rank is involved (B4), so what scoring will check is checked before anything is appended.
        `settle` then sees the admitted facts of those streams without the batch and with it."""
        period = self.period(code)
        if appeal is None and period.status != "open":
            raise PeriodStateError(f"period {code} is {period.status}: facts can only come from an upheld appeal")
        prepared[:] = expand_units(prepared, period.subjects)  # D11: a unit party stands for its members
        scheme = self.scheme(period.scheme, period.scheme_version)
        ledgers = self._ledgers(code, prepared, actor, at)
        context = self._context(code, prepared, ledgers)
        if authorize is not None:
            known = ChainMap(*[ledger.facts for ledger in reversed(context)])  # read only: no copy (issue 12)
            authorize(scheme, prepared, known, group_lookup(period.subjects))
        with self._checked(period, scheme, prepared, context, date.fromisoformat(at[:10]),
                           settle is not None) as (before, after, typed):
            if settle is not None:
                settle(scheme, period, before, after, typed)
        self._typed_known(ledgers, prepared, typed)
        for fact in prepared:
            ledgers[route(fact)].record(fact, actor, at, appeal)
        return list(ledgers.values())  # in stream order (_ledgers): the log order _check admitted

    def _ledgers(self, code: str, facts: list[dict[str, Any]], actor: str, at: str) -> dict[str, FactLedger]:
        """The streams the facts go to (opened when new)."""
        ledgers: dict[str, FactLedger] = {}
        for stream in sorted({route(f) for f in facts}):
            ledgers[stream] = self._stream(code, stream) or FactLedger(
                period=code, bureau=self.bureau, subject=None if stream == JOINT else stream, actor=actor, at=at
            )
        return ledgers

    def _stream(self, code: str, stream: str) -> FactLedger | None:
        stream_id = joint_id(code, self.bureau) if stream == JOINT else ledger_id(code, stream, self.bureau)
        found = self.maybe(stream_id)
        return found if isinstance(found, FactLedger) else None

    def _context(
        self, code: str, facts: list[dict[str, Any]], ledgers: dict[str, FactLedger]
    ) -> list[FactLedger]:
        """Every stream the batch touches: its own, its subjects' and (for ranks) the joint stream, in
        stream order. A fact names its target, which may name another (a retraction of a correction
        brings back the fact it replaced): the whole chain counts, so a rank award brought back is
        checked against the joint stream's (B4, security review F1b)."""
        known = ChainMap(*[ledger.facts for ledger in reversed(ledgers.values())])  # the last stream's first
        wanted = set(ledgers)
        for fact in facts:
            named = _chain(fact, known)
            wanted |= _subjects_named(named)
            if any(f.get("rank") is not None for f in named):
                wanted.add(JOINT)
        streams = {name: ledgers.get(name) or self._stream(code, name) for name in sorted(wanted)}
        return [ledger for ledger in streams.values() if ledger is not None]

    def _typed(self, ledger: FactLedger, fact: dict[str, Any]) -> Any:
        """A stored fact, typed: stored facts never change, so each is validated once (bounded)."""
        key = (ledger.id, fact["id"])
        found = self._typed_facts.get(key)
        if found is None or (found[0] is not fact and found[0] != fact):  # a fact decided in a group commit
            if len(self._typed_facts) >= TYPED_KEEP:  # that was never saved may share an id with a stored one
                self._typed_facts.clear()
            found = self._typed_facts[key] = (fact, _FACT.validate_python(fact))
        return found[1]

    def _typed_known(self, ledgers: dict[str, FactLedger], prepared: list[dict[str, Any]], typed: list[Any]) -> None:
        """The batch's facts as `_typed` would type them once stored (the same dicts, validated by the same
        adapter in `_checked`): the next command admitting them as stored does not validate them again (issue 12).
        A fact kept so that is never saved is no harm: `_typed` takes a kept one only for the same fact."""
        if len(self._typed_facts) + len(prepared) >= TYPED_KEEP:
            self._typed_facts.clear()
        for fact, checked in zip(prepared, typed, strict=True):
            self._typed_facts[(ledgers[route(fact)].id, fact["id"])] = (fact, checked)
        typed_already(list(zip(prepared, typed, strict=True)))  # and for the projections' admission of them

    def unsaved(self) -> None:
        self._admitted.clear()  # a kept vetting may have admitted facts that were decided but not saved

    @contextmanager
    def _checked(
        self, period: Period, scheme: Scheme, facts: list[dict[str, Any]], context: list[FactLedger], today: date,
        compared: bool = True,
    ) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any], list[Any]]]:
        """Admit the stored facts of the streams touched, then the batch in the order it will have in the
        log (domain/scoring/vetting.py); a matter dated after today or outside its period is refused too
        (domain/scoring/dating.py). Problems are listed in the batch's order. Gives the admitted facts
        without the batch (empty unless `compared`: copying them costs as much as the stored facts) and
        with it, and the batch typed, for the body of the `with` (the batch is taken back at its end)."""
        typed = typed_facts(facts)
        refuse_implausible(scheme, typed)  # R2: the batch's ratings, never the stored ones
        subjects = period.subjects

        def kind_of(subject: str) -> str | None:
            found = subjects.get(subject)
            return found.get("kind") if isinstance(found, dict) else None

        def fresh() -> Vetting:
            return Vetting(scheme, kind_of, allowed_periods(scheme, period.code))

        key, kept = self._stored(period, context, fresh)
        vetting = kept.vetting
        mark = vetting.mark()
        grown: _Admitted | None = None
        try:
            before = dict(vetting.facts) if compared else {}
            found = {i: vetting.admit(typed[i]) + date_findings(scheme, typed[i], today) for i in log_order(facts)}
            problems = [
                Problem(f"facts[{i}]{'.' + field if field else ''} ({typed[i].id})", message)
                for i in sorted(found)
                for field, message in found[i]
            ]
            if problems:
                raise FactsInvalid(f"{len(problems)} problem(s) in the facts for {period.code}", problems)
            yield before, vetting.facts, typed
            if not compared:
                grown = _with_batch(kept, context, facts)
        finally:
            if grown is not None:
                kept = grown  # the batch's facts stay admitted, as the stored facts they become (_with_batch)
            else:
                vetting.undo(mark)  # the stored facts' vetting again, kept for the next command
            if len(self._admitted) >= ADMITTED_KEEP:
                self._admitted.clear()
            self._admitted[key] = kept

    def _stored(
        self, period: Period, context: list[FactLedger], fresh: Callable[[], Vetting]
    ) -> tuple[tuple[UUID, ...], _Admitted]:
        """A vetting that has admitted the stored facts of the streams, stream after stream as the projections
        admit them, with what it has seen of them. Kept between commands (taken out of `_admitted` while a
        command uses it, so no other thread admits on it meanwhile; `_checked` puts it back): a stream only
        grows, so when each stream still has the facts admitted (the n-th fact is the one admitted last) and
        only the last one grew, only its new facts are admitted; otherwise all are again. Read from the ends
        of the streams, never copied whole (issue 12: the list of every fact id and the vetting's copy per
        command were O(stream)). Dropped with any save that fails (`unsaved`), so facts decided but never
        saved are not kept."""
        key = tuple(ledger.id for ledger in context)
        basis = (period.id, period.version)  # the scheme version and the subjects' kinds the vetting knows
        kept = self._admitted.pop(key, None)
        start = _grown(kept.seen, context) if kept is not None and kept.basis == basis else None
        todo: list[tuple[FactLedger, Iterable[dict[str, Any]]]]
        if kept is None or start is None:
            vetting, todo = fresh(), [(ledger, ledger.facts.values()) for ledger in context]
        else:
            facts = context[-1].facts
            vetting, todo = kept.vetting, [(context[-1], _last(facts, len(facts) - start))]
        for ledger, stored in todo:
            for fact in stored:
                vetting.admit(self._typed(ledger, fact))  # stored: admitted as projections do
        seen = tuple((len(ledger.facts), next(reversed(ledger.facts.values()), None)) for ledger in context)
        return key, _Admitted(basis, seen, vetting)


TYPED_KEEP = 100_000  # typed facts kept for the checks of later commands
ADMITTED_KEEP = 4_096  # streams (or sets of streams) whose stored facts are kept admitted


@dataclass(frozen=True)
class _Admitted:
    """The stored facts of a command's streams, admitted: per stream how many, and the last of them."""

    basis: tuple[UUID, int]
    seen: tuple[tuple[int, dict[str, Any] | None], ...]
    vetting: Vetting  # used by one command at a time (taken out of Ledger._admitted meanwhile)


def _with_batch(kept: _Admitted, context: list[FactLedger], facts: list[dict[str, Any]]) -> _Admitted | None:
    """A kept admission that has admitted a checked batch too, seen as its streams will be once the batch is
    recorded, when every fact of the batch goes to the last of them (issue 12: the next command on the stream admitted
    the batch again, as stored; a fresh admission admits the stored facts stream after stream, the last stream's
    in their order, which is the batch's order there). None otherwise (the batch is taken back). Facts decided but
    never recorded or saved cannot be continued from: `_grown` finds the stream without them (fewer facts, or
    another fact where the batch's last one was), and a failed save drops every kept admission (`unsaved`)."""
    if not facts or not context:
        return None
    last = context[-1]
    stream = JOINT if last.subject is None else last.subject
    if any(route(fact) != stream for fact in facts):
        return None
    count = kept.seen[-1][0] + len(facts)
    return _Admitted(kept.basis, (*kept.seen[:-1], (count, facts[-1])), kept.vetting)


def _grown(seen: tuple[tuple[int, dict[str, Any] | None], ...], context: list[FactLedger]) -> int | None:
    """How many facts of the last stream were admitted, when the streams still begin with the facts
    admitted (the same fact where the last admitted was) and only the last one grew; None when the kept
    vetting cannot be continued."""
    if len(seen) != len(context):
        return None
    for i, ((count, last), ledger) in enumerate(zip(seen, context, strict=True)):
        now = len(ledger.facts)
        if count > now or (count < now and i != len(context) - 1):
            return None
        if count:
            there = next(islice(reversed(ledger.facts.values()), now - count, None))  # the count-th fact
            if there is not last and there != last:
                return None
    return seen[-1][0]


def _last(facts: dict[str, dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """The last `count` facts of a stream, in order (read from its end)."""
    return list(islice(reversed(facts.values()), count))[::-1]


def _chain(fact: dict[str, Any], known: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The fact and every stored fact it names, down the chain of targets and corrected facts."""
    chain, seen = [fact], {fact.get("id")}
    for current in chain:
        for named in (current.get("target"), current.get("corrects")):
            if named in known and named not in seen:
                seen.add(named)
                chain.append(known[named])
    return chain


def _subjects_named(facts: list[dict[str, Any]]) -> set[str]:
    """The subjects facts name (their subject and parties): the ones their checks look up."""
    named = {f["subject"] for f in facts if isinstance(f.get("subject"), str)}
    for fact in facts:
        parties = fact.get("parties")
        if isinstance(parties, list):
            named |= {p["subject"] for p in parties if isinstance(p, dict) and isinstance(p.get("subject"), str)}
    return named
