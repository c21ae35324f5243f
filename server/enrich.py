"""Apply `enrich_article` patches: each plugin in turn, isolated from the others.

A patch maps `Article` attribute names to new values. A plugin that raises for an article, or
returns a patch that does not fit, leaves that article as it was; a plugin that hangs past the
timeout leaves every article as it was. Either way it is reported, and the others still run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from newsgraph.engine.model import Article, Image, Provider, Related
from newsgraph.engine.sources import Problem, Severity

_OPTIONAL_TEXT = (str, type(None))
_OPTIONAL_INT = (int, type(None))
# What a patch may change, and to what; ids, URLs and provenance stay the source's.
PATCHABLE: Mapping[str, tuple[type, ...]] = {
    "title": (str,),
    "excerpt": _OPTIONAL_TEXT,
    "category": _OPTIONAL_TEXT,
    "type": (str,),
    "quality": _OPTIONAL_INT,
    "heat": _OPTIONAL_INT,
    "published": (bool,),
    "featured_content": _OPTIONAL_TEXT,
    "published_date_time": (datetime,),
    "provider": (Provider,),
    "topics": (str,),
    "images": (Image,),
    "related": (Related,),
}
_SEQUENCES = {"topics", "images", "related"}


def apply_patch(article: Article, patch: Mapping[str, object]) -> Article:
    """The article with the patch applied; `ValueError` naming the key if it does not fit."""
    changes: dict[str, Any] = {}
    for key, value in patch.items():
        allowed = PATCHABLE.get(key)
        if allowed is None:
            raise ValueError(f"{key}: not a field an enricher may change")
        if key in _SEQUENCES:
            if isinstance(value, str) or not isinstance(value, Sequence):
                raise ValueError(f"{key}: expected a sequence")
            if not all(isinstance(item, allowed) for item in value):
                raise ValueError(f"{key}: expected items of type {allowed[0].__name__}")
            value = tuple(dict.fromkeys(value)) if key == "topics" else tuple(value)
            if key == "related":  # a related story is known by the article declaring it
                value = tuple(replace(item, referrer=article.id) for item in value)
        elif isinstance(value, bool) and bool not in allowed or not isinstance(value, allowed):
            raise ValueError(f"{key}: unexpected {type(value).__name__}")
        changes[key] = value
    return replace(article, **changes)


Enricher = Callable[..., Mapping[str, object] | None]


def enrich_with(
    name: str, enricher: Enricher, articles: list[Article]
) -> tuple[list[Article], Problem | None]:
    """Run one plugin over every article; failures leave articles unchanged."""
    failures = 0
    first: str | None = None
    enriched = []
    for article in articles:
        try:
            patch = enricher(article=article)
            enriched.append(article if not patch else apply_patch(article, patch))
        except Exception as error:  # one plugin's bug must not cost an article
            failures += 1
            first = first or f"{article.origin}: {error!r}"
            enriched.append(article)
    if not failures:
        return enriched, None
    message = f"enricher failed on {failures} of {len(articles)} articles; first: {first}"
    return enriched, Problem(f"plugin {name}", message, severity=Severity.WARNING, source=name)


async def enrich(
    articles: list[Article], enrichers: Sequence[tuple[str, Enricher]], timeout: float
) -> tuple[list[Article], list[Problem]]:
    """Apply every plugin's enricher in turn, each in a worker thread with a deadline."""
    problems = []
    for name, enricher in enrichers:
        try:
            articles, problem = await asyncio.wait_for(
                asyncio.to_thread(enrich_with, name, enricher, articles), timeout
            )
        except TimeoutError:
            problem = Problem(
                f"plugin {name}",
                f"enricher did not finish within {timeout:g} s; its changes are skipped",
                source=name,
            )
        if problem is not None:
            problems.append(problem)
    return articles, problems
