"""After a run: what the store holds against what the clients were told."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from replay.asof import fold_log
from replay.verify import witness_findings
from service.bootstrap import Service
from tests.reliability.harness import Ledger


@dataclass
class Tally:
    """attempted, acknowledged, stored; lost (acknowledged, not stored), duplicated, version gaps."""

    attempted: int
    acknowledged: int
    stored: int
    lost: int
    duplicated: int
    version_gaps: int
    findings: list[str]

    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.version_gaps == 0 and not self.findings


def tally(service: Service, ledger: Ledger) -> Tally:
    """Count from the log itself: facts by their key (evidence), and every stream's versions."""
    service.runner.catch_up()
    _, records = fold_log(service.ledger.recorder)
    by_key: Counter[str] = Counter()
    ids: dict[str, str] = {}
    versions: dict[str, list[int]] = defaultdict(list)
    for record in records:
        versions[record.stream].append(record.version)
        fact = record.state.get("fact")
        if isinstance(fact, dict) and fact.get("evidence") in ledger.attempted:
            by_key[fact["evidence"]] += 1
            ids[fact["evidence"]] = fact["id"]
    lost = sum(1 for key, fact_id in ledger.acknowledged.items() if ids.get(key) != fact_id)
    gaps = sum(1 for v in versions.values() if sorted(v) != list(range(1, len(v) + 1)))
    findings = witness_findings(records, service.views.leaves())  # the quarter is open: no seal yet, rows only
    return Tally(len(ledger.attempted), len(ledger.acknowledged), sum(by_key.values()), lost,
                 sum(n - 1 for n in by_key.values() if n > 1), gaps, findings)
