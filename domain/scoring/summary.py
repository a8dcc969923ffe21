"""The summary of results: every number, rank, grade, flag and reason, without the explanation lines.

A subject result's summary is the result with every scorecard node's `lines` left empty: totals,
each node's raw, applied, cut and overflow points, the facts cut by a cap (cut_facts), missing
roles, decisions, grades and their reasons all stay. The lines themselves (each fact's points, note,
status and recorder) follow from the facts and the scheme, which a seal fixes by the period's events
root and the scheme hash: a seal (replay/seal.py, version 3) hashes the summary, and the lines of
any scorecard are worked out again, exactly, when asked for.
"""

from __future__ import annotations

from domain.scoring.results import NodeResult, PeriodResult, SubjectResult


def unexplained(card: NodeResult) -> NodeResult:
    """A scorecard with every node's lines left out."""
    return card.model_copy(update={"lines": [], "children": [unexplained(c) for c in card.children]})


def summary(result: SubjectResult) -> SubjectResult:
    """A subject result's summary."""
    return result.model_copy(update={"card": unexplained(result.card)})


def period_summary(result: PeriodResult) -> PeriodResult:
    """A period result's summary: each subject's."""
    return result.model_copy(update={"subjects": [summary(s) for s in result.subjects]})
