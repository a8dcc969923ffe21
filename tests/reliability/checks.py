"""After a run: what the store holds against what the clients were told.

Every fact a client sent carries its own evidence text, so the log can be counted per fact: each acknowledged
fact must be stored exactly once under the id the client was given (lost, duplicated), a request must be
stored whole or not at all whatever its answer (half-stored), nothing the clients did not send may appear
(unknown), nor anything of a request answered 4xx (stored after refusal), every stream's versions run 1..n (version gaps), and the seals and rows verify.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from replay.asof import fold_log
from replay.verify import witness_findings
from service.bootstrap import Service
from tests.reliability.harness import Ledger


@dataclass
class Tally:
    """Requests attempted and acknowledged, facts stored; what is wrong: lost, duplicated, half-stored, unknown
    facts, version gaps, verification findings. Requests whose answer never came and that were stored whole
    are `unanswered_stored` (allowed: a crash can take the answer, not the write)."""

    attempted: int
    acknowledged: int
    stored: int
    lost: int
    duplicated: int
    half_stored: int
    unknown: int
    stored_after_refusal: int
    version_gaps: int
    unanswered_stored: int
    findings: list[str]

    def ok(self) -> bool:
        wrong = (self.lost, self.duplicated, self.half_stored, self.unknown, self.stored_after_refusal, self.version_gaps)
        return not any(wrong) and not self.findings


def tally(service: Service, ledger: Ledger) -> Tally:
    """Count from the log itself: facts by their evidence, requests by their facts, every stream's versions."""
    service.runner.catch_up()
    _, records = fold_log(service.ledger.recorder)
    stored: Counter[str] = Counter()
    ids: dict[str, str] = {}
    versions: dict[str, list[int]] = defaultdict(list)
    for record in records:
        versions[record.stream].append(record.version)
        fact = record.state.get("fact")
        if isinstance(fact, dict) and isinstance(fact.get("evidence"), str):
            stored[fact["evidence"]] += 1
            ids[fact["evidence"]] = fact["id"]
    sent = ledger.evidence()
    lost = sum(
        1
        for key, fact_ids in ledger.acknowledged.items()
        for evidence, fact_id in zip(ledger.attempted[key], fact_ids, strict=True)
        if stored[evidence] == 0 or ids.get(evidence) != fact_id
    )
    whole = {key: sum(1 for e in batch if stored[e]) for key, batch in ledger.attempted.items()}
    half = sum(1 for key, n in whole.items() if 0 < n < len(ledger.attempted[key]))
    unanswered = sum(1 for key in ledger.pending if whole.get(key) == len(ledger.attempted[key]))
    gaps = sum(1 for v in versions.values() if sorted(v) != list(range(1, len(v) + 1)))
    findings = witness_findings(records, service.views.leaves())  # the stored rows against the views' witness
    return Tally(
        attempted=len(ledger.attempted),
        acknowledged=len(ledger.acknowledged),
        stored=sum(stored[e] for e in sent),
        lost=lost,
        duplicated=sum(n - 1 for n in stored.values() if n > 1),
        half_stored=half,
        unknown=sum(1 for e in stored if e not in sent),
        stored_after_refusal=sum(1 for key in ledger.refused if whole.get(key)),
        version_gaps=gaps,
        unanswered_stored=unanswered,
        findings=findings,
    )
