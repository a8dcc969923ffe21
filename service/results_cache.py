"""The current results of a period, decoded once per change (a city's are 7.5 MB of JSON).

The views keep one row per subject with the position it was last written at. A read decodes
only the rows written since the last read (after a recording: the groups it touched) and reuses
the others, so the results are assembled as `views.results` would, without decoding them whole.
The decoded values are shared: callers build new values from them, never change them.
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import Any

import orjson

from projections.period_input import key_of

KEEP = 8  # periods kept decoded
_ROWS: OrderedDict[tuple[int, str], dict[str, tuple[int, Any]]] = OrderedDict()  # -> subject -> (written, row)
_CURRENT: dict[tuple[int, str], tuple[int, dict[str, Any]]] = {}  # (service, period) -> (position, results)
_LOCK = Lock()


def current_results(service: Any, period: str) -> dict[str, Any] | None:
    """The period's results as the views hold them now, with `as_of`; None when there are none."""
    service.runner.catch_up()
    key = key_of(service.settings.bureau, period)
    mine = (id(service), key)
    position = service.views.position()
    with _LOCK:
        known = _CURRENT.get(mine)
    if known is not None and known[0] == position:
        return known[1]
    stored = service.views.rows(key)
    if stored is None:
        return None
    at, head, rows = stored
    with _LOCK:
        kept = _ROWS.setdefault(mine, {})
        _ROWS.move_to_end(mine)
        while len(_ROWS) > KEEP:
            _CURRENT.pop(_ROWS.popitem(last=False)[0], None)
        subjects = []
        for _group, _place, subject, written, body in rows:
            found = kept.get(subject)
            if found is None or found[0] != written:
                found = kept[subject] = (written, orjson.loads(body))
            subjects.append(found[1])
        for gone in set(kept) - {r[2] for r in rows}:
            del kept[gone]
        decoded = {**orjson.loads(head + b"]}"), "subjects": subjects, "as_of": at}
        _CURRENT[mine] = (at, decoded)
    return decoded
