"""The witness digests a PostgreSQL log's server makes for views built from zero (issue 12:
`PostgresReader.leaf_lines`, the leaves process's COPY lines): each row's `leaf_digest` as the reference makes
it, every row once, in order, in chunks of the size asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from projections.fast.reading import PostgresReader, reader_for
from projections.leaves import RowLeaves
from service.bootstrap import build
from tests.integration.conftest import settings_for
from tests.integration.helpers import record_quarter


@pytest.mark.parametrize("chunk", [1, 3, 50_000])
def test_the_servers_leaves_are_the_references(chunk: int, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    service = build(settings_for("postgres", tmp_path, request))
    try:
        record_quarter(service)
        reader = reader_for(service.ledger.recorder)
        assert isinstance(reader, PostgresReader)
        try:
            upto = reader.last()
            expected = [f"{p}\t{d}\n".encode() for batch in reader.rows(upto - 1)
                        for p, d in RowLeaves(reader.name).digests(batch)]
            chunks = list(reader.leaf_lines(upto - 1, chunk))
        finally:
            reader.close()
    finally:
        service.close()
    assert len(expected) > 20
    assert all(made.count(b"\n") <= chunk for made in chunks)
    assert b"".join(chunks) == b"".join(expected)
