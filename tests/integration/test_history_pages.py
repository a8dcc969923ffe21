"""Issue 12: a page of the history takes the page's facts (and one more) from the period's, never listing and
sorting every fact of the period for a page of 100: the same pages as the sort it replaces, every filter, both
directions, pages joined up to the whole."""

from __future__ import annotations

from typing import Any

import pytest

from service import queries
from service.bootstrap import Service
from tests.integration.test_comparison_bounded import AUDITOR, published_period


def _reference(service: Service, code: str, subject: str | None, item: str | None, after: int, limit: int,
               recorded_by: str | None, newest_first: bool) -> dict[str, Any]:
    """The history page as it was made before: every listed fact sorted, then cut."""
    period = queries.folded_period(service, code)
    concerned = period.facts if subject is None else period.by_subject.get(subject, ())
    found = sorted(((period.positions[i], i) for i in concerned if queries._listed(period.facts[i], item, recorded_by)),
                   reverse=newest_first)
    if after:
        found = [(at, i) for at, i in found if (at < after if newest_first else at > after)]
    shown = found[: queries._bounded(limit)]
    rows = [{"position": at, "fact": period.facts[i]} for at, i in shown]
    return {"period": code, "subject": subject, "item": item, "facts": rows,
            "next": shown[-1][0] if len(found) > len(shown) else None}


@pytest.mark.parametrize("newest_first", [False, True])
def test_history_pages_are_the_sorted_pages(service: Service, newest_first: bool) -> None:
    made = published_period(service, "zjg.yaml", subjects=6, groups=2)
    code = made["code"]
    period = queries.folded_period(service, code)
    some = next(iter(period.facts.values()))
    middle = sorted(period.positions.values())[len(period.positions) // 2]
    for subject, item, recorded_by in ((None, None, None), ("s002", None, None), (None, some.get("item"), None),
                                       (None, None, "督查科"), ("s001", some.get("item"), "督查科")):
        for after, limit in ((0, 100), (0, 7), (middle, 5), (middle, 1000), (0, 1)):
            found = queries.history(service, AUDITOR, code, subject, item, after, limit, recorded_by, newest_first)
            assert found == _reference(service, code, subject, item, after, limit, recorded_by, newest_first)
        pages, cursor = [], 0
        while True:  # pages of 3 joined up: every listed fact once, in order
            found = queries.history(service, AUDITOR, code, subject, item, cursor, 3, recorded_by, newest_first)
            pages += found["facts"]
            if found["next"] is None:
                break
            cursor = found["next"]
        assert pages == _reference(service, code, subject, item, 0, 1000, recorded_by, newest_first)["facts"]
