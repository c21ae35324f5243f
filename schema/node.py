"""Relay Global Object Identification: the `Node` interface, global ids, and finding an object
again by its global id.

A global id is the base64 of `Type:key`, where the key is what identifies the object in the
catalog: an article's id, a topic's slug, a provider's domain, and for a related story the id of
the article declaring it and its own URL's id. Keys come from the content, so an id stays the
same across reloads and processes. Strawberry's `relay` module is built around roots that are
Strawberry types; ours are the content model's objects, so this small module does the part we
need.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLResolveInfo

from newsgraph.engine import model
from newsgraph.engine.catalog import Catalog, TopicEntry
from newsgraph.schema.fields import field


@strawberry.interface(description="An object with a global id, by which `node(id:)` finds it.")
class Node:
    @field("Opaque and stable across reloads: keep it, and pass it to `node(id:)`.")
    def id(self, parent: strawberry.Parent[Any]) -> strawberry.ID:
        raise NotImplementedError  # each implementation has its own; this one is never called


def global_id(type_name: str, key: str) -> strawberry.ID:
    # binascii rather than base64.b64encode: a third of the time, for every article given out.
    text = binascii.b2a_base64(f"{type_name}:{key}".encode(), newline=False)
    return strawberry.ID(text.decode("ascii"))


def parse_global_id(value: str) -> tuple[str, str] | None:
    """The type name and key in a global id; None when `value` is not one."""
    try:
        text = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    type_name, colon, key = text.partition(":")
    return (type_name, key) if colon and type_name in _FINDERS else None


def key_of(value: str, type_name: str) -> str:
    """The key in a global id of `type_name`, or `value` itself, taken as a key: arguments that
    took keys before ids became global take either."""
    parsed = parse_global_id(value)
    return parsed[1] if parsed is not None and parsed[0] == type_name else value


def article_id(article: model.Article) -> strawberry.ID:
    return global_id("Article", article.id)


def topic_id(entry: TopicEntry) -> strawberry.ID:
    return global_id("Topic", entry.topic.id)


def provider_id(provider: model.Provider) -> strawberry.ID:
    return global_id("Provider", provider.domain)


def related_id(related: model.Related) -> strawberry.ID:
    return global_id("Related", f"{related.referrer}/{model.article_id(related.links.canonical)}")


def _related(catalog: Catalog, key: str) -> model.Related | None:
    referrer, _, story = key.partition("/")
    article = catalog.article(referrer)
    if article is None:
        return None
    return next((r for r in article.related if model.article_id(r.links.canonical) == story), None)


def _provider(catalog: Catalog, domain: str) -> model.Provider | None:
    entry = catalog.provider(domain)
    return None if entry is None else entry.provider


_FINDERS: dict[str, Callable[[Catalog, str], object | None]] = {
    "Article": Catalog.article,
    "Topic": lambda catalog, slug: catalog.topic(id=slug),
    "Provider": _provider,
    "Related": _related,
}


def find(catalog: Catalog, value: str) -> object | None:
    """The object a global id stands for, or None when the catalog has no such object (any
    more); `ValueError` when `value` is not a global id at all."""
    parsed = parse_global_id(value)
    if parsed is None:
        raise ValueError(f"{value!r} is not a global id given out by this API")
    type_name, key = parsed
    return _FINDERS[type_name](catalog, key)


def represents(model_type: type) -> Callable[[object, GraphQLResolveInfo[Any]], bool]:
    """An `is_type_of` for a GraphQL type whose root values are `model_type` objects: it tells
    Strawberry which object type a `Node` is. (Read from the class, a function stays plain.)"""

    def is_type_of(value: object, _info: GraphQLResolveInfo[Any]) -> bool:
        return isinstance(value, model_type)

    return is_type_of
