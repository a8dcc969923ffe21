"""What people and programs read: one function per read, with the access rules applied once.

The HTTP API and the pages both call these (never each other), so a page never shows a number
the API does not, and a rule (who reads what, what is redacted) lives in one place.
Each returns plain JSON values.

Chosen for issue 9:
- Individual ratings (民主测评) are redacted for subjects, raters (but their own) and recording offices, in
  scorecards and the history; every published number stays (service/redaction.py says how).
- `as_of` is for auditors, reviewers and administrators (403 for the others). As of a seal (its position, or
  a timestamp that maps to it) results are read from the rows the seal fixed (projections/sealed.py); as of
  any other position they are replayed, one replay at a time per process (service/replays.py).
- Lists are bounded: rankings and grades come a page of rows at a time (keyset cursor over group and rank
  place), the history and the appeals a page at a time after a log position (`next`: where to continue).
  The whole results are streamed by the API, never assembled in one request.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import orjson

from domain.canonical import canonical_bytes
from domain.scheme.model import Scheme
from domain.scheme.nodes import RatingItem
from projections.fast.joint import JOINT
from projections.groups import members_by_group
from projections.period_input import PeriodInput, key_of
from projections.schemes import scheme_for
from projections.scoring import what_if_groups
from replay.compare import compare, proposed_facts
from service import redaction
from service.bootstrap import Service
from service.errors import Forbidden, NotFound
from service.messages import say
from service.policy import APPEAL_READERS, AUDITORS, STAFF, require, require_subject
from service.readers import Reader, Row, decode_cursor, encode_cursor, open_results
from service.results_cache import current_results
from service.tokens import Actor

PAGE, PAGE_MAX = 100, 1000  # facts or appeals in a page of the history or the appeal list
ROWS, ROWS_MAX = 1000, 5000  # subjects in a page of rankings or grades


def results(service: Service, period: str, as_of: str | None) -> dict[str, Any]:
    """A period's whole results: from the views (now, decoded once per view position), the rows a seal kept,
    or a bounded replay. For exports and pages of periods that fit in memory; the API streams them."""
    if as_of is None:
        current = current_results(service, period)
        if current is None:
            raise NotFound(say("error.period_no_results", period=period))
        return current
    return open_results(service, period, as_of, lambda reader: reader.whole())


def scan(service: Service, period: str, as_of: str | None, visit: Callable[[dict[str, Any]], None],
         size: int | None = None, cards: bool = True) -> dict[str, Any]:
    """Every subject's result (with its scorecard unless `cards` is False), in group and rank order, a page of
    `size` at a time from one reader: for reads that keep little of each (the publish page's warnings, the
    rankings export, the year's roll-up), so that a province's results are never held whole. Returns the
    results' heading (scheme, period, set-aside facts, as_of)."""
    size = size or ROWS

    def read(reader: Reader) -> dict[str, Any]:
        after = None
        while True:
            rows = reader.page(None, after, size, cards=cards)
            last = None
            for last in rows:  # decoded one at a time (readers.Decoded): a page is never held decoded
                visit(last[1])
            if last is None or len(rows) < size:
                return reader.head()
            after = last[0]

    return open_results(service, period, as_of, read)


def folded_period(service: Service, period: str) -> PeriodInput:
    """The period as folded from the log up to now (status, subjects, facts, seals)."""
    service.runner.catch_up()
    found = service.runner.fold.periods.get(key_of(service.settings.bureau, period))
    if found is None:
        raise NotFound(f"period {period} does not exist")
    return found


class PeriodFacts:
    """A period's counted facts looked up by what they concern, as a spreadsheet's import reads them (service/
    sheets): a fact by its id (a retraction's target: the id names its stream, service/facts_routing.py), the facts
    concerning proposed ones (a rater's earlier score, R3). While the period is folded lazily (projections/lazy.py)
    only the groups looked up are folded, never the whole log's facts (issue 12); the answers are the whole fold's."""

    def __init__(self, service: Service, code: str):
        self.runner, self.key = service.runner, key_of(service.settings.bureau, code)
        self.runner.catch_up()

    def __contains__(self, fact_id: object) -> bool:
        if not isinstance(fact_id, str):
            return False
        stream = fact_id.split(":", 1)[0]
        with self.runner.lock:
            return fact_id in self.runner.facts_for(self.key, set() if stream == JOINT else {stream})

    def concerning(self, proposed: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return self.runner.facts_concerning(self.key, proposed)


def appeal_facts(service: Service, found: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The counted facts an appeal's pages show (its contested facts among them): those concerning the appellant,
    whose group alone is folded when the period is folded lazily (projections/lazy.py), never the whole log's."""
    service.runner.catch_up()
    return service.runner.facts_for(key_of(service.settings.bureau, found["period"]), {found["subject"]})


def known_period(service: Service, period: str) -> PeriodInput:
    """The period as folded from the log up to now, for what does not need its facts: status, scheme binding,
    subjects, seals, publication. Never folds the whole log (the runner's `meta`): its facts, late and set-aside
    facts are complete only when the runner is not light; read those from `folded_period`."""
    service.runner.catch_up()
    found = service.runner.meta.periods.get(key_of(service.settings.bureau, period))
    if found is None:
        raise NotFound(f"period {period} does not exist")
    return found


def period_status(period: PeriodInput) -> str:
    return "published" if period.seals else ("closed" if period.closed_at else "open")


def period_overview(service: Service, actor: Actor, code: str) -> dict[str, Any]:
    """A period's status, scheme binding, subjects and seals."""
    require(actor, *STAFF)
    period = known_period(service, code)  # never the whole log's facts (issue 12): the late ones listed apart
    late = service.runner.late_facts(key_of(service.settings.bureau, code))
    if late is None:
        late = folded_period(service, code).late
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
        "late_facts": late,
    }


def schemes(service: Service, actor: Actor) -> dict[str, Any]:
    """Every registered scheme version with its content hash."""
    require(actor, *STAFF)
    service.runner.catch_up()
    listed = sorted(service.runner.meta.schemes.items(), key=lambda i: (i[1]["scheme"], i[1]["version"]))
    return {
        "schemes": [
            {"scheme": d["scheme"], "version": d["version"], "title": d["title"], "content_hash": h} for h, d in listed
        ]
    }


def scorecard(service: Service, actor: Actor, code: str, subject: str, as_of: str | None = None) -> dict[str, Any]:
    """One subject's scorecard tree: every number with its rule, article, facts and recorders (individual
    ratings only for those who may see them: service/redaction.py)."""
    if actor.role == "subject":
        require_subject(actor, subject, "reads the scorecard")
    else:
        require(actor, *STAFF)
    _may_go_back(actor, as_of)

    def read(reader: Reader) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        found = reader.subject(subject)
        return found, reader.head()

    found, head = open_results(service, code, as_of, read)
    if found is None:
        raise NotFound(say("error.subject_not_scored", subject=subject, period=code))
    if not redaction.sees_ratings(actor):
        scheme = scheme_for(service.runner.meta, head["scheme_hash"])
        service.runner.catch_up()
        facts = service.runner.facts_for(key_of(service.settings.bureau, code), {subject})  # its group's, at least
        found = shown_subjects(actor, scheme, [found], facts)[0]
    return {**_head(head), "result": found}


def shown_subjects(
    actor: Actor, scheme: Scheme, subjects: list[dict[str, Any]], facts: Mapping[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Subject results as the actor may see them (individual ratings: service/redaction.py): the one place the
    period reads and the year's roll-up (service/rollup.py) redact; `facts`: those the results were made of."""
    if redaction.sees_ratings(actor):
        return subjects
    items = {i for i, node in scheme.items.items() if isinstance(node, RatingItem)}
    return [redaction.scorecard(actor, s, items, facts) for s in subjects]


def rankings(
    service: Service,
    actor: Actor,
    code: str,
    as_of: str | None = None,
    group: str | None = None,
    cursor: str | None = None,
    limit: int = ROWS,
) -> dict[str, Any]:
    """Rankings per group (S2): total, rank, grade, eligibility and further outcomes (G5), in rank order; a page
    of `limit` rows in group order, `next` the cursor of the following page (None: the last)."""
    require(actor, *STAFF)
    _may_go_back(actor, as_of)
    head, rows, following = _page(service, code, as_of, group, cursor, limit)
    groups: dict[str, list[dict[str, Any]]] = {}
    for s in rows:
        groups.setdefault(s["group"], []).append(_row(s))
    return {**_head(head), "groups": groups, "next": following}


def grades(
    service: Service, actor: Actor, code: str, as_of: str | None = None, cursor: str | None = None, limit: int = ROWS
) -> dict[str, Any]:
    """Every subject's grade and eligibility, with the reasons; a page at a time, as rankings."""
    require(actor, *STAFF)
    _may_go_back(actor, as_of)
    head, rows, following = _page(service, code, as_of, None, cursor, limit)
    listed = [{**_row(s, reasons=True), "reasons": s.get("grade_reasons", [])} for s in rows]
    return {**_head(head), "grades": listed, "next": following}


def history(
    service: Service,
    actor: Actor,
    code: str,
    subject: str | None = None,
    item: str | None = None,
    after: int = 0,
    limit: int = PAGE,
    recorded_by: str | None = None,
    newest_first: bool = False,
) -> dict[str, Any]:
    """The recorded facts of a subject, an item or a recorder, in log order (newest first if asked), with their
    positions and recorders; a page of `limit` facts after the position `after` (before it, newest first), and
    `next`: the position to continue from (None: the last page)."""
    if actor.role == "subject":
        require_subject(actor, subject, "reads the history")
    if subject is None and item is None and recorded_by is not None:
        mine = _recorder_history(service, actor, code, recorded_by, after, _bounded(limit), newest_first)
        if mine is not None:
            return {"period": code, "subject": None, "item": None, **mine}
    if subject is None:
        period = folded_period(service, code)
    else:  # one subject's: its group's facts (folded lazily, projections/lazy.py), never the whole log's
        service.runner.catch_up()
        found = service.runner.period_for(key_of(service.settings.bureau, code), {subject})
        if found is None:
            raise NotFound(f"period {code} does not exist")
        period = found
    with service.runner.lock:  # the fold's dicts are read as of one position (the runner folds under its lock)
        concerned = period.facts if subject is None else period.by_subject.get(subject, ())  # the subject filter
        listed = ((period.positions[i], i) for i in concerned if _listed(period.facts[i], item, recorded_by))
        if after:
            listed = ((at, i) for at, i in listed if (at < after if newest_first else at > after))
        size = _bounded(limit)  # the page and one more (is there a next page?), never every fact of the period listed
        found = (heapq.nlargest if newest_first else heapq.nsmallest)(size + 1, listed)
        shown = found[:size]
        rows = [{"position": at, "fact": redaction.fact(actor, period.facts[i], period.facts)} for at, i in shown]
    following = shown[-1][0] if len(found) > len(shown) else None
    return {"period": code, "subject": subject, "item": item, "facts": rows, "next": following}


def _recorder_history(service: Service, actor: Actor, code: str, recorder: str, after: int, size: int,
                      newest_first: bool) -> dict[str, Any] | None:
    """A recorder's facts (the recording page's latest entries) while the period is folded lazily: the page picked
    from the positions of the recorder's facts (projections/runner.py `recorded_by`), then only the groups of the
    page's facts folded to read them (issue 12: never the whole log's facts); None when the period is not folded
    lazily (the caller reads the whole fold, which gives the same page)."""
    runner, key = service.runner, key_of(service.settings.bureau, code)
    runner.catch_up()
    listed = runner.recorded_by(key, recorder)
    if listed is None:
        return None
    found = listed.page(after, size + 1, newest_first)  # the page and one more (is there a next page?)
    shown = found[:size]
    with runner.lock:  # the fold's dicts are read as of one position: the runner folds new facts under its lock
        period = runner.period_for(key, {owner for _, owner in shown if owner is not None and owner != JOINT})
        if period is None:
            raise NotFound(f"period {code} does not exist")
        wanted = {position for position, _ in shown}
        ids = {p: i for i, p in period.positions.items() if p in wanted}
        if len(ids) < len(wanted):  # folded whole meanwhile and no longer counted: the whole fold's page instead
            return None
        rows = [{"position": at, "fact": redaction.fact(actor, period.facts[ids[at]], period.facts)}
                for at, _ in shown]
    return {"facts": rows, "next": shown[-1][0] if len(found) > len(shown) else None}


def _listed(fact: dict[str, Any], item: str | None, recorded_by: str | None) -> bool:
    if item is not None and fact.get("item") != item:
        return False
    return recorded_by is None or fact.get("recorded_by") == recorded_by


def appeals(
    service: Service, actor: Actor, today: date, overdue: bool = False, after: int = 0, limit: int = PAGE
) -> dict[str, Any]:
    """Appeals in the order filed, with status and dates (a subject: its own); `overdue`: decisions past their
    window; a page of `limit` after the filing position `after`, `next` where to continue (None: the last)."""
    require(actor, *APPEAL_READERS)
    rows = [
        _public(a, today.isoformat())
        for a in _appeals(service).values()
        if (actor.role != "subject" or a["subject"] in actor.scope) and a["filed_at"] > after  # the subject filter
    ]
    rows = sorted((r for r in rows if r["overdue"] or not overdue), key=lambda r: r["filed_at"])
    shown = rows[: _bounded(limit)]
    following = shown[-1]["filed_at"] if len(rows) > len(shown) else None
    return {"appeals": shown, "next": following}


def appeal(service: Service, actor: Actor, name: str, today: date) -> dict[str, Any]:
    """One appeal with its history."""
    require(actor, *APPEAL_READERS)
    found = _appeal(service, name)
    if actor.role == "subject":
        require_subject(actor, found["subject"], "reads appeals")
    return _public(found, today.isoformat())


def what_if(service: Service, actor: Actor, name: str, facts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The ripple of a proposed decision, computed on a copy: nothing is appended."""
    require(actor, "reviewer")
    found = _appeal(service, name)
    service.runner.catch_up()
    proposed = [{**f, "recorded_by": actor.principal, "id": f"proposed:{i}"} for i, f in enumerate(facts)]
    runner, key = service.runner, key_of(service.settings.bureau, found["period"])
    with runner.lock:  # the fold and the kept scorecards, as of one position
        typed = proposed_facts(proposed, found["period"])  # every malformed fact reported, as recording would
        if runner.light:  # folded lazily: only the groups the proposed facts concern (all, when grades reach across)
            period = runner.meta.periods[key]
            across = scheme_for(runner.meta, period.scheme_hash).grades_across_groups
            concerned = set(period.subjects) if across else runner.named(key, proposed)
            first = sorted(members_by_group(period).items())[:1]  # no known subject: the first group's, checked
            runner.period_for(key, concerned or {s for _, listed in first for s in listed})
        fold = runner.meta if runner.light else runner.fold  # `meta` is the fold itself while light
        now, then = what_if_groups(fold, fold.periods[key], typed, runner.cards)
    changes = orjson.loads(canonical_bytes(compare(now, then)))
    return {"appeal": name, **changes, "lowered": _lowered(changes["changes"], found["subject"])}


def _lowered(changes: Sequence[dict[str, Any]], appellant: str) -> list[dict[str, str]]:
    """The parties but the appellant whose own total would fall: the decision would be refused on upholding
    (service/appeals.py, domain/scoring/bystanders.py), so the preview says so before the reviewer tries."""
    return [{"subject": c["subject"], "before": c["before"]["total"], "after": c["after"]["total"]}
            for c in changes if c["subject"] != appellant and c["before"] and c["after"]
            and Decimal(c["after"]["total"]) < Decimal(c["before"]["total"])]


def _appeals(service: Service) -> dict[str, dict[str, Any]]:
    service.runner.catch_up()
    return {a["appeal"]: a for a in service.runner.meta.appeals.values()}


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


def _may_go_back(actor: Actor, as_of: str | None) -> None:
    """Only auditors, reviewers and administrators read results as they were (a replay can be costly)."""
    if as_of is not None and actor.role not in AUDITORS:
        raise Forbidden(say("error.as_of_roles", role=actor.role))


def _page(
    service: Service, code: str, as_of: str | None, group: str | None, cursor: str | None, limit: int
) -> tuple[dict[str, Any], list[dict[str, Any]], str | None]:
    """A page of subject results in group and rank order: heading, rows, the next page's cursor."""
    after, limit = decode_cursor(cursor), _bounded(limit, ROWS_MAX)

    def read(reader: Reader) -> tuple[dict[str, Any], list[Row]]:
        rows = reader.page(group, after, limit + 1, cards=False)  # rankings and grades need no scorecard
        return reader.head(), rows

    head, rows = open_results(service, code, as_of, read)
    following = encode_cursor(rows[limit - 1][0]) if len(rows) > limit else None
    return head, [body for _, body in rows[:limit]], following


def _bounded(limit: int, most: int = PAGE_MAX) -> int:
    return min(max(int(limit), 1), most)


def _head(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in ("scheme", "scheme_version", "scheme_hash", "period", "as_of")}


def _row(s: dict[str, Any], reasons: bool = False) -> dict[str, Any]:
    row = {k: s.get(k) for k in ("subject", "name", "group", "kind", "total", "rank", "grade", "eligible", "flags")}
    if s.get("outcomes") is not None:  # G5: a scheme's further outcomes, published beside the grade
        keys = ("grade", "eligible", "reasons") if reasons else ("grade", "eligible")
        row["outcomes"] = {o["id"]: {k: o.get(k) for k in keys} for o in s["outcomes"]}
    return row
