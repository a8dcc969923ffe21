"""An auditor who kept an earlier checkpoint proves the log only grew since (RFC 6962 consistency)."""

from __future__ import annotations

import base64
from datetime import date

from replay.checkpoint import parse_note
from replay.merkle import verify_consistency
from service import audit
from service.bootstrap import Service
from tests.integration.helpers import AT, record_quarter
from tests.signing import SIGNER


def test_the_consistency_proof_between_two_checkpoints_verifies_against_their_signed_roots(service: Service) -> None:
    facts = record_quarter(service)
    ledger = service.ledger
    ledger.close_period("2026-Q1", "admin", AT)
    ledger.publish("2026-Q1", date(2026, 6, 1), "督查科", AT)
    filed = ledger.file_appeal("2026-Q1", "d1", [facts["late"]], "考勤机故障", [], date(2026, 6, 2), "d1代表", AT)
    ledger.accept_appeal(filed["appeal"], date(2026, 6, 2), "领导小组", AT)
    ledger.uphold_appeal(filed["appeal"], [{"type": "retraction", "target": facts["late"], "reason": "核实"}],
                         "属实", date(2026, 6, 3), "领导小组", AT)
    ledger.publish("2026-Q1", date(2026, 6, 4), "督查科", AT)
    held, latest = audit.checkpoints(service)["checkpoints"]
    for checkpoint in (held, latest):  # each is signed by the bureau's key
        body, signatures = parse_note(checkpoint["checkpoint"])
        assert signatures[0].name == SIGNER.name and SIGNER.public.verifies(body, signatures[0].signature)
    proof = audit.consistency(service, held["size"], latest["size"])
    path = [base64.b64decode(p) for p in proof["proof"]]
    old, new = bytes.fromhex(held["merkle_root"]), bytes.fromhex(latest["merkle_root"])
    assert verify_consistency(held["size"], latest["size"], old, new, path)
    assert not verify_consistency(held["size"], latest["size"], new, new, path)  # another root: no proof
