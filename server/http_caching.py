"""HTTP caching of GraphQL answers: ETag, Cache-Control, Vary and conditional requests.

An answer is a pure function of the request within a catalog snapshot, so a GET answer may be
kept by browsers, proxies and CDNs for `cache_max_age` seconds, and served
`cache_stale_while_revalidate` seconds longer while they revalidate it; revalidating with
`If-None-Match` costs a 304 without a body. A request with the preview credential sees drafts:
its answer is `private, no-store`.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from newsgraph.server.config import Config

_PREVIEW = "private, no-store"


@dataclass(frozen=True, slots=True)
class CachePolicy:
    shared: str  # Cache-Control of a GET answer without the preview credential
    vary: str

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
        return cls(shared, ", ".join(varies))

    def headers(self, method: str, etag: str, preview: bool) -> dict[str, str]:
        """The caching headers of a successful answer (POST answers are not cacheable)."""
        headers = {"etag": etag, "vary": self.vary}
        if preview:
            headers["cache-control"] = _PREVIEW
        elif method != "POST":
            headers["cache-control"] = self.shared
        return headers

    @staticmethod
    def not_modified(request: Request, etag: str) -> bool:
        """Whether a GET or HEAD already holds this answer (`If-None-Match`, weak match)."""
        condition = request.headers.get("if-none-match")
        if condition is None or request.method == "POST":
            return False
        held = {tag.strip().removeprefix("W/") for tag in condition.split(",")}
        return "*" in held or etag.removeprefix("W/") in held
