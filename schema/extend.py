"""How plugins add to the GraphQL schema: root fields, types, `Article` fields, extensions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import update_wrapper

import strawberry
from graphql import GraphQLField, GraphQLNonNull, GraphQLObjectType, parse_type
from graphql.utilities import type_from_ast
from strawberry.extensions import SchemaExtension
from strawberry.schema.name_converter import NameConverter
from strawberry.types.base import get_object_definition

from newsgraph.engine.model import Article


class SchemaConflict(Exception):
    """Two contributors claim one name; the message names both."""


@dataclass(frozen=True, slots=True)
class ArticleField:
    """A field added to the GraphQL `Article` type, computed from the model article.

    `type` is a GraphQL type in SDL notation over the schema's types: `Int`, `[String!]`,
    `Provider`. The field is always nullable (an outer `!` is dropped), so that a resolver
    failing on one article gives null and one error for that article only. `resolve`
    receives the model `Article` and returns a value of that type.
    """

    name: str
    type: str
    resolve: Callable[[Article], object]
    description: str | None = None


@dataclass(frozen=True, slots=True)
class SchemaAddition:
    """What one plugin adds. `query` is a `@strawberry.type` whose fields join the root `Query`."""

    query: type | None = None
    types: Sequence[type] = ()
    article_fields: Sequence[ArticleField] = ()
    extensions: Sequence[Callable[[], SchemaExtension]] = field(default_factory=tuple)


def field_names(strawberry_type: type) -> set[str]:
    """The GraphQL names of a Strawberry type's fields."""
    definition = get_object_definition(strawberry_type, strict=True)
    return {NameConverter().get_graphql_name(f) for f in definition.fields}


def claim(owners: dict[str, str], names: set[str], owner: str, what: str) -> None:
    """Record `owner` for each name, or fail naming both claimants."""
    for name in sorted(names):
        if name in owners:
            raise SchemaConflict(f"{what} {name!r} is added by both {owners[name]} and {owner}")
        owners[name] = owner


def add_article_fields(schema: strawberry.Schema, fields: Sequence[ArticleField]) -> None:
    """Attach plugin fields to the built schema's `Article` type."""
    graphql_schema = schema._schema
    article = graphql_schema.type_map["Article"]
    assert isinstance(article, GraphQLObjectType)
    for added in fields:
        output = type_from_ast(graphql_schema, parse_type(added.type))
        if output is None:
            raise SchemaConflict(f"Article.{added.name}: unknown type {added.type!r}")
        if isinstance(output, GraphQLNonNull):
            output = output.of_type

        def resolve(root: Article, info: object, _field: ArticleField = added) -> object:
            return _field.resolve(root)

        # Marks the plugin's function as the one resolving, so that an `async` one is seen
        # (schema/synchronous.py) and keeps execution on the event loop.
        update_wrapper(resolve, added.resolve, assigned=(), updated=())
        article.fields[added.name] = GraphQLField(
            output,  # type: ignore[arg-type]
            resolve=resolve,
            description=added.description,
        )
