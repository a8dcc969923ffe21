"""The fast replay's stream names worked out without UUID objects are the ledger's ids as text, and a
stored id (UUID.hex) is named as the UUID's text."""

from __future__ import annotations

from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from domain.ledger.ids import ledger_id, ledger_name
from projections.fast.reading import SQLiteReader

codes = st.text(st.characters(min_codepoint=32, max_codepoint=0x4E20), min_size=1, max_size=20)


@given(codes, codes, codes)
def test_a_ledger_name_is_the_ledger_ids_text(period: str, subject: str, bureau: str) -> None:
    assert ledger_name(period, subject, bureau) == str(ledger_id(period, subject, bureau))


@given(st.uuids())
def test_a_stored_stream_id_is_named_as_its_uuid(found: UUID) -> None:
    reader = SQLiteReader(":memory:", "stored_events")
    assert reader.name(found.hex) == str(found)
    assert reader.name(found.hex.upper()) == str(found)  # not the stored form: read by UUID itself
