"""HTTP caching of GraphQL answers: ETag, Cache-Control, Vary and conditional requests.

An answer is a pure function of the request within a catalog snapshot, so a GET answer may be
kept by browsers, proxies and CDNs for `cache_max_age` seconds, and served
`cache_stale_while_revalidate` seconds longer while they revalidate it; revalidating with
`If-None-Match` costs a 304 without a body. A request with the preview credential sees drafts:
its answer is `private, no-store`.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsgraph.server.config import Config

RawHeaders = list[tuple[bytes, bytes]]


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """The caching headers of successful answers, worked out once from the settings."""

    get: RawHeaders  # a GET (or HEAD) answer anyone may keep
    post: RawHeaders  # a POST answer: POST responses are not cached
    preview: RawHeaders  # an answer with drafts in it: nobody keeps it
    # Answers to requests without an Origin name it in Vary themselves when CORS is on (the
    # CORS middleware adds it to the others'): a cache must not hand them to a browser's
    # cross-origin request, which needs Access-Control-Allow-Origin.
    vary_origin: bool

    @classmethod
    def of(cls, config: Config) -> CachePolicy:
        shared = (
            f"public, max-age={config.cache_max_age}, "
            f"stale-while-revalidate={config.cache_stale_while_revalidate}"
        )
        # With a preview token configured, the preview header changes the answer too.
        varies = ["Accept", "Accept-Encoding"]
        if config.preview_token is not None:
            varies.append(config.preview_header)
        vary = (b"vary", ", ".join(varies).encode())
        return cls(
            get=[vary, (b"cache-control", shared.encode())],
            post=[vary],
            preview=[vary, (b"cache-control", b"private, no-store")],
            vary_origin=bool(config.cors_allow_origins),
        )

    def headers(self, method: str, etag: str, preview: bool, origin: bool) -> RawHeaders:
        """The caching headers of a successful answer; `origin`: the request carried one."""
        chosen = self.preview if preview else self.post if method == "POST" else self.get
        headers = [(b"etag", etag.encode()), *chosen]
        if self.vary_origin and not origin:
            headers.append((b"vary", b"Origin"))
        return headers


def not_modified(method: str, if_none_match: bytes | None, etag: str) -> bool:
    """Whether a GET or HEAD already holds this answer (`If-None-Match`, weak comparison)."""
    if if_none_match is None or method == "POST":
        return False
    held = {tag.strip().removeprefix("W/") for tag in if_none_match.decode("latin-1").split(",")}
    return "*" in held or etag.removeprefix("W/") in held
