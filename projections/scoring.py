"""From a folded period to its results: the pure engine on the facts that count."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from domain.canonical import canonical_bytes
from domain.scheme.model import Scheme
from domain.scoring import PeriodResult, SubjectResult
from projections.cards import Cards
from projections.collector import collector_paused
from projections.digests import Hashes, hashed
from projections.groups import (
    by_group,
    groups_of,
    heading,
    indexed,
    iter_parts,
    members_by_group,
    part,
    period_result,
)
from projections.period_input import LogFold, PeriodInput
from projections.schemes import SchemeMismatch, scheme_for

__all__ = [
    "SchemeMismatch",
    "canonical_chunks",
    "groups_of",
    "scheme_for",
    "score_groups",
    "score_input",
    "score_parts",
]
def score_input(fold: LogFold, period: PeriodInput) -> PeriodResult:
    """Score a folded period under the scheme bound to it at the fold's position."""
    scheme = scheme_for(fold, period.scheme_hash)
    with collector_paused():  # millions of results and facts, all kept: the collector would only rescan them
        return by_group(scheme, period)


def score_parts(
    fold: LogFold,
    period: PeriodInput,
    groups: set[str] | None,
    cards: Cards | None = None,
    totals: dict[str, Decimal] | None = None,
) -> tuple[bytes, dict[str, list[tuple[str, bytes]]]]:
    """The period's heading and, for some groups (None: every group), each subject's canonical bytes in
    rank order, for the views; the totals of the subjects scored are put in `totals` when given."""
    scheme = scheme_for(fold, period.scheme_hash)
    if scheme.grades_across_groups:  # G3/G4 over the whole period: one group's event may move every group
        groups = None
    bodies = {}
    if cards is not None and cards.subjects is not None and indexed(period) and not scheme.grades_across_groups:
        members = members_by_group(period)
        with collector_paused():
            for group in sorted(members if groups is None else groups & members.keys()):
                rows = cards.rows(scheme, period, members[group]) or []
                bodies[group] = [(s, body) for s, body, _ in rows]
                if totals is not None:
                    totals.update((s, total) for s, _, total in rows)
        return heading(scheme, period), bodies
    with collector_paused():
        for group, subjects in iter_parts(scheme, period, groups, cards):
            bodies[group] = [(s.subject, _subject_bytes(s, cards)) for s in subjects]
            if totals is not None:
                totals.update((s.subject, s.total) for s in subjects)
    return heading(scheme, period), bodies


def canonical_chunks(
    fold: LogFold, period: PeriodInput, workers: int = 1, min_subjects: int | None = None, run: int = 2_000
) -> Iterator[bytes]:
    """The period's canonical result bytes in pieces, a run of groups at a time: their concatenation
    is `canonical_bytes(score_input(fold, period))`, without ever holding every scorecard at once.

    With `workers` > 1 (and a period large enough to be worth it), groups are scored by forked
    processes that share the fold copy-on-write, each taking runs of consecutive groups; the
    pieces come back in group order, so the bytes are the same."""
    head, runs = subject_chunks(fold, period, workers, min_subjects, run)
    yield head
    first = True
    for listed in runs:
        if listed:
            yield (b"" if first else b",") + b",".join(body for _, body in listed)
            first = False
    yield b"]}"


def result_hashes(fold: LogFold, period: PeriodInput, workers: int = 1) -> Hashes:
    """The SHA-256 of the period's canonical results, of each subject's and of each group's (the
    group's subject results joined by commas), streamed: `sha256_hex(score_input(...))` and
    `sha256_hex(subject result)` without ever holding the whole period."""
    head, runs = subject_chunks(fold, period, workers)
    registered = period.subjects
    return hashed(head, ((subject, registered[subject].get("group", "all"), body)
                         for listed in runs for subject, body in listed))


def subject_chunks(
    fold: LogFold, period: PeriodInput, workers: int = 1, min_subjects: int | None = None, run: int = 2_000
) -> tuple[bytes, Iterator[list[tuple[str, bytes]]]]:
    """The period's heading, and its subjects' canonical bytes in order, a run of groups at a time."""
    scheme = scheme_for(fold, period.scheme_hash)
    members = members_by_group(period)
    least = PARALLEL_MIN_SUBJECTS if min_subjects is None else min_subjects
    runs = _runs(sorted(members), members, workers if len(period.subjects) >= least else 1, run)
    if len(runs) > 1 and indexed(period) and hasattr(os, "fork"):
        return heading(scheme, period), _forked(fold, period, runs, workers)
    return heading(scheme, period), _by_group(scheme, period)


PARALLEL_MIN_SUBJECTS = 20_000  # below this, forking costs more than it saves
_SHARED: dict[str, Any] = {}


