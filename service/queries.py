"""What people and programs read: one function per read, with the access rules applied once.

The HTTP API and the pages both call these (never each other), so a page never shows a number
the API does not, and a rule (who reads what, what is redacted) lives in one place.
Each returns plain JSON values.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import orjson

from domain.canonical import canonical_bytes
from projections.period_input import PeriodInput, key_of
from projections.scoring import what_if_groups
from replay.asof import fold_log, result_as_of
from replay.compare import compare, proposed_facts
from service.bootstrap import Service
from service.errors import NotFound
from service.policy import APPEAL_READERS, AUDITORS, STAFF, require, require_subject
from service.positions import position_of
from service.results_cache import current_results
from service.tokens import Actor


def results(service: Service, period: str, as_of: str | None) -> dict[str, Any]:
    """A period's results: from the views (now), or replayed as of a position or timestamp."""
    if as_of is None:
        current = current_results(service, period)  # decoded once per view position (web work)
        if current is None:
            raise NotFound(f"period {period} does not exist or has no results yet")
        return current
    position = position_of(service, as_of)
    replayed = result_as_of(service.ledger.recorder, period, position, service.settings.bureau)
    return {**orjson.loads(canonical_bytes(replayed)), "as_of": position}


def folded_period(service: Service, period: str) -> PeriodInput:
    """The period as folded from the log up to now (status, subjects, facts, seals)."""
    service.runner.catch_up()
    found = service.runner.fold.periods.get(key_of(service.settings.bureau, period))
    if found is None:
        raise NotFound(f"period {period} does not exist")
    return found


def period_status(period: PeriodInput) -> str:
    return "published" if period.seals else ("closed" if period.closed_at else "open")


def period_overview(service: Service, actor: Actor, code: str) -> dict[str, Any]:
    """A period's status, scheme binding, subjects and seals."""
    require(actor, *STAFF)
    period = folded_period(service, code)
    return {
        "period": code,
        "scheme": period.scheme,
        "scheme_version": period.scheme_version,
        "scheme_hash": period.scheme_hash,
        "status": period_status(period),
        "version": period.version,
        "subjects": sorted(period.subjects.values(), key=lambda s: s["id"]),
        "seals": period.seals,
        "published_on": period.published_on,
        "late_facts": period.late,
    }


def schemes(service: Service, actor: Actor) -> dict[str, Any]:
    """Every registered scheme version with its content hash."""
    require(actor, *STAFF)
    service.runner.catch_up()
    listed = sorted(service.runner.fold.schemes.items(), key=lambda i: (i[1]["scheme"], i[1]["version"]))
    return {
        "schemes": [
            {"scheme": d["scheme"], "version": d["version"], "title": d["title"], "content_hash": h} for h, d in listed
        ]
    }


def scorecard(service: Service, actor: Actor, code: str, subject: str, as_of: str | None = None) -> dict[str, Any]:
    """One subject's scorecard tree: every number with its rule, article, facts and recorders."""
    if actor.role == "subject":
        require_subject(actor, subject, "reads the scorecard")
    else:
        require(actor, *STAFF)
    data = results(service, code, as_of)
    found = next((s for s in data["subjects"] if s["subject"] == subject), None)
    if found is None:
        raise NotFound(f"subject {subject} is not scored in {code}")
    return {**_head(data), "result": found}


def rankings(
    service: Service, actor: Actor, code: str, as_of: str | None = None, group: str | None = None
) -> dict[str, Any]:
    """Rankings per group (S2): total, rank, grade, eligibility and further outcomes (G5), in rank order."""
    require(actor, *STAFF)
    data = results(service, code, as_of)
    groups: dict[str, list[dict[str, Any]]] = {}
    for s in data["subjects"]:
        if group is None or s["group"] == group:
            groups.setdefault(s["group"], []).append(_row(s))
    return {**_head(data), "groups": groups}


def grades(service: Service, actor: Actor, code: str, as_of: str | None = None) -> dict[str, Any]:
    """Every subject's grade and eligibility, with the reasons."""
    require(actor, *STAFF)
    data = results(service, code, as_of)
    rows = [{**_row(s, reasons=True), "reasons": s.get("grade_reasons", [])} for s in data["subjects"]]
    return {**_head(data), "grades": rows}


def history(
    service: Service, actor: Actor, code: str, subject: str | None = None, item: str | None = None
) -> dict[str, Any]:
    """The recorded facts of a subject or an item, in log order, with their positions and recorders."""
    if actor.role == "subject":
        require_subject(actor, subject, "reads the history")
    period = folded_period(service, code)
    rows = []
    for fact_id, fact in period.facts.items():
        named = {fact.get("subject")} | {p["subject"] for p in fact.get("parties") or []} | {fact_id.split(":", 1)[0]}
        if (subject is None or subject in named) and (item is None or fact.get("item") == item):
            rows.append({"position": period.positions[fact_id], "fact": fact})
    rows.sort(key=lambda r: r["position"])
    return {"period": code, "subject": subject, "item": item, "facts": rows}


