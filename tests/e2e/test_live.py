"""Live content against a real `newsgraph serve`: a file written into the served folder reaches
queries and the subscribers whose filter matches it (gql's graphql-transport-ws client, and
graphql-sse over a streaming HTTP client); a broken file keeps its last good version."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.client import AsyncClientSession
from gql.transport.exceptions import TransportConnectionFailed, TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from tests.e2e.conftest import serving

TOKEN = "a-preview-token-of-some-length"
SUBSCRIPTION = """
subscription Follow($filter: ArticleFilter) {
  articleChanges(filter: $filter) { kind snapshot { version } article { title topics { name } } }
}
"""
WAIT = 20.0  # seconds: a generous bound for CI, not a speed requirement (that is in bench/)


def article(title: str, slug: str, topics: list[str], published: bool = True) -> str:
    return (
        f"---\ntitle: {title}\nwebUrl: https://example.org/{slug}\n"
        "publishedDateTime: 2024-05-01T10:00:00Z\n"
        "provider: {name: Example, domain: example.org}\n"
        f"topics: [{', '.join(topics)}]\npublished: {str(published).lower()}\n---\nText.\n"
    )


def wait_until(check: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT
    while not (found := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"not within {WAIT:g} s: {what}")
        time.sleep(0.05)
    return found


def titles(base: str) -> set[str]:
    query = "{ articles(first: 100) { edges { node { title } } } }"
    body = httpx.post(f"{base}/graphql", json={"query": query}).json()
    return {edge["node"]["title"] for edge in body["data"]["articles"]["edges"]}


def ws_client(base: str, params: dict[str, object] | None = None) -> Client:
    transport = WebsocketsTransport(
        url=base.replace("http://", "ws://") + "/graphql",
        init_payload=params or {},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        close_timeout=1,  # a subscription left open makes gql wait this long on closing
    )
    return Client(transport=transport)


async def follow(
    session: AsyncClientSession, topics: list[str] | None = None, visibility: str | None = None
) -> AsyncIterator[dict[str, Any]]:
    where: dict[str, object] = {}
    if topics:
        where["topics"] = {"anyOf": topics}
    if visibility:
        where["visibility"] = visibility
    request = GraphQLRequest(SUBSCRIPTION, variable_values={"filter": where})
    async for result in session.subscribe(request):
        yield result["articleChanges"]


Changes = AsyncIterator[dict[str, Any]]


async def next_change(changes: Changes) -> dict[str, Any]:
    return await asyncio.wait_for(anext(changes), WAIT)


Next = Callable[[], Awaitable[dict[str, Any]]]
"""A subscriber's next `articleChanges` event."""


async def listening(base: str, folder: Path, subscribers: list[Next]) -> None:
    """Return once every subscriber is listening and has seen everything so far: a change
    matching them all is written until each has an event, then a marker, read up to."""
    waiting = [asyncio.ensure_future(following()) for following in subscribers]
    count = 0
    while not all(future.done() for future in waiting):
        count += 1
        (folder / "warm.md").write_text(article(f"Warm {count}", "warm", ["Energy", "Sports"]))
        await asyncio.sleep(0.3)
    for future in waiting:
        await future
    # The last warm-up change is served: the marker's snapshot holds nothing else.
    wait_until(lambda: f"Warm {count}" in titles(base), "the last warm-up change")
    (folder / "warm.md").write_text(article("Marker", "warm", ["Energy", "Sports"]))
    for following in subscribers:
        while (await following())["article"]["title"] != "Marker":
            pass


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    content.mkdir()
    (content / "old.md").write_text(article("An old story", "old", ["Energy"]))
    return content


@pytest.mark.asyncio
async def test_a_new_file_reaches_queries_and_only_matching_subscribers(folder: Path) -> None:
    with serving(str(folder)) as (base, _):
        async with ws_client(base) as energy_client, ws_client(base) as sports_client:
            energy = follow(energy_client, ["Energy"])
            sports = follow(sports_client, ["Sports"])
            await listening(
                base, folder, [lambda: next_change(energy), lambda: next_change(sports)]
            )
            (folder / "new.md").write_text(article("Fresh energy", "new", ["Energy"]))
            wait_until(lambda: "Fresh energy" in titles(base), "the new file in a query")
            added = await next_change(energy)
            assert (added["kind"], added["article"]["title"]) == ("ADDED", "Fresh energy")
            assert added["article"]["topics"] == [{"name": "Energy"}]

            # The sports subscriber got nothing for it: its next event is the next sports file.
            (folder / "match.md").write_text(article("Match day", "match", ["Sports"]))
            seen = await next_change(sports)
            assert (seen["kind"], seen["article"]["title"]) == ("ADDED", "Match day")

            # Breaking the file keeps its last good version, and says where it broke.
            (folder / "new.md").write_text("---\ntitle: [unclosed\n---\n")

            def reported() -> list[dict[str, Any]]:
                (state,) = httpx.get(f"{base}/-/sources").json()
                errors = state["problems"]["errors"]
                return [p for p in errors if p["origin"].endswith("new.md")]

            (problem,) = wait_until(reported, "the broken file in /-/sources")
            assert problem["line"] == 3  # where libyaml finds the flow sequence unclosed
            assert "last good version" in problem["message"]
            assert "Fresh energy" in titles(base)

            # Deleting it removes the article, and the subscriber hears of it.
            (folder / "new.md").unlink()
            removed = await next_change(energy)
            assert (removed["kind"], removed["article"]["title"]) == ("REMOVED", "Fresh energy")
            assert "Fresh energy" not in titles(base)


