"""GraphiQL, served by newsgraph itself: the page at `/graphql`, its files under `/-/graphiql/`.

The files (GraphiQL 5, the explorer plugin, React, Monaco's workers) are built at install time
from the pinned front-end project in `web/` (tools/graphiql_assets.py), so the page never asks
another host for anything. The page only opens `?query=` and `?variables=` in the editor:
nothing runs until Run is pressed.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import orjson
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

ASSETS = Path(__file__).with_name("static") / "graphiql"
_ASSETS_PATH = "/-/graphiql"
_ASSETS_ROUTE = "graphiql-files"

EXAMPLE_QUERY = """\
# Welcome to newsgraph! Press ▶ to run.
# Explorer: tick fields. Docs: all types.
# Drafts: under Headers, give
# {"%(header)s": "<token>"}
query NewestArticles {
  articles(first: 5) {
    totalCount
    edges {
      node {
        title
        publishedDateTime
        url(prefer: AMP_CACHE)
        provider { name domain }
        images { url width height }
        topics { name }
      }
    }
  }
}
"""

_PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>newsgraph · GraphiQL</title>
<link rel="stylesheet" href="{assets}graphiql.css">
<style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script id="newsgraph-graphiql" type="application/json">{settings}</script>
<script src="{assets}graphiql.js"></script>
</body>
</html>
"""

_NOT_BUILT = """\
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>newsgraph · GraphiQL</title></head>
<body><p>GraphiQL's files are not built. Install newsgraph again (<code>pip install -e .</code>
in a checkout): the install builds them. POST queries to {endpoint} meanwhile.</p></body>
</html>
"""


def asks_for_page(method: str, accept: bytes | None) -> bool:
    """A browser asking for a page (given its request's method and `Accept`): it gets
    GraphiQL even with `?query=` in the URL."""
    return method in ("GET", "HEAD") and accept is not None and b"text/html" in accept


def graphiql_page(request: Request, preview_header: str) -> HTMLResponse:
    """The GraphiQL page, set up for the endpoint it was asked for."""
    endpoint = request.url.path
    if not (ASSETS / "graphiql.js").is_file():
        return HTMLResponse(_NOT_BUILT.format(endpoint=escape(endpoint)), status_code=503)
    assets = request.url_for(_ASSETS_ROUTE, path="/").path
    settings = {
        "endpoint": endpoint,
        "assets": assets,
        "exampleQuery": EXAMPLE_QUERY % {"header": preview_header},
    }
    # `<` as an escape keeps `</script>` in a string from ending the element.
    text = orjson.dumps(settings).decode().replace("<", "\\u003c")
    return HTMLResponse(_PAGE.format(assets=escape(assets), settings=text))


def graphiql_files() -> Mount:
    """The built files, compressed for the wire (the editor's script is several megabytes).
    An editable install links them from the checkout, so links are followed."""
    files = GZipMiddleware(StaticFiles(directory=ASSETS, check_dir=False, follow_symlink=True))
    return Mount(_ASSETS_PATH, app=files, name=_ASSETS_ROUTE)
