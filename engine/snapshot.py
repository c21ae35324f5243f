"""Snapshot identity: which catalog is being served, and a way to wait for the next one.

A snapshot is one catalog with a version (counting up by one per change of content) and the
hash of that content (`engine/content_hash.py`, the same for the same articles on any
replica); a reload that changes nothing keeps the snapshot, version and all.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from newsgraph.engine.catalog import Catalog


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class Snapshot:
    """One catalog as served: `version` counts up from 1 (0 is the empty catalog before the
    first load); `content_hash` is the content hash of its articles and topics."""

    version: int
    content_hash: str
    loaded_at: datetime
    catalog: Catalog


class SnapshotFeed:
    """The current snapshot, and a wait for the next one, for everything that follows changes.

    Waiters never queue snapshots: one that wakes late sees only the newest, so a slow
    subscriber costs nothing and coalesces a burst of reloads into one step.
    """

    def __init__(self, first: Snapshot) -> None:
        self.current = first
        self.closed = False
        self._changed = asyncio.Event()

    def publish(self, snapshot: Snapshot) -> None:
        self.current = snapshot
        self._wake()

    def close(self) -> None:
        """End every wait now and later: the server is shutting down."""
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def after(self, version: int) -> Snapshot | None:
        """The current snapshot once its version is past `version`; None once closed."""
        while not self.closed and self.current.version <= version:
            await self._changed.wait()
        return None if self.closed else self.current