@pytest.mark.asyncio
async def test_drafts_reach_only_subscribers_with_the_preview_credential(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSGRAPH_PREVIEW_TOKEN", TOKEN)
    with serving(str(folder)) as (base, _):
        async with ws_client(base) as public:
            with pytest.raises(TransportQueryError, match="preview credential"):
                await next_change(follow(public, visibility="ALL"))
        async with ws_client(base, {"X-Newsgraph-Preview": TOKEN}) as preview:
            drafts = follow(preview, visibility="DRAFT")
            waiting = asyncio.ensure_future(next_change(drafts))
            while not waiting.done():
                (folder / "draft.md").write_text(
                    article(f"Draft {time.monotonic()}", "draft", ["Energy"], published=False)
                )
                await asyncio.sleep(0.5)
            change = await waiting
            assert change["article"]["title"].startswith("Draft ")
        with pytest.raises(TransportConnectionFailed):  # closed with 4403 instead of an ack
            async with ws_client(base, {"X-Newsgraph-Preview": "not the token"}):
                pass


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, str]]:
    event = ""
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data:"):
            yield event, line.removeprefix("data:").strip()


@pytest.mark.asyncio
async def test_sse_streams_changes_and_completes_when_the_server_stops(folder: Path) -> None:
    body = {"query": SUBSCRIPTION, "variables": {"filter": {"topics": {"anyOf": ["Energy"]}}}}
    headers = {"accept": "text/event-stream"}
    with ExitStack() as server:
        base, _ = server.enter_context(serving(str(folder)))
        async with (
            httpx.AsyncClient(timeout=WAIT) as http,
            http.stream("POST", f"{base}/graphql/stream", json=body, headers=headers) as stream,
        ):
            assert stream.headers["content-type"].startswith("text/event-stream")
            events = sse_events(stream)
            waiting = asyncio.ensure_future(anext(events))
            while not waiting.done():
                (folder / "sse.md").write_text(
                    article(f"SSE {time.monotonic()}", "sse", ["Energy"])
                )
                await asyncio.sleep(0.5)
            kind, data = await waiting
            assert kind == "next"
            assert json.loads(data)["data"]["articleChanges"]["article"]["title"].startswith("SSE")
            server.close()  # the server stops: the stream completes
            async for kind, _ in events:
                if kind == "complete":
                    break
            else:
                pytest.fail("the stream ended without `event: complete`")


def test_sse_refuses_what_is_not_a_graphql_sse_request(folder: Path) -> None:
    with serving(str(folder)) as (base, _):
        url = f"{base}/graphql/stream"
        no_accept = httpx.post(url, json={"query": "{ __typename }"})
        assert no_accept.status_code == 406
        bad = httpx.post(url, content=b"{", headers={"accept": "text/event-stream"})
        assert bad.status_code == 400
        assert "not JSON" in bad.json()["errors"][0]["message"]


@pytest.mark.asyncio
async def test_connections_past_the_limit_are_refused(folder: Path, tmp_path: Path) -> None:
    config = tmp_path / "newsgraph.yaml"
    config.write_text(
        f"sources: [{{type: yaml_folder, name: news, options: {{path: {folder}}}}}]\n"
        "server: {subscriber_limit: 1}\n"
    )
    with serving("--config", str(config)) as (base, _):
        async with ws_client(base):  # acknowledged: it holds the only place
            refused = httpx.post(
                f"{base}/graphql/stream",
                json={"query": SUBSCRIPTION},
                headers={"accept": "text/event-stream"},
            )
            assert refused.status_code == 503
            assert "subscriber_limit" in refused.json()["errors"][0]["message"]
            with pytest.raises(TransportConnectionFailed):  # closed with 1013 before accepting
                async with ws_client(base):
                    pass
