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
    }
    if meta["subjects"] <= FULL_LIMIT:
        started = time.perf_counter()
        now, then = what_if(fold, key, proposed)
        full = compare(now, then)
        out["full_seconds"] = round(time.perf_counter() - started, 4)
        out["identical"] = full == changes
    return out
