"""Pages of the log for auditors, with the hashes of passwords and tokens left out (pages and API).

(Added by the web work; verification is service.audit.verification.)
"""

from __future__ import annotations

from typing import Any

from projections.records import decode
from service.bootstrap import Service
from service.policy import require
from service.tokens import Actor

LOG_READERS = ("auditor", "admin")
SECRET_FIELDS = ("password_hash", "token_hash")  # kept in the log for signing in, never shown


def shown_state(raw: bytes) -> dict[str, Any]:
    """An event's payload as readers see it: the hashes of passwords and tokens left out."""
    state = decode(raw)
    return {k: ("(hidden)" if k in SECRET_FIELDS else v) for k, v in state.items()}


def log_page(service: Service, actor: Actor, after: int, limit: int) -> dict[str, Any]:
    """Events after a position, in order, with the cursor of the next page."""
    require(actor, *LOG_READERS)
    rows = service.ledger.recorder.select_notifications(start=after, limit=limit, inclusive_of_start=False)
    events = [{"position": r.id, "stream": str(r.originator_id), "version": r.originator_version, "topic": r.topic,
               "state": shown_state(r.state)} for r in rows]
    return {"after": after, "events": events, "next": rows[-1].id if len(rows) == limit else None}
