"""The static JSON API and the feeds, served live from the current snapshot.

The routes are one catch-all under `static_api_path`; `newsgraph.engine.static_site` decides
what each path holds, so they serve exactly what `newsgraph export-static` writes. Answers
follow GraphQL's HTTP conventions (`newsgraph.server.http_caching`): an ETag of the bytes,
`Cache-Control` and `Vary`, 304 for a held copy, and brotli or gzip as the client accepts.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from newsgraph.engine import static_site
from newsgraph.engine.static_api import Site
from newsgraph.server.compression import CODERS, encode
from newsgraph.server.http_caching import CachePolicy, not_modified
from newsgraph.server.http_negotiation import content_coding
from newsgraph.server.response_cache import Answer
from newsgraph.server.runtime import Runtime
from newsgraph.server.settings import ServerSettings


def site(settings: ServerSettings, url: str) -> Site:
    """The site as the settings describe it; `url` stands in when `site_url` is unset."""
    assert settings.static_api_path is not None
    return Site(
        url=(settings.site_url or url).rstrip("/"),
        path=settings.static_api_path,
        title=settings.site_title,
        locale=settings.site_locale,
        page_size=settings.static_page_size,
    )


def routes(runtime: Runtime) -> list[BaseRoute]:
    """The route of the static tree, or none when `static_api_path` is unset."""
    config = runtime.config
    base = config.static_api_path
    if base is None:
        return []
    caching = CachePolicy.of(config)
    codings = tuple(CODERS) if config.compression else ()

    async def serve(request: Request) -> Response:
        path = request.path_params["rest"]
        snapshot = runtime.ingested  # one snapshot for the whole answer
        found = static_site.render(snapshot.catalog, site(config, str(request.base_url)), path)
        if found is None:
            return JSONResponse({"error": f"{base}/{path} is not in the static API"}, 404)
        # Derived from the bytes only: an unchanged document keeps its tag across reloads.
        etag = Answer.of(found.body).etag
        origin = "origin" in request.headers
        raw = caching.headers(request.method, etag, snapshot.content_hash, False, origin)
        headers = {name.decode(): value.decode() for name, value in raw}
        if not_modified(request.method, request.headers.get("if-none-match", "").encode(), etag):
            return Response(status_code=304, headers=headers)
        body = found.body
        coding = content_coding(request.headers.get("accept-encoding", "").encode(), codings)
        if coding is not None and len(body) >= config.compress_min_bytes:
            body = encode(body, coding)
            headers["content-encoding"] = coding
        return Response(body, media_type=found.media_type, headers=headers)

    return [Route(f"{base}/{{rest:path}}", serve, methods=["GET", "HEAD"])]
