"""When a recorded matter may have happened: within its period (or up to its end, when the scheme
says so), and never after the day it is recorded. Checked when a fact is recorded."""

from __future__ import annotations

from datetime import date

from domain.facts import Fact
from domain.scheme.model import Scheme
from domain.scheme.periods import period_dates, period_kind


def date_findings(scheme: Scheme, fact: Fact, today: date) -> list[tuple[str, str]]:
    """Why the fact's date cannot be right (field, message); empty when it can."""
    happened = fact.occurred_on
    if happened is None or period_kind(fact.period) is None:
        return []
    if happened > today:
        return [("occurred_on", f"{happened.isoformat()} is after the day it is recorded ({today.isoformat()})")]
    first, last = period_dates(fact.period)
    if scheme.period.facts_dated == "before_end":
        if happened > last:
            return [("occurred_on", f"{happened.isoformat()} is after the end of {fact.period} ({last.isoformat()})")]
        return []
    if not first <= happened <= last:
        return [("occurred_on", f"{happened.isoformat()} is outside {fact.period} "
                                f"({first.isoformat()} to {last.isoformat()})")]
    return []
