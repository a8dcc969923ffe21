"""Appeal what-if: one changed fact, its groups re-scored and compared, against the whole-period what-if."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from bench.stores import Store

FULL_LIMIT = 5_000  # subjects: the whole-period what-if (two full scorings, a quadratic compare) only below this


def whatif(spec: dict[str, Any]) -> dict[str, Any]:
    """Fold the log and keep the scorecards of the groups concerned (not timed: a running service holds
    both), then time the what-if as the service runs it (only the subjects the proposed fact concerns
    are scored; their groups are ranked and graded again) and as a cold replay of those groups would;
    the whole-period what-if checks the comparison where affordable."""
    from projections.cards import Cards
    from projections.fact_index import named_subjects
    from projections.period_input import LogFold, key_of
    from projections.records import read_log
    from projections.scoring import groups_of, members_by_group, scheme_for, what_if_groups
    from replay.compare import compare, proposed_facts, what_if
    from service.appeals import ServiceLedger
    from service.stores import event_store_env

    store, meta = Store(**spec["store"]), json.loads(Path(spec["meta"]).read_text())
    served = _as_served(store, meta)  # first: its peak is the service's, before this step folds the log itself
    ledger = ServiceLedger(env=event_store_env(store.settings(), "log"))
    fold = LogFold()
    for batch in read_log(ledger.recorder):
        for record in batch:
            fold.apply(record)
    ledger.close()
    key, proposed = key_of("default", meta["period"]), [meta["whatif"]]
    folded = fold.periods[key]
    groups, members, cards = groups_of(folded, proposed), members_by_group(folded), Cards()
    for group in groups:  # what the running service's views already hold
        cards.group(scheme_for(fold, folded.scheme_hash), folded, members[group])
    started = time.perf_counter()
    before, after = what_if_groups(fold, folded, proposed_facts(proposed, folded.code), cards)
    changes = compare(before, after)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    cold = compare(*what_if_groups(fold, folded, proposed_facts(proposed, folded.code)))
    cold_seconds = time.perf_counter() - started
    out: dict[str, Any] = {
        "seconds": round(seconds, 4),
        "cold_seconds": round(cold_seconds, 4),
        "groups": sorted(groups),
        "group_subjects": len(before.subjects),
        "subjects_rescored": len(set().union(*(named_subjects(folded.facts, f) for f in proposed))),
        "changed": len(changes["changes"]),
        "cold_identical": cold == changes,
        "service": served,
    }
    if meta["subjects"] <= FULL_LIMIT:
        started = time.perf_counter()
        now, then = what_if(fold, key, proposed)
        full = compare(now, then)
        out["full_seconds"] = round(time.perf_counter() - started, 4)
        out["identical"] = full == changes
    return out


def _as_served(store: Store, meta: dict[str, Any]) -> dict[str, Any]:
    """The what-if as a reviewer asks a service for it (service.queries.what_if, on an appeal of the period): the
    service started over its views and caught up (`ready_mb`: the process's peak by then), the first what-if (its
    groups folded from their rows when the service folds lazily) and a second; `peak_mb`: the process's peak after
    both, before this step folds the log for its own measure below (issue 12: a lazily started service folded the
    whole log for its first what-if, 12.2 GB at full scale)."""
    import resource

    from service import queries
    from service.tokens import Actor

    def peak() -> float:
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

    service = store.service()
    try:
        service.runner.catch_up()
        ready = peak()
        appeal = next((a["appeal"] for a in service.runner.meta.appeals.values() if a["period"] == meta["period"]),
                      None)
        if appeal is None:
            return {"skipped": "no appeal in the period (the appeals step did not run)"}
        fact = {k: v for k, v in meta["whatif"].items() if k not in ("id", "period", "recorded_by")}
        reviewer, timed = Actor("bench-reviewer", "reviewer", ()), []
        for _ in range(2):
            started = time.perf_counter()
            found = queries.what_if(service, reviewer, appeal, [fact])
            timed.append(round(time.perf_counter() - started, 4))
        return {"first_s": timed[0], "second_s": timed[1], "changed": len(found["changes"]), "ready_mb": ready,
                "peak_mb": peak(), "light": service.runner.light}
    finally:
        service.close()
