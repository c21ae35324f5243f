"""HTTP caching of GraphQL answers: ETag, Cache-Control, Vary and conditional requests.

An answer is a pure function of the request within a catalog snapshot, so a GET answer may be
kept by browsers, proxies and CDNs for `cache_max_age` seconds, and served
`cache_stale_while_revalidate` seconds longer while they revalidate it; revalidating with
`If-None-Match` costs a 304 without a body. Each answer names the snapshot it came from
(`X-Newsgraph-Snapshot`, the catalog's content hash), equal on every replica serving the same
content (docs/deploy.md#consistency-across-replicas). A request with the preview credential
sees drafts: its answer is `private, no-store`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from newsgraph.server.config import Config
from newsgraph.server.replies import RawHeaders

SNAPSHOT_HEADER = b"x-newsgraph-snapshot"


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """The caching headers of successful answers, worked out once from the settings."""

    # By (kind of answer, whether the request carried an Origin). Kinds: `get` (a GET or HEAD
    # answer anyone may keep), `post` (POST answers are not cached), `preview` (drafts in it:
    # nobody keeps it).
    by_kind: Mapping[tuple[str, bool], RawHeaders]

    @classmethod
    def of(cls, config: Config) -> CachePolicy:
        shared = (
            f"public, max-age={config.cache_max_age}, "
            f"stale-while-revalidate={config.cache_stale_while_revalidate}"
        ).encode()
        by_kind: dict[tuple[str, bool], RawHeaders] = {}
        for origin in (False, True):
            # With a preview token configured, the preview header changes the answer too.
            varies = ["Accept", "Accept-Encoding"]
            if config.preview_token is not None:
                varies.append(config.preview_header)
            # With CORS on, an answer to a request without an Origin names it itself (the CORS
            # middleware adds it to the others'): a cache must not hand it to a browser's
            # cross-origin request, which needs Access-Control-Allow-Origin.
            if config.cors_allow_origins and not origin:
                varies.append("Origin")
            vary = (b"vary", ", ".join(varies).encode())
            by_kind["get", origin] = [vary, (b"cache-control", shared)]
            by_kind["post", origin] = [vary]
            by_kind["preview", origin] = [vary, (b"cache-control", b"private, no-store")]
        return cls(by_kind)

    def headers(
        self, method: str, etag: str, snapshot: str, preview: bool, origin: bool
    ) -> RawHeaders:
        """The caching headers of a successful answer from the snapshot with that content
        hash; `origin`: the request carried one."""
        kind = "preview" if preview else "post" if method == "POST" else "get"
        tags = [(b"etag", etag.encode()), (SNAPSHOT_HEADER, snapshot.encode())]
        return [*tags, *self.by_kind[kind, origin]]


def not_modified(method: str, if_none_match: bytes | None, etag: str) -> bool:
    """Whether a GET or HEAD already holds this answer (`If-None-Match`, weak comparison)."""
    if if_none_match is None or method == "POST":
        return False
    held = {tag.strip().removeprefix("W/") for tag in if_none_match.decode("latin-1").split(",")}
    return "*" in held or etag.removeprefix("W/") in held
