"""What the notifier keeps from the log: schemes' windows, periods' publication, appeals' state.

Small JSON values by key (`scheme:<code>:<version>`, `period:<bureau>/<code>`, `appeal:<id>`), folded
from the events that matter and stored with the tracked position, so a restart resumes without reading
the log again from the start.
"""

from __future__ import annotations

from typing import Any

from projections.records import Record

TOPICS = {
    "scoreledger:SchemeBook.VersionRegistered",
    "scoreledger:Period.Opened",
    "scoreledger:Period.SchemeBound",
    "scoreledger:Period.Published",
    "scoreledger:Appeal.Filed",
    "scoreledger:Appeal.Accepted",
    "scoreledger:Appeal.Upheld",
    "scoreledger:Appeal.Rejected",
}


def fold(record: Record, get: Any, put: Any) -> None:
    """Apply one event: `get(key)` reads a value (or None), `put(key, value)` writes it."""
    state, topic = record.state, record.topic
    if topic == "scoreledger:SchemeBook.VersionRegistered":
        publication = (state.get("document") or {}).get("publication") or {}
        code = (state.get("document") or {}).get("scheme")
        put(f"scheme:{code}:{state['version']}", {"appeal": publication.get("appeal_window_working_days", 3),
                                                   "decision": publication.get("decision_window_working_days", 3)})
    elif topic == "scoreledger:Period.Opened":
        key = f"period:{state['bureau']}/{state['code']}"
        put(f"stream:{record.stream}", {"key": key})
        put(key, {"bureau": state["bureau"], "code": state["code"], "scheme": state["scheme"],
                  "version": state["scheme_version"], "published_on": None})
    elif topic in ("scoreledger:Period.SchemeBound", "scoreledger:Period.Published"):
        key = (get(f"stream:{record.stream}") or {}).get("key")
        period = get(key) if key else None
        if period is not None:
            change = {"version": state["scheme_version"]} if "scheme_version" in state else {}
            change |= {"published_on": state["published_on"]} if "published_on" in state else {}
            put(key, {**period, **change})
    else:
        _appeal(record, get, put)



def _appeal(record: Record, get: Any, put: Any) -> None:
    state, topic = record.state, record.topic
    if topic == "scoreledger:Appeal.Filed":
        put(f"stream:{record.stream}", {"key": f"appeal:{state['appeal']}"})
        kept = {k: state[k] for k in ("appeal", "bureau", "period", "subject", "filed_on", "deadline")}
        put(f"appeal:{state['appeal']}", {**kept, "status": "filed"})
        return
    key = (get(f"stream:{record.stream}") or {}).get("key")
    appeal = get(key) if key else None
    if appeal is None:
        return
    if topic == "scoreledger:Appeal.Accepted":
        put(key, {**appeal, "status": "accepted", "accepted_on": state["accepted_on"], "decide_by": state["decide_by"]})
    else:
        put(key, {**appeal, "status": "decided"})
