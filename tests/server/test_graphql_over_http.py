"""`/graphql` speaks the GraphQL-over-HTTP spec: media types, status codes, coded errors."""

from __future__ import annotations

import gzip
import logging
from typing import Any

import pytest

from newsgraph.plugin_api import ArticleField, SchemaAddition, hookimpl
from newsgraph.server.config import SourceConfig
from newsgraph.testing import client, make_app
from tests.conftest import SEEDS

SEED_SOURCE = SourceConfig("yaml_folder", "seeds", {"path": str(SEEDS)})
GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def seeds_app(*plugins: tuple[str, object], **server: Any) -> Any:
    return make_app(*plugins, sources=[SEED_SOURCE], **server)


async def post(body: object, accept: str | None = GRAPHQL_RESPONSE, **server: Any) -> Any:
    headers = {} if accept is None else {"accept": accept}
    async with client(seeds_app(**server)) as http:
        return await http.post("/graphql", json=body, headers=headers)


REQUEST_ERRORS = [
    ({"query": "{ articles { "}, "GRAPHQL_PARSE_FAILED"),
    ({"query": "{ nope }"}, "GRAPHQL_VALIDATION_FAILED"),
    (
        {"query": "query($n: Int!) { articles(first: $n) { totalCount } }", "variables": {}},
        "BAD_USER_INPUT",
    ),
    (
        {"query": "query($n: Int) { articles(first: $n) { totalCount } }", "variables": {"n": "x"}},
        "BAD_USER_INPUT",
    ),
    ({"query": "{ __typename }", "operationName": "Nope"}, "OPERATION_RESOLUTION_FAILURE"),
    (
        {
            "query": "{ articles { edges { node { "
            + "related { article { " * 8
            + "id"
            + " } }" * 8
            + " } } } }"
        },
        "MAX_DEPTH_EXCEEDED",
    ),
    (
        {"query": "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"},
        "MAX_ALIASES_EXCEEDED",
    ),
    ({"query": "{ " + "__typename " * 2001 + "}"}, "MAX_TOKENS_EXCEEDED"),
    ({"query": "query A { __typename } query B { __typename }"}, "OPERATION_RESOLUTION_FAILURE"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("body", "code"), REQUEST_ERRORS)
async def test_a_request_error_is_400_without_data_for_graphql_response_clients(
    body: dict[str, object], code: str
) -> None:
    response = await post(body)
    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert "data" not in response.json()
    codes = {error["extensions"]["code"] for error in response.json()["errors"]}
    assert codes == {code}


@pytest.mark.asyncio
@pytest.mark.parametrize(("body", "code"), REQUEST_ERRORS[:4])
async def test_a_request_error_is_200_for_legacy_json_clients(
    body: dict[str, object], code: str
) -> None:
    for accept in (JSON, "*/*", None):
        response = await post(body, accept=accept)
        assert response.status_code == 200
        assert response.headers["content-type"] == JSON
        assert "data" not in response.json()
        assert response.json()["errors"][0]["extensions"]["code"] == code


@pytest.mark.asyncio
async def test_the_client_gets_the_media_type_it_prefers() -> None:
    query = {"query": "{ __typename }"}
    preferences = {
        GRAPHQL_RESPONSE: GRAPHQL_RESPONSE,
        f"{GRAPHQL_RESPONSE}, {JSON};q=0.9": GRAPHQL_RESPONSE,
        f"{GRAPHQL_RESPONSE};q=0.5, {JSON}": JSON,
        "application/*": JSON,
        "text/html, */*;q=0.8": JSON,
    }
    for accept, expected in preferences.items():
        response = await post(query, accept=accept)
        assert response.status_code == 200, accept
        assert response.headers["content-type"] == expected, accept
        assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.asyncio
async def test_nothing_acceptable_is_406_and_an_unknown_body_type_is_415() -> None:
    async with client(seeds_app()) as http:
        refused = await http.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"accept": "text/csv"}
        )
        form = await http.post(
            "/graphql",
            content="query=%7B__typename%7D",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        latin1 = await http.post(
            "/graphql",
            content=b'{"query": "{ __typename }"}',
            headers={"content-type": "application/json; charset=latin-1"},
        )
        bare = await http.post("/graphql", content=b'{"query": "{ __typename }"}')
    assert refused.status_code == 406
    assert refused.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"
    for response in (form, latin1, bare):
        assert response.status_code == 415
        assert response.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


@pytest.mark.asyncio
async def test_a_compressed_request_body_is_415_naming_the_coding() -> None:
    body = b'{"query": "{ __typename }"}'
    async with client(seeds_app()) as http:
        gzipped = await http.post(
            "/graphql",
            content=gzip.compress(body),
            headers={"content-type": "application/json", "content-encoding": "gzip"},
        )
        identity = await http.post(
            "/graphql",
            content=body,
            headers={"content-type": "application/json", "content-encoding": "identity"},
        )
    assert gzipped.status_code == 415
    error = gzipped.json()["errors"][0]
    assert error["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert "gzip" in error["message"]
    assert identity.json() == {"data": {"__typename": "Query"}}


@pytest.mark.asyncio
async def test_malformed_parameters_are_400_whatever_the_client_accepts() -> None:
    bodies: list[bytes] = [
        b"",
        b"{not json",
        b"[]",
        b'"query"',
        b'{"query": 1}',
        b'{"query": "{ __typename }", "variables": "x"}',
        b'{"query": "{ __typename }", "operationName": false}',
        b'{"query": "{ __typename }", "extensions": []}',
        b'{"qeury": "{ __typename }"}',
    ]
    async with client(seeds_app()) as http:
        for accept in (JSON, GRAPHQL_RESPONSE):
            for body in bodies:
                response = await http.post(
                    "/graphql",
                    content=body,
                    headers={"content-type": "application/json", "accept": accept},
                )
                assert response.status_code == 400, body
                assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.asyncio
async def test_a_parameter_given_twice_in_a_get_is_400_but_not_a_foreign_one() -> None:
    twice = "query=%7B__typename%7D&query=%7Bsnapshot%7Bversion%7D%7D"
    async with client(seeds_app()) as http:
        refused = await http.get(f"/graphql?{twice}")
        busted = await http.get("/graphql?query=%7B__typename%7D&_=1&_=2")
    assert refused.status_code == 400
    [error] = refused.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "`query` is given more than once" in error["message"]
    assert busted.json() == {"data": {"__typename": "Query"}}


@pytest.mark.asyncio
async def test_invalid_utf8_in_a_get_is_400_not_run_as_a_replacement_character() -> None:
    # `#` starts a comment: with the byte read as U+FFFD the query would run.
    query = "query=%7B__typename%7D%23caf"
    async with client(seeds_app()) as http:
        valid = await http.get(f"/graphql?{query}%C3%A9")
        invalid = [
            await http.get(f"/graphql?{query}%FF"),
            await http.get(f"/graphql?{query}&variables=%7B%22a%22%3A%22%C3%28%22%7D"),
            await http.get(f"/graphql?{query}&operationName=%80"),
        ]
    assert valid.json() == {"data": {"__typename": "Query"}}
    for refused in invalid:
        assert refused.status_code == 400
        [error] = refused.json()["errors"]
        assert error["extensions"]["code"] == "BAD_REQUEST"
        assert error["message"] == "the query string is not valid UTF-8 (once percent-decoded)"


@pytest.mark.asyncio
async def test_several_operations_run_only_the_one_named() -> None:
    query = "query A { __typename } query B { topics { id } }"
    named = await post({"query": query, "operationName": "A"})
    assert named.json() == {"data": {"__typename": "Query"}}


@pytest.mark.asyncio
async def test_head_has_the_headers_of_get_and_no_body() -> None:
    params = {"query": "{ topics { id name } }"}
    async with client(seeds_app()) as http:
        got = await http.get("/graphql", params=params)
        head = await http.head("/graphql", params=params)
    assert got.status_code == head.status_code == 200
    assert head.content == b""
    for name in ("content-type", "content-length", "etag", "cache-control"):
        assert head.headers[name] == got.headers[name]


@pytest.mark.asyncio
async def test_a_mutation_over_get_is_405() -> None:
    async with client(seeds_app()) as http:
        response = await http.get(
            "/graphql",
            params={"query": "mutation { __typename }"},
            headers={"accept": GRAPHQL_RESPONSE},
        )
    assert response.status_code == 405
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.asyncio
async def test_client_mistakes_in_fields_keep_their_message_and_are_coded() -> None:
    mistakes = {
        "{ articles(first: 500) { totalCount } }": "between 0 and 100",
        '{ articles(after: "nonsense") { totalCount } }': "cursor",
        '{ articles(filter: {search: "   "}) { totalCount } }': "search",
    }
    for query, words in mistakes.items():
        response = await post({"query": query})
        assert response.status_code == 200
        error = response.json()["errors"][0]
        assert error["extensions"] == {"code": "BAD_USER_INPUT"}
        assert words in error["message"]
        assert error["path"] == ["articles"]


class Exploding:
    @hookimpl
    def extend_schema(self) -> SchemaAddition:
        def explode(article: object) -> str:
            raise KeyError("secret-internal-detail")

        return SchemaAddition(article_fields=[ArticleField("boom", "String", explode)])


@pytest.mark.asyncio
async def test_an_unexpected_exception_is_masked_and_logged_once_with_its_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    query = {"query": "{ articles(first: 1) { edges { node { title boom } } } }"}
    with caplog.at_level(logging.DEBUG, logger="newsgraph"):
        async with client(seeds_app(("exploding", Exploding()))) as http:
            response = await http.post("/graphql", json=query)
    assert response.status_code == 200
    body = response.json()
    assert body["data"]["articles"]["edges"][0]["node"]["boom"] is None
    [error] = body["errors"]
    assert error["message"] == "Internal server error"
    assert "secret-internal-detail" not in response.text
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["path"] == ["articles", "edges", 0, "node", "boom"]
    error_id = error["extensions"]["errorId"]
    reported = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(reported) == 1
    assert error_id in reported[0].getMessage()
    assert reported[0].exc_info is not None
    assert "secret-internal-detail" in str(reported[0].exc_info[1])
