"""`/graphql` over WebSocket: subscriptions (and queries) in the graphql-transport-ws protocol.

The preview credential comes in the connection_init payload, under the preview header's name
(`{"X-Newsgraph-Preview": "..."}`), or as that header on the upgrade request; a wrong one is
refused (4403). Past `server.subscriber_limit` open connections, a new one is closed with 1013
before it is accepted. uvicorn sends WebSocket pings (every 20 s by default) as keep-alive.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema.base import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message
from strawberry.types.unset import UnsetType

from newsgraph.schema.live import LiveContext
from newsgraph.server.preview import grants_preview
from newsgraph.server.runtime import Runtime
from newsgraph.server.subscribers import Subscribers, TooManySubscribers

TRY_AGAIN_LATER = 1013


# What each field of a `subscribe` payload may be, as the protocol's TypedDict says; Strawberry
# trusts the types, so another raises deep in the app (or in a task that never answers).
PAYLOAD_FIELDS: dict[str, tuple[type, ...]] = {
    "query": (str,),
    "variables": (dict, type(None)),
    "operationName": (str, type(None)),
    "extensions": (dict, type(None)),
}


def malformed(message: object) -> str | None:
    """Why a parsed message does not fit the protocol's shape, or None if it does."""
    if not isinstance(message, dict):
        return "WebSocket message must be a JSON object"
    if message.get("type") != "subscribe":
        return None
    payload = message.get("payload")
    if not isinstance(message.get("id"), str) or not isinstance(payload, dict):
        return "subscribe needs an id (text) and a payload (an object)"
    for field, types in PAYLOAD_FIELDS.items():
        if not isinstance(payload.get(field), types):
            return f"subscribe payload.{field} has the wrong type"
    return None


class WellFormedMessages(BaseGraphQLTransportWSHandler[LiveContext, None]):
    """Strawberry's handler, but a message of the wrong shape (`[1]`, a subscribe whose query
    is a number) is refused with 4400 like any other malformed message."""

    async def handle_message(self, message: Message) -> None:
        if problem := malformed(message):
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)


class WebSocketEndpoint(GraphQL[LiveContext, None]):
    graphql_transport_ws_handler_class = WellFormedMessages

    def __init__(self, schema: BaseSchema, runtime: Runtime, subscribers: Subscribers) -> None:
        super().__init__(
            schema, graphql_ide=None, subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,)
        )
        self.runtime = runtime
        self.subscribers = subscribers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            with self.subscribers.admitted():
                await super().__call__(scope, receive, send)
        except TooManySubscribers as refused:
            await send({"type": "websocket.close", "code": TRY_AGAIN_LATER, "reason": str(refused)})

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> LiveContext:
        config = self.runtime.config
        return LiveContext(
            self.runtime.feed,
            preview=grants_preview(config, request.headers.get(config.preview_header)),
            select_url=self.runtime.plugins.select_url,
        )

    async def on_ws_connect(self, context: LiveContext) -> UnsetType | dict[str, object] | None:
        name = self.runtime.config.preview_header
        given: Any = context.connection_params.get(name)
        if given is not None:
            if not grants_preview(self.runtime.config, given):
                raise ConnectionRejectionError()
            context.preview = True
        return await super().on_ws_connect(context)
