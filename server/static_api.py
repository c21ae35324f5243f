"""The static JSON API and the feeds, served live from the current snapshot.

The routes are one catch-all under `static_api_path`; `newsgraph.engine.static_site` decides
what each path holds, so they serve exactly what `newsgraph export-static` writes.
"""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from newsgraph.engine import static_site
from newsgraph.engine.static_api import Site
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


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def routes(runtime: Runtime) -> list[BaseRoute]:
    """The route of the static tree, or none when `static_api_path` is unset."""
    base = runtime.config.static_api_path
    if base is None:
        return []

    async def serve(request: Request) -> Response:
        path = request.path_params["rest"]
        found = static_site.render(
            runtime.catalog, site(runtime.config, str(request.base_url)), path
        )
        if found is None:
            return JSONResponse({"error": f"{base}/{path} is not in the static API"}, 404)
        # Unchanged content has the same bytes, so the tag stays valid across reloads.
        etag = _etag(found.body)
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers={"ETag": etag})
        return Response(found.body, media_type=found.media_type, headers={"ETag": etag})

    return [Route(f"{base}/{{rest:path}}", serve, methods=["GET", "HEAD"])]
