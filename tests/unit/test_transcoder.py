"""The orjson transcoder writes exactly the library's bytes, and decodes back to the same values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError
from hypothesis import given, settings
from hypothesis import strategies as st

from service.transcoder import OrjsonTranscoder


def transcoders() -> tuple[JSONTranscoder, JSONTranscoder]:
    app = Application()
    library, fast = JSONTranscoder(), OrjsonTranscoder()
    app.register_transcodings(library)
    app.register_transcodings(fast)
    return library, fast


LIBRARY, FAST = transcoders()
plain = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
typed = st.datetimes(timezones=st.just(UTC)) | st.decimals(allow_nan=False) | st.uuids()


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=12), plain | typed, max_size=6))
def test_any_state_is_encoded_byte_for_byte_as_the_library_does(state: dict[str, Any]) -> None:
    encoded = FAST.encode(state)
    assert encoded == LIBRARY.encode(state)
    assert FAST.decode(encoded) == LIBRARY.decode(encoded)


def test_a_fact_event_state_with_chinese_text_and_control_characters() -> None:
    state = {
        "fact": {"id": "s001:ab12", "type": "deduction", "item": "3.1", "subject": "s001", "count": 2,
                 "note": "迟到\t两次\n\x01\"引号\"\\", "parties": [{"subject": "s002", "role": "co"}]},
        "actor": "督查科",
        "at": "2026-04-01T09:00:00+08:00",
        "appeal": None,
        "timestamp": datetime(2026, 4, 1, 1, 0, tzinfo=UTC),
        "originator_topic": "domain.ledger.facts_ledger:FactLedger",
    }
    assert FAST.encode(state) == LIBRARY.encode(state)


class Colour(Enum):
    RED = 1


def test_values_orjson_would_write_its_own_way_go_to_the_library_encoder() -> None:
    for odd in (UUID(int=7), 1.5, 2**80, Decimal("1.50")):
        assert FAST.encode({"v": odd}) == LIBRARY.encode({"v": odd})
    for refused in (Colour.RED, date(2026, 4, 1)):  # no transcoding registered: both refuse alike
        with pytest.raises(TranscodingNotRegisteredError):
            LIBRARY.encode({"v": refused})
        with pytest.raises(TranscodingNotRegisteredError):
            FAST.encode({"v": refused})
