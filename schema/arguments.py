"""A field's arguments worked out once per plan of the direct executor, and per request only
where a variable gives them."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import (
    ArgumentNode,
    FieldNode,
    GraphQLField,
    GraphQLNonNull,
    ListValueNode,
    ObjectValueNode,
    ValueNode,
    VariableNode,
)
from graphql.execution.values import VariableValues, get_argument_values
from strawberry.types.arguments import StrawberryArgument, convert_argument, convert_arguments
from strawberry.types.base import StrawberryMaybe, StrawberryOptional
from strawberry.types.enum import has_enum_definition
from strawberry.types.field import StrawberryField

# Python types of the built-in scalars that Strawberry passes through as they are (`ID` is a
# `str` subclass, and converting would not make one either).
_BUILT_IN_SCALARS = (str, int, float, bool)


class Arguments:
    """A field's arguments worked out once per plan: those given as literals (or left to
    their defaults) converted already, those given as a whole variable converted per request
    by Strawberry's own conversion. Resolvers treat their arguments as read-only, so the
    converted literals are shared."""

    __slots__ = ("schema", "fixed", "variables")

    def __init__(
        self,
        schema: strawberry.Schema,
        fixed: dict[str, Any],
        variables: tuple[tuple[str, str, StrawberryArgument | None, bool], ...],
    ) -> None:
        self.schema = schema
        self.fixed = fixed
        # (python name, variable name, argument to convert or None when its value is already
        # what the resolver takes, non-null)
        self.variables = variables

    @classmethod
    def of(
        cls,
        schema: strawberry.Schema,
        definition: StrawberryField,
        field: GraphQLField,
        node: FieldNode,
    ) -> Arguments | None:
        """None when some argument has a variable inside a literal (the general path)."""
        by_name = {
            schema.config.name_converter.from_argument(argument): argument
            for argument in definition.arguments
        }
        literal: list[ArgumentNode] = []
        variables: list[tuple[str, str, StrawberryArgument | None, bool]] = []
        for given in node.arguments or ():
            if isinstance(given.value, VariableNode):
                name = given.name.value
                argument = by_name[name]
                non_null = isinstance(field.args[name].type, GraphQLNonNull)
                converted = None if _taken_as_coerced(argument) else argument
                variables.append(
                    (argument.python_name, given.value.name.value, converted, non_null)
                )
            elif has_variable(given.value):
                return None
            else:
                literal.append(given)
        dynamic = {given.name.value for given in node.arguments or ()} - {
            given.name.value for given in literal
        }
        fixed_arguments = [a for name, a in by_name.items() if name not in dynamic]
        # The field as if it had only the arguments not given by a variable.
        literal_field = GraphQLField(
            field.type, {name: a for name, a in field.args.items() if name not in dynamic}
        )
        values = get_argument_values(
            literal_field, FieldNode(name=node.name, arguments=tuple(literal), directives=())
        )
        fixed = convert_arguments(
            values,
            fixed_arguments,
            scalar_registry=schema.schema_converter.scalar_registry,
            config=schema.config,
        )
        return cls(schema, fixed, tuple(variables))

    def given(self, variables: VariableValues) -> dict[str, Any] | None:
        """The keyword arguments for one request; None when a variable was not given (its
        argument then takes its default) or is null where the argument may not be: the
        general path works those out."""
        coerced = variables.coerced
        kwargs = dict(self.fixed)
        schema = self.schema
        for python_name, name, argument, non_null in self.variables:
            value = coerced.get(name)
            if value is None and (non_null or name not in coerced):
                return None
            if argument is None:
                kwargs[python_name] = value
                continue
            kwargs[python_name] = convert_argument(
                value,
                argument.type,
                scalar_registry=schema.schema_converter.scalar_registry,
                config=schema.config,
            )
        return kwargs


def _taken_as_coerced(argument: StrawberryArgument) -> bool:
    """Whether Strawberry's conversion would hand the resolver graphql-core's coerced value
    unchanged: built-in scalars and enums (whose coerced value is the Python member)."""
    type_ = argument.type
    if isinstance(type_, StrawberryOptional) and not isinstance(type_, StrawberryMaybe):
        type_ = type_.of_type
    return type_ in _BUILT_IN_SCALARS or has_enum_definition(type_)


def has_variable(value: ValueNode) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(map(has_variable, value.values))
    if isinstance(value, ObjectValueNode):
        return any(has_variable(field.value) for field in value.fields)
    return False
