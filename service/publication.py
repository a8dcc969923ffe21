"""The published list (公示) as sealed, and the appeal window counted in working days (P1, P2).

(Added by the web work.) Every signed-in person may read a published list: it is what was
posted. The numbers are the sealed results (replayed as of the seal's position), under the scheme
the seal names; which rows a reader sees is the policy's (service.policy.published_rows).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.calendar import appeal_deadline
from domain.numbers import canonical_str
from projections.schemes import scheme_for
from service.bootstrap import Service
from service.comparison import result_at
from service.errors import NotFound
from service.policy import published_rows
from service.queries import folded_period
from service.tokens import Actor


def published_list(service: Service, actor: Actor, code: str, today: date) -> dict[str, Any]:
    """The latest publication of a period: its rows in rank order per group, its seal, the appeal window."""
    period = folded_period(service, code)
    if not period.seals or period.published_on is None:
        raise NotFound(f"period {code} has no publication yet")
    seal = period.seals[-1]
    result = result_at(service, code, int(seal["position"]))
    scheme = scheme_for(service.runner.fold, seal["scheme_hash"])  # the scheme the seal was made under
    published = date.fromisoformat(period.published_on)
    days = scheme.publication.appeal_window_working_days
    deadline = appeal_deadline(published, days, service.ledger.calendar)
    rows = published_rows(actor, scheme, ({
        "rank": s.rank, "subject": s.subject, "name": s.name, "group": s.group, "total": canonical_str(s.total),
        "grade": s.grade, "eligible": s.eligible, "flags": list(s.flags)} for s in result.subjects))
    listed = scheme.publication.listed_grades
    return {
        "period": code, "scheme": scheme.scheme, "scheme_title": scheme.title, "published_on": published.isoformat(),
        "seal_position": int(seal["position"]), "merkle_root": seal["merkle_root"],
        "appeal_window_working_days": days, "appeal_deadline": deadline.isoformat(),
        "working_days_left": window_left(service, today, deadline), "rows": rows,
        "groups": scheme.groups or {}, "listed_grades": listed, "assessed": len(result.subjects),
        "listed_count": sum(1 for s in result.subjects if listed is None or s.grade in listed),
    }


def window_left(service: Service, today: date, deadline: date) -> int:
    """Working days left to appeal, today included when it is a working day (0: closed)."""
    if today > deadline:
        return 0
    calendar = service.ledger.calendar
    return calendar.working_days_between(today, deadline) + (1 if calendar.is_working_day(today) else 0)