def appeals(service: Service, actor: Actor, today: date, overdue: bool = False) -> dict[str, Any]:
    """Every appeal with its status and dates (a subject: its own); `overdue`: decisions past their window."""
    require(actor, *APPEAL_READERS)
    rows = [
        _public(a, today.isoformat())
        for a in _appeals(service).values()
        if actor.role != "subject" or a["subject"] in actor.scope
    ]
    if overdue:
        rows = [r for r in rows if r["overdue"]]
    return {"appeals": sorted(rows, key=lambda r: r["filed_at"])}


def appeal(service: Service, actor: Actor, name: str, today: date) -> dict[str, Any]:
    """One appeal with its history."""
    require(actor, *APPEAL_READERS)
    found = _appeal(service, name)
    if actor.role == "subject":
        require_subject(actor, found["subject"], "reads appeals")
    return _public(found, today.isoformat())


def appeal_comparison(service: Service, actor: Actor, name: str) -> dict[str, Any]:
    """Before (as published) and after (now), per subject, with causes and knock-ons."""
    require(actor, *AUDITORS)
    found = _appeal(service, name)
    period = folded_period(service, found["period"])
    if not period.seals:
        raise NotFound(f"period {found['period']} has no publication to compare with")
    sealed = int(period.seals[_seal_before(period.seals, found)]["position"])
    source = service.ledger.recorder
    before = result_as_of(source, found["period"], sealed, service.settings.bureau)
    after = result_as_of(source, found["period"], None, service.settings.bureau)
    _, records = fold_log(source)
    body = compare(before, after, [r for r in records if r.position > sealed])
    return {"appeal": name, "from": sealed, "to": records[-1].position if records else 0, **body}


def what_if(service: Service, actor: Actor, name: str, facts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The ripple of a proposed decision, computed on a copy: nothing is appended."""
    require(actor, "reviewer")
    found = _appeal(service, name)
    service.runner.catch_up()
    proposed = [{**f, "recorded_by": actor.principal, "id": f"proposed:{i}"} for i, f in enumerate(facts)]
    runner = service.runner
    with runner.lock:  # the fold and the kept scorecards, as of one position
        period = runner.fold.periods[key_of(service.settings.bureau, found["period"])]
        typed = proposed_facts(proposed, period.code)  # every malformed fact reported, as recording would
        now, then = what_if_groups(runner.fold, period, typed, runner.cards)
    return {"appeal": name, **orjson.loads(canonical_bytes(compare(now, then)))}


def _appeals(service: Service) -> dict[str, dict[str, Any]]:
    service.runner.catch_up()
    return {a["appeal"]: a for a in service.runner.fold.appeals.values()}


def _appeal(service: Service, name: str) -> dict[str, Any]:
    found = _appeals(service).get(name)
    if found is None:
        raise NotFound(f"appeal {name} does not exist")
    return found


def _public(a: dict[str, Any], today: str) -> dict[str, Any]:
    decide_by = next((h.get("decide_by") for h in a["history"] if h.get("decide_by")), None)
    return {
        "appeal": a["appeal"],
        "period": a["period"],
        "subject": a["subject"],
        "status": a["status"],
        "contested": a["contested"],
        "items": a.get("items", []),
        "reasons": a["reasons"],
        "evidence": a["evidence"],
        "filed_on": a["filed_on"],
        "deadline": a["deadline"],
        "decide_by": decide_by,
        "overdue": a["status"] == "accepted" and decide_by is not None and today > decide_by,
        "filed_at": a["filed_at"],
        "history": a["history"],
    }


def _seal_before(seals: list[dict[str, Any]], appeal: dict[str, Any]) -> int:
    """The last seal published before the appeal was filed."""
    index = 0
    for i, seal in enumerate(seals):
        if seal["published_at"] < appeal["filed_at"]:
            index = i
    return index


def _head(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in ("scheme", "scheme_version", "scheme_hash", "period", "as_of")}


def _row(s: dict[str, Any], reasons: bool = False) -> dict[str, Any]:
    row = {k: s.get(k) for k in ("subject", "name", "group", "kind", "total", "rank", "grade", "eligible", "flags")}
    if s.get("outcomes") is not None:  # G5: a scheme's further outcomes, published beside the grade
        keys = ("grade", "eligible", "reasons") if reasons else ("grade", "eligible")
        row["outcomes"] = {o["id"]: {k: o.get(k) for k in keys} for o in s["outcomes"]}
    return row
