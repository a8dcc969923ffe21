"""The server-drawn charts carry the grade thresholds and the quota line of the scheme (G1, G2)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from domain.scheme.loader import load_scheme_file
from service.read_models import RankingRow
from web.charts import distribution

QF = load_scheme_file(Path(__file__).resolve().parents[2] / "schemes" / "qf.yaml")


def row(rank: int, total: str, grade: str | None) -> RankingRow:
    return RankingRow(subject=f"p{rank}", name=f"职工{rank}", group="g", kind="staff", total=Decimal(total), rank=rank,
                      grade=grade, eligible=True, flags=[])


def test_a_groups_distribution_shows_the_grade_thresholds_and_where_the_quota_ends() -> None:
    rows = [row(1, "96", "好"), row(2, "90", "好"), row(3, "88", "较好"), row(4, "70", "一般")]
    chart = distribution("得分分布", rows, QF)
    thresholds = {line["label"] for line in chart["lines"]}
    assert "好 ≥ 85" in thresholds  # QF 三.(二)4: 好 不低于85分 (G1)
    assert chart["quota"] == {"after": 2, "label": "好名额线：2名"}  # G2: the quota line below the last 好
    assert [bar["mark"] for bar in chart["rows"]] == ["good", "good", "", ""]
    assert chart["max"] == Decimal(100)
