"""Automatic persisted queries shared by replicas, through Redis.

A client that registered a document on one replica may send only its hash to the next; each
replica asks Redis for a hash it does not know. Redis is a help, never a dependency: a call
that fails or takes longer than `apq_redis_timeout` finds or keeps nothing (the client then
sends the document, as Apollo's protocol allows), one warning is logged per outage, and Redis
is left alone for `PAUSE` seconds so that an outage costs no request a timeout.

Bounded twice: each document expires `apq_redis_ttl` seconds after it was last used (reads
renew it), and the Redis server's own `maxmemory` with `allkeys-lru` caps the whole store
(docs/deploy.md#persisted-queries).
"""

from __future__ import annotations

import logging
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

from newsgraph.server.config import Config

log = logging.getLogger("newsgraph")
PREFIX = "newsgraph:apq:"
PAUSE = 5.0  # seconds without asking Redis after a failed call


class RedisDocuments:
    """Documents by SHA-256 in Redis, with a time to live renewed on every read."""

    def __init__(self, client: Redis, ttl: float) -> None:
        self.client = client
        self.ttl = max(1, round(ttl))
        self.failures = 0
        self._paused_until = 0.0

    @classmethod
    def of(cls, config: Config) -> RedisDocuments:
        assert config.apq_redis_url is not None  # only made when configured
        timeout = config.apq_redis_timeout
        client = Redis.from_url(
            config.apq_redis_url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            decode_responses=True,
        )
        return cls(client, config.apq_redis_ttl)

    async def get(self, hash_: str) -> str | None:
        if self._paused():
            return None
        try:
            found = await self.client.getex(PREFIX + hash_, ex=self.ttl)
        except (RedisError, OSError) as error:
            self._failed(error)
            return None
        self._recovered()
        return found if isinstance(found, str) else None

    async def put(self, hash_: str, query: str) -> None:
        if self._paused():
            return
        try:
            await self.client.set(PREFIX + hash_, query, ex=self.ttl)
        except (RedisError, OSError) as error:
            self._failed(error)
            return
        self._recovered()

    async def close(self) -> None:
        await self.client.aclose()

    def _paused(self) -> bool:
        return time.monotonic() < self._paused_until

    def _failed(self, error: BaseException) -> None:
        if self._paused_until == 0.0:
            log.warning(
                "persisted queries: Redis is unreachable (%s); serving from this process's "
                "store alone, trying again every %g s",
                error,
                PAUSE,
            )
        self.failures += 1
        self._paused_until = time.monotonic() + PAUSE

    def _recovered(self) -> None:
        if self._paused_until != 0.0:
            log.warning("persisted queries: Redis answers again; sharing with other replicas")
            self._paused_until = 0.0
