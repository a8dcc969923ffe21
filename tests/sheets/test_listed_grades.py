"""P1, QF 三.(二)5 考核等次为好的人员在全局范围内进行公示: the scheme declares which grades its 公示 lists
(publication.listed_grades, version 3 of QF); a scheme that declares nothing lists every subject."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from bench.generate import facts_for, subjects_for
from domain.scheme.loader import load_scheme_file, load_scheme_text
from service import queries
from service.bootstrap import Service, build
from service.settings import Settings
from service.sheets import documents
from service.tokens import Actor
from tests.signing import TEST_KEY

ROOT = Path(__file__).resolve().parents[2]
AT = "2026-03-20T10:00:00+08:00"
ADMIN = Actor("局办公室管理员", "admin", ())
QF = load_scheme_file(ROOT / "schemes" / "qf.yaml")


def published_quarter(service: Service, scheme_text: str | None = None) -> None:
    scheme = load_scheme_text(scheme_text) if scheme_text is not None else QF
    ledger = service.ledger
    ledger.register_scheme(scheme, "admin", AT)
    ledger.open_period("2026-Q1", "QF", scheme.version, "admin", AT)
    subjects = subjects_for(scheme, 12)
    ledger.register_subjects("2026-Q1", subjects, "admin", AT)
    for fact in facts_for(scheme, subjects, "2026-Q1", seed=7, per_subject=0):
        row = fact.model_dump(mode="json", exclude_none=True)
        ledger.record_facts("2026-Q1", [{k: v for k, v in row.items() if k not in ("id", "period", "recorded_by")}],
                            row["recorded_by"], AT)
    ledger.close_period("2026-Q1", "admin", AT)
    ledger.publish("2026-Q1", date(2026, 3, 31), "admin", AT)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    built = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data"))
    yield built
    built.close()


def test_qf_lists_only_those_graded_good_and_says_so(service: Service) -> None:
    published_quarter(service)
    everyone = queries.results(service, "2026-Q1", None)["subjects"]
    good = [s["name"] for s in everyone if s.get("grade") == "好"]
    assert 0 < len(good) < len(everyone)  # the quarter has subjects of other grades to leave out
    notice = documents.publication(service, ADMIN, "2026-Q1", "https://kaohe.example")
    assert sorted(r.name for r in notice.rows) == sorted(good) and {r.grade for r in notice.rows} == {"好"}
    assert notice.listed == f"（按考核方案规定，仅公示等次为好的{len(good)}名，共考核{len(everyone)}名）"


def test_a_scheme_declaring_no_listed_grades_lists_everyone(service: Service) -> None:
    text = (ROOT / "schemes" / "qf.yaml").read_text(encoding="utf-8")
    published_quarter(service, text.replace("  listed_grades: [好]", "  # (no listed grades)").replace(
        "version: 3", "version: 4"))
    everyone = queries.results(service, "2026-Q1", None)["subjects"]
    notice = documents.publication(service, ADMIN, "2026-Q1", "https://kaohe.example")
    assert len(notice.rows) == len(everyone) and notice.listed is None


def test_a_listed_grade_the_scheme_does_not_give_is_refused() -> None:
    from domain.errors import SchemeInvalid

    text = (ROOT / "schemes" / "qf.yaml").read_text(encoding="utf-8").replace("listed_grades: [好]",
                                                                            "listed_grades: [优秀]")
    with pytest.raises(SchemeInvalid, match="not a grade of the scheme"):
        load_scheme_text(text)


def test_the_qr_code_opens_the_public_address_the_bureau_configured(tmp_path: Path) -> None:
    service = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data", public_url="https://kaohe.example.gov.cn"))
    try:
        published_quarter(service)
        notice = documents.publication(service, ADMIN, "2026-Q1", "http://127.0.0.1:8000/")
        seal = queries.folded_period(service, "2026-Q1").seals[-1]
        assert notice.proof.verify_url == f"https://kaohe.example.gov.cn/verify/2026-Q1?position={seal['position']}"
    finally:
        service.close()


def test_the_published_list_in_the_pages_lists_the_same_grades(service: Service) -> None:
    from service.publication import published_list

    published_quarter(service)
    listed = published_list(service, Actor("s001代表", "subject", ("s001",)), "2026-Q1", date(2026, 4, 1))
    notice = documents.publication(service, ADMIN, "2026-Q1", "https://kaohe.example")
    assert sorted(r["name"] for r in listed["rows"]) == sorted(r.name for r in notice.rows)
    assert listed["listed_grades"] == ["好"] and listed["assessed"] == 12
    # Check: an administrator's list has every row, the listed ones those of the notice (F7)
    every = published_list(service, ADMIN, "2026-Q1", date(2026, 4, 1))["rows"]
    assert len(every) == 12 and sorted(r["name"] for r in every if r["listed"]) == sorted(r.name for r in notice.rows)
