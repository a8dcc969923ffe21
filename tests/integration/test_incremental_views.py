"""The views are kept per subject and group (S2: ranks, quotas and grades never reach across groups):
an event rewrites only the rows it changes, and the assembled bytes always equal a replay from zero."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from domain.canonical import canonical_bytes
from domain.errors import FactsInvalid
from domain.facts import Subject
from domain.scheme.loader import load_scheme_file
from projections.period_input import key_of
from projections.scoring import what_if_groups
from replay.asof import result_as_of
from replay.compare import compare, proposed_facts, what_if
from service.bootstrap import Service
from tests.integration.helpers import AT, ZJG

KEY = key_of("default", "2026-Q1")


def open_quarter(service: Service, departments: int, groups: int) -> None:
    """ZJG 2026-Q1 with departments d1..dN spread over groups g0..g(groups-1) by number."""
    ledger = service.ledger
    ledger.register_scheme(ZJG, "admin", AT)
    ledger.open_period("2026-Q1", "ZJG", 2, "admin", AT)
    subjects = [Subject(id=f"d{i}", name=f"科室{i}", kind="department", group=f"g{i % groups}")
                for i in range(1, departments + 1)]
    ledger.register_subjects("2026-Q1", subjects, "admin", AT)


def late_arrivals(service: Service, subject: str, count: int) -> str:
    """ZJG 二.1: late arrivals recorded for a department; returns the fact's id."""
    return str(service.ledger.record_facts("2026-Q1", [{"type": "deduction", "item": "2.1", "subject": subject,
                                                        "count": count}], "人事教育科", AT)["facts"][0])


def parts(service: Service) -> dict[str, int]:
    """Each group and the position its rows were last written at."""
    with service.views.transaction() as cur:
        cur.execute(service.views.sql("SELECT grp, MAX(position) FROM sl_view_rows WHERE period = ? GROUP BY grp"),
                    (KEY,))
        return {str(g): int(p) for g, p in cur.fetchall()}


def rows(service: Service) -> dict[str, int]:
    """Each subject's row and the position it was last written at."""
    with service.views.transaction() as cur:
        cur.execute(service.views.sql("SELECT subject, position FROM sl_view_rows WHERE period = ?"), (KEY,))
        return {str(s): int(p) for s, p in cur.fetchall()}


def assert_views_equal_replay(service: Service) -> None:
    service.runner.catch_up()
    stored = service.views.results(KEY)
    assert stored is not None
    replayed = canonical_bytes(result_as_of(service.ledger.recorder, "2026-Q1"))
    assert stored[1] == replayed


def test_each_event_rewrites_only_its_groups_and_the_views_always_equal_a_replay(service: Service) -> None:
    ledger = service.ledger
    open_quarter(service, 6, 2)  # d1, d3, d5 in g1; d2, d4, d6 in g0
    assert_views_equal_replay(service)
    assert set(parts(service)) == {"g0", "g1"}

    before, subjects_before = parts(service), rows(service)
    late = ledger.record_facts("2026-Q1", [{"type": "deduction", "item": "2.1", "subject": "d1", "count": 4}],
                               "人事教育科", AT)
    assert_views_equal_replay(service)
    after = parts(service)
    assert after["g1"] > before["g1"] and after["g0"] == before["g0"]  # d1 is in g1: g0 was not rewritten
    changed = {s for s, p in rows(service).items() if p != subjects_before[s]}
    assert "d1" in changed and changed <= {"d1", "d3", "d5"}  # d1's row, and those whose rank moved with it

    ledger.record_facts("2026-Q1", [{"type": "deduction", "item": "3.6", "subject": "d2"}], "咨询指导科", AT)
    assert_views_equal_replay(service)
    assert parts(service)["g0"] > after["g0"] and parts(service)["g1"] == after["g1"]

    # B4: rank awards go to the period's joint stream, one rank per item; each touches its subject's group
    ledger.record_facts("2026-Q1", [{"type": "bonus", "item": "b.4", "subject": "d3", "rank": "1"},
                                    {"type": "bonus", "item": "b.4", "subject": "d4", "rank": "2"}], "办公室", AT)
    assert_views_equal_replay(service)

    # a retraction names its target's subject: only that subject's group changes
    before = parts(service)
    ledger.record_facts("2026-Q1", [{"type": "retraction", "target": late["facts"][0],
                                     "reason": "复核: 考勤记录有误"}], "人事教育科", AT)
    assert_views_equal_replay(service)
    assert parts(service)["g0"] == before["g0"] and parts(service)["g1"] > before["g1"]

    # a subject registered late joins its group's ranking; a new group appears
    ledger.register_subjects("2026-Q1", [Subject(id="d7", name="科室7", kind="department", group="g2")], "admin", AT)
    assert_views_equal_replay(service)
    assert set(parts(service)) == {"g0", "g1", "g2"}

    # an event that changes no result (closing) rewrites no group
    before = parts(service)
    ledger.close_period("2026-Q1", "admin", AT)
    assert_views_equal_replay(service)
    assert parts(service) == before

    body = service.views.results(KEY)[1]  # type: ignore[index]
    totals = {s["subject"]: Decimal(s["total"]) for s in orjson.loads(body)["subjects"]}
    assert totals["d1"] == totals["d5"]  # the retracted late arrivals no longer count against d1
    assert totals["d2"] == totals["d1"] - Decimal(2)  # ZJG 3.6 smoking in a non-smoking area: 2 points (三.6)


