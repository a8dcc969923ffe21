"""Reliability runs reuse the PostgreSQL schema fixture of the integration suite."""

from tests.integration.conftest import pg_schema  # noqa: F401 - a fixture, found by name
