"""Properties of scoring that hold for any quarter of facts under schemes/zjg.yaml.

Facts are generated against the shipped ZJG scheme: deductions on any item with counts,
severities and situations (D4), dates, ratings by several raters of each role, bonuses by
level, the quarter's innovation ranks, vetoes and retractions, for a handful of departments
in one or two groups.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from domain.facts import Bonus, Deduction, Fact, Rating, Retraction, Subject, VetoDecision
from domain.scheme.loader import load_scheme_file, load_scheme_text
from domain.scheme.model import Scheme
from domain.scheme.nodes import Basis, BonusItem, DeductionItem, Section
from domain.scoring import NodeResult, PeriodResult, score_period

ROOT = Path(__file__).resolve().parents[2]
ZJG = load_scheme_file(ROOT / "schemes" / "zjg.yaml")
QUARTER = "2026-Q1"

DEDUCTION_ITEMS = sorted(i.id for i in ZJG.items.values() if isinstance(i, DeductionItem))
LEVEL_ITEMS = sorted(i.id for i in ZJG.items.values() if isinstance(i, BonusItem) and i.bonus.levels)
VETOES = [v.id for v in ZJG.vetoes]

quick = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

dates = st.one_of(st.none(), st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 3, 31)))
situations = st.one_of(st.none(), st.sampled_from(["visit-1", "visit-2", "audit-1"]))
rating_values = st.decimals(min_value=0, max_value=100, places=1, allow_nan=False, allow_infinity=False)


@st.composite
def deductions(draw: st.DrawFn, fid: str, subjects: list[str]) -> Deduction:
    item = ZJG.items[draw(st.sampled_from(DEDUCTION_ITEMS))]
    assert isinstance(item, DeductionItem)
    graded = item.deduct.graded
    return Deduction(
        id=fid,
        period=QUARTER,
        recorded_by=ZJG.offices[ZJG.offices_of[item.id] or "office"],
        item=item.id,
        subject=draw(st.sampled_from(subjects)),
        count=draw(st.integers(min_value=1, max_value=8)),
        attributes={graded.by: draw(st.sampled_from(sorted(graded.values)))} if graded else {},
        situation=draw(situations),
        occurred_on=draw(dates),
    )


@st.composite
def quarters(draw: st.DrawFn) -> tuple[list[Subject], list[Fact]]:
    """A quarter: 1-5 departments in one or two groups and up to about 45 facts."""
    n = draw(st.integers(min_value=1, max_value=5))
    subjects = [
        Subject(id=f"s{i}", name=f"科室{i}", group=draw(st.sampled_from(["g1", "g2"])), kind="department")
        for i in range(n)
    ]
    ids = [s.id for s in subjects]
    facts: list[Fact] = [draw(deductions(f"d{i:02}", ids)) for i in range(draw(st.integers(0, 25)))]
    for sid in ids:
        for role, most in (("principal", 1), ("supervising", 3)):
            for r in range(draw(st.integers(0, most))):
                facts.append(
                    Rating(
                        id=f"r-{sid}-{role}-{r}",
                        period=QUARTER,
                        recorded_by="督查科",
                        item="rating",
                        subject=sid,
                        role=role,
                        rater=f"{role}-{r}",
                        value=draw(rating_values),
                    )
                )
    for i in range(draw(st.integers(0, 6))):
        item = ZJG.items[draw(st.sampled_from(LEVEL_ITEMS))]
        assert isinstance(item, BonusItem) and item.bonus.levels
        facts.append(
            Bonus(
                id=f"b{i:02}",
                period=QUARTER,
                recorded_by="督查科",
                item=item.id,
                subject=draw(st.sampled_from(ids)),
                level=draw(st.sampled_from(sorted(item.bonus.levels))),
                count=draw(st.integers(1, 3)),
                situation=draw(situations),
                occurred_on=draw(dates),
            )
        )
    for rank in ("1", "2", "3"):
        if draw(st.booleans()):
            facts.append(
                Bonus(
                    id=f"inn-{rank}",
                    period=QUARTER,
                    recorded_by="督查科",
                    item="b.4",
                    subject=draw(st.sampled_from(ids)),
                    rank=rank,
                )
            )
    for i in range(draw(st.integers(0, 2))):
        facts.append(
            VetoDecision(
                id=f"v{i}",
                period=QUARTER,
                recorded_by="考核领导小组",
                veto=draw(st.sampled_from(VETOES)),
                subject=draw(st.sampled_from(ids)),
            )
        )
    retract: bool = draw(st.booleans())
    if facts and retract:
        target = draw(st.sampled_from([f.id for f in facts]))
        facts.append(
            Retraction(id="x-retract", period=QUARTER, recorded_by="考核领导小组", target=target, reason="核实有误")
        )
    return subjects, facts


def score(subjects: list[Subject], facts: list[Fact], scheme: Scheme = ZJG) -> PeriodResult:
    return score_period(scheme, subjects, facts, QUARTER)


def nodes(card: NodeResult) -> Iterator[NodeResult]:
    yield card
    for child in card.children:
        yield from nodes(child)


@quick
@given(quarters(), st.randoms(use_true_random=False))
def test_the_order_facts_and_subjects_are_given_in_changes_nothing(
    quarter: tuple[list[Subject], list[Fact]], rnd: object
) -> None:
    subjects, facts = quarter
    shuffled_facts, shuffled_subjects = list(facts), list(subjects)
    rnd.shuffle(shuffled_facts)  # type: ignore[attr-defined]
    rnd.shuffle(shuffled_subjects)  # type: ignore[attr-defined]
    assert score(subjects, facts).canonical() == score(shuffled_subjects, shuffled_facts).canonical()


@quick
@given(quarters())
def test_scoring_twice_gives_byte_identical_canonical_output(quarter: tuple[list[Subject], list[Fact]]) -> None:
    subjects, facts = quarter
    first, second = score(subjects, facts).canonical(), score(list(subjects), list(facts)).canonical()
    assert first == second
    assert b"e+" not in first.lower() and b"E-" not in first


@quick
@given(quarters())
def test_no_section_leaves_its_floor_and_maximum(quarter: tuple[list[Subject], list[Fact]]) -> None:
    """D2/B3: every deduct and add section stays within [floor, max]; ZJG declares no overflow."""
    subjects, facts = quarter
    for result in score(subjects, facts).subjects:
        for node in nodes(result.card):
            spec = ZJG.nodes[node.id]
            assert node.overflow == 0
            if isinstance(spec, Section) and spec.basis is not Basis.sum:
                floor = spec.effective_floor()
                assert floor is None or node.applied >= floor, (result.subject, node.id, node.applied)
                assert spec.max is None or node.applied <= spec.max, (result.subject, node.id, node.applied)
            if node.max is not None:
                assert node.applied <= node.max, (result.subject, node.id, node.applied)
        assert result.card.find("daily").applied <= Decimal(90)
        assert Decimal(0) <= result.card.find("rating").applied <= Decimal(10)


@quick
@given(quarters())
def test_every_section_is_its_childrens_sum_within_its_bounds(quarter: tuple[list[Subject], list[Fact]]) -> None:
    """S1/C1/D2: a sum section is exactly its children; a deduct section is max + children, bounded,
    and what it cuts is raw − applied; the total is daily + rating + bonus, rounded."""
    subjects, facts = quarter
    for result in score(subjects, facts).subjects:
        for node in nodes(result.card):
            spec = ZJG.nodes[node.id]
            if not isinstance(spec, Section):
                continue
            children = sum((c.applied for c in node.children), Decimal(0))
            if spec.basis is Basis.sum:
                assert node.applied == children
            elif spec.basis is Basis.deduct:
                assert node.raw == (spec.max or 0) + children
                assert node.applied == min(max(node.raw, Decimal(0)), spec.max or 0)
            assert node.cut == node.raw - node.applied - node.overflow
        assert result.total == result.card.applied.quantize(Decimal("0.01"))


@st.composite
def crowded_quarters(draw: st.DrawFn) -> tuple[list[Subject], list[Fact]]:
    """One or two departments with many findings on few items and two situations: D4 rivals
    across sections that are near their floor, where settling one situation affects another."""
    subjects = [Subject(id=f"s{i}", name=f"科室{i}", kind="department") for i in range(draw(st.integers(1, 2)))]
    facts: list[Fact] = []
    for i in range(draw(st.integers(1, 10))):
        facts.append(
            Deduction(
                id=f"c{i:02}",
                period=QUARTER,
                recorded_by="办公室",
                item=draw(st.sampled_from(["1.1.1", "1.1.2", "2.1", "2.2"])),
                subject=draw(st.sampled_from([s.id for s in subjects])),
                count=draw(st.integers(1, 8)),
                situation=draw(st.sampled_from([None, "x", "y"])),
            )
        )
    return subjects, facts


crowded_extras = st.builds(
    Deduction,
    id=st.just("zz-extra"),
    period=st.just(QUARTER),
    recorded_by=st.just("办公室"),
    item=st.sampled_from(["1.1.1", "1.1.2", "2.1", "2.2"]),
    subject=st.just("s0"),
    count=st.integers(1, 14),
    situation=st.sampled_from([None, "x", "y"]),
)

S0 = [Subject(id="s0", name="办公室", kind="department")]
TWO_SITUATIONS = [
    Deduction(id="x-task", period=QUARTER, recorded_by="办公室", item="1.1.1", subject="s0", count=7, situation="x"),
    Deduction(id="x-early", period=QUARTER, recorded_by="人事教育科", item="2.1", subject="s0", situation="x"),
    Deduction(id="y-task", period=QUARTER, recorded_by="办公室", item="1.1.1", subject="s0", situation="y"),
]
Y_STAGES = Deduction(
    id="zz-extra", period=QUARTER, recorded_by="办公室", item="1.1.2", subject="s0", count=14, situation="y"
)


@settings(quick, max_examples=100)
@given(st.one_of(quarters(), crowded_quarters()), st.one_of(deductions("zz-extra", ["s0"]), crowded_extras))
@example((S0, TWO_SITUATIONS), Y_STAGES)
def test_recording_one_more_deduction_never_raises_any_total(
    quarter: tuple[list[Subject], list[Fact]], extra: Deduction
) -> None:
    """D1-D4: a further finding (here against s0) lowers a total or leaves it, never raises it.

    The explicit example is the smallest case found: two situations settled one after the other
    (see tests/unit/test_catalog_deductions.py, ..._with_two_situations)."""
    subjects, facts = quarter
    before = {s.subject: s.total for s in score(subjects, facts).subjects}
    after = {s.subject: s.total for s in score(subjects, [*facts, extra]).subjects}
    for sid, total in after.items():
        assert total <= before[sid], (sid, before[sid], total, extra)


@quick
@given(quarters())
def test_rank_order_follows_the_totals_within_each_group(quarter: tuple[list[Subject], list[Fact]]) -> None:
    """S2/G7: within a group a higher total never ranks lower; ranks are competition ranks
    (1 + the number of subjects strictly ahead on total, then daily work)."""
    subjects, facts = quarter
    result = score(subjects, facts)
    for group in {s.group for s in subjects}:
        ranking = result.ranking(group)
        assert [s.rank for s in ranking] == sorted(s.rank for s in ranking)
        keys = {s.subject: (s.total, s.card.find("daily").applied) for s in ranking}
        for s in ranking:
            ahead = sum(1 for other in ranking if keys[other.subject] > keys[s.subject])
            assert s.rank == 1 + ahead
            for other in ranking:
                if other.total > s.total:
                    assert other.rank < s.rank


OVERFLOW = load_scheme_text(
    """