def test_a_rebuild_from_zero_writes_the_same_parts(service: Service) -> None:
    open_quarter(service, 9, 3)
    for i in range(1, 10):
        late_arrivals(service, f"d{i}", i)
        service.runner.catch_up()  # page by page, as when keeping up
    incremental = service.views.results(KEY)
    service.views.reset()
    service.runner._refold()
    service.runner.catch_up()  # in one chunk, as a rebuild
    assert service.views.results(KEY) == incremental


def test_a_what_if_on_the_kept_scorecards_gives_the_whole_period_comparison(service: Service) -> None:
    open_quarter(service, 6, 2)
    recorded = [late_arrivals(service, f"d{i}", i) for i in range(1, 7)]
    service.runner.catch_up()
    proposals = [
        [{"id": "proposed:0", "type": "retraction", "target": recorded[2], "reason": "复核", "recorded_by": "复核组"}],
        [{"id": "proposed:0", "type": "deduction", "item": "3.6", "subject": "d2", "recorded_by": "复核组"}],
    ]
    fold, period = service.runner.fold, service.runner.fold.periods[KEY]
    for proposed in proposals:
        whole = compare(*what_if(fold, KEY, proposed))
        typed = proposed_facts(proposed, "2026-Q1")
        warm = compare(*what_if_groups(fold, period, typed, service.runner.cards))
        cold = compare(*what_if_groups(fold, period, typed))
        assert whole["changes"] and warm == whole and cold == whole
    assert service.views.results(KEY)[1] == canonical_bytes(result_as_of(service.ledger.recorder, "2026-Q1"))  # type: ignore[index]
    nobody = proposed_facts([{"id": "proposed:0", "type": "deduction", "item": "3.6", "subject": "d99",
                              "recorded_by": "复核组"}], "2026-Q1")
    with pytest.raises(FactsInvalid, match="problem"):
        what_if_groups(fold, period, nobody, service.runner.cards)  # an unknown subject is refused, as recording


def test_a_grade_ranked_over_the_whole_period_is_rewritten_in_every_group_G4(service: Service) -> None:
    """XIANG 七 (version 2): the township's last unit, whatever its category, has its head removed; the
    second-last is criticised. An event on a 第二类 unit moves the 第一类 unit's grade: the views rewrite
    every group of such a period and still equal a replay."""
    xiang = load_scheme_file(Path(__file__).parents[2] / "schemes" / "xiang.yaml")
    ledger, key = service.ledger, key_of("default", "2026")
    ledger.register_scheme(xiang, "admin", AT)
    ledger.open_period("2026", "XIANG", xiang.version, "admin", AT)
    # 第三类: t (top 1, advanced) and u1; 第二类: v1, v2, v3 (top 3, advanced) and u2
    units = {"t": "cat3", "u1": "cat3", "v1": "cat2", "v2": "cat2", "v3": "cat2", "u2": "cat2"}
    ledger.register_subjects("2026", [Subject(id=k, name=f"单位{k}", group=g, kind="unit") for k, g in units.items()],
                             "admin", AT)
    # Check: u1 20 (1.1 assessed 10 + 效能监察 10), u2 22, the others 27: u1 is the township's last, u2 second-last
    assessed = {"t": "17", "u1": "10", "v1": "17", "v2": "17", "v3": "17", "u2": "12"}
    ledger.record_facts("2026", [{"type": "rating", "item": "1.1", "subject": s, "role": "assessor",
                                  "rater": "综合考评组", "value": v} for s, v in assessed.items()], "综合考评组", AT)

    def grades() -> dict[str, str]:
        service.runner.catch_up()
        stored = service.views.results(key)
        assert stored is not None and stored[1] == canonical_bytes(result_as_of(service.ledger.recorder, "2026"))
        found = {s["subject"]: s["grade"] for s in orjson.loads(stored[1])["subjects"]}
        return {k: found[k] for k in ("u1", "u2")}

    _, _, crit, removed = xiang.grading.grades
    assert grades() == {"u1": removed, "u2": crit}
    # Check: u2 vetoed twice in special reviews (三(五), −4): 18, now the last; u1 (第三类) becomes second-last
    ledger.record_facts("2026", [{"type": "deduction", "item": "5.1", "subject": "u2", "count": 2}], "综合办公室", AT)
    assert grades() == {"u1": crit, "u2": removed}
    # Check: a what-if on u1 alone re-grades u2 too (the whole period is compared)
    now, then = what_if_groups(service.runner.fold, service.runner.fold.periods[key],
                               proposed_facts([{"type": "deduction", "item": "5.1", "subject": "u1", "count": 3,
                                                "id": "u1:w1", "recorded_by": "x"}], "2026"))
    assert {s.subject: s.grade for s in then.subjects if s.subject in ("u1", "u2")} == {"u1": removed, "u2": crit}
    assert {s.subject for s in now.subjects} == set(units)
