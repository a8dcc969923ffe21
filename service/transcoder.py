"""The library's JSON transcoder, with orjson encoding the states it can encode byte for byte.

The stored payload of an event is `JSONTranscoder`'s output: `json.JSONEncoder` with compact
separators and `ensure_ascii=False`, types it does not know (datetime, UUID, Decimal, ...)
as `{"_type_": name, "_data_": ...}`. orjson writes the same bytes for the same plain values
(str, int, bool, None, dicts with str keys, lists), about ten times faster; datetimes and
dataclasses are passed to the same transcodings. Anything else (UUID and Enum, which orjson
would write its own way, floats, big ints, subclasses, other keys) sends the whole state to
the library's encoder. Decoding is the library's. tests/unit/test_transcoder.py pins the
bytes against the library's encoder.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_SCALARS = frozenset({str, bool, type(None)})
_HANDED_ON = frozenset({datetime, date, time, Decimal})  # encoded by the registered transcodings
_INT_LIMIT = 2**63


class OrjsonTranscoder(JSONTranscoder):
    """JSONTranscoder whose encoder is orjson for plain states (same bytes), the library's otherwise."""

    def encode(self, obj: Any) -> bytes:
        if _plain(obj, self.types):
            return orjson.dumps(obj, default=self._encode_obj, option=_OPTIONS)
        return super().encode(obj)


def _plain(value: Any, registered: dict[type, Any]) -> bool:
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind is int:
        return -_INT_LIMIT < value < _INT_LIMIT
    if kind is dict:
        return all(type(k) is str and _plain(v, registered) for k, v in value.items())
    if kind is list or kind is tuple:
        return all(_plain(v, registered) for v in value)
    return kind in _HANDED_ON and kind in registered
