"""Issue 12: an appeal's comparison (the pages' and the API's) reads both sides a group at a time and says exactly
what comparing the two whole replayed periods says (the code before issue 12, kept here as the reference): on
generated periods of shipped schemes (a grade quota over the whole period among them), from the views and
replayed; and it never holds either period whole: its memory peak stays flat when the period grows fourfold
(checked red once: with both sides read into lists first, the peak grew with the period)."""

from __future__ import annotations

import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from bench.generate import facts_for, subjects_for
from domain.facts import Bonus, Deduction, Rating
from domain.numbers import canonical_str
from domain.scheme.loader import load_scheme_file
from projections.records import read_log
from replay.asof import fold_log, result_as_of
from replay.compare import compare
from service import comparison
from service.bootstrap import Service
from service.tokens import Actor

ROOT = Path(__file__).resolve().parents[2]
AT = "2026-04-01T09:00:00+08:00"
AUDITOR = Actor("审计员", "auditor", ())
PERIOD = {"quarter": "2026-Q1", "half": "2026-H1", "year": "2026"}


def published_period(service: Service, scheme_file: str, subjects: int, groups: int, seed: int = 7) -> dict[str, Any]:
    """A generated period of a shipped scheme, published, with an appeal upheld (a contested fact retracted)
    and one rejected; returns the period code, the seal position, the appeals and the log's end."""
    scheme = load_scheme_file(ROOT / "schemes" / scheme_file)
    code = PERIOD[scheme.period.kind]
    ledger = service.ledger
    ledger.register_scheme(scheme, "admin", AT)
    ledger.open_period(code, scheme.scheme, scheme.version, "admin", AT)
    listed = subjects_for(scheme, subjects, groups=groups)
    ledger.register_subjects(code, listed, "admin", AT)
    facts = [f.model_dump(mode="json", exclude_none=True, exclude={"id", "period", "recorded_by"})
             for f in facts_for(scheme, listed, code, seed, per_subject=3) if isinstance(f, (Rating, Deduction, Bonus))]
    recorded = [ledger.record_facts(code, facts[i:i + 500], "督查科", AT)["facts"] for i in range(0, len(facts), 500)]
    ids = [fact for batch in recorded for fact in batch]
    ledger.close_period(code, "admin", AT)
    seal = ledger.publish(code, date(2026, 12, 1), "督查科", AT)["seal"]["position"]
    appeals = []
    for n, (fact, upheld) in enumerate(((ids[0], True), (ids[len(ids) // 2], False))):
        subject = fact.split(":", 1)[0]
        filed = ledger.file_appeal(code, subject, [fact], "有误", [], date(2026, 12, 2), "代表", AT)["appeal"]
        ledger.accept_appeal(filed, date(2026, 12, 2), "领导小组", AT)
        if upheld:
            ledger.uphold_appeal(filed, [{"type": "retraction", "target": fact, "reason": "核实"}], "属实",
                                 date(2026, 12, 3 + n), "领导小组", AT)
        else:
            ledger.reject_appeal(filed, "不属实", date(2026, 12, 3 + n), "领导小组", AT)
        appeals.append(filed)
    service.runner.catch_up()
    return {"code": code, "seal": int(seal), "appeals": appeals,
            "last": service.ledger.recorder.max_notification_id() or 0}


def reference(service: Service, code: str, first: int, last: int, named: bool) -> dict[str, Any]:
    """The comparison as it was made before issue 12: both periods replayed whole, then compared."""
    source, bureau = service.ledger.recorder, service.settings.bureau
    before, after = result_as_of(source, code, first, bureau), result_as_of(source, code, last, bureau)
    if not named:  # the API's (service.queries.appeal_comparison)
        _, records = fold_log(source)
        body = compare(before, after, [r for r in records if r.position > first])
        return {"from": first, "to": records[-1].position if records else 0, **body}
    between = [r for page in read_log(source, first, last) for r in page]
    body = compare(before, after, between)
    old = {s.subject: (s.name, s.card) for s in before.subjects}
    new = {s.subject: (s.name, s.card) for s in after.subjects}
    for change in body["changes"]:
        subject = change["subject"]
        change["name"] = (new.get(subject) or old.get(subject) or (subject, None))[0]
        items = []
        for item in change["items"]:
            was = old[subject][1].maybe(item) if subject in old else None
            now = new[subject][1].maybe(item) if subject in new else None
            title = (now or was).title if (now or was) else item
            items.append({"item": item, "title": title, "before": canonical_str(was.applied) if was else None,
                          "after": canonical_str(now.applied) if now else None})
        change["items"] = items
    return {"from": first, "to": last, **body}


@pytest.mark.parametrize(("scheme_file", "subjects", "groups", "seed"), [
    ("zjg.yaml", 14, 3, 7), ("zjg.yaml", 9, 1, 3), ("qf.yaml", 14, 3, 7), ("qf.yaml", 25, 6, 11),
    ("xiang.yaml", 14, 3, 7), ("xiang.yaml", 20, 3, 5), ("zz.yaml", 14, 3, 7)])
def test_the_comparison_a_group_at_a_time_says_what_the_whole_periods_say(
    service: Service, scheme_file: str, subjects: int, groups: int, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = published_period(service, scheme_file, subjects=subjects, groups=groups, seed=seed)
    code, seal, last = made["code"], made["seal"], made["last"]
    monkeypatch.setattr(comparison, "COMPARE_PAGE", 4)  # pages cut through groups
    for appeal in made["appeals"]:
        found = comparison.appeal_comparison(service, AUDITOR, appeal)
        assert orjson.dumps(found) == orjson.dumps({"appeal": appeal, **reference(service, code, seal, last, False)})
        assert found["changes"], "the upheld appeal changed nothing: nothing was compared"
    for first, to in ((seal, last), (seal - 1, last), (seal // 2, seal + 2), (seal, seal)):
        expected = orjson.dumps(reference(service, code, first, to, True))
        assert orjson.dumps(comparison._explain(service, code, first, to)) == expected, (first, to)
        monkeypatch.setattr(comparison, "_kept_in_views", lambda *_: None)  # both sides replayed instead
        assert orjson.dumps(comparison._explain(service, code, first, to)) == expected, (first, to)
        monkeypatch.undo()
        monkeypatch.setattr(comparison, "COMPARE_PAGE", 4)


def _peak(service: Service, code: str, first: int, last: int) -> int:
    comparison._EXPLAINED.clear()
    tracemalloc.start()
    try:
        comparison._explain(service, code, first, last)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_comparison_holds_a_group_not_the_period(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Groups of 10 subjects, periods of 40 and 160: the peak of the larger is well under twice the smaller's
    (reading every subject of both sides at once, it was about four times)."""
    from service.bootstrap import build
    from service.settings import Settings
    from tests.signing import TEST_KEY

    monkeypatch.setattr(comparison, "COMPARE_PAGE", 10)
    peaks = []
    for size in (40, 160):
        service = build(Settings(data_dir=tmp_path / str(size), signing_key=TEST_KEY))
        try:
            made = published_period(service, "zjg.yaml", subjects=size, groups=size // 10)
            peaks.append(_peak(service, made["code"], made["seal"], made["last"]))
        finally:
            service.close()
    assert peaks[1] < 1.6 * peaks[0], peaks


def _subject(subject: str, group: str, total: str, rank: int) -> dict[str, Any]:
    card = {"id": "root", "title": "总分", "applied": total, "children": [{"id": "a", "title": "甲", "applied": total}]}
    return {"subject": subject, "name": subject, "group": group, "total": total, "rank": rank, "eligible": True,
            "card": card}


def test_a_subject_found_in_another_group_or_on_one_side_only_is_paired_across_groups() -> None:
    from replay.compare import changed_subjects

    before = [_subject("x", "g1", "90", 1), _subject("y", "g1", "80", 2), _subject("z", "g2", "70", 1)]
    after = [_subject("y", "g1", "80", 1), _subject("w", "g2", "60", 2), _subject("z", "g2", "70", 1),
             _subject("x", "g3", "90", 1)]
    def stored(results: list[dict[str, Any]]) -> list[bytes]:
        return [orjson.dumps(r, option=orjson.OPT_SORT_KEYS) for r in results]

    found = {subject: (was and was.summary["rank"], now and now.summary["rank"])
             for subject, was, now in changed_subjects(stored(before), stored(after))}
    assert found == {"y": (2, 1), "w": (None, 2)}  # x moved group unchanged, z unchanged: neither is listed


def test_only_the_subjects_whose_stored_bytes_differ_are_decoded_and_digested(monkeypatch: pytest.MonkeyPatch) -> None:
    """Canonical bytes are one per result: a subject stored alike on both sides is unchanged, and its scorecard is
    never walked (an appeal's comparison of a province: ~160 changes among 200,000 results on each side)."""
    from replay import compare

    walked: list[str] = []
    digest = compare.digest
    monkeypatch.setattr(compare, "digest", lambda s: (walked.append(s["subject"]), digest(s))[1])
    before = [_subject(f"s{n}", "g1", str(90 - n), n + 1) for n in range(50)]
    after = [*before[:49], _subject("s49", "g1", "10", 50)]
    stored = [orjson.dumps(r, option=orjson.OPT_SORT_KEYS) for r in before]
    found = compare.changed_subjects(stored, [orjson.dumps(r, option=orjson.OPT_SORT_KEYS) for r in after])
    assert [(s, was.summary["total"], now.summary["total"]) for s, was, now in found] == [("s49", "41", "10")]
    assert walked == ["s49", "s49"]  # both sides of the one that differs, no other