def _runs(groups: list[str], members: dict[str, list[str]], workers: int, run: int) -> list[list[str]]:
    """Consecutive groups in runs of about `run` subjects (several runs per worker, for balance)."""
    if workers < 2:
        return [groups]
    runs: list[list[str]] = [[]]
    size = 0
    for group in groups:
        if size >= run:
            runs.append([])
            size = 0
        runs[-1].append(group)
        size += len(members[group])
    return runs


def _forked(
    fold: LogFold, period: PeriodInput, runs: list[list[str]], workers: int
) -> Iterator[list[tuple[str, bytes]]]:
    import multiprocessing

    _SHARED.update(fold=fold, period=period)  # inherited by the forked workers, never pickled
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(_score_run, runs)
    finally:
        _SHARED.clear()


def _score_run(groups: list[str]) -> list[tuple[str, bytes]]:
    fold, period = _SHARED["fold"], _SHARED["period"]
    return _encoded(scheme_for(fold, period.scheme_hash), period, set(groups))


def _by_group(scheme: Scheme, period: PeriodInput) -> Iterator[list[tuple[str, bytes]]]:
    """In this process: a group's subjects' canonical bytes at a time (never the whole period's: issue 12)."""
    parts = iter_parts(scheme, period, None, keep=False)
    while True:
        with collector_paused():  # while a group is scored and encoded, not while the caller has it
            found = next(parts, None)
            if found is None:
                return
            encoded = [(s.subject, canonical_bytes(s)) for s in found[1]]
        yield encoded


def _encoded(scheme: Scheme, period: PeriodInput, groups: set[str] | None) -> list[tuple[str, bytes]]:
    with collector_paused():
        scored = iter_parts(scheme, period, groups, keep=False)  # encoded and dropped, a group at a time
        return [(s.subject, canonical_bytes(s)) for _, subjects in scored for s in subjects]


def _subject_bytes(result: SubjectResult, cards: Cards | None) -> bytes:
    """A subject result's canonical bytes; a kept card's bytes are spliced in, not encoded again
    (`card` sorts first among a subject result's keys, and is never None)."""
    card = cards.card_bytes(result.card) if cards is not None else None
    if card is None:
        return canonical_bytes(result)
    rest = canonical_bytes(result.model_copy(update={"card": None}))
    return b'{"card":' + card + b"," + rest[1:]


def score_groups(
    fold: LogFold, period: PeriodInput, groups: set[str], extra: Sequence[dict[str, Any]] = ()
) -> PeriodResult:
    """The results of some groups of a folded period, with proposed facts added (a what-if).

    Ranks, quotas and grades reach across groups only under a rule ranked over the period (then the
    caller passes every group), so these are exactly the groups' part of the whole period's results.
    Proposed facts are checked against the facts of those groups, as recording checks a batch
    against the streams it touches.
    """
    scheme = scheme_for(fold, period.scheme_hash)
    members = [s for g, listed in members_by_group(period).items() if g in groups for s in listed]
    with collector_paused():
        subjects = part(scheme, period, groups, members, extra)
    return period_result(scheme, period, subjects)


def what_if_groups(
    fold: LogFold, period: PeriodInput, proposed: Sequence[Any], cards: Cards | None = None
) -> tuple[PeriodResult, PeriodResult]:
    """The results of the groups typed facts `proposed` can change, now and with them (an appeal
    what-if): ranks, quotas and grades never reach across groups, so comparing these two gives the
    whole period's comparison. With `cards` (a running service's), only the subjects the proposed
    facts concern are scored; without, the groups are scored from their facts (a cold replay)."""
    plain = [f.model_dump(mode="json", exclude_none=True) for f in proposed]
    groups = groups_of(period, plain)
    if scheme_for(fold, period.scheme_hash).grades_across_groups:  # G3/G4 over the period: every group
        everyone = set(members_by_group(period))
        return score_groups(fold, period, everyone), score_groups(fold, period, everyone, plain)
    if cards is None:
        return score_groups(fold, period, groups), score_groups(fold, period, groups, plain)
    scheme = scheme_for(fold, period.scheme_hash)
    members = members_by_group(period)
    wanted = sorted(groups) or sorted(members)[:1]  # no known subject: still check the facts (they raise)
    with collector_paused():
        before = [s for g in wanted for s in cards.group(scheme, period, members.get(g, []))]
        after = [s for g in wanted for s in cards.proposed(scheme, period, members.get(g, []), proposed)]
    return _period(scheme, period, before), _period(scheme, period, after)


def _period(scheme: Scheme, period: PeriodInput, subjects: list[SubjectResult]) -> PeriodResult:
    return period_result(scheme, period, subjects)
