"""The public surface for plugin authors: import from here and nothing else of newsgraph.

Everything named in `__all__` is covered by the changelog's compatibility promise; the rest of
the code base may change without notice. newsgraph's own builtin plugins import only this
module too (an import contract in CI holds them to it), so nothing here is privileged.
"""

from __future__ import annotations

from newsgraph.engine.amp_cache import DEFAULT_CACHE_DOMAIN as DEFAULT_AMP_CACHE_DOMAIN
from newsgraph.engine.article_cache import cache_folder
from newsgraph.engine.base_url import BaseUrl, base_url_option
from newsgraph.engine.catalog import Catalog
from newsgraph.engine.collector import collector_paused
from newsgraph.engine.model import Article, Image, Links, Provider, Related, Topic, article_id
from newsgraph.engine.selection import ArticleFilter, Order, SortField, Visibility
from newsgraph.engine.sources import (
    FingerprintedSource,
    PolledSource,
    Problem,
    RawRecord,
    RegisterSourceType,
    Severity,
    Source,
    SourceBatch,
    SourceType,
    SourceUnavailable,
    WatchedSource,
)
from newsgraph.engine.urls import UrlPreference
from newsgraph.engine.urls import select_url as fallback_url
from newsgraph.hookspecs import hookimpl
from newsgraph.schema.context import Context
from newsgraph.schema.extend import ArticleField, SchemaAddition

__all__ = [
    "DEFAULT_AMP_CACHE_DOMAIN",
    "Article",
    "ArticleField",
    "ArticleFilter",
    "BaseUrl",
    "Catalog",
    "Context",
    "FingerprintedSource",
    "Image",
    "Links",
    "Order",
    "PolledSource",
    "Problem",
    "Provider",
    "RawRecord",
    "RegisterSourceType",
    "Related",
    "SchemaAddition",
    "Severity",
    "SortField",
    "Source",
    "SourceBatch",
    "SourceType",
    "SourceUnavailable",
    "Topic",
    "UrlPreference",
    "Visibility",
    "WatchedSource",
    "article_id",
    "base_url_option",
    "cache_folder",
    "collector_paused",
    "fallback_url",
    "hookimpl",
]
