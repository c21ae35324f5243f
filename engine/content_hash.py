"""A catalog's content hash: the same articles and topics give the same hash on any machine.

Replicas that load the same content build equal catalogs, but each counts its own rebuilds;
the hash is what they can compare (`X-Newsgraph-Snapshot`, /healthz). Where a record was read
(`Article.origin`, a path or URL) is left out: two replicas may mount the same checkout under
different parents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import orjson
import xxhash

from newsgraph.engine.model import Article, Topic


def content_hash(articles: Iterable[Article], taxonomy: Iterable[Topic]) -> str:
    """The 16 hex digits of every article (in order, without its origin) and every topic."""
    hasher = xxhash.xxh3_64()
    for article in articles:
        hasher.update(orjson.dumps(replace(article, origin="")))
    for topic in taxonomy:
        hasher.update(orjson.dumps(topic))
    return hasher.hexdigest()
