"""Issue 12: a page of results read as of a position the views do not hold is replayed group by group until the
page is full; under a scheme that grades across groups (XIANG: quotas over the whole period) the period is scored
once for the page, not once per group the page reaches (it was, each time holding the whole period). The pages
say what the views say."""

from __future__ import annotations

from typing import Any

import pytest

from projections import groups as grouping
from service import queries
from service.bootstrap import Service
from tests.integration.test_comparison_bounded import AUDITOR, published_period


def test_a_replayed_page_scores_a_period_graded_across_groups_once(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = published_period(service, "xiang.yaml", subjects=20, groups=3)
    code, last = made["code"], made["last"]
    expected = queries.rankings(service, AUDITOR, code)  # from the views, now
    assert len(expected["groups"]) == 3
    scored: list[int] = []
    whole = grouping.whole

    def counted(*args: Any) -> Any:
        scored.append(1)
        return whole(*args)

    monkeypatch.setattr(grouping, "whole", counted)
    replayed = queries.rankings(service, AUDITOR, code, as_of=str(last))  # not a seal: replayed
    assert replayed == expected
    assert len(scored) == 1, scored
    first = queries.rankings(service, AUDITOR, code, as_of=str(last), limit=7)  # a page that stops mid-group
    following = queries.rankings(service, AUDITOR, code, as_of=str(last), cursor=first["next"], limit=1000)
    rows = [r for page in (first, following) for g in page["groups"].values() for r in g]
    assert rows == [r for g in expected["groups"].values() for r in g]
