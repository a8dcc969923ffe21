"""Recording for a signed-in actor (pages): the policy checks the batch, then the read-your-writes totals.

(Added by the web work: the API's facts router does the same inline; both check S5 through
service.policy.check_recording before anything is appended, with each subject's group as the period
registers it, handed over by the ledger's decision.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.errors import FactsInvalid
from domain.numbers import canonical_str
from domain.scheme.model import Scheme
from domain.scheme.offices import Groups
from domain.units import expand_units
from projections.period_input import key_of
from service.bootstrap import Service
from service.policy import RECORDERS, check_recording, require
from service.readers import without_card
from service.tokens import Actor


def record(service: Service, actor: Actor, code: str, facts: list[dict[str, Any]], at: str) -> dict[str, Any]:
    """Record a batch as the actor (all or nothing); the result names the facts and the new totals."""
    require(actor, *RECORDERS)

    def authorize(scheme: Scheme, prepared: list[dict[str, Any]], known: Mapping[str, dict[str, Any]],
                  groups: Groups) -> None:
        check_recording(actor, scheme, prepared, known, groups)

    service.runner.catch_up()
    key = key_of(service.settings.bureau, code)
    period = service.runner.meta.periods.get(key)
    proposed = [{**f, "id": "new"} for f in _members(facts, period.subjects)] if period else []
    named = service.runner.named(key, proposed) if period else set()
    before = _totals(service, key, named)
    result = service.ledger.record_facts(code, facts, actor.principal, at, authorize=authorize)
    service.runner.wait_for(result["position"])
    return {**result, "before": before, "after": _totals(service, key, named)}


def _members(facts: list[dict[str, Any]], subjects: dict[str, Any]) -> list[dict[str, Any]]:
    """The facts with a 科室 party standing for its members, as they will be recorded (their totals move);
    as given when a unit cannot be expanded (the command then says why)."""
    try:
        return expand_units(facts, subjects)
    except FactsInvalid:
        return facts


def totals(service: Service, code: str) -> dict[str, str]:
    """Every subject's current total in a period, cheaply (the last scoring's totals, else the stored results)."""
    key = key_of(service.settings.bureau, code)
    period = service.runner.meta.periods.get(key)
    return _totals(service, key, set(period.subjects)) if period is not None else {}


def _totals(service: Service, key: str, subjects: set[str]) -> dict[str, str]:
    """The subjects' current totals: as last scored by this process, else from the stored results."""
    found = {s: canonical_str(t) for s, t in service.runner.totals_of(key, subjects).items()}
    missing = subjects - found.keys()
    if missing:
        found |= _stored_totals(service, key, missing)
    return found


FEW = 50  # subjects whose stored rows are looked up one by one; more: the period's rows are read through


def _stored_totals(service: Service, key: str, wanted: set[str]) -> dict[str, str]:
    """Some subjects' totals as the views store them, never the period's results whole (issue 12): a few subjects'
    rows one by one, else every row in one consistent read, a page at a time, without decoding scorecards."""
    views, found = service.views, {}
    if len(wanted) <= FEW:
        for subject in sorted(wanted):
            page = views.subject_row(key, subject)
            if page is None:  # the period has no results
                return {}
            for _, body in page.rows[:1]:
                found[subject] = without_card(body)["total"]
        return found
    streamed = views.stream(key)
    if streamed is None:
        return {}
    for _, body in streamed.rows():
        row = without_card(body)
        if row["subject"] in wanted:
            found[row["subject"]] = row["total"]
    return found
