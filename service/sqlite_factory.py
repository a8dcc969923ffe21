"""The embedded store's factory: the library's SQLite factory restricted to one connection.

Its own module, because the library takes the one factory class a persistence module holds.
"""

from __future__ import annotations

import eventsourcing.sqlite as library
from eventsourcing.persistence import Environment


class SingleConnectionSQLiteFactory(library.SQLiteFactory):
    """One connection per store: no concurrent writers or checkpointers (the WAL-reset bug)."""

    def __init__(self, env: Environment | dict[str, str] | None):
        super().__init__(env)
        db_name = self.datastore.pool.db_name
        self.datastore.close()
        self.datastore = library.SQLiteDatastore(
            db_name=db_name, pool_size=1, max_overflow=0, pool_timeout=120.0, single_row_tracking=True
        )
