"""The root `Subscription` type: `articleChanges`, served over graphql-transport-ws and
graphql-sse. Each event is resolved against the snapshot it comes from (`LiveContext`)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any, TypeVar, cast

import strawberry
from strawberry.types import Info

from newsgraph.engine import changes, model
from newsgraph.engine.selection import ArticleFilter, Visibility
from newsgraph.schema.fields import field
from newsgraph.schema.inputs import ArticleFilterInput, to_filter
from newsgraph.schema.live import LiveContext, pinned
from newsgraph.schema.snapshot import SnapshotInfo
from newsgraph.schema.types import Article

ArticleChangeKind = strawberry.enum(
    changes.ChangeKind,
    name="ArticleChangeKind",
    description="ADDED: now matches the filter (new, or edited into it). REMOVED: no longer "
    "does (deleted, or edited out of it). UPDATED: matches before and after, and changed.",
)


@strawberry.type(name="ArticleChange", description="One article's change in a new snapshot.")
class ArticleChangeEvent:
    kind: ArticleChangeKind  # type: ignore[valid-type]

    @field("The article as it is now; a removed one as it was last seen.", graphql_type=Article)
    def article(self, parent: strawberry.Parent[changes.ArticleChange]) -> model.Article:
        return parent.article

    @field("The snapshot the change arrived with.")
    def snapshot(self, info: Info) -> SnapshotInfo:
        return SnapshotInfo.of(cast(LiveContext, info.context).snapshot)


async def _changes(
    live: LiveContext, where: ArticleFilter
) -> AsyncGenerator[changes.ArticleChange]:
    seen = live.feed.current
    while (now := await live.feed.after(seen.version)) is not None:
        found = changes.changes(live.visible(seen), live.visible(now), where)
        # Resolving an event happens right after it is yielded, in this task: pinning the
        # snapshot makes every field of the event read the snapshot the change came from.
        pinned.set(now)
        for change in found:
            yield change
        seen = now


_Resolver = TypeVar("_Resolver", bound=Callable[..., Any])
# `strawberry.subscription` with the resolver's own type kept, for mypy.
_subscription = cast(Callable[..., Callable[[_Resolver], _Resolver]], strawberry.subscription)


@strawberry.type
class Subscription:
    @_subscription(
        description="Articles added to, updated in or removed from what `filter` matches, as "
        "the content changes; the same filter as `articles`. Nothing is sent for the content "
        "as it is when subscribing: query it, then follow the changes.",
        graphql_type=ArticleChangeEvent,
    )
    async def article_changes(
        self, info: Info, filter: ArticleFilterInput | None = None
    ) -> AsyncGenerator[changes.ArticleChange]:
        live = info.context
        if not isinstance(live, LiveContext):
            raise ValueError(
                "subscriptions are served over WebSocket (graphql-transport-ws) and "
                "Server-Sent Events (graphql-sse, POST /graphql/stream)"
            )
        where = to_filter(filter)
        if where.visibility is not Visibility.PUBLISHED and not live.preview:
            raise ValueError("drafts are visible only to requests carrying the preview credential")
        live.visible(live.feed.current).matching(where, ())  # a bad filter fails here, at once
        return _changes(live, where)
