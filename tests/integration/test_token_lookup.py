"""The bearer token is kept with its version between requests (service/tokens.py, issue 12) and read again only
when its stream grew: a revocation made by another process (another service on the same store: the CLI, another
server process) is seen by the very next lookup, on both stores."""

from __future__ import annotations

import pytest

from service.bootstrap import Service, build
from service.settings import Settings
from service.tokens import Unauthenticated, actor_for, issue_token, revoke_token


def test_a_token_revoked_by_another_process_is_refused_at_the_next_lookup(service: Service, settings: Settings) -> None:
    issue_token(service.ledger, "督查科", "recorder", ["inspection"], "test", "2026-03-01T00:00:00+08:00",
                token="kept-token")
    for _ in range(3):  # looked up, then kept
        assert actor_for(service.ledger, "kept-token").principal == "督查科"
    other = build(settings)
    try:
        revoke_token(other.ledger, "kept-token", "admin", "2026-03-02T00:00:00+08:00")
    finally:
        other.close()
    with pytest.raises(Unauthenticated):
        actor_for(service.ledger, "kept-token")
