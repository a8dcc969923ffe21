"""A service started over views already written folds its log lazily (projections/lazy.py, issue 12): the reads and
the recording that need a period's facts fold their groups first, and answer exactly as a service that folded every
fact on start. Two copies of one store: one started folding everything, the other lazily."""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path
from typing import Any

import orjson
import pytest

from projections.runner import ProjectionRunner
from service import bootstrap, overview, queries, recording
from service.bootstrap import build
from service.settings import Settings
from service.sheets import documents
from service.sheets.parsing import Upload
from service.tokens import Actor
from tests.integration.helpers import record_quarter
from tests.sheets.files import csv_bytes
from tests.signing import TEST_KEY
from web.sheet_rows import described

AT = "2026-03-31T10:00:00+08:00"
OFFICE = Actor("督查科", "recorder", ("inspection", "office", "personnel", "guidance"))
RATER = Actor("局长", "rater", ("局长=principal",))  # sees its own rating of d2, the others' summed: reads d2's facts


def _answers(settings: Settings, backlog: int | None, monkeypatch: pytest.MonkeyPatch, smoking: str) -> dict[str, Any]:
    """Started three times (each start folds nothing of a period's facts, when lazy): spreadsheets previewed first
    (their rows' facts looked up), reads of histories and overviews; a rater's view of a scorecard; then
    a retraction and a deduction recorded, with the totals before and after each, and the views' results."""
    monkeypatch.setattr(bootstrap, "ProjectionRunner", partial(ProjectionRunner, fast_backlog=backlog))
    out: dict[str, Any] = {}
    service = build(settings)
    try:
        out["import"] = _imported(service, smoking)  # first, nothing folded: the facts its rows name looked up
        out["light after the import"] = service.runner.light
        out["history"] = queries.history(service, RATER, "2026-Q1", "d3")  # d3's facts, their positions
        out["light after the history"] = service.runner.light
        out["by recorder"] = _recorders(service)  # the recording page's latest entries, every page of them
        out["overview"] = overview.period_overview(service, "2026-Q1").model_dump()  # the period's page: counts
        out["api overview"] = queries.period_overview(service, OFFICE, "2026-Q1")  # GET /periods/{code}: late facts
        out["light after the recorders"] = service.runner.light
    finally:
        service.close()
    service = build(settings)
    try:
        out["light"] = service.runner.light
        known = queries.known_period(service, "2026-Q1")  # the pages' status, subjects and seals
        out["known"] = (queries.period_status(known), known.subjects, known.seals, known.scheme_version)
        out["card"] = orjson.dumps(queries.scorecard(service, RATER, "2026-Q1", "d2"))  # reads d2's facts
        out["light after the card"] = service.runner.light
    finally:
        service.close()
    service = build(settings)
    try:
        runner = service.runner
        withdrawn = recording.record(service, OFFICE, "2026-Q1",  # its target is found among d2's facts
                                     [{"type": "retraction", "target": smoking, "reason": "核实"}], AT)
        out["withdrawn"] = (withdrawn["before"], withdrawn["after"])
        made = recording.record(service, OFFICE, "2026-Q1",
                                [{"type": "deduction", "item": "3.6", "subject": "d3"}], AT)
        out["before"], out["after"] = made["before"], made["after"]
        out["fact totals"] = runner.fact_totals("default/2026-Q1", made["facts"])
        mine = orjson.dumps(_recorders(service)).decode()  # facts up to the views' position and folded since
        for n, fact in enumerate(withdrawn["facts"] + made["facts"]):  # new ids differ
            mine = mine.replace(fact, f"<new fact {n}>")
        out["by recorder since"] = mine
        out["light at the end"] = runner.light
        position, results = service.views.results("default/2026-Q1") or (0, b"")
        for n, fact in enumerate(withdrawn["facts"] + made["facts"]):  # new ids differ
            results = results.replace(fact.encode(), f"<new fact {n}>".encode())
        out["rankings"] = (position, results)
        return out
    finally:
        service.close()


