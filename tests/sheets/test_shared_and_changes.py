"""From a sheet, as from the record page: one finding shared by several people and a unit (D11, IND
四.(四)2 值班 and 五 由分管领导和科室共同承担), and retractions and exemptions (D8, ZZ 三(二)2 末段) of
facts already recorded; every mistake located, nothing appended until the file is right."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from domain.facts import Subject
from domain.scheme.loader import load_scheme_file
from service import queries
from service.bootstrap import Service, build
from service.settings import Settings
from service.sheets import documents
from service.sheets.importing import SheetInvalid, Upload
from service.tokens import Actor
from tests.sheets.files import csv_bytes
from tests.signing import TEST_KEY

ROOT = Path(__file__).resolve().parents[2]
AT = "2026-03-20T10:00:00+08:00"
IND_OFFICE = Actor("办公室", "recorder", ("office",))
ZZ_EFFICIENCY = Actor("市效能办", "recorder", ("efficiency_office",))


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    built = build(Settings(signing_key=TEST_KEY, data_dir=tmp_path / "data"))
    yield built
    built.close()


def end(service: Service) -> int:
    return service.ledger.recorder.max_notification_id() or 0


def ind_year(service: Service) -> None:
    ind = load_scheme_file(ROOT / "schemes" / "ind.yaml")
    service.ledger.register_scheme(ind, "admin", AT)
    service.ledger.open_period("2026", "IND", ind.version, "admin", AT)
    staff = [Subject(id="w", name="王局", kind="staff", unit="leaders"), Subject(id="a", name="甲", kind="staff", unit="zf"),
             Subject(id="b", name="乙", kind="staff", unit="zf"), Subject(id="d", name="丁", kind="staff")]
    service.ledger.register_subjects("2026", staff, "admin", AT)


def preview(service: Service, actor: Actor, code: str, rows: list[list[object]]) -> dict[str, object]:
    return documents.importer(service, actor, code, AT, date(2026, 3, 20)).preview(
        Upload("登记.csv", csv_bytes(rows, "gbk")))


def test_a_finding_shared_by_a_leader_and_a_unit_is_recorded_once_for_every_member_D11(service: Service) -> None:
    ind_year(service)
    rows = [["被考核单位", "考核项目", "共同承担单位", "发生日期"],
            [None, "2.1 未按要求制定监管执法计划", "王局（leader）、zf（member）", "2026-03-02"]]
    found = preview(service, IND_OFFICE, "2026", rows)
    assert found["rows"] == 1
    importer = documents.importer(service, IND_OFFICE, "2026", AT, date(2026, 3, 20))
    result = importer.confirm(Upload("登记.csv", csv_bytes(rows, "gbk")))
    stored = queries.folded_period(service, "2026").facts[result["facts"][0]]
    assert stored["parties"] == [{"subject": "w", "role": "leader"}, {"subject": "a", "role": "member"},
                                 {"subject": "b", "role": "member"}]


def test_every_mistake_in_the_parties_is_located_and_nothing_is_appended(service: Service) -> None:
    ind_year(service)
    before = end(service)
    rows = [["被考核单位", "考核项目", "共同承担单位"],
            [None, "2.1", "王局（局长）、zf（member）"],  # a role the item does not share
            [None, "2.1", "张三（leader）"],  # nobody of that name
            [None, "2.1", "王局、甲（member）"],  # no role
            ["丁", "2.1", "甲（member）"],  # both a subject and parties
            [None, "4.7", "甲（member）"]]  # an item nobody shares
    with pytest.raises(SheetInvalid) as refused:
        preview(service, IND_OFFICE, "2026", rows)
    messages = [p.message for p in refused.value.problems]
    assert len(messages) == 5, messages
    assert "「局长」不是考核项目「未按要求制定监管执法计划」的承担角色：可填 分管领导、科室人员、责任人" in messages[0]
    assert "找不到共同承担单位或人员「张三」" in messages[1]
    assert "「王局」应写作 名称（角色），如 张三（分管领导）" in messages[2]
    assert "被考核单位与共同承担单位只填一项" in messages[3]
    assert "考核项目「查岗发现未经请假擅自缺岗」不由多人共同承担" in messages[4]
    assert all("列（共同承担单位）" in m for m in messages)
    assert end(service) == before


def zz_year(service: Service) -> str:
    zz = load_scheme_file(ROOT / "schemes" / "zz.yaml")
    service.ledger.register_scheme(zz, "admin", AT)
    service.ledger.open_period("2026", "ZZ", zz.version, "admin", AT)
    service.ledger.register_subjects("2026", [Subject(id="u1", name="市文化局", kind="unit", group="series2"),
                                              Subject(id="u2", name="市档案局", kind="unit", group="series2")],
                                     "admin", AT)
    recorded = service.ledger.record_facts("2026", [
        {"type": "deduction", "item": "2.2.3", "subject": "u1", "attributes": {"level": "admonition"}}], "市效能办", AT)
    return str(recorded["facts"][0])


def test_a_sheet_exempts_one_finding_on_a_declared_ground_and_retracts_another_D8(service: Service) -> None:
    first = zz_year(service)
    second = service.ledger.record_facts("2026", [
        {"type": "deduction", "item": "2.2.3", "subject": "u2", "attributes": {"level": "admonition"}}],
        "市效能办", AT)["facts"][0]
    rows = [["原记录", "类型", "撤销理由", "免扣理由", "证明材料"],
            [f"{first} 市文化局 2.2.3 干部职工受到效能责任追究", "免扣", None, "属于本单位自行查处", "自查报告"],
            [second, "撤销", "录入重复", None, None]]
    found = preview(service, ZZ_EFFICIENCY, "2026", rows)
    assert found["kinds"] == {"exemption": 1, "retraction": 1}
    importer = documents.importer(service, ZZ_EFFICIENCY, "2026", AT, date(2026, 3, 20))
    result = importer.confirm(Upload("登记.csv", csv_bytes(rows, "gbk")))
    facts = queries.folded_period(service, "2026").facts
    made = [facts[f] for f in result["facts"]]
    assert {k: made[0][k] for k in ("type", "target", "ground", "evidence")} == {
        "type": "exemption", "target": first, "ground": "self_investigated", "evidence": "自查报告"}
    assert {k: made[1][k] for k in ("type", "target", "reason")} == {"type": "retraction", "target": second,
                                                                    "reason": "录入重复"}


def test_a_change_naming_no_recorded_fact_or_no_ground_is_refused_where_it_is(service: Service) -> None:
    first = zz_year(service)
    before = end(service)
    rows = [["原记录", "类型", "撤销理由", "免扣理由"],
            ["u1:nothing-like-this", "撤销", "错误", None],
            [first, "免扣", None, "领导同意"],
            [first, "撤销", None, None]]
    with pytest.raises(SheetInvalid) as refused:
        preview(service, ZZ_EFFICIENCY, "2026", rows)
    messages = [p.message for p in refused.value.problems]
    assert "本期没有编号为「u1:nothing-like-this」的记录" in messages[0] and "列（原记录）" in messages[0]
    assert "「领导同意」不是方案规定的免扣理由：可填 属于本单位自行查处、主动报告有关机关查处" in messages[1]
    assert "第4行C列（撤销理由）：不能为空" in messages[2]
    assert end(service) == before
