"""Reading results as of a seal is a lookup of what the seal fixed, not a replay (issue 9, part 5).

On each backend: the runner keeps the period's rows when it folds the publication, their bytes hash to
the seal's results hash, as-of reads at the seal (its position, or a timestamp that maps to it) read
them without folding the log, other positions replay, pages follow the groups' code-point order, and a
seal whose rows do not hash to it is noted, not kept, and read by a replay.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import orjson
import pytest

from domain.canonical import canonical_bytes
from domain.facts import Subject
from domain.scoring import PeriodResult
from projections.period_input import key_of
from replay.asof import position_at, result_as_of
from service import queries, readers
from service.bootstrap import Service
from service.tokens import Actor
from tests.integration.helpers import AT, ZJG

KEY = key_of("default", "2026-Q1")
AUDITOR = Actor("审计员", "auditor", [])
GROUPS = ["a", "B", "c"]  # code points: B < a < c (a collating database would say a, B, c)


def published_quarter(service: Service) -> dict[str, int]:
    """Nine departments in three groups, deductions, closed and published; then an upheld appeal changes d1."""
    ledger = service.ledger
    ledger.register_scheme(ZJG, "admin", AT)
    ledger.open_period("2026-Q1", "ZJG", 2, "admin", AT)
    subjects = [Subject(id=f"d{i}", name=f"科室{i}", kind="department", group=GROUPS[i % 3]) for i in range(1, 10)]
    ledger.register_subjects("2026-Q1", subjects, "admin", AT)
    found = {}
    for i in range(1, 10):
        fact = {"type": "deduction", "item": "2.1", "subject": f"d{i}", "count": i}
        found[f"d{i}"] = ledger.record_facts("2026-Q1", [fact], "人事教育科", AT)["facts"][0]
    before_close = ledger.recorder.max_notification_id() or 0
    ledger.close_period("2026-Q1", "admin", AT)
    seal = ledger.publish("2026-Q1", date(2026, 3, 30), "admin", AT)["seal"]
    appeal = ledger.file_appeal("2026-Q1", "d1", [found["d1"]], "考勤机故障", [], date(2026, 3, 31), "d1", AT)
    ledger.accept_appeal(appeal["appeal"], date(2026, 3, 31), "admin", AT)
    correction = {"type": "retraction", "target": found["d1"], "reason": "属实"}
    ledger.uphold_appeal(appeal["appeal"], [correction], "申诉成立", date(2026, 4, 1), "admin", AT)
    service.runner.catch_up()
    return {"seal": int(seal["position"]), "before_close": before_close, "hash": seal["results_hash"]}


def test_the_runner_keeps_what_the_seal_fixed_and_its_bytes_hash_to_the_seal(service: Service) -> None:
    world = published_quarter(service)
    kept = service.views.seal_kept(KEY, world["seal"])
    assert kept is not None and kept.kept and kept.results_hash == world["hash"]
    streamed = service.views.stream(KEY, world["seal"])
    assert streamed is not None and streamed.as_of == world["seal"]
    sealed = b"".join(streamed)
    assert hashlib.sha256(sealed).hexdigest() == world["hash"]
    assert sealed == canonical_bytes(result_as_of(service.ledger.recorder, "2026-Q1", world["seal"]))
    now = service.views.results(KEY)
    assert now is not None and now[1] != sealed  # the upheld appeal changed d1 since


def test_as_of_reads_at_the_seal_never_fold_the_log_and_other_positions_replay(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = published_quarter(service)
    expected = _totals(result_as_of(service.ledger.recorder, "2026-Q1", world["seal"]))
    # Check the seal's position and a timestamp that maps to it are read without replaying
    monkeypatch.setattr(readers, "fold_upto", _no_replay)
    card = queries.scorecard(service, AUDITOR, "2026-Q1", "d1", str(world["seal"]))
    assert card["as_of"] == world["seal"] and card["result"]["total"] == expected["d1"]
    when = _stamp_between(service, world["seal"])
    assert position_at(service.ledger.recorder, when) == world["seal"]
    by_time = queries.rankings(service, AUDITOR, "2026-Q1", when.isoformat())
    assert by_time["as_of"] == world["seal"]
    assert {r["subject"]: r["total"] for g in by_time["groups"].values() for r in g} == expected
    # Check another position replays (and fails here, where replaying is forbidden)
    with pytest.raises(AssertionError, match="replayed"):
        queries.scorecard(service, AUDITOR, "2026-Q1", "d1", str(world["before_close"]))
    monkeypatch.undo()
    earlier = queries.scorecard(service, AUDITOR, "2026-Q1", "d1", str(world["before_close"]))
    assert earlier["result"]["total"] == _totals(result_as_of(service.ledger.recorder, "2026-Q1", world["before_close"]))["d1"]


def test_pages_of_rankings_follow_the_groups_code_points_now_at_the_seal_and_replayed(service: Service) -> None:
    world = published_quarter(service)
    for as_of, result in (
        (None, result_as_of(service.ledger.recorder, "2026-Q1")),
        (str(world["seal"]), result_as_of(service.ledger.recorder, "2026-Q1", world["seal"])),
        (str(world["seal"] - 1), result_as_of(service.ledger.recorder, "2026-Q1", world["seal"] - 1)),
    ):
        totals = _totals(result)
        order = [(s.group, s.subject, totals[s.subject]) for s in result.subjects]
        assert [g for g, _, _ in order][::3] == ["B", "a", "c"]
        paged, cursor = [], None
        while True:
            page = queries.rankings(service, AUDITOR, "2026-Q1", as_of, cursor=cursor, limit=2)
            paged += [(r["group"], r["subject"], r["total"]) for rows in page["groups"].values() for r in rows]
            cursor = page["next"]
            if cursor is None:
                break
        assert paged == order, as_of
        grades = queries.grades(service, AUDITOR, "2026-Q1", as_of, limit=100)
        assert [g["subject"] for g in grades["grades"]] == [s for _, s, _ in order] and grades["next"] is None


def test_a_seal_whose_rows_do_not_hash_to_it_is_noted_not_kept_and_read_by_replaying(service: Service) -> None:
    world = published_quarter(service)
    period = service.ledger.period("2026-Q1")
    forged = {"period": "2026-Q1", "position": world["before_close"], "results_hash": "0" * 64,
              "scheme_hash": ZJG.content_hash}
    period.publish(forged, "2026-04-02", "intruder", AT)
    service.ledger.save(period)
    service.runner.catch_up()
    kept = service.views.seal_kept(KEY, world["before_close"])
    assert kept is not None and not kept.kept
    assert service.views.stream(KEY, world["before_close"]) is None
    card = queries.scorecard(service, AUDITOR, "2026-Q1", "d2", str(world["before_close"]))
    assert card["result"]["total"] == _totals(result_as_of(service.ledger.recorder, "2026-Q1", world["before_close"]))["d2"]


def _totals(result: PeriodResult) -> dict[str, str]:
    """Each subject's total as the API writes it (canonical decimal text)."""
    return {s["subject"]: s["total"] for s in orjson.loads(canonical_bytes(result))["subjects"]}


def _no_replay(*args: object, **kwargs: object) -> None:
    raise AssertionError("replayed the log")


def _stamp_between(service: Service, position: int) -> datetime:
    """A timestamp after every event up to `position` and before the next one."""
    from projections.records import read_log
    from projections.sealed import stamp

    stamps = [stamp(r) for batch in read_log(service.ledger.recorder, upto=position + 1) for r in batch]
    low, high = max(s for s in stamps[:-1] if s is not None), stamps[-1]
    assert high is not None and high > low
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=(low + high) // 2)


def test_a_rows_fields_but_its_card_are_read_without_decoding_the_card(service: Service) -> None:
    published_quarter(service)
    page = service.views.page(KEY, None, limit=100)
    assert page is not None and len(page.rows) == 9
    for _, body in page.rows:
        whole = orjson.loads(body)
        assert readers.without_card(body) == {k: v for k, v in whole.items() if k != "card"}
    assert readers.without_card(b'{"card":{},"subject":"x"}') == {"subject": "x"}  # no decisions: decoded whole