def _imported(service: Any, smoking: str) -> list[Any]:
    """Spreadsheets previewed as the import page shows them (service/sheets, web/sheet_rows.py): a
    recorder's retraction of d2's finding (its target looked up by id), and the 局长's own scores of d2 again (R3: recorded as a
    correction of the earlier score) and of d3 unchanged (left out)."""
    files = {"撤销.csv": (OFFICE, [["target", "reason"], [smoking, "核实"]]),
             "评分.csv": (RATER, [["subject", "item", "value"], ["d2", "rating", "85"], ["d3", "rating", "88"]])}
    shown = []
    for name, (actor, rows) in files.items():
        importer = documents.importer(service, actor, "2026-Q1", AT)
        preview = importer.preview(Upload(name, csv_bytes(rows, "utf-8")))
        shown.append((preview, described(service, "2026-Q1", preview["sample"])))
    return shown


def _recorders(service: Any) -> list[Any]:
    """Each recorder's facts a page of 3 at a time, newest first (the recording page) and oldest first, every page
    walked by its `next`; as the office (who sees every rating) and as a rater (who sees others' redacted)."""
    pages = []
    for actor in (OFFICE, RATER):
        for recorder in ("督查科", "人事教育科", "咨询指导科", "nobody"):
            for newest_first in (True, False):
                after = 0
                while True:
                    page = queries.history(service, actor, "2026-Q1", recorded_by=recorder, newest_first=newest_first,
                                           limit=3, after=after)
                    pages.append(page)
                    if page["next"] is None:
                        break
                    after = page["next"]
    return pages


def test_a_service_started_lazily_answers_as_one_that_folded_every_fact(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = Settings(signing_key=TEST_KEY, data_dir=tmp_path / "whole")
    service = build(first)
    try:
        smoking = record_quarter(service)["smoking"]
        service.runner.catch_up()
    finally:
        service.close()
    shutil.copytree(tmp_path / "whole", tmp_path / "lazy")
    whole = _answers(first, None, monkeypatch, smoking)
    lazy = _answers(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "lazy"), 0, monkeypatch, smoking)
    assert not whole["light"] and lazy["light"], "the second service did not start lazily"
    assert lazy["light after the history"] and lazy["light after the card"] and lazy["light at the end"], \
        "a read or the recording folded the whole log"
    assert lazy["light after the import"], "a spreadsheet's preview folded the whole log"
    (retracted, retraction), (rescored, scores) = whole["import"]
    assert retracted["sample"][0]["fact"]["target"] == smoking and "非吸烟区吸烟" in retraction[0]["what"], retraction  # item 3.6, by its target
    assert rescored["unchanged_ratings"] == 1 and rescored["rows"] == 1, rescored  # d3's 88 left out
    assert rescored["sample"][0]["fact"]["corrects"].startswith("d2:"), "the score of d2 is not a correction (R3)"
    assert lazy["light after the recorders"], "a recorder's history or the period's overview (API) folded the whole log"
    mine = [f for page in whole["by recorder"] for f in page["facts"]]
    assert len(mine) == 2 * 2 * (8 + 1 + 1) and any(f["fact"].get("redacted") for f in mine), \
        "the recorders' histories are not what record_quarter recorded: nothing compared"
    shown = whole["card"].decode()
    assert "局长" in shown and "副局长" not in shown, "the rater's own rating is not shown apart: nothing was compared"
    assert whole["after"]["d3"] != whole["before"]["d3"]
    assert whole["withdrawn"][0]["d2"] != whole["withdrawn"][1]["d2"]  # the retraction's target is d2's
    assert len(whole["history"]["facts"]) == 2, "d3's history is not what record_quarter recorded: nothing compared"
    assert whole["overview"]["facts"] == 10
    for name in ("overview", "api overview", "import", "known", "history", "withdrawn", "card", "before", "after", "fact totals", "rankings", "by recorder",
                 "by recorder since"):
        assert lazy[name] == whole[name], name


