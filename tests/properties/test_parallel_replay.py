"""Replaying a large period in forked workers gives the very bytes of scoring it in one process."""

from __future__ import annotations

import hashlib

from bench.workloads import build
from domain.canonical import canonical_bytes
from projections.fact_index import index_fact
from projections.period_input import LogFold, PeriodInput
from projections.scoring import canonical_chunks, score_input


def folded(staff: int) -> tuple[LogFold, PeriodInput]:
    """A QF quarter (groups of 100 staff: ratings, deductions, bonuses, vetoes, corrections) folded by hand."""
    workload = build("province", scale=staff / 200_000)
    scheme = workload.scheme
    fold = LogFold()
    fold.schemes[scheme.content_hash] = scheme.model_dump(mode="json", exclude_none=True)
    period = PeriodInput(workload.period, "default", scheme.scheme, [(1, scheme.version, scheme.content_hash)])
    fold.periods["default/" + workload.period] = period
    for subject in workload.subjects:
        period.subjects[subject["id"]] = subject
    for fact in workload.facts:
        fact = {**fact, "period": workload.period, "recorded_by": fact.get("recorded_by", "考核办")}
        period.facts[fact["id"]] = fact
        index_fact(period, fact)
    return fold, period


def test_forked_workers_give_the_same_bytes_in_the_same_order() -> None:
    fold, period = folded(600)  # six groups
    whole = canonical_bytes(score_input(fold, period))
    serial = b"".join(canonical_chunks(fold, period))
    forked = b"".join(canonical_chunks(fold, period, workers=2, min_subjects=0, run=150))  # runs of two groups
    assert hashlib.sha256(serial).hexdigest() == hashlib.sha256(whole).hexdigest()
    assert forked == whole


def test_streamed_seal_hashes_equal_the_hashes_of_the_whole_result() -> None:
    from domain.canonical import sha256_hex
    from projections.scoring import result_hashes

    fold, period = folded(300)
    whole = score_input(fold, period)
    hashes = result_hashes(fold, period)
    assert hashes.results == sha256_hex(whole)
    assert hashes.subjects == {s.subject: sha256_hex(s) for s in whole.subjects}
    for group in {s.group for s in whole.subjects}:  # a group's hash: its subjects' bytes joined by commas
        body = b",".join(canonical_bytes(s) for s in whole.subjects if s.group == group)
        assert hashes.groups[group] == hashlib.sha256(body).hexdigest()
