"""Content hashes: the same content gives the same hash whatever came before it."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from newsgraph.engine.content_hash import ContentHasher
from newsgraph.engine.model import Article
from newsgraph.server.config import Config, folder_sources
from newsgraph.server.runtime import Runtime
from tests.conftest import SEEDS


def seed_articles() -> list[Article]:
    runtime = Runtime(Config(sources=folder_sources([str(SEEDS)])))
    return list(asyncio.run(runtime.load()).catalog.order)


def test_a_hash_depends_on_the_content_only_not_on_the_catalogs_before_it() -> None:
    articles = seed_articles()
    edited = [*articles[:3], replace(articles[3], title="An edited title"), *articles[4:]]
    moved = [replace(article, origin=f"elsewhere/{article.origin}") for article in articles]
    hasher = ContentHasher()
    first, after_edit, back = hasher(articles, ()), hasher(edited, ()), hasher(articles, ())
    assert after_edit != first
    assert back == first == ContentHasher()(articles, ())
    assert hasher(edited, ()) == ContentHasher()(edited, ())
    assert hasher(moved, ()) == first, "where a record was read is not content"
    assert hasher(list(reversed(articles)), ()) != first, "the order is content"
