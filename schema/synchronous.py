"""Whether a built schema can execute without the event loop: no field resolver is `async`,
and no schema extension has an `async` hook. Only then may the server run Strawberry's
synchronous execution on a worker thread; anything else must run on the loop."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import strawberry
from graphql import GraphQLObjectType
from strawberry.extensions import SchemaExtension

# Every lifecycle hook of a Strawberry schema extension.
_HOOKS = ("on_operation", "on_validate", "on_parse", "on_execute", "resolve", "get_results")


def async_parts(schema: strawberry.Schema) -> list[str]:
    """What needs the event loop in `schema`, as `Type.field` and `Extension.hook` names:
    empty when queries and mutations can run to the end on any thread."""
    return [*_async_resolvers(schema), *_async_hooks(schema)]


def _async_resolvers(schema: strawberry.Schema) -> Iterator[str]:
    graphql_schema = schema._schema
    # Subscriptions are async generators by nature, and never run by `execute_sync`.
    subscription = graphql_schema.subscription_type
    for type_ in graphql_schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_ is subscription:
            continue
        for name, field in type_.fields.items():
            if field.resolve is not None and _is_async(field.resolve):
                yield f"{type_.name}.{name}"


def _async_hooks(schema: strawberry.Schema) -> Iterator[str]:
    for factory in schema.extensions:
        # Strawberry makes each request's extensions the same way: one call, no arguments.
        extension = factory if isinstance(factory, SchemaExtension) else factory()
        kind = type(extension)
        for hook in _HOOKS:
            if _is_async(getattr(kind, hook)):
                yield f"{kind.__qualname__}.{hook}"


def _is_async(function: Callable[..., Any]) -> bool:
    unwrapped = inspect.unwrap(function)
    return inspect.iscoroutinefunction(unwrapped) or inspect.isasyncgenfunction(unwrapped)