def _what_ifs(settings: Settings, backlog: int | None, monkeypatch: pytest.MonkeyPatch, appeal: str,
              proposals: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """An appeal reviewer's what-ifs (queries.what_if) of a service started over written views."""
    monkeypatch.setattr(bootstrap, "ProjectionRunner", partial(ProjectionRunner, fast_backlog=backlog))
    reviewer = Actor("复核人", "reviewer", ())
    service = build(settings)
    try:
        out: dict[str, Any] = {"light": service.runner.light}
        for n, facts in enumerate(proposals):
            try:
                out[f"what-if {n}"] = orjson.dumps(queries.what_if(service, reviewer, appeal, facts))
            except Exception as exc:  # noqa: BLE001 - a refused proposal is compared too
                out[f"what-if {n}"] = f"{type(exc).__name__}: {exc}"
        out["light after"] = service.runner.light
        out["loaded"] = sorted(service.runner.lazy["default/2026"].loaded) if service.runner.lazy else None
        return out
    finally:
        service.close()


def test_an_appeals_what_if_of_a_service_started_lazily_folds_only_the_groups_it_concerns(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Four groups (IND); a joint finding across g1 and g2 appealed by a: the what-ifs of a lightened finding, its
    retraction, a new deduction in g3 and a fact for an unknown subject, from a service that folded everything and
    from one started lazily: the same answers, and the lazy one folded only the groups they concern."""
    from datetime import date

    from domain.facts import Subject
    from tests.integration.test_appeal_bystanders import IND

    first = Settings(signing_key=TEST_KEY, data_dir=tmp_path / "whole")
    service = build(first)
    try:
        ledger = service.ledger
        ledger.register_scheme(IND, "admin", AT)
        ledger.open_period("2026", "IND", IND.version, "admin", AT)
        ledger.register_subjects("2026", [Subject(id=s, name=f"干部{s}", kind="staff", group=g) for s, g in
                                          (("a", "g1"), ("b", "g1"), ("c", "g2"), ("d", "g3"), ("e", "g4"))],
                                 "admin", AT)
        pair = [{"subject": "a", "role": "leader"}, {"subject": "c", "role": "member"}]
        finding, _ = ledger.record_facts("2026", [{"type": "deduction", "item": "2.1", "parties": pair},
                                                  {"type": "deduction", "item": "4.1", "subject": "e"}],
                                         "办公室", AT)["facts"]
        ledger.close_period("2026", "admin", AT)
        ledger.publish("2026", date(2026, 12, 21), "办公室", AT)
        appeal = ledger.file_appeal("2026", "a", [finding], "扣分过重", [], date(2026, 12, 22), "a", AT)["appeal"]
        ledger.accept_appeal(appeal, date(2026, 12, 22), "领导小组", AT)
        service.runner.catch_up()
    finally:
        service.close()
    shutil.copytree(tmp_path / "whole", tmp_path / "lazy")
    proposals = [
        [{"type": "deduction", "item": "2.4a", "parties": pair, "corrects": finding}],
        [{"type": "retraction", "target": finding, "reason": "核实"}],
        [{"type": "deduction", "item": "4.1", "subject": "d"}],
        [{"type": "deduction", "item": "4.1", "subject": "nobody"}],
    ]
    whole = _what_ifs(first, None, monkeypatch, appeal, proposals)
    lazy = _what_ifs(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "lazy"), 0, monkeypatch, appeal, proposals)
    assert not whole["light"] and lazy["light"] and lazy["light after"], "the what-ifs folded the whole log"
    assert lazy["loaded"] == ["g1", "g2", "g3"], lazy["loaded"]  # never g4
    assert b'"subject":"c"' in whole["what-if 0"] and b'"subject":"d"' in whole["what-if 2"], "nothing compared"
    for n in range(len(proposals)):
        assert lazy[f"what-if {n}"] == whole[f"what-if {n}"], n
