"""Malformed graphql-transport-ws messages (after the handshake) against a real `newsgraph serve`: each one closes
the connection with 4400 (the protocol's "bad request"), and none leaves a traceback in the log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from tests.e2e.conftest import serving

BAD_REQUEST = 4400
PROTOCOL = Subprotocol("graphql-transport-ws")
SUBSCRIPTION = "subscription { articleChanges { kind } }"
MALFORMED = [
    [1],
    "connection_init",
    7,
    None,
    {"payload": {}},
    {"type": "subscribe", "id": "1", "payload": [1]},
    {"type": "subscribe", "id": 5, "payload": {"query": SUBSCRIPTION}},
    {"type": "subscribe", "id": "1", "payload": {"query": 5}},
    {"type": "subscribe", "id": "1", "payload": {"query": SUBSCRIPTION, "variables": [1]}},
    {"type": "subscribe", "id": "1", "payload": {"query": SUBSCRIPTION, "extensions": "x"}},
]


def test_malformed_messages_close_with_4400(tmp_path: Path) -> None:
    codes = []
    with serving(str(tmp_path)) as (base, output):
        for message in MALFORMED:
            url = base.replace("http://", "ws://") + "/graphql"
            with connect(url, subprotocols=[PROTOCOL], open_timeout=10) as ws:
                ws.send(json.dumps({"type": "connection_init"}))
                assert json.loads(ws.recv(timeout=10)) == {"type": "connection_ack"}
                ws.send(json.dumps(message))
                with pytest.raises(ConnectionClosed) as closed:
                    ws.recv(timeout=10)
                assert closed.value.rcvd is not None
                codes.append(closed.value.rcvd.code)
    assert codes == [BAD_REQUEST] * len(MALFORMED)
    assert not [line for line in output if "Traceback" in line]
