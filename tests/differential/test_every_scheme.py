"""The fast path gives the engine's bytes for every shipped scheme, old versions included (tests/compat):
generated periods of one to forty subjects, their full results and their summaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.generate import facts_for, subjects_for
from domain.facts import Rating
from domain.scheme.loader import load_scheme_file
from tests.differential.paths import admitted, fast, reference

ROOT = Path(__file__).resolve().parents[2]
SCHEMES = sorted((ROOT / "schemes").glob("*.yaml")) + sorted((ROOT / "tests" / "compat" / "schemes").glob("*.yaml"))
PERIOD = {"quarter": "2026-Q1", "half": "2026-H1", "year": "2026"}
#: (seed, subjects, facts per subject, groups), as tests/compat pins them
SHAPES = [(1, 1, 0, 1), (2, 7, 20, 2), (3, 12, 60, 3), (5, 40, 15, 4)]


@pytest.mark.parametrize("path", SCHEMES, ids=lambda p: p.name)
def test_the_fast_path_gives_the_engines_bytes_for_every_shipped_scheme(path: Path) -> None:
    scheme = load_scheme_file(path)
    for seed, count, per_subject, groups in SHAPES:
        subjects = subjects_for(scheme, count, groups=groups)
        period = PERIOD[scheme.period.kind]
        facts = admitted(scheme, subjects, facts_for(scheme, subjects, period, seed, per_subject=per_subject), period)
        for explained in (True, False):
            got, _ = fast(scheme, subjects, facts, period, explained)
            assert got == reference(scheme, subjects, facts, period, explained), (path.name, seed, explained)


@pytest.mark.parametrize("path", SCHEMES, ids=lambda p: p.name)
def test_the_plain_rating_lane_gives_the_engines_bytes_for_every_shipped_scheme(path: Path) -> None:
    """The same periods with their ratings only, every subject through the plain-rating lane, and mixed."""
    scheme = load_scheme_file(path)
    for seed, count, per_subject, groups in SHAPES:
        subjects = subjects_for(scheme, count, groups=groups)
        period = PERIOD[scheme.period.kind]
        every = admitted(scheme, subjects, facts_for(scheme, subjects, period, seed, per_subject=per_subject), period)
        for facts in (every, [f for f in every if isinstance(f, Rating)]):
            for explained in (True, False):
                got, _ = fast(scheme, subjects, facts, period, explained, lane=True)
                assert got == reference(scheme, subjects, facts, period, explained), (path.name, seed, explained)
