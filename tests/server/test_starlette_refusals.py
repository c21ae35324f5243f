"""Starlette's own refusals (an unknown path, a method a route does not take) are coded JSON
errors on the main app and on the separate admin app."""

from __future__ import annotations

import httpx
import pytest

from newsgraph.testing import client, make_app
from tests.server.test_hooks import SEED_SOURCE


def refused(response: httpx.Response) -> tuple[int, str, str]:
    (error,) = response.json()["errors"]
    return response.status_code, error["extensions"]["code"], error["message"]


@pytest.mark.asyncio
async def test_an_unknown_path_on_the_main_port_is_a_json_not_found() -> None:
    async with client(make_app(sources=[SEED_SOURCE])) as http:
        missing = await http.get("/no/such/page")
    assert missing.headers["content-type"] == "application/json"
    assert refused(missing) == (
        404,
        "NOT_FOUND",
        "nothing is served at /no/such/page",
    )


@pytest.mark.asyncio
async def test_the_admin_app_refuses_in_json_too() -> None:
    app = make_app(sources=[SEED_SOURCE], admin_port=9999)
    async with client(app):  # the admin app reads the main app's runtime, loaded here
        transport = httpx.ASGITransport(app=app.state.admin)
        async with httpx.AsyncClient(transport=transport, base_url="http://admin") as admin:
            missing = await admin.get("/graphql")
            posted = await admin.post("/-/sources")
    assert refused(missing) == (404, "NOT_FOUND", "nothing is served at /graphql")
    assert posted.headers["allow"] == "GET, HEAD"
    assert refused(posted) == (
        405,
        "METHOD_NOT_ALLOWED",
        "POST is not allowed on /-/sources: use GET, HEAD",
    )
