"""The public surface for plugin authors: import from here and nothing else of newsgraph.

Everything named in `__all__` is covered by the changelog's compatibility promise; the rest of
the code base may change without notice.
"""

from __future__ import annotations

from schema.context import Context
from schema.extend import ArticleField, SchemaAddition
from schema.model import Article, Image, Links, Provider, Related, Topic, article_id
from schema.urls import UrlPreference
from server.catalog import Catalog
from server.hookspecs import hookimpl
from server.selection import ArticleFilter, Order, SortField, Visibility
from server.sources import (
    PolledSource,
    Problem,
    RawRecord,
    RegisterSourceType,
    Severity,
    Source,
    SourceBatch,
    SourceType,
)

__all__ = [
    "Article",
    "ArticleField",
    "ArticleFilter",
    "Catalog",
    "Context",
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
    "Topic",
    "UrlPreference",
    "Visibility",
    "article_id",
    "hookimpl",
]
