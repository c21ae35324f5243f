"""Which media type and which content coding a response should have, from the request's
`Accept` and `Accept-Encoding` (RFC 9110 §12.5), given as the raw header bytes. Clients send
the same few header values over and over, so each answer is remembered per header value.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
_CACHED_HEADERS = 256


def _weights(header: str) -> dict[str, float]:
    """Each listed value (lower case, parameters other than q dropped) with its q-value."""
    weights: dict[str, float] = {}
    for item in header.split(","):
        value, *parameters = (part.strip() for part in item.split(";"))
        if not value:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _, number = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(number), 0.0), 1.0)
                except ValueError:
                    quality = 0.0  # a malformed weight accepts nothing rather than everything
        weights[value.lower()] = quality
    return weights


@lru_cache(maxsize=_CACHED_HEADERS)
def response_media_type(accept: bytes | None) -> str | None:
    """`application/graphql-response+json` when the client names it and prefers it (or likes
    it as much), else `application/json` when acceptable, else None (406).

    A wildcard selects only `application/json`: clients that accept anything, or send no
    `Accept` at all, are the legacy ones the GraphQL-over-HTTP spec keeps on it.
    """
    if accept is None or not accept.strip():
        return JSON
    weights = _weights(accept.decode("latin-1"))
    graphql_response = weights.get(GRAPHQL_RESPONSE_JSON, 0.0)
    json = weights.get(JSON, weights.get("application/*", weights.get("*/*", 0.0)))
    if graphql_response > 0 and graphql_response >= json:
        return GRAPHQL_RESPONSE_JSON
    return JSON if json > 0 else None


@lru_cache(maxsize=_CACHED_HEADERS)
def content_coding(accept_encoding: bytes | None, available: Sequence[str]) -> str | None:
    """The first of `available` codings (the server's order of preference) among those the
    client weighs highest, or None for the identity coding."""
    if not accept_encoding or not available:
        return None
    weights = _weights(accept_encoding.decode("latin-1"))
    wildcard = weights.get("*", 0.0)
    best, chosen = 0.0, None
    for coding in available:
        weight = weights.get(coding, wildcard)
        if weight > best:
            best, chosen = weight, coding
    # Identity is acceptable unless refused by name or by `*;q=0`; a client that weighs it
    # above every coding gets it.
    identity = weights.get("identity", wildcard if "*" in weights else 1.0)
    return None if identity > best else chosen
