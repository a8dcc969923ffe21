"""A recording's token (issue 12): a token kept by the process is not read on the event loop; the group commit
reads its stream with the group's others (on PostgreSQL its first round trip, on SQLite its one read) and refuses
the command, before its idempotency key is looked up, when the token was revoked meanwhile (by any process)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

import service.tokens as tokens
from api.app import create_app
from service.bootstrap import Service, build
from service.settings import Settings
from service.tokens import issue_token, kept_actor, revoke_token
from tests.integration.helpers import AT, record_quarter

FACTS = "/periods/2026-Q1/facts"


def _fact(subject: str) -> dict[str, str]:
    return {"type": "deduction", "item": "3.1", "subject": subject}


def test_a_kept_token_is_checked_in_the_group_and_a_revoked_one_refused_before_its_key(
    service: Service, settings: Settings, backend: str, monkeypatch: Any
) -> None:
    record_quarter(service)
    issue_token(service.ledger, "督查科", "recorder", ["inspection", "office", "personnel", "guidance"], "test", AT,
                token="kept-token")
    assert kept_actor(service.ledger, "kept-token") is None  # not kept before its first use
    reads: list[int] = []
    grew = tokens._grew

    def counted(*args: Any) -> bool:
        reads.append(1)
        return grew(*args)

    now = datetime(2026, 4, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    headers = {"Authorization": "Bearer kept-token"}
    with TestClient(create_app(service=service, clock=lambda: now)) as client:
        first = client.post(FACTS, json=_fact("d1"), headers={**headers, "Idempotency-Key": "k1"})
        assert first.status_code == 201, first.text  # looked up on the loop: kept from now on
        monkeypatch.setattr(tokens, "_grew", counted)
        second = client.post(FACTS, json=_fact("d2"), headers={**headers, "Idempotency-Key": "k2"})
        assert second.status_code == 201, second.text
        assert reads == []  # no read of the token on the event loop
        other = build(settings)
        try:
            revoke_token(other.ledger, "kept-token", "admin", AT)  # another process
        finally:
            other.close()
        end = service.ledger.recorder.max_notification_id()
        writer = service.group_writer()
        grouped: list[int] = []
        submit = writer.submit

        def counted_submit(*args: Any, **kwargs: Any) -> Any:
            grouped.append(1)
            return submit(*args, **kwargs)

        monkeypatch.setattr(writer, "submit", counted_submit)
        again = client.post(FACTS, json=_fact("d2"), headers={**headers, "Idempotency-Key": "k2"})
        assert again.status_code == 401, again.text  # not the replay of k2's result
        assert again.json()["detail"] == "the bearer token is unknown or revoked"
        assert grouped == [1]  # refused in the group (its check)
        fresh = client.post(FACTS, json=_fact("d3"), headers={**headers, "Idempotency-Key": "k3"})
        assert fresh.status_code == 401, fresh.text  # review: the revoked token is kept as revoked since
        assert fresh.json() == {"type": "https://scoreledger.invalid/problems/unauthenticated",
                                "title": "Authentication required", "status": 401,
                                "detail": "the bearer token is unknown or revoked", "instance": FACTS}
        assert grouped == [1]  # refused on the loop: never queued for the writer
        assert service.ledger.recorder.max_notification_id() == end  # nothing appended
        assert reads == []
