"""Literal values that do not fit their type are refused with the argument named.

graphql-core's message says what is wrong with a literal (`Expected value of type 'DateTime'
...`) and where it is in the text, but not which argument it was given for; a variable's does
name the variable. `NamedValueErrors` swaps the rule for one whose messages start with the
argument and the input fields within it: `filter.since: Expected value of type ...`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    GraphQLError,
    ListValueNode,
    Node,
    ObjectValueNode,
    ValueNode,
    ValuesOfCorrectTypeRule,
)
from strawberry.extensions import SchemaExtension


class NamedValuesOfCorrectTypeRule(ValuesOfCorrectTypeRule):
    """`ValuesOfCorrectTypeRule`, its errors naming the argument and input field."""

    _argument: ArgumentNode | None = None

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self._argument = node

    def leave_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self._argument = None

    def report_error(self, error: GraphQLError) -> None:
        argument = self._argument
        path = (
            None
            if argument is None or not error.nodes
            else _path_to(argument.value, error.nodes[0])
        )
        if argument is None or path is None:
            return super().report_error(error)
        name = argument.name.value + "".join(path)
        super().report_error(
            GraphQLError(
                f"{name}: {error.message}",
                error.nodes,
                original_error=error.original_error,
                extensions=error.extensions,
            )
        )


def _path_to(value: ValueNode, target: Node) -> list[str] | None:
    """Where `target` lies within a literal, as `.field` and `[index]` steps."""
    if value is target:
        return []
    if isinstance(value, ObjectValueNode):
        for field in value.fields:
            found = _path_to(field.value, target)
            if found is not None:
                return [f".{field.name.value}", *found]
    elif isinstance(value, ListValueNode):
        for index, item in enumerate(value.values):
            found = _path_to(item, target)
            if found is not None:
                return [f"[{index}]", *found]
    return None


class NamedValueErrors(SchemaExtension):
    """Validates with `NamedValuesOfCorrectTypeRule` in place of graphql-core's rule."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = tuple(
            NamedValuesOfCorrectTypeRule if rule is ValuesOfCorrectTypeRule else rule
            for rule in context.validation_rules
        )
        yield
