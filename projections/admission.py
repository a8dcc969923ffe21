"""Stored facts admitted in log order (domain/scoring/vetting.py): one that does not fit is set aside.

A stored fact that cannot be applied (there must be none, but logs written by older versions,
restored backups and hand edits exist) never stops the projections, a replay, a seal or
verification: it is kept aside, named with its position and problems in the period's results,
and the rest of the period is scored. Which facts are set aside depends only on the log up to a
position and the scheme bound there, so every replay agrees.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from pydantic import TypeAdapter, ValidationError

from domain.facts import Fact
from domain.scoring.validate import allowed_periods
from domain.scoring.vetting import Vetting
from projections.schemes import SchemeMismatch, scheme_for

_FACT: TypeAdapter[Any] = TypeAdapter(Fact)
TYPED_KEEP = 4_096  # facts typed by the ledger and not yet folded, kept at most
_typed: dict[str, tuple[dict[str, Any], Any]] = {}  # fact id -> (the fact, typed): `typed_already`


def typed_already(facts: list[tuple[dict[str, Any], Any]]) -> None:
    """Facts the ledger has just typed with the fact models (its checks before they are recorded, service/commands.py):
    their folding here takes the typed fact when the fact it folds is equal to the one typed (the same dict, read back
    from the log), instead of validating it again (issue 12: once per recording on the answers' path). A fact's typed
    form depends on the fact alone (the same adapter, the same type); bounded; each is taken once."""
    if len(_typed) + len(facts) > TYPED_KEEP:
        _typed.clear()  # facts decided and never saved (or folded elsewhere) are not kept for ever
    for fact, typed in facts:
        fact_id = fact.get("id")
        if isinstance(fact_id, str):
            _typed[fact_id] = (fact, typed)


def admit(fold: Any, period: Any, position: int, fact: Any) -> bool:
    """Admit a stored fact into the period (fold: LogFold, period: PeriodInput); False when set aside."""
    problems = _problems(fold, period, fact)
    if problems:
        fact_id = fact.get("id") if isinstance(fact, dict) and isinstance(fact.get("id"), str) else ""
        period.set_aside[position] = {"position": position, "fact": fact_id, "problems": problems, "raw": fact}
    return not problems


def readmit(fold: Any, period: Any, count: Any) -> None:
    """Admit every fact of the period again, in log order (its scheme binding changed): `count(period,
    position, fact)` records each admitted one, as folding did the first time."""
    stored = stored_facts(period)
    period.reset_facts()
    for position, fact in stored:
        if admit(fold, period, position, fact):
            count(period, position, fact)


def stored_facts(period: Any) -> list[tuple[int, Any]]:
    """Every fact stored for the period that folding saw in time (counted or set aside), in log order."""
    stored = [(p, period.facts[f]) for f, p in period.positions.items()]
    stored += [(p, entry["raw"]) for p, entry in period.set_aside.items()]
    return sorted(stored, key=lambda s: s[0])


def _problems(fold: Any, period: Any, fact: Any) -> list[str]:
    vetting = _vetting(fold, period)
    if isinstance(vetting, str):
        return [vetting]
    known = _typed.pop(fact.get("id"), None) if type(fact) is dict and type(fact.get("id")) is str else None
    try:
        typed = known[1] if known is not None and known[0] == fact else _FACT.validate_python(fact)
    except ValidationError as exc:
        return [f"{'.'.join(map(str, e['loc'])) or '(fact)'}: {e['msg']}" for e in exc.errors(include_url=False)]
    return [f"{field}: {message}" if field else message for field, message in vetting.admit(typed)]


def _vetting(fold: Any, period: Any) -> Vetting | str:
    """The period's admission under its current scheme, or why its scheme cannot be had."""
    if period.vetting is not None and period.vetting_hash == period.scheme_hash:
        return period.vetting  # type: ignore[no-any-return]
    try:
        scheme = scheme_for(fold, period.scheme_hash)
    except SchemeMismatch as exc:
        return f"the period's scheme cannot be loaded: {exc}"
    subjects = period.subjects

    def kind_of(subject: str) -> str | None:
        found = subjects.get(subject)
        return found.get("kind") if isinstance(found, dict) else None

    period.vetting = Vetting(scheme, kind_of, allowed_periods(scheme, period.code), _Typed(period.facts))
    period.vetting_hash = period.scheme_hash
    return period.vetting


class _Typed(MutableMapping[str, Any]):
    """The period's counted facts, typed when asked (a target is looked up now and then): the fold keeps
    the plain facts, and a stored fact is only ever added by the fold itself."""

    def __init__(self, facts: dict[str, dict[str, Any]]):
        self.plain = facts

    def __getitem__(self, fact_id: str) -> Any:
        return _FACT.validate_python(self.plain[fact_id])

    def __contains__(self, fact_id: object) -> bool:
        return fact_id in self.plain

    def __setitem__(self, fact_id: str, fact: Any) -> None:
        pass  # the fold records the plain fact once admitted

    def __delitem__(self, fact_id: str) -> None:
        raise TypeError("admitted facts are never removed")

    def __iter__(self) -> Iterator[str]:
        return iter(self.plain)

    def __len__(self) -> int:
        return len(self.plain)
