"""The Ledger application: commands that decide, then append events atomically.

Every command loads the aggregates it needs, lets them decide, and saves them in one
transaction together with the CommandRecord of its idempotency key. A concurrent write
to the same aggregate makes the library raise IntegrityError: the command re-reads and
decides again (optimistic concurrency, never last-write-wins).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.canonical import plain, sha256_hex
from domain.ledger.command import CommandRecord
from domain.ledger.ids import command_id
from service.errors import Conflict, IdempotencyKeyReused, NotFound

Decision = tuple[list[Aggregate], dict[str, Any]]
RETRIES = 40
BACKOFF_CAP = 0.05  # seconds


class LedgerBase(Application):  # type: ignore[type-arg]
    """Loading, idempotent saving and retrying, shared by every command."""

    name = "scoreledger"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.append_listeners: list[Callable[[int], None]] = []  # told how many events each save appended

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        recordings = super().save(*objs, **kwargs)
        for listener in self.append_listeners:
            listener(len(recordings))
        return recordings

    def load(self, aggregate_id: UUID, what: str) -> Any:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"{what} does not exist") from None

    def maybe(self, aggregate_id: UUID) -> Any | None:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def run(
        self, decide: Callable[[], Decision], *, key: str | None, request: Any, actor: str, at: str
    ) -> dict[str, Any]:
        """Decide and save; a repeated key returns the first result and appends nothing.

        A key is the client's: it is scoped to the principal and the command, so another principal (or
        another command) sending the same key is another request, never answered with this one's result."""
        request_hash = sha256_hex(plain(request))
        scoped = None if key is None else scoped_key(actor, decide, key)
        for attempt in range(RETRIES):
            if scoped is not None:
                earlier = self.maybe(command_id(scoped))
                if earlier is not None:
                    return self._replayed(earlier, request_hash)
            aggregates, result = decide()
            pending = list(aggregates)
            if scoped is not None:
                pending.append(CommandRecord(key=scoped, request_hash=request_hash, result=result, actor=actor, at=at))
            try:
                recordings = self.save(*pending)
            except IntegrityError:
                time.sleep(random.uniform(0, min(BACKOFF_CAP, 0.001 * 2**attempt)))  # noqa: S311 - jitter only
                continue
            position = max((r.notification.id for r in recordings), default=None)
            return {**result, "position": position, "replayed": False}
        raise Conflict("the aggregates changed under this command too many times; try again")

    def earlier(self, actor: str, command: Callable[..., Any], key: str) -> CommandRecord | None:
        """The record of `command` (e.g. Ledger.record_facts) sent by `actor` under `key`; None: never sent."""
        found = self.maybe(command_id(command_key(actor, command.__qualname__, key)))
        return found if isinstance(found, CommandRecord) else None

    @staticmethod
    def _replayed(record: CommandRecord, request_hash: str) -> dict[str, Any]:
        if record.request_hash != request_hash:
            client_key = record.key.rsplit("\x1f", 1)[-1]
            raise IdempotencyKeyReused(f"idempotency key {client_key!r} was used for a different request")
        return {**record.result, "position": None, "replayed": True}


def scoped_key(actor: str, decide: Callable[[], Decision], key: str) -> str:
    """The key a command record is stored under: principal, command and the client's key."""
    return command_key(actor, decide.__qualname__.split(".<locals>", 1)[0], key)


def command_key(actor: str, command: str, key: str) -> str:
    """The stored form of a client's key: principal, command (its qualified name) and the key."""
    return f"{actor}\x1f{command}\x1f{key}"
