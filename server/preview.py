"""The preview credential: the one secret that lets a request or a connection see drafts."""

from __future__ import annotations

import hmac

from newsgraph.server.config import Config


def grants_preview(config: Config, given: object) -> bool:
    """Whether `given` (a header's value, text or bytes, or a connection parameter's) is the
    credential."""
    expected = config.preview_token
    if isinstance(given, str):
        given = given.encode()
    if expected is None or not isinstance(given, bytes):
        return False
    return hmac.compare_digest(given, expected.encode())
