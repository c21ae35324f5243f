"""Cross-origin requests from browsers: Starlette's CORS middleware, set up from the settings.

By default any origin may read the API (it is public content) without credentials. The preview
header is a credential, so a preflight allows it only when `cors_allow_preview` says so; and
cookies (`cors_allow_credentials`) need the origins named, never `*` (the settings refuse it).
A preflight that asks for what is not allowed is refused as every other request is, with a
coded JSON error (Starlette answers it in plain text).
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from newsgraph.server.config import Config
from newsgraph.server.errors import BAD_REQUEST
from newsgraph.server.refusals import refusal, send_made


class BrowserCORS:
    """Starlette's CORS middleware for the requests that carry an `Origin` (a browser's
    cross-origin ones); the rest go straight to the app. For those the middleware would only
    add `Vary: Origin`, which /graphql's answers carry themselves, and it costs about a third
    of the time of an answer from the response cache."""

    def __init__(self, app: ASGIApp, /, **options: Any) -> None:
        self.app = app
        self.cors = CORSMiddleware(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not any(name == b"origin" for name, _ in scope["headers"]):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(headers, scope, receive, send)
        else:
            await self.cors(scope, receive, send)

    async def _preflight(
        self, headers: Headers, scope: Scope, receive: Receive, send: Send
    ) -> None:
        response = self.cors.preflight_response(request_headers=headers)
        if response.status_code != 400:
            await response(scope, receive, send)
            return
        # Starlette's text names what was refused: "Disallowed CORS origin, headers".
        refused = bytes(response.body).decode().removeprefix("Disallowed CORS ")
        message = (
            f"this CORS preflight asks for what the server does not allow: {refused} "
            "(see server.cors_allow_origins, cors_allow_methods and cors_allow_headers)"
        )
        kept = {k: v for k, v in response.headers.items() if not k.startswith("content-")}
        await send_made(scope, send, BAD_REQUEST, refusal(400, BAD_REQUEST, message, kept))


def cors_options(config: Config) -> dict[str, Any] | None:
    """The options of Starlette's CORS middleware that the settings describe; None when no
    origin is allowed."""
    if not config.cors_allow_origins:
        return None
    headers = list(config.cors_allow_headers)
    if config.cors_allow_preview:
        headers.append(config.preview_header)
    return {
        "allow_origins": config.cors_allow_origins,
        "allow_methods": config.cors_allow_methods,
        "allow_headers": headers,
        "allow_credentials": config.cors_allow_credentials,
        "max_age": config.cors_max_age,
    }


def cors_middleware(config: Config) -> list[Middleware]:
    """The CORS middleware the settings describe; none when no origin is allowed."""
    options = cors_options(config)
    return [] if options is None else [Middleware(BrowserCORS, **options)]
