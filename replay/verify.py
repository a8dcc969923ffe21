"""Verification: replay the log and check every seal and every event against the witness.

Findings locate the damage: which position was altered, missing, inserted or cut off,
which seal's Merkle root or results hash fails, and which subjects' results diverge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from projections.leaves import leaf, leaf_digest
from projections.period_input import LogFold, key_of
from projections.records import Record
from projections.scoring import result_hashes
from replay.merkle import MerkleAccumulator


@dataclass
class Report:
    """What verification found; ok when nothing."""

    period: str
    checked_events: int = 0
    checked_seals: int = 0
    findings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def verify_records(
    records: Sequence[Record], witness: Sequence[tuple[int, str]], period: str, bureau: str = "default"
) -> Report:
    """Check the rows against the witness digests, then every seal of the period."""
    report = Report(period=period, checked_events=len(records))
    report.findings += witness_findings(records, witness)
    fold, seals = _fold(records, report)
    key = key_of(bureau, period)
    if key not in fold.periods:
        report.findings.append(f"period {period} is not in the log")
        return report
    for seal in seals.get(key, []):
        report.checked_seals += 1
        damaged = seal_damage(seal)
        if damaged is not None:  # an edited seal is reported, never trusted or crashed on
            report.findings.append(f"seal published at position {seal.get('published_at')}: unreadable ({damaged})")
            continue
        report.findings += seal_findings(records, seal)
    return report


_SEAL_FIELDS = {
    "period": str,
    "position": int,
    "event_count": int,
    "scheme_hash": str,
    "results_hash": str,
    "merkle_root": str,
}


def seal_damage(seal: dict[str, Any]) -> str | None:
    """What makes a stored seal unusable (a field missing or of the wrong type), or None."""
    for name, kind in _SEAL_FIELDS.items():
        value = seal.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            return f"{name} is {'missing' if name not in seal else f'a {type(value).__name__}'}"
    for name in ("subject_hashes", "group_hashes"):
        if name in seal and not isinstance(seal[name], dict):
            return f"{name} is a {type(seal[name]).__name__}"
    return None


def witness_findings(records: Sequence[Record], witness: Sequence[tuple[int, str]]) -> list[str]:
    """Each row against the digest the projection recorded when it first read it."""
    by_position = {r.position: r for r in records}
    expected = dict(witness)
    findings = []
    last_witnessed = max(expected, default=0)
    for position, digest in sorted(expected.items()):
        record = by_position.get(position)
        if record is None:
            findings.append(f"position {position}: event missing (deleted or truncated)")
        elif leaf_digest(record) != digest:
            findings.append(
                f"position {position}: event altered ({record.topic} of stream {record.stream} v{record.version})"
            )
    for position in sorted(set(by_position) - set(expected)):
        if position <= last_witnessed:
            findings.append(f"position {position}: event inserted (never witnessed)")
    if records and records[-1].position < last_witnessed:
        findings.append(f"log truncated after position {records[-1].position} (witnessed up to {last_witnessed})")
    return findings


def seal_findings(records: Sequence[Record], seal: dict[str, Any]) -> list[str]:
    """A seal against the log: event count, Merkle root, scheme and results hashes, per subject."""
    upto = int(seal["position"])
    prefix = [r for r in records if r.position <= upto]
    label = f"seal at position {upto} (published at {seal.get('published_at')})"
    findings = []
    if len(prefix) != seal["event_count"]:
        findings.append(f"{label}: {len(prefix)} events up to the seal, sealed {seal['event_count']}")
    accumulator = MerkleAccumulator()
    for record in prefix:
        accumulator.add(leaf(record))
    if accumulator.root().hex() != seal["merkle_root"]:
        findings.append(f"{label}: Merkle root differs: the log up to the seal was changed")
    findings += _results_findings(prefix, seal, label)
    return findings


def _results_findings(prefix: list[Record], seal: dict[str, Any], label: str) -> list[str]:
    fold, _ = _fold(prefix, None)
    key = next((k for k, p in fold.periods.items() if p.code == seal["period"]), None)
    if key is None:
        return [f"{label}: the period is missing from the log"]
    folded = fold.periods[key]
    if folded.scheme_hash != seal["scheme_hash"]:
        return [f"{label}: scheme hash {folded.scheme_hash} differs from the sealed {seal['scheme_hash']}"]
    try:
        hashes = result_hashes(fold, folded)
    except Exception as exc:  # noqa: BLE001 - a damaged log may not score at all; report, do not crash
        return [f"{label}: results cannot be recomputed: {exc}"]
    if hashes.results == seal["results_hash"]:
        return []
    if "group_hashes" in seal:
        diverged = _diverged(hashes.groups, seal["group_hashes"])
        return [f"{label}: results differ from the published ones in group(s) {', '.join(diverged) or '(order)'}"]
    diverged = _diverged(hashes.subjects, seal.get("subject_hashes", {}))
    return [f"{label}: results differ from the published ones for subject(s) {', '.join(diverged) or '(order)'}"]


def _diverged(now: dict[str, str], sealed: dict[str, str]) -> list[str]:
    return sorted(k for k in set(now) | set(sealed) if now.get(k) != sealed.get(k))


def _fold(records: Sequence[Record], report: Report | None) -> tuple[LogFold, dict[str, list[dict[str, Any]]]]:
    fold, seals = LogFold(), {}
    for record in records:
        try:
            key = fold.apply(record)
        except (KeyError, TypeError, ValueError) as exc:
            if report is not None:
                report.findings.append(f"position {record.position}: event cannot be read ({exc!r})")
            continue
        if record.topic == "scoreledger:Period.Published" and key is not None:
            seals.setdefault(key, []).append({**record.state["seal"], "published_at": record.position})
    return fold, seals
