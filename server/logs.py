"""Logging for the command line and the server: plain text lines, or one JSON object per line
for log collectors; uvicorn's own loggers (errors, access log) go through the same handler."""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

from newsgraph.server.log_lines import SafeLines

LEVELS = ("critical", "error", "warning", "info", "debug")
FORMATS = ("text", "json")
_TEXT = "%(levelname)s %(name)s: %(message)s"


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message, and traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["traceback"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def logging_config(level: str, form: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` document; uvicorn takes the same as its `log_config`."""
    formatter: dict[str, object] = {"()": JsonLines} if form == "json" else {"format": _TEXT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"chosen": formatter},
        # Every line redacted (credentials in URLs) and bounded (docs/hardening.md).
        "filters": {"safe": {"()": SafeLines}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "chosen",
                "filters": ["safe"],
            },
        },
        "root": {"handlers": ["stderr"], "level": level.upper()},
        # uvicorn's loggers keep their names but log through the root's handler.
        "loggers": {
            name: {"handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


def configure(level: str = "info", form: str = "text") -> None:
    """Set up logging for this process, unless whoever runs `main` (a test runner, an
    embedding program) has already set it up."""
    if not logging.getLogger().handlers:
        logging.config.dictConfig(logging_config(level, form))
