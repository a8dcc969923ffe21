"""Appeal what-if: one changed fact, its groups re-scored and compared, against the whole-period what-if."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from bench.stores import Store

FULL_LIMIT = 5_000  # subjects: the whole-period what-if (two full scorings, a quadratic compare) only below this


def whatif(spec: dict[str, Any]) -> dict[str, Any]:
    """Fold the log (not timed), then time the group what-if; the whole-period one checks it where affordable."""
    from projections.period_input import LogFold, key_of
    from projections.records import read_log
    from projections.scoring import groups_of, score_groups
    from replay.compare import compare, what_if
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
    started = time.perf_counter()
    groups = groups_of(folded, proposed)
    before = score_groups(fold, folded, groups)
    after = score_groups(fold, folded, groups, proposed)
    changes = compare(before, after)
    seconds = time.perf_counter() - started
    out: dict[str, Any] = {
        "seconds": round(seconds, 4),
        "groups": sorted(groups),
        "group_subjects": len(before.subjects),
        "changed": len(changes["changes"]),
    }
    if meta["subjects"] <= FULL_LIMIT:
        started = time.perf_counter()
        now, then = what_if(fold, key, proposed)
        full = compare(now, then)
        out["full_seconds"] = round(time.perf_counter() - started, 4)
        out["identical"] = full == changes
    return out
