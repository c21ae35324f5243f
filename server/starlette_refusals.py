"""Starlette's own refusals (a path no route has, a method a route does not take) as coded
JSON errors, as every other refusal is, for the main app and the separate admin app alike."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import Response

from newsgraph.server.errors import METHOD_NOT_ALLOWED
from newsgraph.server.metrics import ERROR_CODE
from newsgraph.server.refusals import NOT_FOUND, refusal


async def not_found(request: Request, refused: Exception) -> Response:
    """Starlette's 404 (no route has the path) as a coded JSON error."""
    message = f"nothing is served at {request.url.path}"
    return _coded(request, 404, NOT_FOUND, message)


async def method_not_allowed(request: Request, refused: Exception) -> Response:
    """Starlette's 405 (a route asked with a method it does not take: `PUT /graphql`) as a
    coded JSON error, keeping its `Allow`."""
    # Starlette keeps a route's methods in a set: sorted, the header is the same every time.
    headers = getattr(refused, "headers", None) or {}
    allowed = ", ".join(sorted(headers.get("Allow", "").split(", ")))
    message = f"{request.method} is not allowed on {request.url.path}: use {allowed}"
    return _coded(request, 405, METHOD_NOT_ALLOWED, message, {**headers, "Allow": allowed})


def _coded(
    request: Request,
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    request.scope.setdefault("state", {})[ERROR_CODE] = code
    return refusal(status, code, message, headers)


Handler = Callable[[Request, Exception], Awaitable[Response]]
HANDLERS: dict[int | type[Exception], Handler] = {404: not_found, 405: method_not_allowed}
"""The `exception_handlers` of an app whose refusals are coded JSON errors."""
