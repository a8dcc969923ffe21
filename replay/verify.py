"""Verification: replay the log and check every seal of a period against it and against the verifier's keys.

What it proves, for a period, with the public keys the verifier gives (never keys taken from the log
or a bundle): each seal's checkpoint is signed by one of those keys; the events up to the seal hash
to the signed Merkle root (so none was edited, dropped, inserted or reordered since); the period's
own events hash to the signed period root (so a bundle carrying only them is complete); the period's
results replay to the signed results hash; each seal extends the one before it (consistency proof);
and, with `expect_root` or checkpoints the verifier held earlier, that the log it knew is still the
prefix of this one. Against the store it also compares each row with the witness digest the
projection recorded when it first read it. A period without a seal that verifies fails.

What it cannot prove: that the facts recorded were true, or that nothing was recorded and then
removed before the first seal the verifier holds; a bureau that still holds its private key could
sign a rewritten log, which an auditor holding an earlier checkpoint detects.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from projections.leaves import leaf, leaf_digest
from projections.period_input import LogFold, key_of
from projections.records import Record
from projections.scoring import result_hashes
from replay.anchor import prefix_roots
from replay.checkpoint import CheckpointInvalid, PublicKey, signed_by
from replay.merkle import MerkleAccumulator, leaf_hash, verify_consistency
from replay.seal import checkpoint_of, merkle_root_hex, period_records


@dataclass
class Report:
    """What verification found; ok when nothing was found and at least one seal verified."""

    period: str
    checked_events: int = 0
    checked_seals: int = 0
    verified_seals: list[dict[str, Any]] = field(default_factory=list)  # position, root, key names
    findings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # set-aside facts, unreadable events: named, not failures

    sealed: bool = True  # a seal is required for ok (False: a backup check of periods never published)
    anchored: dict[str, Any] | None = None  # the newest held checkpoint the log extends (size, root, period)

    @property
    def ok(self) -> bool:
        return not self.findings and (bool(self.verified_seals) or not self.sealed)


@dataclass(frozen=True)
class Evidence:
    """What is being verified: events in full, and (for a bundle) the hash of every leaf of the log."""

    records: Sequence[Record]
    witness: Sequence[tuple[int, str]] = ()
    leaves: Sequence[bytes] | None = None  # every leaf hash up to the bundle's end; None: records are the log
    indexes: Sequence[int] | None = None  # each record's index among `leaves`


def verify_records(
    records: Sequence[Record],
    witness: Sequence[tuple[int, str]],
    period: str,
    bureau: str = "default",
    keys: Sequence[PublicKey] = (),
    expect_root: str | None = None,
    held: Sequence[str] = (),
    require_seal: bool = True,
) -> Report:
    """Verify a period against the whole log (the store); without `require_seal`, a period that was never
    published passes on its rows alone (a backup's open periods), but every seal it has must verify."""
    return verify(Evidence(records, witness), period, bureau, keys, expect_root, held, require_seal)


def verify(
    evidence: Evidence,
    period: str,
    bureau: str,
    keys: Sequence[PublicKey],
    expect_root: str | None = None,
    held: Sequence[str] = (),
    require_seal: bool = True,
) -> Report:
    records = evidence.records
    report = Report(period=period, checked_events=len(records), sealed=require_seal)
    report.findings += witness_findings(records, evidence.witness)
    leaves = _leaves(evidence, report)
    fold, seals = _fold(records, report)
    key = key_of(bureau, period)
    if key not in fold.periods:
        report.findings.append(f"period {period} is not in the log")
        return report
    report.notes += [f"position {p}: fact {e['fact'] or '(no id)'} set aside: {'; '.join(e['problems'])}"
                     for p, e in sorted(fold.periods[key].set_aside.items())]
    if not keys and (require_seal or seals.get(key)):
        report.findings.append("no public key given: a seal is checked against the bureau's key you hold (--key)")
    for seal in seals.get(key, []):
        report.checked_seals += 1
        damaged = seal_damage(seal)
        if damaged is not None:  # an edited seal is reported, never trusted or crashed on
            report.findings.append(f"seal published at position {seal.get('published_at')}: unreadable ({damaged})")
            continue
        if seal["period"] != period:  # the signed period, not the stream the publication event sits in
            report.findings.append(f"seal published at position {seal.get('published_at')} seals period "
                                   f"{seal['period']}, not {period}: a publication moved from another period")
            continue
        try:
            found = seal_findings(evidence, leaves, seal, bureau, keys)
        except (KeyError, TypeError, ValueError) as exc:  # a damaged seal or log is reported, never crashed on
            found = [f"seal published at position {seal.get('published_at')}: cannot be checked ({exc!r})"]
        report.findings += found
        if not found and keys:
            report.verified_seals.append(_verified(seal, bureau, keys))
    report.findings += _anchors(report, leaves, bureau, keys, expect_root, held)
    report.findings += _bundle_end(evidence, report)
    report.notes += _unsealed_gaps(records, seals.get(key, []), fold, key)
    if keys and not report.verified_seals and (require_seal or seals.get(key)):
        report.findings.append(
            f"no seal of {period} verifies with the given key(s): the period is not published, "
            "or its publication was removed or forged"
        )
    return report


def _verified(seal: dict[str, Any], bureau: str, keys: Sequence[PublicKey]) -> dict[str, Any]:
    _, signers = signed_by(seal["checkpoint"], keys)
    return {"position": seal["position"], "published_at": seal.get("published_at"), "merkle_root": seal["merkle_root"],
            "event_count": seal["event_count"], "keys": [k.name for k in signers],
            "fingerprints": [k.fingerprint for k in signers]}


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
    for name in ("subject_hashes", "group_hashes", "consistency"):
        if name in seal and not isinstance(seal[name], dict):
            return f"{name} is a {type(seal[name]).__name__}"
    for name in ("merkle_root", "period_root", "results_hash", "scheme_hash"):
        if name in seal and not _hex(seal[name]):
            return f"{name} is not a hexadecimal hash"
    if "period_root" in seal and (not isinstance(seal.get("period_events"), int) or isinstance(
            seal.get("period_events"), bool)):
        return "period_events is missing or not a number"
    if "checkpoint" in seal and not isinstance(seal["checkpoint"], str):
        return f"checkpoint is a {type(seal['checkpoint']).__name__}"
    return None


def _hex(value: Any) -> bool:
    try:
        return isinstance(value, str) and len(value) == 64 and bytes.fromhex(value) is not None
    except ValueError:
        return False


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


def seal_findings(
    evidence: Evidence, leaves: Sequence[bytes], seal: dict[str, Any], bureau: str, keys: Sequence[PublicKey] = ()
) -> list[str]:
    """A seal against the log: signature, event count, Merkle roots, consistency, scheme and results."""
    upto, size = int(seal["position"]), int(seal["event_count"])
    label = f"seal at position {upto} (published at {seal.get('published_at')})"
    findings = _signature(seal, bureau, keys, label)
    prefix = [r for r in evidence.records if r.position <= upto]
    if evidence.leaves is None:
        counted = len(prefix)  # the whole log: its events up to the seal
    else:  # a bundle: the last leaf before the seal's position ends the sealed tree
        counted = size if _sealed_apart(evidence, upto, size) else -1
    if counted != size:
        findings.append(f"{label}: {counted if counted >= 0 else 'other'} events up to the seal, sealed {size}")
    elif size > len(leaves) or _root(leaves[:size]).hex() != seal["merkle_root"]:
        findings.append(f"{label}: Merkle root differs: the log up to the seal was changed")
    findings += _consistency(seal, leaves, label)
    findings += _results_findings(prefix, seal, label, bureau)
    return findings


def _signature(seal: dict[str, Any], bureau: str, keys: Sequence[PublicKey], label: str) -> list[str]:
    note = seal.get("checkpoint")
    if not isinstance(note, str):
        return [f"{label}: not signed (a seal made before signed checkpoints, or its signature was removed)"]
    try:
        checkpoint, signers = signed_by(note, keys)
    except CheckpointInvalid as exc:
        return [f"{label}: signed checkpoint unreadable: {exc}"]
    if "period_root" not in seal or checkpoint.body() != checkpoint_of(seal, bureau).body():
        return [f"{label}: the seal differs from what its checkpoint states and signs"]
    if keys and not signers:
        names = ", ".join(sorted({k.name for k in keys}))
        return [f"{label}: not signed by the given key(s) ({names}): re-sealed or signed with another key"]
    return []


def _consistency(seal: dict[str, Any], leaves: Sequence[bytes], label: str) -> list[str]:
    proof = seal.get("consistency")
    if proof is None:
        return []
    try:
        old_size, old_root = int(proof["from_size"]), bytes.fromhex(proof["from_root"])
        path = [base64.b64decode(p) for p in proof["proof"]]
        held = _root(leaves[:old_size]) if old_size <= len(leaves) else None
        good = verify_consistency(old_size, int(seal["event_count"]), old_root, bytes.fromhex(seal["merkle_root"]),
                                  path)
    except (KeyError, TypeError, ValueError):
        return [f"{label}: consistency proof unreadable"]
    if not good or held != old_root:
        return [f"{label}: does not extend the seal before it (size {old_size}): the log was rewritten between them"]
    return []


def _results_findings(prefix: list[Record], seal: dict[str, Any], label: str, bureau: str) -> list[str]:
    fold, _ = _fold(prefix, None)
    key = key_of(bureau, seal["period"])
    if key not in fold.periods:
        return [f"{label}: the period is missing from the log"]
    folded = fold.periods[key]
    findings = []
    if "period_root" in seal:
        own = period_records(fold, prefix, key)
        if len(own) != seal.get("period_events") or merkle_root_hex(own) != seal["period_root"]:
            findings.append(f"{label}: the period's own events differ from the sealed ones "
                            f"({len(own)} here, {seal.get('period_events')} sealed): dropped, added or changed")
    if folded.scheme_hash != seal["scheme_hash"]:
        return [*findings, f"{label}: scheme hash {folded.scheme_hash} differs from the sealed {seal['scheme_hash']}"]
    try:
        hashes = result_hashes(fold, folded)
    except Exception as exc:  # noqa: BLE001 - a damaged log may not score at all; report, do not crash
        return [*findings, f"{label}: results cannot be recomputed: {exc}"]
    if hashes.results == seal["results_hash"]:
        return findings
    if "group_hashes" in seal:
        diverged = _diverged(hashes.groups, seal["group_hashes"])
        return [*findings,
                f"{label}: results differ from the published ones in group(s) {', '.join(diverged) or '(order)'}"]
    diverged = _diverged(hashes.subjects, seal.get("subject_hashes", {}))
    return [*findings,
            f"{label}: results differ from the published ones for subject(s) {', '.join(diverged) or '(order)'}"]


def _anchors(
    report: Report, leaves: Sequence[bytes], bureau: str, keys: Sequence[PublicKey], expect_root: str | None,
    held: Sequence[str],
) -> list[str]:
    """The verifier's own anchors: an expected root, and checkpoints it held from earlier (kept one by one, or
    the service's anchor file, replay/anchor.py); the newest that the log extends is reported."""
    findings = []
    if expect_root is not None and not any(s["merkle_root"] == expect_root.lower() for s in report.verified_seals):
        findings.append(f"no verified seal has the expected root {expect_root}")
    signed = []
    for note in held:
        try:
            checkpoint, signers = signed_by(note, keys)
        except CheckpointInvalid as exc:
            findings.append(f"held checkpoint unreadable: {exc}")
            continue
        if not signers:
            findings.append(f"held checkpoint of size {checkpoint.size} is not signed by the given key(s)")
        else:
            signed.append(checkpoint)
    roots = prefix_roots(leaves, (c.size for c in signed))  # one pass over the log for every held checkpoint
    for checkpoint in signed:
        if roots.get(checkpoint.size) != checkpoint.root:
            findings.append(f"the log no longer extends the held checkpoint of size {checkpoint.size}: "
                            "events up to it were rewritten, or the log was cut")
    extended = [c for c in signed if roots.get(c.size) == c.root]
    if extended:
        top = max(reversed(extended), key=lambda c: c.size)
        report.anchored = {"size": top.size, "merkle_root": top.root.hex(), "period": top.extension("period"),
                           "held": len(held)}
    return findings


def _unsealed_gaps(
    records: Sequence[Record], seals: list[dict[str, Any]], fold: LogFold, key: str
) -> list[str]:
    """The period's own events between a seal's position and the event that publishes it: no signature covers
    them (an appeal decided while the seal was made, or something slipped in): named, not trusted."""
    notes = []
    for seal in seals:
        low, high = seal.get("position"), seal.get("published_at")
        if not isinstance(low, int) or not isinstance(high, int):
            continue
        gap = [r.position for r in records if low < r.position < high and fold.streams.get(r.stream) == key]
        if gap:
            notes.append(f"positions {', '.join(map(str, gap))}: events of the period between the seal at {low} and "
                         f"its publication at {high}, covered by no signature")
    return notes


def _bundle_end(evidence: Evidence, report: Report) -> list[str]:
    """A bundle ends at its last publication: events beyond the last verified one mean a later publication
    was taken out (an older genuine bundle simply ends earlier, and the report names its last seal)."""
    if evidence.leaves is None or not report.verified_seals:
        return []
    last = max(int(s["published_at"]) for s in report.verified_seals)
    index = dict(zip((r.position for r in evidence.records), evidence.indexes or [], strict=False))
    beyond = [r.position for r in evidence.records if r.position > last]
    if beyond or index.get(last, -1) != len(evidence.leaves) - 1:
        return [f"the bundle carries events after its last verified publication (position {last}): "
                "a later publication was taken out"]
    return []


def _sealed_apart(evidence: Evidence, upto: int, size: int) -> bool:
    """In a bundle, the events up to the seal's position sit below leaf `size`, the later ones above."""
    indexes = evidence.indexes or []
    return all((r.position <= upto) == (i < size) for r, i in zip(evidence.records, indexes, strict=False))


def _leaves(evidence: Evidence, report: Report) -> Sequence[bytes]:
    """Every leaf hash of the log up to its end; a bundle's records must sit at their claimed leaves."""
    if evidence.leaves is None:
        return [leaf_hash(leaf(r)) for r in evidence.records]
    indexes = evidence.indexes or []
    last = -1
    for record, index in zip(evidence.records, indexes, strict=False):
        if not last < index < len(evidence.leaves) or evidence.leaves[index] != leaf_hash(leaf(record)):
            report.findings.append(f"position {record.position}: event altered or out of place "
                                   f"(it is not the sealed leaf {index})")
        last = max(last, index)
    if len(indexes) != len(evidence.records):
        report.findings.append("the bundle's events and their leaf indexes do not match")
    return evidence.leaves


def _root(leaf_hashes: Sequence[bytes]) -> bytes:
    accumulator = MerkleAccumulator()
    for digest in leaf_hashes:
        accumulator.add_leaf_hash(digest)
    return accumulator.root()


def _diverged(now: dict[str, str], sealed: dict[str, str]) -> list[str]:
    return sorted(k for k in set(now) | set(sealed) if now.get(k) != sealed.get(k))


def _fold(records: Sequence[Record], report: Report | None) -> tuple[LogFold, dict[str, list[dict[str, Any]]]]:
    fold, seals = LogFold(), {}
    for record in records:
        key = fold.apply(record)
        if record.topic == "scoreledger:Period.Published" and key is not None:
            seal = record.state.get("seal")
            seals.setdefault(key, []).append({**seal, "published_at": record.position} if isinstance(seal, dict)
                                             else {"published_at": record.position})
    if report is not None:
        report.notes += [f"position {p}: event cannot be read ({topic}: {why})" for p, topic, why in fold.unreadable]
    return fold, seals
