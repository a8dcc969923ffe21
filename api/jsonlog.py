"""Structured logs: one JSON object per line, with the request's fields when there are some.

A few lines of formatter over orjson rather than another dependency. Fields a record does not carry
are left out; secrets never reach a record (the access log holds the principal, not the token).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import orjson

FIELDS = ("request_id", "principal", "method", "route", "path", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **{name: getattr(record, name) for name in FIELDS if getattr(record, name, None) is not None},
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def logging_config(log_format: str, level: str = "INFO") -> dict[str, object]:
    """A dictConfig for scoreledger and uvicorn: JSON lines (or plain text) on stderr; no uvicorn access log
    (the request log above has the same facts, plus the request id and the principal)."""
    text = {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    formatter = {"()": JsonFormatter} if log_format == "json" else text
    handler = {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {"main": handler},
        "loggers": {
            "scoreledger": {"handlers": ["main"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["main"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
