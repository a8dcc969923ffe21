"""What auditors read: verification of a period, its bundle, the bureau's public key, checkpoints and
consistency proofs between them (RFC 6962), with the access rules applied once for the API and the pages."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

from projections.leaves import leaf
from projections.records import read_log
from replay.asof import fold_log
from replay.bundle import bundle_chunks
from replay.checkpoint import PublicKey
from replay.merkle import consistency_proof, leaf_hash
from replay.verify import Report, verify_records
from service.bootstrap import Service
from service.errors import NotFound
from service.policy import AUDITORS, require
from service.queries import known_period
from service.replays import replay_slot
from service.tokens import Actor


def public_keys(service: Service) -> list[PublicKey]:
    """The bureau's seal verifier key, from its signing key (never from the log)."""
    signer = service.ledger.signer
    return [signer.public] if signer is not None else []


def verification(service: Service, actor: Actor, code: str, expect_root: str | None = None) -> dict[str, Any]:
    """Replay and check every seal of a period and every stored event, against the bureau's key."""
    require(actor, *AUDITORS)
    known_period(service, code)
    _, records = fold_log(service.ledger.recorder)
    report = verify_records(records, service.views.leaves(), code, service.settings.bureau, public_keys(service),
                            expect_root)
    return report_json(report)


def report_json(report: Report) -> dict[str, Any]:
    return {
        "period": report.period,
        "ok": report.ok,
        "checked_events": report.checked_events,
        "checked_seals": report.checked_seals,
        "verified_seals": report.verified_seals,
        "findings": report.findings,
        "notes": report.notes,
    }


def bundle(service: Service, actor: Actor, code: str) -> Iterator[bytes]:
    """The period bundle (its own events byte for byte, every leaf hash, witness) for offline checks, as
    pieces of JSON: a province's is never held whole."""
    require(actor, *AUDITORS)
    known_period(service, code)
    return bundle_chunks(service.ledger.recorder, service.views.leaves, code, service.settings.bureau)


def keys(service: Service) -> dict[str, Any]:
    """The bureau's public verifier key(s): public, so anyone can check a 公示."""
    return {"keys": [{"name": k.name, "verifier": k.verifier(), "fingerprint": k.fingerprint,
                      "public_key": base64.b64encode(k.raw).decode()} for k in public_keys(service)]}


def checkpoints(service: Service) -> dict[str, Any]:
    """Every signed checkpoint in the log, oldest first (what an auditor keeps to prove the log only grows)."""
    service.runner.catch_up()
    seals = sorted((s for p in service.runner.meta.periods.values() for s in p.seals),
                   key=lambda s: s["published_at"])
    return {"checkpoints": [{"period": s["period"], "position": s["position"], "size": s["event_count"],
                             "merkle_root": s["merkle_root"], "checkpoint": s.get("checkpoint")} for s in seals]}


def consistency(service: Service, old_size: int, new_size: int) -> dict[str, Any]:
    """The RFC 6962 consistency proof between two tree sizes of the log (held checkpoints): the leaf hashes
    read a page at a time (32 bytes an event, nothing folded), one such read at a time (the route is open)."""
    with replay_slot(service.settings.replay_wait):
        leaves: list[bytes] = []
        for page in read_log(service.ledger.recorder):
            leaves += [leaf_hash(leaf(r)) for r in page]
            if len(leaves) >= new_size:
                break
    if not 0 <= old_size <= new_size <= len(leaves):
        raise NotFound(f"the log has {len(leaves)} events: no proof from {old_size} to {new_size}")
    proof = consistency_proof(leaves[:new_size], old_size, hashed=True)
    return {"from_size": old_size, "to_size": new_size, "proof": [base64.b64encode(p).decode() for p in proof]}
