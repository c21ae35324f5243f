"""Every log line bounded and free of secrets: a client that sends a megabyte of query text
gets at most a short prefix of it echoed, and a feed URL's password never reaches the log."""

from __future__ import annotations

import logging

from newsgraph.server.redaction import redact

MAX_LINE_CHARS = 2000
_FORMATTER = logging.Formatter()


class SafeLines(logging.Filter):
    """Formats each record's message once, redacted and cut to `max_chars`; redacts its
    traceback."""

    def __init__(self, max_chars: int = MAX_LINE_CHARS) -> None:
        super().__init__()
        self.max_chars = max_chars

    def filter(self, record: logging.LogRecord) -> bool:
        message = redact(record.getMessage())
        if len(message) > self.max_chars:
            cut = len(message) - self.max_chars
            message = f"{message[: self.max_chars]}... ({cut} more characters)"
        record.msg, record.args = message, None
        if record.exc_info and not record.exc_text:
            # A traceback is kept whole (it is for debugging), but its URLs are redacted too.
            record.exc_text = redact(_FORMATTER.formatException(record.exc_info))
        return True