scheme: ZZX
version: 1
title: 机关效率与作风纪律建设 (ZZ 三.(二), an excerpt)
period: {kind: quarter}
subject_kinds: {department: 科室}
tree:
  id: total
  title: t
  children:
    - {id: base, title: 基本工作目标, max: 45, rating: {scale: 45, roles: {assessor: 1}}}
    - id: conduct
      title: 机关效率与作风纪律建设
      basis: deduct
      max: 10
      overflow: total
      children:
        - {id: c.1, title: 迟到早退, deduct: {per: 1}}
        - {id: c.2, title: 违纪, deduct: {graded: {by: rank, values: {chief: 10, clerk: 7}}}}
"""
)


@quick
@given(
    st.lists(
        st.tuples(st.sampled_from(["c.1", "c.2"]), st.integers(1, 6), st.sampled_from(["chief", "clerk"])), max_size=8
    ),
    st.integers(0, 45),
)
def test_what_falls_below_an_overflow_sections_floor_is_taken_from_the_total(
    findings: list[tuple[str, int, str]], base: int
) -> None:
    """D3 ZZ 三.(二): the section never shows less than 0; what exceeds it is carried to the total."""
    facts: list[Fact] = [
        Rating(
            id="base",
            period=QUARTER,
            recorded_by="x",
            item="base",
            subject="u",
            role="assessor",
            rater="x",
            value=Decimal(base),
        )
    ]
    for i, (item, count, rank) in enumerate(findings):
        facts.append(
            Deduction(
                id=f"f{i}",
                period=QUARTER,
                recorded_by="x",
                item=item,
                subject="u",
                count=count,
                attributes={"rank": rank} if item == "c.2" else {},
            )
        )
    result = score([Subject(id="u", name="u", kind="department")], facts, OVERFLOW).subject("u")
    conduct = result.card.find("conduct")
    lost = -sum((c.applied for c in conduct.children), Decimal(0))
    assert Decimal(0) <= conduct.applied <= Decimal(10)
    assert conduct.overflow == min(Decimal(0), Decimal(10) - lost)
    assert conduct.cut == 0
    assert result.total == Decimal(base) + Decimal(10) - lost
