"""The fast paths behind canonical bytes change no byte.

`canonical_bytes` walks result models itself (domain.canonical.dump) and scoring builds its
results without validation (domain.scoring.results.trusted). Both are pinned here against the
straightforward reference they replaced: pydantic's model_dump(exclude_none=True) fed to orjson,
and models built by validation. The scenarios: every catalog and shipped-scheme test scenario
(their score_period calls are recorded), generated periods under every shipped scheme, a
year, and hypothesis-generated periods and numbers.
"""

from __future__ import annotations

import gc
import importlib.util
import inspect
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import domain.scoring.engine as engine
from bench.generate import facts_for, subjects_for
from domain.canonical import canonical_bytes, dump, paused_gc, sha256_hex
from domain.numbers import canonical_str
from domain.scheme.loader import load_scheme_file
from domain.scheme.model import Scheme
from domain.scoring import PeriodResult, YearResult, score_period, score_year
from domain.scoring.results import Line, NodeResult, SubjectResult

ROOT = Path(__file__).resolve().parents[2]
SCHEMES = {p.stem: load_scheme_file(p) for p in sorted((ROOT / "schemes").glob("*.yaml"))}
PERIOD = {"quarter": "2026-Q1", "half": "2026-H1", "year": "2026"}


# -- the reference: canonical_bytes as it was before the fast paths --------------------------------


def _reference_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return canonical_str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="python", exclude_none=True)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__} canonically")


def reference_bytes(value: Any) -> bytes:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="python", exclude_none=True)
    return orjson.dumps(
        value, default=_reference_default, option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS
    )


def _models(value: Any) -> Iterator[BaseModel]:
    if isinstance(value, BaseModel):
        yield value
        for name in type(value).model_fields:
            yield from _models(value.__dict__[name])
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _models(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _models(item)


def _same(built: Any, validated: Any, where: str) -> None:
    """Exactly the same values: types (an int 0 is not a Decimal 0), Decimal digits and exponents."""
    assert type(built) is type(validated), f"{where}: {type(built).__name__} != {type(validated).__name__}"
    if isinstance(built, BaseModel):
        assert list(built.__dict__) == list(type(built).model_fields), f"{where}: fields out of order"
        assert built.__pydantic_extra__ is None and built.__pydantic_private__ is None
        assert built.__pydantic_fields_set__ <= set(type(built).model_fields)
        for name in type(built).model_fields:
            _same(built.__dict__[name], validated.__dict__[name], f"{where}.{name}")
    elif isinstance(built, list):
        assert len(built) == len(validated), where
        for i, (a, b) in enumerate(zip(built, validated, strict=True)):
            _same(a, b, f"{where}[{i}]")
    elif isinstance(built, Decimal):
        assert built.as_tuple() == validated.as_tuple(), where
    else:
        assert built == validated, where


def check(result: PeriodResult | YearResult) -> None:
    """Fast bytes equal the reference bytes; built models equal validated ones, type for type."""
    fast = canonical_bytes(result)
    assert fast == reference_bytes(result)
    assert sha256_hex(result) == sha256_hex(orjson.loads(reference_bytes(result)))
    assert result.canonical() == fast
    subjects = result.subjects if isinstance(result, PeriodResult) else []
    for subject in subjects:  # subject hashes are sealed too
        assert canonical_bytes(subject) == reference_bytes(subject)
    assert canonical_bytes({"results": [result], "n": Decimal("1.50")}) == reference_bytes(
        {"results": [result], "n": Decimal("1.50")}
    )
    validated = type(result).model_validate(result.model_dump(mode="python"))
    _same(result, validated, type(result).__name__)
    assert validated == result


# -- every catalog and shipped-scheme scenario -------------------------------------------------------

SCENARIO_MODULES = sorted((ROOT / "tests" / "unit").glob("test_catalog_*.py")) + [
    ROOT / "tests" / "unit" / "test_retractions_and_cuts.py",
    *sorted((ROOT / "tests" / "schemes").glob("test_*.py")),
]


def _load(path: Path) -> Any:
    sys.path.insert(0, str(path.parent))  # the catalog tests import catalog_support beside them
    try:
        spec = importlib.util.spec_from_file_location(f"_canonical_fast_{path.parent.name}_{path.stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(path.parent))


def test_every_catalog_and_scheme_scenario_encodes_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    recorded: list[PeriodResult] = []
    score = engine._score

    def recording(*args: Any) -> PeriodResult:
        result = score(*args)
        recorded.append(result)
        return result

    monkeypatch.setattr(engine, "_score", recording)
    ran = 0
    for path in SCENARIO_MODULES:
        module = _load(path)
        for name, function in sorted(vars(module).items()):
            if name.startswith("test_") and callable(function) and not inspect.signature(function).parameters:
                try:
                    function()
                except Exception:  # noqa: S110 - the scenario's own test reports it; only its results matter here
                    pass
                ran += 1
    assert ran > 100 and len(recorded) > 100
    for result in recorded:
        check(result)


# -- generated periods under every shipped scheme ------------------------------------------------------


def _generated(scheme: Scheme, seed: int, count: int, per_subject: int, groups: int = 1) -> PeriodResult:
    subjects = subjects_for(scheme, count, groups=groups)
    period = PERIOD[scheme.period.kind]
    return score_period(scheme, subjects, facts_for(scheme, subjects, period, seed, per_subject=per_subject), period)


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_generated_periods_of_every_shipped_scheme_encode_as_before(name: str) -> None:
    for seed, count, per_subject, groups in ((1, 1, 0, 1), (2, 7, 20, 2), (3, 12, 60, 3)):
        check(_generated(SCHEMES[name], seed, count, per_subject, groups))


def test_a_year_encodes_as_before() -> None:
    qf = SCHEMES["qf"]
    subjects = subjects_for(qf, 9, groups=2)
    facts = [f for q, seed in (("2026-Q1", 5), ("2026-Q3", 6)) for f in facts_for(qf, subjects, q, seed, 15)]
    year = score_year(qf, subjects, facts, "2026")
    assert len(year.quarters) == 2
    check(year)


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(SCHEMES)),
    st.integers(0, 10_000),
    st.integers(1, 8),
    st.integers(0, 30),
    st.integers(1, 3),
)
def test_hypothesis_periods_encode_as_before(name: str, seed: int, count: int, per_subject: int, groups: int) -> None:
    check(_generated(SCHEMES[name], seed, count, per_subject, groups))


