"""The npm `graphql-ws` and `graphql-sse` clients, run by node, against a real `newsgraph
serve`: a new file reaches subscribers whose filter matches it, and only those.

The clients are installed by `npm ci` in tests/e2e/node (`.ci/run` does it); without node or
without them, the test skips and says so.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.e2e.conftest import serving
from tests.e2e.test_live import WAIT, article, listening, titles, wait_until

CLIENTS = Path(__file__).with_name("node")


class NodeSubscriber:
    """`node subscribe.mjs`: one subscription, its events read line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def next(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), WAIT)
        event: dict[str, Any] = json.loads(line or b'{"failed": "the client exited"}')
        assert "failed" not in event and "errors" not in event, event
        change: dict[str, Any] = event["data"]["articleChanges"]
        return change


async def subscriber(protocol: str, url: str, topics: list[str]) -> NodeSubscriber:
    where = json.dumps({"topics": {"anyOf": topics}})
    process = await asyncio.create_subprocess_exec(
        "node", str(CLIENTS / "subscribe.mjs"), protocol, url, where,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    return NodeSubscriber(process)


@pytest_asyncio.fixture
async def node_clients() -> AsyncIterator[list[NodeSubscriber]]:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the npm graphql-ws and graphql-sse clients need it")
    if not (CLIENTS / "node_modules" / "graphql-ws").is_dir():
        pytest.skip("the npm clients are not installed: run `npm ci` in tests/e2e/node")
    started: list[NodeSubscriber] = []
    yield started
    for client in started:
        if client.process.returncode is None:
            client.process.terminate()
        await client.process.wait()


@pytest.mark.asyncio
async def test_npm_clients_receive_matching_changes_only(
    tmp_path: Path, node_clients: list[NodeSubscriber]
) -> None:
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "old.md").write_text(article("An old story", "old", ["Energy"]))
    with serving(str(folder)) as (base, _):
        ws = base.replace("http://", "ws://") + "/graphql"
        energy_ws = await subscriber("ws", ws, ["Energy"])
        energy_sse = await subscriber("sse", f"{base}/graphql/stream", ["Energy"])
        sports_ws = await subscriber("ws", ws, ["Sports"])
        node_clients += [energy_ws, energy_sse, sports_ws]
        await listening(base, folder, [client.next for client in node_clients])

        (folder / "new.md").write_text(article("Fresh energy", "new", ["Energy"]))
        wait_until(lambda: "Fresh energy" in titles(base), "the new file in a query")
        for client in (energy_ws, energy_sse):
            added = await client.next()
            assert (added["kind"], added["article"]["title"]) == ("ADDED", "Fresh energy")
        (folder / "match.md").write_text(article("Match day", "match", ["Sports"]))
        seen = await sports_ws.next()  # nothing came for the energy article before this
        assert (seen["kind"], seen["article"]["title"]) == ("ADDED", "Match day")
