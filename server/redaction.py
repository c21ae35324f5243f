"""Secrets in URLs, hidden wherever the server shows or logs text: the user and password of
`https://user:secret@host/...`, and the values of query parameters that usually carry a
credential (`?api_key=...`, `&token=...`)."""

from __future__ import annotations

import re
from collections.abc import Mapping

HIDDEN = "***"
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/?#\s@]+@")
_SECRET_PARAMETER = re.compile(
    r"(?P<name>[?&;](?:api[_-]?key|apikey|key|token|access[_-]?token|auth|password|passwd|"
    r"secret|client[_-]?secret|signature|sig)=)[^&#;\s\"']*",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """`text` with every URL's credentials replaced by `***`."""
    if "://" not in text and "=" not in text:
        return text
    text = _USERINFO.sub(rf"\g<scheme>{HIDDEN}@", text)
    return _SECRET_PARAMETER.sub(rf"\g<name>{HIDDEN}", text)


def redacted(value: object) -> object:
    """A plain-data value (text, lists, mappings) with `redact` applied to all its text."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {key: redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redacted(item) for item in value]
    return value
