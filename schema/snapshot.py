"""`Query.snapshot`: which snapshot of the content answered, so clients can tell it changed."""

from __future__ import annotations

from datetime import datetime

import strawberry

from newsgraph.engine import snapshot


@strawberry.type(
    name="Snapshot",
    description="One state of the content. `version` counts up by one with each change; "
    "`hash` is a digest of the content itself, the same for the same content anywhere.",
)
class SnapshotInfo:
    version: int
    hash: str
    loaded_at: datetime = strawberry.field(description="When this content was swapped in (UTC).")

    @classmethod
    def of(cls, served: snapshot.Snapshot) -> SnapshotInfo:
        return cls(version=served.version, hash=served.content_hash, loaded_at=served.loaded_at)
