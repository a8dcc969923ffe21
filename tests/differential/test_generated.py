"""Generated periods, every shipped scheme: the fast path and the engine agree byte for byte, facts
amended at random (retracted, corrected, exempted, dated, put in one situation) and ZJG quarters of
tests/properties (counts, severities, situations, dates, ranks, vetoes, retractions)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.generate import facts_for, subjects_for
from domain.facts import Bonus, Deduction, Exemption, Fact, Rating, Retraction
from domain.scheme.loader import load_scheme_file
from domain.scheme.nodes import DeductionItem
from tests.differential.paths import admitted, fast, reference
from tests.differential.test_every_scheme import PERIOD, SCHEMES
from tests.properties.test_properties import QUARTER, ZJG, quarters

quick = settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
LOADED = [load_scheme_file(p) for p in SCHEMES]


@st.composite
def periods(draw: st.DrawFn) -> tuple[Any, list[Any], list[Fact], str]:
    scheme = draw(st.sampled_from(LOADED))
    subjects = subjects_for(scheme, draw(st.integers(1, 8)), groups=draw(st.integers(1, 3)))
    period = PERIOD[scheme.period.kind]
    facts = facts_for(scheme, subjects, period, draw(st.integers(0, 10_000)), per_subject=draw(st.integers(0, 12)))
    facts += draw(amendments(scheme, facts))
    return scheme, subjects, admitted(scheme, subjects, facts, period), period


@st.composite
def amendments(draw: st.DrawFn, scheme: Any, facts: list[Fact]) -> list[Fact]:
    """Retractions, corrections and exemptions of generated facts; some facts dated or in a shared situation."""
    out: list[Fact] = []
    amendable = [f for f in facts if isinstance(f, (Deduction, Bonus, Rating))]
    for n, fact in enumerate(draw(st.lists(st.sampled_from(amendable), max_size=6, unique_by=id)) if amendable else []):
        how = draw(st.sampled_from(["retract", "correct", "exempt", "date", "situation"]))
        base = {"period": fact.period, "recorded_by": "复核组"}
        if how == "retract":
            out.append(Retraction(id=f"am-x{n}", target=fact.id, reason="复核", **base))
        elif how == "correct":
            update: dict[str, Any] = {"id": f"am-c{n}", "corrects": fact.id, "recorded_by": "复核组"}
            if isinstance(fact, Rating):
                update["value"] = fact.value / 2
            elif fact.count < 3:
                update["count"] = fact.count + 1
            out.append(fact.model_copy(update=update))
        elif how == "exempt" and isinstance(fact, Deduction) and scheme.exemption_grounds:
            item = scheme.items.get(fact.item)
            if isinstance(item, DeductionItem) and item.exemptible:
                out.append(Exemption(id=f"am-e{n}", target=fact.id, ground=sorted(scheme.exemption_grounds)[0],
                                     **base))
        elif how == "date" and not isinstance(fact, Rating):
            out.append(fact.model_copy(update={"id": f"am-d{n}", "occurred_on": date(2026, 1, 1 + n),
                                               "corrects": fact.id}))
        elif how == "situation" and isinstance(fact, (Deduction, Bonus)):
            out.append(fact.model_copy(update={"id": f"am-s{n}", "situation": "shared", "corrects": fact.id,
                                               "count": 1}))
    return out


@quick
@given(periods())
def test_generated_periods_of_every_scheme_score_the_same_on_both_paths(case: Any) -> None:
    scheme, subjects, facts, period = case
    for explained in (True, False):
        assert fast(scheme, subjects, facts, period, explained)[0] == reference(scheme, subjects, facts, period, explained)


@quick
@given(periods())
def test_generated_periods_score_the_same_through_the_plain_rating_lane(case: Any) -> None:
    """Subjects with ratings only (no amendment) through the plain lane, the rest as before, ranked together."""
    scheme, subjects, facts, period = case
    ratings = [f for f in facts if isinstance(f, Rating)]
    for chosen in (facts, ratings):
        for explained in (True, False):
            got = fast(scheme, subjects, chosen, period, explained, lane=True)[0]
            assert got == reference(scheme, subjects, chosen, period, explained)


@quick
@given(quarters())
def test_generated_zjg_quarters_score_the_same_on_both_paths(case: Any) -> None:
    subjects, facts = case
    facts = admitted(ZJG, subjects, facts, QUARTER)
    assert fast(ZJG, subjects, facts, QUARTER)[0] == reference(ZJG, subjects, facts, QUARTER)


def test_a_rating_worth_a_fraction_is_averaged_as_the_engine_averages() -> None:
    """R3 with values that do not divide evenly: the average keeps the scoring context's 34 digits."""
    scheme = load_scheme_file(SCHEMES[0].parent / "qf.yaml")
    subjects = subjects_for(scheme, 1)
    facts = [Rating(id=f"r{i}", period="2026-Q1", recorded_by="督查科", item="c.1", subject=subjects[0].id,
                    role="colleagues", rater=f"c{i}", value=Decimal(v)) for i, v in enumerate(["1", "2", "2"])]
    assert fast(scheme, subjects, facts, "2026-Q1")[0] == reference(scheme, subjects, facts, "2026-Q1")
