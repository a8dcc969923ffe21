"""The card folded over the tree compiled once per kind and group (CardFold.build without a memo: every card a
replay scores, issue 12) is the card folded node by node (`_node`, the recording server's memo path): the
same bytes, total, applied points by node and incomplete items, for every shipped scheme and old version,
explained or not, lines of every kind (plain rating items too, as the mixed lane gives them)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from bench.generate import facts_for, subjects_for
from domain.facts import Rating
from domain.numbers import scoring_context
from domain.scheme.loader import load_scheme_file
from domain.scoring.fast.card import Memo
from domain.scoring.fast.facts import typed
from domain.scoring.fast.plain import Pieces
from domain.scoring.fast.subject import FastScorer
from tests.differential.paths import _plain_items, admitted

ROOT = Path(__file__).resolve().parents[2]
SCHEMES = sorted((ROOT / "schemes").glob("*.yaml")) + sorted((ROOT / "tests" / "compat" / "schemes").glob("*.yaml"))
PERIOD = {"quarter": "2026-Q1", "half": "2026-H1", "year": "2026"}
SHAPES = [(3, 12, 60, 3), (5, 40, 15, 4)]


def _both(scorer: FastScorer, kind: str, group: str, lines: Any, explained: bool) -> tuple[Any, Any]:
    """(compiled, node by node): each card's bytes, total, applied points by node, incomplete items."""
    out = []
    for memo in (None, Memo()):  # a fresh memo holds no node: every node is folded by `_node`
        applied: dict[str, Any] = {}
        incomplete: list[str] = []
        with scoring_context():
            card = scorer.fold.build(kind, group, lines, applied, incomplete, explained, memo)
            out.append(None if card is None else (card.encoded, scorer.fold.total(card), applied, incomplete))
    return out[0], out[1]


@pytest.mark.parametrize("path", SCHEMES, ids=lambda p: p.name)
def test_the_compiled_card_is_the_card_folded_node_by_node(path: Path) -> None:
    scheme = load_scheme_file(path)
    scorer, pieces = FastScorer(scheme), Pieces()
    roles, compared = scorer.rating_roles(), 0
    for seed, count, per_subject, groups in SHAPES:
        subjects = subjects_for(scheme, count, groups=groups)
        period = PERIOD[scheme.period.kind]
        facts = admitted(scheme, subjects, facts_for(scheme, subjects, period, seed, per_subject=per_subject), period)
        mine: dict[str, list[Any]] = defaultdict(list)
        for fact in facts:
            mine[getattr(fact, "subject", None) or ""].append(fact)
        for subject in subjects:
            own = sorted(mine.get(subject.id, []), key=lambda f: f.id)
            group = subject.group or "all"
            kept = scorer.kept(subject.id, [typed(f.model_dump(mode="json", exclude_none=True)) for f in own],
                               memo=False)
            ways = [kept.lines]
            ratings = [f.model_dump(mode="json", exclude_none=True) for f in own if isinstance(f, Rating)]
            items = _plain_items(pieces, roles, ratings) if ratings else None
            if items is not None:  # every rating item a plain item (the plain lane's), also for a subject whose
                ways.append(items)  # other facts this card leaves out: weighted plain items are reached too
            for lines in ways:
                for explained in (True, False):
                    compiled, by_node = _both(scorer, subject.kind, group, lines, explained)
                    assert compiled == by_node, (path.name, seed, subject.id, explained)
                    compared += compiled is not None
    assert compared

