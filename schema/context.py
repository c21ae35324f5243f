"""What every resolver of one request shares: one catalog snapshot and the URL selector."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from newsgraph.engine.catalog import Catalog
from newsgraph.engine.model import Article, Links, Related
from newsgraph.engine.snapshot import Snapshot
from newsgraph.engine.urls import UrlPreference, select_url

SelectUrl = Callable[[Links, UrlPreference, Article | Related], str]


def fallback_chain(links: Links, preference: UrlPreference, article: Article | Related) -> str:
    """The documented chain alone, as when no plugin chooses."""
    return select_url(links, preference)


@dataclass(frozen=True, slots=True)
class Context:
    catalog: Catalog
    preview: bool = False  # the request carried the preview credential
    select_url: SelectUrl = field(default=fallback_chain)
    snapshot: Snapshot | None = None  # the snapshot `catalog` belongs to, when served
