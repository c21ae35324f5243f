"""Cross-origin requests: preflights, allowed origins and headers, credentials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from newsgraph.server.config import ConfigError, SourceConfig, load_config
from newsgraph.testing import client, make_app
from tests.conftest import SEEDS

SEED_SOURCE = SourceConfig("yaml_folder", "seeds", {"path": str(SEEDS)})
APP_ORIGIN = "https://app.example"


async def preflight(headers: str = "content-type", **server: Any) -> Any:
    async with client(make_app(sources=[SEED_SOURCE], **server)) as http:
        return await http.options(
            "/graphql",
            headers={
                "origin": APP_ORIGIN,
                "access-control-request-method": "POST",
                "access-control-request-headers": headers,
            },
        )


@pytest.mark.asyncio
async def test_by_default_any_origin_may_read_without_credentials() -> None:
    answered = await preflight()
    assert answered.status_code == 200
    assert answered.headers["access-control-allow-origin"] == "*"
    assert answered.headers["access-control-allow-methods"] == "GET, POST"
    assert "content-type" in answered.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in answered.headers
    async with client(make_app(sources=[SEED_SOURCE])) as http:
        simple = await http.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"origin": APP_ORIGIN}
        )
    assert simple.headers["access-control-allow-origin"] == "*"
    varies = [v.strip() for line in simple.headers.get_list("vary") for v in line.split(",")]
    assert varies.count("Origin") == 1


@pytest.mark.asyncio
async def test_configured_origins_are_echoed_and_others_refused() -> None:
    server = {"cors_allow_origins": (APP_ORIGIN,), "cors_allow_credentials": True}
    allowed = await preflight(**server)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == APP_ORIGIN
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "Origin" in allowed.headers["vary"]
    async with client(make_app(sources=[SEED_SOURCE], **server)) as http:
        other = await http.options(
            "/graphql",
            headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
        )
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers
    (error,) = other.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "does not allow: origin" in error["message"]


@pytest.mark.asyncio
async def test_the_preview_header_is_allowed_only_when_configured() -> None:
    refused = await preflight(headers="content-type, x-newsgraph-preview")
    allowed = await preflight(headers="content-type, x-newsgraph-preview", cors_allow_preview=True)
    assert refused.status_code == 400
    assert "does not allow: headers" in refused.json()["errors"][0]["message"]
    assert allowed.status_code == 200
    assert "x-newsgraph-preview" in allowed.headers["access-control-allow-headers"].lower()


def test_credentials_are_never_combined_with_any_origin(tmp_path: Path) -> None:
    path = tmp_path / "newsgraph.yaml"
    path.write_text("server: {cors_allow_credentials: true}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cors_allow_credentials needs the origins named"):
        load_config(path, environ={})
