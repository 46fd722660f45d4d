"""Structured logs: one JSON object per line, and never a prompt, body or API key.

The server logs only what it decides to log (start-up, reloads, errors with their request path);
request bodies never reach a log record because no handler or middleware logs them.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import msgspec

# Attributes every LogRecord has; anything else was passed in `extra=` and is kept.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_encoder = msgspec.json.Encoder()


class JsonFormatter(logging.Formatter):
    """Format a record as a single JSON line: time, level, logger, message, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool) else repr(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _encoder.encode(entry).decode()


def log_config(level: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` for uvicorn and the router: JSON lines on stderr."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    named = {"level": level.upper(), "handlers": ["default"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"default": handler},
        "loggers": {
            "router": named,
            "uvicorn": named,
            "uvicorn.error": {**named},
            # access logs are off (`access_log=False`): they would only repeat paths
            "uvicorn.access": {**named, "level": "WARNING"},
        },
    }
