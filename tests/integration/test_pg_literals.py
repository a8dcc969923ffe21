"""The group commit's arrays written as SQL literals (service/pg_literals.py, issue 12): PostgreSQL reads from them
the values given (and what psycopg's own quoting gives it), for awkward strings, every byte, and either setting of
standard_conforming_strings (psycopg's quoting follows the setting it saw when it connected; E'' does not depend on it); and a group's statements hold them (no parameters left to psycopg)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from service.pg_literals import array_literal, inline
from tests.integration.conftest import PG, postgres_or_skip

TEXTS = ["plain", "domain.ledger:FactLedger.Recorded", "", " ", "NULL", "null", "a,b", "{x}", 'quo"te', "it's",
         "back\\slash", "\\x41", "E'\\\\'", "两个字", "tab\tnew\nline", '\\"', "'", '"', ",", "}{", "a b  "]
BYTES = [b"", bytes(range(256)), b"\\", b"'", b'"', b"{}", b",", b"\x00\x00", "中文".encode(), b'{"a": "b\\u0000"}']
IDS = [uuid.uuid4() for _ in range(5)] + [uuid.UUID(int=0)]
INTS = [0, 1, -1, 2**62, -(2**62)]


@pytest.fixture
def connection() -> Any:
    import psycopg

    postgres_or_skip()
    with psycopg.connect(f"host={PG['pg_host']} port={PG['pg_port']} user={PG['pg_user']} dbname={PG['pg_dbname']}",
                         autocommit=True) as conn:
        yield conn


@pytest.mark.parametrize("conforming", ["on", "off"])
def test_the_server_reads_the_same_values_as_from_psycopgs_quoting(connection: Any, conforming: str) -> None:
    from psycopg import ClientCursor

    statement = "SELECT %s::uuid[], %s::bigint[], %s::text[], %s::bytea[]"
    params = (IDS, INTS, TEXTS, BYTES)
    with ClientCursor(connection) as cursor:
        cursor.execute(f"SET standard_conforming_strings = {conforming}")
        cursor.execute(statement, params)
        quoted = cursor.fetchone()
        cursor.execute(inline(statement, params))
        written = cursor.fetchone()
    if conforming == "on":  # psycopg quotes for the setting it saw when it connected (on): off, its bytes are wrong
        assert written == quoted
    assert written[0] == IDS and written[1] == INTS and written[2] == TEXTS and [bytes(b) for b in written[3]] == BYTES


def test_each_text_and_bytes_alone(connection: Any) -> None:
    with connection.cursor() as cursor:
        for text in TEXTS:
            cursor.execute(f"SELECT {array_literal([text])}::text[]")  # noqa: S608 - the literal under test
            assert cursor.fetchone()[0] == [text]
        for value in BYTES:
            cursor.execute(f"SELECT {array_literal([value])}::bytea[]")  # noqa: S608 - the literal under test
            assert [bytes(b) for b in cursor.fetchone()[0]] == [value]


def test_what_is_not_written_so() -> None:
    with pytest.raises(TypeError):
        array_literal([1, "1"])
    with pytest.raises(TypeError):
        array_literal([None])
    with pytest.raises(TypeError):
        array_literal([True])
    with pytest.raises(ValueError, match="NUL"):
        array_literal(["a\x00b"])
    with pytest.raises(ValueError, match="placeholders"):
        inline("SELECT %s::int[]", ())
    with pytest.raises(ValueError, match="placeholders"):
        inline("SELECT %s::int[] WHERE x LIKE 'a%'", ([1],))
    assert array_literal([]) == "'{}'"
