"""The published list (公示) as sealed, and the appeal window counted in working days (P1, P2).

(Added by the web work.) Every signed-in person may read a published list: it is what was
posted. The numbers are the sealed results (replayed as of the seal's position), under the scheme
the seal names; which rows a reader sees is the policy's (service.policy.published_rows).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from domain.calendar import appeal_deadline
from domain.numbers import canonical_str
from projections.schemes import scheme_for
from service.bootstrap import Service
from service.errors import NotFound
from service.policy import published_rows
from service.queries import known_period, scan
from service.tokens import Actor


def publication_window(service: Service, code: str, today: date) -> dict[str, Any]:
    """The latest publication of a period without its rows: its scheme, seal and appeal window (an appeal form
    reads only these, never the period's results)."""
    period = known_period(service, code)
    if not period.seals or period.published_on is None:
        raise NotFound(f"period {code} has no publication yet")
    seal = period.seals[-1]
    scheme = scheme_for(service.runner.meta, seal["scheme_hash"])  # the scheme the seal was made under
    published = date.fromisoformat(period.published_on)
    days = scheme.publication.appeal_window_working_days
    deadline = appeal_deadline(published, days, service.ledger.calendar)
    return {
        "period": code, "scheme": scheme.scheme, "scheme_title": scheme.title, "published_on": published.isoformat(),
        "seal_position": int(seal["position"]), "merkle_root": seal["merkle_root"],
        "appeal_window_working_days": days, "appeal_deadline": deadline.isoformat(),
        "working_days_left": window_left(service, today, deadline),
    }


def published_list(service: Service, actor: Actor, code: str, today: date) -> dict[str, Any]:
    """The latest publication of a period: its rows in rank order per group, its seal, the appeal window."""
    window = publication_window(service, code, today)
    scheme = scheme_for(service.runner.meta, known_period(service, code).seals[-1]["scheme_hash"])
    listed = scheme.publication.listed_grades
    rows: list[dict[str, Any]] = []
    counts = {"assessed": 0, "listed": 0}

    def visit(s: dict[str, Any]) -> None:  # a page of results at a time, without their scorecards (issue 12)
        counts["assessed"] += 1
        counts["listed"] += listed is None or s.get("grade") in listed
        rows.extend(published_rows(actor, scheme, [{
            "rank": s.get("rank"), "subject": s["subject"], "name": s["name"], "group": s["group"],
            "total": canonical_str(Decimal(s["total"])), "grade": s.get("grade"), "eligible": s["eligible"],
            "flags": list(s.get("flags", ()))}]))

    scan(service, code, str(window["seal_position"]), visit, cards=False)
    return {**window, "rows": rows, "groups": scheme.groups or {}, "listed_grades": listed,
            "assessed": counts["assessed"], "listed_count": counts["listed"]}


def window_left(service: Service, today: date, deadline: date) -> int:
    """Working days left to appeal, today included when it is a working day (0: closed)."""
    if today > deadline:
        return 0
    calendar = service.ledger.calendar
    return calendar.working_days_between(today, deadline) + (1 if calendar.is_working_day(today) else 0)
