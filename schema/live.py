"""The context of a long-lived connection (a WebSocket, an SSE stream): unlike a request's
`Context`, it follows the content, so each result reads the snapshot it belongs to."""

from __future__ import annotations

from contextvars import ContextVar

from newsgraph.engine.catalog import Catalog
from newsgraph.engine.snapshot import Snapshot, SnapshotFeed
from newsgraph.schema.context import SelectUrl, fallback_chain

pinned: ContextVar[Snapshot | None] = ContextVar("newsgraph_pinned_snapshot", default=None)
"""The snapshot of the subscription event being resolved in this task, if any."""


class LiveContext:
    """What resolvers of one connection share; `catalog` and `snapshot` are those of the event
    being resolved, else the current ones. Shaped like `Context`, which resolvers expect."""

    def __init__(
        self,
        feed: SnapshotFeed,
        preview: bool = False,
        select_url: SelectUrl = fallback_chain,
    ) -> None:
        self.feed = feed
        self.preview = preview
        self.select_url = select_url
        # Set by Strawberry from a WebSocket's connection_init payload.
        self.connection_params: dict[str, object] = {}

    @property
    def snapshot(self) -> Snapshot:
        return pinned.get() or self.feed.current

    @property
    def catalog(self) -> Catalog:
        return self.visible(self.snapshot)

    def visible(self, snapshot: Snapshot) -> Catalog:
        """The catalog this connection sees in `snapshot`: with drafts under preview."""
        return snapshot.catalog.with_drafts() if self.preview else snapshot.catalog