# -- the pieces ----------------------------------------------------------------------------------------

numbers = st.decimals(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [Decimal("0"), Decimal("-0"), Decimal("0.00"), Decimal("1.50"), Decimal("1.5"), Decimal("15E-1"), Decimal("1E+3")]
)


@given(st.lists(numbers, max_size=30))
def test_remembered_numbers_read_as_canonical_str(values: list[Decimal]) -> None:
    assert orjson.loads(canonical_bytes(values)) == [canonical_str(v) for v in values]
    assert canonical_bytes(values) == reference_bytes(values)


def test_none_fields_are_left_out_and_defaults_kept() -> None:
    line = Line(facts=["f1"], points=Decimal("-2.50"), status="counted", recorded_by=["x"])
    assert dump(line) == {"facts": ["f1"], "points": "-2.5", "status": "counted", "recorded_by": ["x"], "by": []}
    dated = line.model_copy(update={"occurred_on": date(2026, 1, 2), "note": "n"})
    node = NodeResult(id="n", title="t", rules=[], raw=Decimal(0), applied=Decimal("0.0"), lines=[line, dated])
    assert canonical_bytes(node) == reference_bytes(node)
    assert b'"cut":"0","cut_facts":[],"id":"n","incomplete":[]' in canonical_bytes(node)
    subject = SubjectResult(
        subject="s", name="n", group="g", kind="k", total=Decimal(1), rank=1, grade=None, eligible=True, card=node
    )
    assert b'"grade":' not in canonical_bytes(subject)
    assert canonical_bytes(subject) == reference_bytes(subject)


def test_a_non_finite_number_is_still_refused() -> None:
    for bad in (Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity")):
        with pytest.raises((ValueError, TypeError)):
            canonical_bytes([bad])


def test_the_collector_pause_nests_and_restores() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # off before, off after
    finally:
        gc.enable()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("scoring failed")
    assert gc.isenabled()
