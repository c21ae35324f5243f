"""uvicorn's server, told about readiness and subscriptions: asked to stop, it fails `/readyz`
at once (so load balancers stop sending while it drains) and first completes every open
subscription (WebSocket operations get `complete`, SSE streams `event: complete`), so that
long-lived streams end cleanly instead of holding the shutdown up until they are cut."""

from __future__ import annotations

import asyncio
import socket
from types import FrameType

import uvicorn

from newsgraph.server.accepting import BatchAccepting
from newsgraph.server.runtime import Runtime


class Server(BatchAccepting):
    def __init__(self, config: uvicorn.Config, runtime: Runtime) -> None:
        super().__init__(config)
        self.runtime = runtime
        self._loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().serve(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # A plain flag, safe to set here; the next heartbeat posts it to the health port.
        self.runtime.stopping = True
        # A signal handler runs between any two bytecodes: hand the work to the loop.
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.runtime.feed.close)
        super().handle_exit(sig, frame)
