"""Build the Strawberry schema, with the limits that guard a public endpoint."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from newsgraph.schema.cost_limit import CostLimiter
from newsgraph.schema.errors import CodedSchema
from newsgraph.schema.extend import SchemaAddition, add_article_fields, claim, field_names
from newsgraph.schema.limits import DEFAULT_LIMITS, Limits
from newsgraph.schema.no_introspection import NoIntrospection
from newsgraph.schema.query import Query
from newsgraph.schema.scalars import SCALAR_MAP
from newsgraph.schema.subscription import Subscription
from newsgraph.schema.types import Article
from newsgraph.schema.validation import NamedValueErrors

SDL_PATH = Path(__file__).with_name("schema.graphql")


def build_schema(
    limits: Limits = DEFAULT_LIMITS, additions: Sequence[tuple[str, SchemaAddition]] = ()
) -> strawberry.Schema:
    """The schema, with what each named plugin adds; a name claimed twice is `SchemaConflict`."""
    root_fields = dict.fromkeys(field_names(Query), "newsgraph")
    article_fields = dict.fromkeys(field_names(Article), "newsgraph")
    queries: list[type] = [Query]
    types: list[type] = []
    # Factories: Strawberry builds fresh extensions per request; the two caches live at
    # module level, so they are shared all the same.
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        NamedValueErrors,
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        # After the validation cache, which would overwrite the errors this one reports.
        lambda: CostLimiter(limits),
    ]
    if not limits.introspection:
        extensions.append(lambda: AddValidationRules([NoIntrospection]))
    for plugin, addition in additions:
        if addition.query is not None:
            claim(root_fields, field_names(addition.query), f"plugin {plugin!r}", "Query field")
            queries.append(addition.query)
        names = {f.name for f in addition.article_fields}
        claim(article_fields, names, f"plugin {plugin!r}", "Article field")
        types.extend(addition.types)
        extensions.extend(addition.extensions)

    query = queries[0] if len(queries) == 1 else merge_types("Query", tuple(queries))
    schema = CodedSchema(
        query=query,
        subscription=Subscription,
        types=types,
        extensions=extensions,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
    )
    add_article_fields(schema, [f for _, a in additions for f in a.article_fields])
    return schema


def sdl() -> str:
    """The core schema in GraphQL SDL, as committed in `schema/schema.graphql`."""
    return build_schema().as_str() + "\n"
