"""What anyone may check of a 公示, without signing in: the period's seals and whether they verify.

The page the 公示's QR code opens. It shows only what the printed 公示 itself carries (the seal's
log position, event count, Merkle root, the signing key's fingerprint, the publication date) and
two answers: the seal's checkpoint is signed by the bureau's public key (service.audit.public_keys,
never a key taken from the log), and the log as stored now still hashes to the sealed Merkle root
up to the seal. No results, names or facts: those stay behind sign-in. A period that does not exist
and one not yet published get the same answer, so the page tells nobody which periods are open.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from projections.leaves import leaf
from projections.period_input import key_of
from projections.records import decode, read_log
from replay.checkpoint import CheckpointInvalid, signed_by
from replay.merkle import MerkleAccumulator
from replay.seal import checkpoint_of
from service.audit import public_keys
from service.bootstrap import Service
from service.errors import NotFound

CACHE_SECONDS = 300  # the log check reads the log up to the seal: kept a while (events up to a seal never change
# legitimately; an edit shows within this long), one check at a time: the page is open to anyone, and a
# province's log is millions of events


@dataclass
class _Cache:
    found: dict[tuple[str, int, int], tuple[float, bool]] = field(default_factory=dict)

    def get(self, key: tuple[str, int, int]) -> bool | None:
        hit = self.found.get(key)
        return hit[1] if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS else None

    def put(self, key: tuple[str, int, int], ok: bool) -> bool:
        if len(self.found) > 1000:
            self.found.clear()
        self.found[key] = (time.monotonic(), ok)
        return ok


_LOG_CHECKS = _Cache()
_ONE_AT_A_TIME = threading.Lock()


def public_seals(service: Service, code: str) -> dict[str, Any]:
    """The published seals of a period, each with its proof and whether it verifies (NotFound: not published)."""
    service.runner.catch_up()
    period = service.runner.meta.periods.get(key_of(service.settings.bureau, code))
    if period is None or not period.seals or period.published_on is None:
        raise NotFound(f"period {code} has no publication yet")
    keys = public_keys(service)
    seals = [_seal(service, seal) for seal in period.seals]
    return {"period": code, "published_on": period.published_on, "seals": seals,
            "keys": [{"name": k.name, "fingerprint": k.fingerprint} for k in keys],
            "verified": bool(seals) and all(s["verified"] for s in seals)}


def _seal(service: Service, seal: dict[str, Any]) -> dict[str, Any]:
    signers = signers_of(service, seal)
    log_ok = _log_matches(service, seal)
    return {"position": int(seal["position"]), "event_count": int(seal["event_count"]),
            "merkle_root": str(seal["merkle_root"]), "published_on": _published_on(service, seal),
            "fingerprints": [k.fingerprint for k in signers], "signed": isinstance(seal.get("checkpoint"), str),
            "signature_ok": bool(signers), "log_ok": log_ok, "verified": bool(signers) and log_ok}


def signers_of(service: Service, seal: dict[str, Any]) -> list[Any]:
    """The bureau's keys that signed the seal's checkpoint, when the checkpoint states exactly this seal."""
    note = seal.get("checkpoint")
    if not isinstance(note, str):
        return []
    try:
        checkpoint, signers = signed_by(note, public_keys(service))
        states = checkpoint.body() == checkpoint_of(seal, service.settings.bureau).body()
    except (CheckpointInvalid, KeyError, TypeError, ValueError):
        return []
    return signers if states else []


def _log_matches(service: Service, seal: dict[str, Any]) -> bool:
    """The stored events up to the seal's position are as many as sealed and hash to its Merkle root."""
    position, size = int(seal["position"]), int(seal["event_count"])
    key = (str(seal["merkle_root"]), position, id(service))
    with _ONE_AT_A_TIME:  # concurrent visitors wait for the one check, then share its answer
        known = _LOG_CHECKS.get(key)
        if known is not None:
            return known
        accumulator, count = MerkleAccumulator(), 0
        for page in read_log(service.ledger.recorder, 0, position):
            for record in page:
                accumulator.add(leaf(record))
                count += 1
        return _LOG_CHECKS.put(key, count == size and accumulator.root().hex() == seal["merkle_root"])


def _published_on(service: Service, seal: dict[str, Any]) -> str | None:
    """The publication date the Published event carrying this seal states."""
    at = seal.get("published_at")
    if not isinstance(at, int):
        return None
    rows = service.ledger.recorder.select_notifications(start=at, limit=1)
    found = decode(rows[0].state) if rows and rows[0].id == at else {}
    value = found.get("published_on")
    return str(value) if value else None
