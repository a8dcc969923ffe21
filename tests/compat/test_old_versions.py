"""Scheme versions made before issue 13 keep their meaning, byte for byte.

The files in tests/compat/schemes are the shipped schemes as they were on main (a123952),
version 1 each; digests.json holds what main's engine made of them (tests/compat/old_versions.py).
A period opened under one of them is stored with that document, so its results, and the seals
made of them, must not change when the engine learns new constructs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain.scheme.loader import load_scheme_file
from tests.compat.old_versions import DIGESTS, old_schemes, pinned

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = json.loads(DIGESTS.read_text(encoding="utf-8"))
OLD = old_schemes()


def test_every_shipped_scheme_has_its_old_version_pinned() -> None:
    shipped = {p.stem for p in (ROOT / "schemes").glob("*.yaml")}
    assert shipped == set(OLD) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_an_old_scheme_version_scores_to_the_same_bytes_as_before(name: str) -> None:
    """Check: the content hash (what periods are bound to), each generated period's facts (the same
    input) and its canonical results (what seals hash), and a year where the scheme has year rules."""
    assert pinned(OLD[name]) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_changed_shipped_scheme_has_a_new_version(name: str) -> None:
    """A shipped file whose content differs from its old version must carry a higher version."""
    now = load_scheme_file(ROOT / "schemes" / f"{name}.yaml")
    old = OLD[name]
    if now.content_hash != old.content_hash:
        assert now.version > old.version, f"{name}.yaml changed but kept version {old.version}"
